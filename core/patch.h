// Field-level operations on record messages through reflection: copy masked
// fields, compare one field, render a field for people. Only top-level fields
// are addressable; every record field is a scalar, enum, string, repeated
// string, or a list of flat messages (checked when the schema is built),
// whose elements count as values: compared and set-merged as their
// deterministic encodings.
#ifndef INSPECTSYNC_CORE_PATCH_H_
#define INSPECTSYNC_CORE_PATCH_H_

#include <google/protobuf/field_mask.pb.h>

#include <string>
#include <vector>

#include "core/schema.h"
#include "inspectsync/status.h"

namespace inspectsync::core {

// Resolves mask paths to field specs. Errors name the bad path and list the
// valid ones: empty mask, unknown or nested path, duplicate, server-only field.
StatusOr<std::vector<const FieldSpec*>> ResolveMask(const CollectionSpec& spec, const pb::FieldMask& mask);

// dst.f = src.f for the given field (clears it when src has the default).
void CopyField(const pb::Message& src, const pb::FieldDescriptor* f, pb::Message* dst);
void CopyFields(const pb::Message& src, const std::vector<const FieldSpec*>& fields, pb::Message* dst);

// Value equality of one field. Repeated fields compare as sets when the
// policy is SET (order and duplicates do not matter), else element-wise.
bool FieldEquals(const pb::Message& a, const pb::Message& b, const FieldSpec& f);

// Elements of a repeated string field, in order; for a list of messages,
// each element's deterministic encoding (SetStrings takes them back).
std::vector<std::string> GetStrings(const pb::Message& m, const pb::FieldDescriptor* f);
void SetStrings(pb::Message* m, const pb::FieldDescriptor* f, const std::vector<std::string>& v);

// The encoding of `m` with map and field order fixed: equal values, equal bytes.
std::string DeterministicBytes(const pb::Message& m);

// Field value as text for logs, CLI tables and conflict reports.
std::string FieldToString(const pb::Message& m, const pb::FieldDescriptor* f);

// The fields whose values differ between a and b (same message type).
std::vector<const FieldSpec*> ChangedFields(const CollectionSpec& spec, const pb::Message& a, const pb::Message& b);

}  // namespace inspectsync::core

#endif  // INSPECTSYNC_CORE_PATCH_H_
