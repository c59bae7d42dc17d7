// Small helpers shared by the Client's source files: collection lookup and
// the argument checks every write and read starts with, in the words the
// server uses.
#ifndef INSPECTSYNC_CLIENT_SDK_SRC_RECORD_UTIL_H_
#define INSPECTSYNC_CLIENT_SDK_SRC_RECORD_UTIL_H_

#include <string>

#include "core/ids.h"
#include "core/schema.h"
#include "core/validate.h"
#include "inspectsync/status.h"
#include "inspectsync/v1/records.pb.h"

namespace inspectsync::sdk_internal {

inline StatusOr<const core::CollectionSpec*> Collection(const std::string& name) {
  const core::CollectionSpec* spec = core::FindCollection(name);
  if (spec == nullptr)
    return InvalidArgument("unknown collection '" + name + "'; known: " + core::CollectionNames());
  return spec;
}

inline Status CheckId(const core::CollectionSpec& spec, const std::string& id) {
  if (!core::IsUuid(id)) return InvalidArgument(spec.name() + " id '" + id + "' is not a lowercase UUID");
  return Status::Ok();
}

inline Status CheckHolds(const core::CollectionSpec& spec, const v1::RecordBody& body) {
  if (!spec.Holds(body))
    return InvalidArgument("body does not hold a " + spec.descriptor()->name() + " for collection " + spec.name());
  return Status::Ok();
}

inline Status NoSuchRecord(const core::CollectionSpec& spec, const std::string& id) {
  return NotFound("no " + spec.descriptor()->name() + " '" + id + "' on this device");
}

// The lifecycle status field of a collection, if it has one.
inline const core::FieldSpec* LifecycleField(const core::CollectionSpec& spec) {
  for (const core::FieldSpec& f : spec.fields())
    if (f.policy == v1::LIFECYCLE && f.field->enum_type() == v1::FindingStatus_descriptor()) return &f;
  return nullptr;
}

// A workflow rule's rejection as the status a local write returns:
// INVALID -> INVALID_ARGUMENT, WORKFLOW (and any other) -> FAILED_PRECONDITION.
inline Status FromRejection(const core::Rejection& r) {
  if (r.code == v1::INVALID) return InvalidArgument(r.reason);
  return FailedPrecondition(r.reason);
}

}  // namespace inspectsync::sdk_internal

#endif  // INSPECTSYNC_CLIENT_SDK_SRC_RECORD_UTIL_H_
