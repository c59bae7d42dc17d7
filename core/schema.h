// The collections that sync and the per-field rules read from the proto
// options in proto/inspectsync/v1/records.proto. Everything that validates,
// patches or merges records asks this registry; nothing hard-codes a field.
//
// Thread-safety: the registry is built once and immutable; safe everywhere.
#ifndef INSPECTSYNC_CORE_SCHEMA_H_
#define INSPECTSYNC_CORE_SCHEMA_H_

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "inspectsync/v1/options.pb.h"
#include "inspectsync/v1/records.pb.h"

namespace inspectsync::core {

namespace pb = google::protobuf;

// Defaults for fields that do not declare (max_len) / (max_items).
inline constexpr uint32_t kDefaultMaxStringLen = 4096;
inline constexpr uint32_t kDefaultMaxItems = 1000;

struct FieldSpec {
  const pb::FieldDescriptor* field = nullptr;
  v1::MergePolicy policy = v1::MERGE_POLICY_UNSPECIFIED;
  uint32_t max_len = kDefaultMaxStringLen;
  uint32_t max_items = kDefaultMaxItems;
  bool server_only = false;
  bool scope_key = false;  // names the record's site or zone; fixed at creation
  bool fixed = false;      // set at creation, never patched (scope keys are too)
  bool unix_ms = false;    // a point in time: 0 or within kMinUnixMs..kMaxUnixMs
  // (references): the collection whose record ids the field holds, "" if
  // none; core/workflow.cc checks what an edit makes it name.
  std::string references;
  bool reference_may_be_pending = false;
  // (with_lifecycle): written by the status moves along with the lifecycle
  // field, so a concurrent status move's outcome decides it (core/merge.h).
  bool with_lifecycle = false;
};

// The times a (unix_ms) field may hold besides 0 (none): from 2000-01-01
// up to, not including, 2100-01-01 (UTC). Wide enough for any inspection's
// dates and deadlines; narrow enough that a negative number, seconds taken
// for milliseconds (1970) or microseconds (year 50,000+) are caught.
inline constexpr int64_t kMinUnixMs = 946'684'800'000;    // 2000-01-01T00:00:00Z
inline constexpr int64_t kMaxUnixMs = 4'102'444'800'000;  // 2100-01-01T00:00:00Z, exclusive

class CollectionSpec {
 public:
  CollectionSpec() = default;
  CollectionSpec(CollectionSpec&&) = default;  // keeps fields_' buffer, so scope_fields_ and lifecycle_field_ stay valid
  CollectionSpec(const CollectionSpec&) = delete;
  CollectionSpec& operator=(const CollectionSpec&) = delete;

  const std::string& name() const { return name_; }
  const pb::Descriptor* descriptor() const { return descriptor_; }
  // The RecordBody oneof member that carries this collection's message.
  const pb::FieldDescriptor* body_field() const { return body_field_; }
  bool deletable() const { return deletable_; }
  // Whether records belong to a site or zone (and so are visible only to
  // callers whose scope holds it). Unscoped collections (zones, users) are
  // reference data every caller sees.
  bool scoped() const { return scope_is_id_ || !scope_fields_.empty(); }
  bool scope_is_id() const { return scope_is_id_; }
  // Reference data, changed by the office only (zones, sites, users, assignments).
  bool reference() const { return reference_; }
  // Records never change once created: no patch, no delete.
  bool immutable() const { return immutable_; }
  const std::vector<const FieldSpec*>& scope_fields() const { return scope_fields_; }
  // The field that carries the finding lifecycle (a LIFECYCLE-policy field of
  // enum FindingStatus), or nullptr. Its moves must be legal transitions
  // (core/lifecycle.h); this is the one place that decides which field it is.
  const FieldSpec* lifecycle_field() const { return lifecycle_field_; }
  // The scope key of record `rec` with id `id`: the first non-empty scope
  // field, the id itself for (scope_is_id) collections, "" for unscoped.
  std::string ScopeOf(const pb::Message& rec, const std::string& id) const;
  const std::vector<FieldSpec>& fields() const { return fields_; }
  const FieldSpec* FindField(std::string_view name) const;
  const FieldSpec* FindFieldByNumber(int number) const;

  // True if `body` carries this collection's message.
  bool Holds(const v1::RecordBody& body) const;
  // The record message inside `body`. REQUIRES: Holds(body).
  const pb::Message& Get(const v1::RecordBody& body) const;
  // Sets `body` to this collection's message (clearing any other) and returns it.
  pb::Message* Mutable(v1::RecordBody* body) const;

 private:
  friend class SchemaBuilder;
  std::string name_;
  const pb::Descriptor* descriptor_ = nullptr;
  const pb::FieldDescriptor* body_field_ = nullptr;
  bool deletable_ = false;
  bool scope_is_id_ = false;
  bool reference_ = false;
  bool immutable_ = false;
  std::vector<FieldSpec> fields_;
  std::vector<const FieldSpec*> scope_fields_;  // point into fields_
  const FieldSpec* lifecycle_field_ = nullptr;  // points into fields_
};

// nullptr when the collection is unknown to this build.
const CollectionSpec* FindCollection(std::string_view name);
const std::vector<const CollectionSpec*>& AllCollections();
// The collection whose message `body` carries, or nullptr if empty.
const CollectionSpec* CollectionOf(const v1::RecordBody& body);
// "findings, inspections"
std::string CollectionNames();

const char* PolicyName(v1::MergePolicy p);

// The scope key of a record body of any collection ("" if unscoped or empty).
std::string ScopeOfBody(const v1::RecordBody& body, const std::string& id);

}  // namespace inspectsync::core

#endif  // INSPECTSYNC_CORE_SCHEMA_H_
