#include "core/clock.h"

#include <chrono>

namespace inspectsync::core {

namespace {

template <class StdClock>
class ChronoClock : public Clock {
 public:
  int64_t NowMillis() override {
    using namespace std::chrono;
    return duration_cast<milliseconds>(StdClock::now().time_since_epoch()).count();
  }
};

}  // namespace

Clock* SystemClock() {
  static Clock* const clock = new ChronoClock<std::chrono::system_clock>();
  return clock;
}

Clock* SteadyClock() {
  static Clock* const clock = new ChronoClock<std::chrono::steady_clock>();
  return clock;
}

}  // namespace inspectsync::core
