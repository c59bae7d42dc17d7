#include "server/stream_guard.h"

#include <vector>

#include "server/log.h"

namespace inspectsync::server {

struct StreamGuard::State {
  StreamGuard* guard = nullptr;
  std::string method, user, device, caller_key;
  bool bounded = false;
  int64_t opened_ms = 0;
  // Guarded by guard->mu_.
  bool closed = false;
  size_t reserved = 0;
  bool pending = false;  // a write or read the client has to complete
  int64_t pending_since_ms = 0;
  bool cancel_sent = false;
  // Recursive: gRPC may run the call's completion (and so Close) inline
  // inside TryCancel, on the watchdog thread that holds it.
  std::recursive_mutex cancel_mu;
  std::function<void()> cancel;  // guarded by cancel_mu; null once closed
};

namespace {

std::string Seconds(int64_t ms) { return std::to_string(ms / 1000) + " s"; }

}  // namespace

StreamGuard::StreamGuard(StreamLimits limits) : limits_(limits) {
  if (limits_.tick_ms > 0) watchdog_ = std::thread([this] { WatchdogLoop(); });
}

StreamGuard::~StreamGuard() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (watchdog_.joinable()) watchdog_.join();
}

StatusOr<std::unique_ptr<StreamGuard::Stream>> StreamGuard::Open(const std::string& method, const std::string& user,
                                                                 const std::string& device, bool bounded,
                                                                 std::function<void()> cancel) {
  auto state = std::make_shared<State>();
  state->guard = this;
  state->method = method;
  state->user = user;
  state->device = device;
  state->caller_key = user + '\n' + device;
  state->bounded = bounded;
  state->opened_ms = limits_.clock->NowMillis();
  state->cancel = std::move(cancel);
  std::lock_guard<std::mutex> lock(mu_);
  int& count = per_caller_[state->caller_key];
  if (limits_.max_per_caller > 0 && count >= limits_.max_per_caller) {
    ++counts_.refused_per_caller;
    return Status(StatusCode::kResourceExhausted,
                  "this user and device already have " + std::to_string(count) +
                      " streams open (pulls, watches, exports, photo transfers); the server allows " +
                      std::to_string(limits_.max_per_caller) +
                      " per user and device (--max-streams-per-caller): finish one, or try again shortly");
  }
  ++count;
  open_.insert(state);
  return std::unique_ptr<Stream>(new Stream(std::move(state)));
}

void StreamGuard::Release(State* s) {
  buffered_ -= s->reserved;
  s->reserved = 0;
  s->pending = false;
}

Status StreamGuard::Stream::BeginWrite(size_t bytes) {
  StreamGuard* g = state_->guard;
  std::lock_guard<std::mutex> lock(g->mu_);
  const size_t max = g->limits_.max_buffered_bytes;
  if (max > 0 && g->buffered_ > 0 && g->buffered_ + bytes > max) {
    ++g->counts_.refused_buffer;
    return Status(StatusCode::kResourceExhausted,
                  "the server holds " + std::to_string(g->buffered_ >> 20) +
                      " MiB of messages its clients have not read yet, the most it buffers (--max-buffered-mb " +
                      std::to_string(max >> 20) + "); try again shortly");
  }
  g->buffered_ += bytes;
  state_->reserved += bytes;
  state_->pending = true;
  state_->pending_since_ms = g->limits_.clock->NowMillis();
  return Status::Ok();
}

void StreamGuard::Stream::EndWrite() {
  std::lock_guard<std::mutex> lock(state_->guard->mu_);
  state_->guard->Release(state_.get());
}

void StreamGuard::Stream::BeginRead() {
  StreamGuard* g = state_->guard;
  std::lock_guard<std::mutex> lock(g->mu_);
  state_->pending = true;
  state_->pending_since_ms = g->limits_.clock->NowMillis();
}

void StreamGuard::Stream::EndRead() {
  std::lock_guard<std::mutex> lock(state_->guard->mu_);
  state_->pending = false;
}

Status StreamGuard::Stream::CheckDeadline() const {
  const StreamLimits& l = state_->guard->limits_;
  if (!state_->bounded || l.max_call_ms <= 0) return Status::Ok();
  if (l.clock->NowMillis() - state_->opened_ms < l.max_call_ms) return Status::Ok();
  return Status(StatusCode::kDeadlineExceeded,
                state_->method + " ran longer than the server's limit of " + Seconds(l.max_call_ms) +
                    " per call (--max-call-s); what was received is kept: call again to resume");
}

void StreamGuard::Stream::Close() {
  if (!state_) return;
  {
    std::lock_guard<std::recursive_mutex> lock(state_->cancel_mu);
    state_->cancel = nullptr;
  }
  StreamGuard* g = state_->guard;
  std::lock_guard<std::mutex> lock(g->mu_);
  if (!state_->closed) {
    state_->closed = true;
    g->Release(state_.get());
    auto it = g->per_caller_.find(state_->caller_key);
    if (it != g->per_caller_.end() && --it->second <= 0) g->per_caller_.erase(it);
    g->open_.erase(state_);
  }
}

void StreamGuard::Tick() {
  const int64_t now = limits_.clock->NowMillis();
  std::vector<std::pair<std::shared_ptr<State>, std::string>> victims;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& s : open_) {
      if (s->cancel_sent || !s->pending) continue;
      std::string why;
      if (limits_.stall_ms > 0 && now - s->pending_since_ms >= limits_.stall_ms) {
        ++counts_.cancelled_stalled;
        why = "its client has not taken the next message for " + Seconds(now - s->pending_since_ms) +
              " (--stall-timeout-s " + Seconds(limits_.stall_ms) + ")";
      } else if (s->bounded && limits_.max_call_ms > 0 && now - s->opened_ms >= limits_.max_call_ms) {
        ++counts_.cancelled_overtime;
        why = "it ran past the limit of " + Seconds(limits_.max_call_ms) + " per call (--max-call-s)";
      } else {
        continue;
      }
      s->cancel_sent = true;
      victims.emplace_back(s, std::move(why));
    }
  }
  // Outside mu_: a cancel may complete the call inline, and its Close takes mu_.
  for (auto& [s, why] : victims) {
    {
      std::lock_guard<std::recursive_mutex> lock(s->cancel_mu);
      // A copy: an inline Close() clears s->cancel while it runs.
      std::function<void()> cancel = s->cancel;
      if (cancel) cancel();
    }
    LogLimited("stream-cancelled", "cancelled " + s->method + " of user " + s->user + " on device " + s->device +
                                       ": " + why);
  }
}

StreamGuard::Stats StreamGuard::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  Stats s = counts_;
  s.open = open_.size();
  s.buffered_bytes = buffered_;
  return s;
}

void StreamGuard::WatchdogLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!cv_.wait_for(lock, std::chrono::milliseconds(limits_.tick_ms), [&] { return stop_; })) {
    lock.unlock();
    Tick();
    lock.lock();
  }
}

}  // namespace inspectsync::server
