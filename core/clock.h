// Clock: the seam for wall time. Production code takes a Clock*, tests and the
// simulation pass a ManualClock they move by hand (skew, jumps, stops).
#ifndef INSPECTSYNC_CORE_CLOCK_H_
#define INSPECTSYNC_CORE_CLOCK_H_

#include <atomic>
#include <cstdint>

namespace inspectsync::core {

class Clock {
 public:
  virtual ~Clock() = default;
  // Milliseconds since the unix epoch. May jump backwards (tablets).
  virtual int64_t NowMillis() = 0;
};

// The real wall clock. Thread-safe. Never destroyed.
Clock* SystemClock();
// Milliseconds since an unspecified start, never going backwards: for
// timeouts, which a wall clock set back or forward must not cut short or
// stretch. Thread-safe. Never destroyed.
Clock* SteadyClock();

// A clock that only moves when told. Thread-safe.
class ManualClock : public Clock {
 public:
  explicit ManualClock(int64_t start_ms = 1'767'225'600'000) : now_(start_ms) {}  // 2026-01-01
  int64_t NowMillis() override { return now_.load(); }
  void Set(int64_t ms) { now_.store(ms); }
  void Advance(int64_t ms) { now_.fetch_add(ms); }

 private:
  std::atomic<int64_t> now_;
};

}  // namespace inspectsync::core

#endif  // INSPECTSYNC_CORE_CLOCK_H_
