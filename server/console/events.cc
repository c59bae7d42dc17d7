#include "server/console/events.h"

namespace inspectsync::server::console {

HeadWatch::HeadWatch(SyncEngine* engine) : engine_(engine) {
  listener_ = engine_->AddCommitListener([this] {
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++commits_;
    }
    cv_.notify_all();
  });
}

HeadWatch::~HeadWatch() {
  engine_->RemoveCommitListener(listener_);
  Stop();
}

uint64_t HeadWatch::commits() {
  std::lock_guard<std::mutex> lock(mu_);
  return commits_;
}

bool HeadWatch::WaitPast(uint64_t seen, std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_for(lock, timeout, [&] { return stopped_ || commits_ > seen; });
  return !stopped_;
}

bool HeadWatch::Sleep(std::chrono::milliseconds pause) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_for(lock, pause, [&] { return stopped_; });
  return !stopped_;
}

void HeadWatch::Poke() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++commits_;
  }
  cv_.notify_all();
}

void HeadWatch::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopped_ = true;
  }
  cv_.notify_all();
}

bool HeadWatch::stopped() {
  std::lock_guard<std::mutex> lock(mu_);
  return stopped_;
}

uint64_t HeadWatch::Head() {
  auto head = engine_->store()->Head();
  return head.ok() ? *head : 0;
}

}  // namespace inspectsync::server::console
