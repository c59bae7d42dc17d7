#include "core/backoff.h"

#include <algorithm>

namespace inspectsync::core {

int64_t BackoffDelayMs(int64_t failures, int64_t base_ms, int64_t cap_ms, std::mt19937_64& rng) {
  const int64_t base = std::max<int64_t>(base_ms, 1);
  const int64_t cap = std::max<int64_t>(cap_ms, base);
  const int64_t shift = std::clamp<int64_t>(failures - 1, 0, 62);
  // Doubling stops at the cap, and never overflows on the way to it.
  int64_t nominal = base;
  for (int64_t i = 0; i < shift && nominal < cap; ++i) nominal = nominal > cap / 2 ? cap : nominal * 2;
  std::uniform_int_distribution<int64_t> upper_half(nominal / 2, nominal);
  return upper_half(rng);
}

}  // namespace inspectsync::core
