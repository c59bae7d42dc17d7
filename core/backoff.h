// Retry delay after consecutive failures: exponential with "equal jitter".
// The delay doubles per failure from `base` up to `cap`, and a random point
// in its upper half is taken, so many tablets that lost the network together
// (or webhook endpoints that failed together) do not come back in lockstep,
// and no retry comes sooner than half the nominal delay. Used by the SDK's
// background sync and the server's webhook delivery.
//
// Thread-safety: pure, but `rng` is the caller's (guard it if shared).
#ifndef INSPECTSYNC_CORE_BACKOFF_H_
#define INSPECTSYNC_CORE_BACKOFF_H_

#include <chrono>
#include <cstdint>
#include <random>

namespace inspectsync::core {

// nominal = min(cap, base * 2^(failures-1)), the delay drawn from
// [nominal/2, nominal], in milliseconds. base is at least 1 ms and cap at
// least base. failures < 1 counts as 1.
int64_t BackoffDelayMs(int64_t failures, int64_t base_ms, int64_t cap_ms, std::mt19937_64& rng);

inline std::chrono::milliseconds BackoffDelay(int failures, std::chrono::milliseconds base,
                                              std::chrono::milliseconds cap, std::mt19937_64& rng) {
  return std::chrono::milliseconds(BackoffDelayMs(failures, base.count(), cap.count(), rng));
}

}  // namespace inspectsync::core

#endif  // INSPECTSYNC_CORE_BACKOFF_H_
