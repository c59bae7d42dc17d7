// A fixed pool of threads for the services' storage work that blocks: a push
// waits until the group commit that holds it is durable.
//
// Why not gRPC's own threads: the callback API runs every handler on its
// "nexting" threads, of which there are max(2, cores / 2). A push blocks its
// thread until the group commit that holds it is durable; with two such
// threads, two pushes were in flight at any moment, so 200 tablets syncing at
// once made ~100 commits one after the other, and every pull queued behind
// them. Handing pushes to this pool keeps gRPC's threads for the network
// and pulls, and lets as many pushes as there are pool threads meet in one
// commit.
#ifndef INSPECTSYNC_SERVER_EXECUTOR_H_
#define INSPECTSYNC_SERVER_EXECUTOR_H_

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace inspectsync::server {

class Executor {
 public:
  explicit Executor(size_t threads) {
    if (threads == 0) threads = 1;
    for (size_t i = 0; i < threads; ++i) workers_.emplace_back([this] { Loop(); });
  }
  ~Executor() { Stop(); }
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  // Runs `task` on a pool thread, in submission order among waiting tasks.
  // After Stop() it runs on the caller's thread (nothing is ever dropped: a
  // task may be what finishes a call).
  void Submit(std::function<void()> task) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!stopping_) {
        queue_.push_back(std::move(task));
        cv_.notify_one();
        return;
      }
    }
    task();
  }

  // Runs what is queued, then joins the threads. Idempotent.
  void Stop() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) return;
      stopping_ = true;
    }
    cv_.notify_all();
    for (auto& t : workers_) t.join();
  }

 private:
  void Loop() {
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and nothing left to run
      std::function<void()> task = std::move(queue_.front());
      queue_.pop_front();
      lock.unlock();
      task();
      lock.lock();
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace inspectsync::server

#endif  // INSPECTSYNC_SERVER_EXECUTOR_H_
