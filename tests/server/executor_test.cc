// The services' storage thread pool (server/executor.h): every task runs,
// Stop runs what is still queued before it returns, and a task submitted
// after Stop still runs (it may be what finishes a call).
#include "server/executor.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

namespace inspectsync::server {
namespace {

TEST(ExecutorTest, RunsEveryTaskFromManySubmitters) {
  std::atomic<int> ran{0};
  {
    Executor ex(4);
    std::vector<std::thread> submitters;
    for (int t = 0; t < 4; ++t)
      submitters.emplace_back([&] {
        for (int i = 0; i < 250; ++i) ex.Submit([&] { ++ran; });
      });
    for (auto& t : submitters) t.join();
  }  // the destructor stops: everything queued has run
  EXPECT_EQ(ran.load(), 1000);
}

TEST(ExecutorTest, TasksRunOffTheSubmittingThreadAndConcurrently) {
  Executor ex(2);
  std::mutex mu;
  std::condition_variable cv;
  int inside = 0;
  bool both = false;
  std::thread::id caller = std::this_thread::get_id(), seen;
  for (int i = 0; i < 2; ++i)
    ex.Submit([&] {
      std::unique_lock<std::mutex> lock(mu);
      seen = std::this_thread::get_id();
      if (++inside == 2) both = true;
      cv.notify_all();
      cv.wait(lock, [&] { return both; });  // only returns if the other task runs at the same time
    });
  ex.Stop();
  EXPECT_TRUE(both);
  EXPECT_NE(seen, caller);
}

TEST(ExecutorTest, StopRunsWhatIsQueuedAndLaterTasksRunOnTheCaller) {
  Executor ex(1);
  std::mutex mu;
  std::condition_variable cv;
  bool release = false;
  std::atomic<int> ran{0};
  ex.Submit([&] {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return release; });
    ++ran;
  });
  for (int i = 0; i < 10; ++i) ex.Submit([&] { ++ran; });  // queued behind the blocked task
  std::thread stopper([&] { ex.Stop(); });
  {
    std::lock_guard<std::mutex> lock(mu);
    release = true;
  }
  cv.notify_all();
  stopper.join();
  EXPECT_EQ(ran.load(), 11);

  std::thread::id where;
  ex.Submit([&] { where = std::this_thread::get_id(); });
  EXPECT_EQ(where, std::this_thread::get_id());
  ex.Stop();  // idempotent
}

}  // namespace
}  // namespace inspectsync::server
