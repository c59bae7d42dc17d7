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

// A name-based UUID (version 8 layout, RFC 4122 variant): the same `name`
// gives the same id on every device and platform. For records whose identity
// is a name rather than a moment of creation: a template version
// (TemplateRecordId), a zone or site the office knows by its code
// (ImportRecordId), so publishing or importing twice collides
// (ALREADY_EXISTS) instead of making a second record. Not secret: anyone who
// knows the name knows the id.
std::string NameBasedUuid(std::string_view name);

// The id of the record of `collection` the office knows by `code` (e.g. a
// site's code in the district's register): NameBasedUuid of
// "inspectsync/<collection>/<code>".
std::string ImportRecordId(std::string_view collection, std::string_view code);

}  // namespace inspectsync::core

#endif  // INSPECTSYNC_CORE_IDS_H_
