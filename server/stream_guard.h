// StreamGuard: the limits every server stream lives under, so that clients
// that stop reading, or open streams without end, cost the server bounded
// memory and file handles and are cut off (issue 15, docs/GUARANTEES.md
// "Memory bounded by page size").
//
//   - at most max_per_caller open streams per user and device (pulls,
//     watches, exports, downloads, uploads): the next is RESOURCE_EXHAUSTED;
//   - at most max_buffered_bytes of messages handed to gRPC and not yet
//     taken by their clients, all streams together: a stream that would pass
//     it ends with RESOURCE_EXHAUSTED (the first message of an empty buffer
//     always goes, so one big page cannot block every stream);
//   - a stream whose client has left a write (or, uploading, a read) pending
//     for stall_ms is cancelled: a reader that stopped reading holds its page
//     for that long at most;
//   - a stream of bounded length (everything but a watch) is cancelled once
//     it has run max_call_ms while blocked; one that is not blocked sees
//     CheckDeadline fail at its next step and ends with DEADLINE_EXCEEDED
//     and a message.
// A watchdog thread checks the clocks every tick_ms. Nothing here knows
// gRPC: a stream is opened with the function that cancels it.
//
// Thread-safety: StreamGuard and Stream are safe to use from any thread. A
// Stream's cancel function is never called after Close() returns.
#ifndef INSPECTSYNC_SERVER_STREAM_GUARD_H_
#define INSPECTSYNC_SERVER_STREAM_GUARD_H_

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "core/clock.h"
#include "inspectsync/status.h"

namespace inspectsync::server {

struct StreamLimits {
  int max_per_caller = 8;                         // 0 = no limit
  size_t max_buffered_bytes = size_t{256} << 20;  // 0 = no limit
  int64_t stall_ms = 60'000;                      // 0 = never cancelled for it
  int64_t max_call_ms = 600'000;                  // bounded streams; 0 = no limit
  int64_t tick_ms = 250;                          // 0 = no watchdog thread (tests call Tick())
  core::Clock* clock = core::SteadyClock();
};

class StreamGuard {
 public:
  struct State;  // one open stream, shared with the watchdog

  // One open stream; closes itself when destroyed.
  class Stream {
   public:
    ~Stream() { Close(); }
    Stream(const Stream&) = delete;
    Stream& operator=(const Stream&) = delete;

    // Before a write of `bytes`: reserves them in the server's buffer and
    // starts the stall clock. RESOURCE_EXHAUSTED (nothing reserved) when
    // the buffer is full.
    Status BeginWrite(size_t bytes);
    // After the write completed (or failed): releases its bytes.
    void EndWrite();
    // Around a read the client must complete (an upload's next message).
    void BeginRead();
    void EndRead();
    // DEADLINE_EXCEEDED once a bounded stream has run max_call_ms.
    Status CheckDeadline() const;
    // Unregisters the stream; after it returns the cancel function is never
    // called. Idempotent.
    void Close();

   private:
    friend class StreamGuard;
    explicit Stream(std::shared_ptr<State> state) : state_(std::move(state)) {}
    std::shared_ptr<State> state_;
  };

  struct Stats {
    size_t open = 0;
    size_t buffered_bytes = 0;
    uint64_t refused_per_caller = 0;
    uint64_t refused_buffer = 0;
    uint64_t cancelled_stalled = 0;
    uint64_t cancelled_overtime = 0;
  };

  explicit StreamGuard(StreamLimits limits = {});
  ~StreamGuard();  // stops the watchdog; every stream must be closed by then
  StreamGuard(const StreamGuard&) = delete;
  StreamGuard& operator=(const StreamGuard&) = delete;

  // Opens a stream of `method` for `user` on `device`; RESOURCE_EXHAUSTED
  // naming the limit if they have max_per_caller open. `bounded`: the stream
  // must end within max_call_ms. `cancel` ends the call from outside (gRPC's
  // TryCancel); it must not block.
  StatusOr<std::unique_ptr<Stream>> Open(const std::string& method, const std::string& user,
                                         const std::string& device, bool bounded, std::function<void()> cancel);

  // One watchdog pass: cancels stalled and overtime streams.
  void Tick();
  Stats stats() const;
  const StreamLimits& limits() const { return limits_; }

 private:
  void Release(State* s);  // REQUIRES: mu_ held
  void WatchdogLoop();

  const StreamLimits limits_;
  mutable std::mutex mu_;
  std::set<std::shared_ptr<State>> open_;
  std::map<std::string, int> per_caller_;
  size_t buffered_ = 0;
  Stats counts_;
  bool stop_ = false;
  std::condition_variable cv_;
  std::thread watchdog_;
};

}  // namespace inspectsync::server

#endif  // INSPECTSYNC_SERVER_STREAM_GUARD_H_
