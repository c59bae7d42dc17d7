// Record and device ids: UUIDv7 (RFC 9562), made on the device so creation
// works offline, and time-ordered so B-tree inserts stay local.
//
// Thread-safety: IdGenerator is safe to use from several threads.
#ifndef INSPECTSYNC_CORE_IDS_H_
#define INSPECTSYNC_CORE_IDS_H_

#include <cstdint>
#include <mutex>
#include <random>
#include <string>
#include <string_view>

#include "core/clock.h"

namespace inspectsync::core {

class IdGenerator {
 public:
  // seed 0 draws a seed from std::random_device; the simulation passes its own.
  explicit IdGenerator(Clock* clock = SystemClock(), uint64_t seed = 0);
  // Canonical lowercase "xxxxxxxx-xxxx-7xxx-yxxx-xxxxxxxxxxxx".
  std::string NewUuidV7();

 private:
  Clock* clock_;
  std::mutex mu_;
  std::mt19937_64 rng_;
};

// Process-wide generator on the system clock.
std::string NewUuidV7();

// True for a canonical lowercase UUID of any version (8-4-4-4-12 hex).
bool IsUuid(std::string_view s);

}  // namespace inspectsync::core

#endif  // INSPECTSYNC_CORE_IDS_H_
