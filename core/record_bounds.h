// How large a record can be on the wire, computed from the schema's limits
// ((max_len) and (max_items) in proto/inspectsync/v1/options.proto, read
// through CollectionSpec) and the server-wide ValidationLimits: the bound
// every page and push response is sized against, and that the server checks
// against its message limits at start-up (server/message_limits.h).
//
// A body that passes ValidateMutation is never larger than its collection's
// `body` bound: strings and lists are held to their limits, nested list
// elements to their encoded max_len, and fields this build does not know are
// refused (CheckKnownFields) — they would be stored without any limit.
//
// The exact sizes (RecordElementBytes) are plain arithmetic over lengths, so
// a pull page is measured from the stored bodies' lengths, never by
// serializing them.
//
// Thread-safety: pure functions.
#ifndef INSPECTSYNC_CORE_RECORD_BOUNDS_H_
#define INSPECTSYNC_CORE_RECORD_BOUNDS_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/schema.h"
#include "core/validate.h"
#include "inspectsync/status.h"
#include "inspectsync/v1/sync.pb.h"

namespace inspectsync::core {

// Bounds on parts of a record that the schema does not limit. Record and
// client ids are UUIDs (validation checks them); the author and device of a
// version come from a token the office issued, and reasons and resolution
// notes are the server's own text (a note is at most 1,000 characters).
inline constexpr size_t kMaxIdBytes = 36;
inline constexpr size_t kMaxMetaIdBytes = 256;
inline constexpr size_t kMaxReasonBytes = 4096;
inline constexpr size_t kMaxNoteBytes = 4000;

// Bytes of a varint.
size_t VarintBytes(uint64_t v);
// Bytes of a length-delimited field of `n` bytes whose number is below 16
// (one tag byte): tag, length, payload.
size_t DelimitedBytes(size_t n);

// The exact encoded size of a record (v1::Record, and its wire twin
// RecordOut, encode alike) as one element of a repeated field (a pull page's
// `records`), tag and length included, from the lengths of its parts.
// REQUIRES: every field number of Record and RecordBody is below 16 (a test
// checks this against protobuf's own sizes for every collection).
size_t RecordElementBytes(size_t collection_len, size_t id_len, uint64_t version, bool deleted, size_t body_len,
                          size_t meta_len);

// An upper bound on the encoded size of a change-feed Change (a history row
// with its scope and the zone of that scope) as an element of a batch.
size_t ChangeElementBytes(size_t collection_len, size_t id_len, size_t body_len, size_t meta_len, size_t scope_len);

// The largest encodings one collection allows under `limits`.
struct RecordBounds {
  const CollectionSpec* spec = nullptr;
  size_t body = 0;    // the collection's message (e.g. a Finding)
  size_t record = 0;  // a v1::Record holding it, as an element of a pull page
  size_t patch = 0;   // a PushRequest carrying its largest PATCH (body + base_body + envelope)
  size_t result = 0;  // a MutationResult about it (the record + every conflict it can carry), as a response element
};

RecordBounds BoundsOf(const CollectionSpec& spec, const ValidationLimits& limits);
// Every collection's, in schema order.
std::vector<RecordBounds> AllBounds(const ValidationLimits& limits);

// INVALID_ARGUMENT naming the field number when the mutation's body or
// base_body (or a list element inside them) carries a field this build does
// not know. Such a field would be stored as it came, outside every limit.
Status CheckKnownFields(const v1::Mutation& m);

}  // namespace inspectsync::core

#endif  // INSPECTSYNC_CORE_RECORD_BOUNDS_H_
