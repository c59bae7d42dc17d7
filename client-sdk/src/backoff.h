// Retry delay after consecutive failures: exponential with "equal jitter".
// The delay doubles per failure from `base` up to `cap`, and a random point
// in its upper half is taken, so many tablets that lost the network together
// do not come back in lockstep, and no retry comes sooner than half the
// nominal delay.
#ifndef INSPECTSYNC_CLIENT_SDK_SRC_BACKOFF_H_
#define INSPECTSYNC_CLIENT_SDK_SRC_BACKOFF_H_

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <random>

namespace inspectsync::client_internal {

// The delay before the next attempt, nominal = min(cap, base * 2^(failures-1)),
// drawn from [nominal/2, nominal]. REQUIRES: failures >= 1.
inline std::chrono::milliseconds BackoffDelay(int failures, std::chrono::milliseconds base,
                                              std::chrono::milliseconds cap, std::mt19937_64& rng) {
  int64_t b = std::max<int64_t>(base.count(), 1);
  int64_t c = std::max<int64_t>(cap.count(), b);
  int shift = std::clamp(failures - 1, 0, 62);
  // Doubling stops as soon as the cap is reached: no overflow for any count.
  int64_t nominal = b;
  for (int i = 0; i < shift && nominal < c; ++i) nominal *= 2;
  nominal = std::min(nominal, c);
  std::uniform_int_distribution<int64_t> upper_half(nominal / 2, nominal);
  return std::chrono::milliseconds(upper_half(rng));
}

}  // namespace inspectsync::client_internal

#endif  // INSPECTSYNC_CLIENT_SDK_SRC_BACKOFF_H_
