// Validation of everything a device sends, before anything is read or
// written. A failed check names the field and the rule, in words a person can
// act on, and maps to a RejectCode so clients can react by machine too.
#ifndef INSPECTSYNC_CORE_VALIDATE_H_
#define INSPECTSYNC_CORE_VALIDATE_H_

#include <cstdint>
#include <string>

#include "core/rejection.h"
#include "core/schema.h"
#include "inspectsync/status.h"
#include "inspectsync/v1/sync.pb.h"

namespace inspectsync::core {

struct ValidationLimits {
  // How far in the future a mutation's HLC may be relative to the server's
  // wall clock. Tablets' clocks are often wrong; too far ahead would let one
  // device win every LWW race for hours.
  int64_t max_clock_drift_ms = 15 * 60 * 1000;
  // A server-wide cap on every string value, below the schema's (max_len)
  // of each field; 0 = the schema's limits only.
  uint32_t max_string_bytes = 0;
};

// Checks one mutation in isolation (no stored state): ids, op, collection,
// mask, body type, every value's enum / length / item limits, the HLC drift,
// and creation rules (initial lifecycle status, invariants).
Rejection ValidateMutation(const v1::Mutation& m, const ValidationLimits& limits, int64_t now_ms);

// Enum values defined, string lengths and item counts within limits, times
// ((unix_ms) fields) 0 or within kMinUnixMs..kMaxUnixMs, no server-only
// field set. `only` restricts the check to those fields (PATCH).
// `check_times` false skips the time ranges: a PATCH's base_body carries
// values the device saw, which may predate the rule (an edit must be able to
// correct them).
Status ValidateFields(const CollectionSpec& spec, const pb::Message& record,
                      const std::vector<const FieldSpec*>* only = nullptr, uint32_t max_string_bytes = 0,
                      bool check_times = true);

// "field 'deadline_ms' is -5; a time is unix milliseconds from 2000-01-01 ..."
// if `fs` is a (unix_ms) field holding a value outside the range; OK otherwise.
Status CheckTimeRange(const FieldSpec& fs, int64_t value);

}  // namespace inspectsync::core

#endif  // INSPECTSYNC_CORE_VALIDATE_H_
