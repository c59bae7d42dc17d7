// Small helpers shared by the Client's source files: collection lookup and
// the argument checks every write and read starts with, in the words the
// server uses.
#ifndef INSPECTSYNC_CLIENT_SDK_SRC_RECORD_UTIL_H_
#define INSPECTSYNC_CLIENT_SDK_SRC_RECORD_UTIL_H_

#include <string>

#include "core/ids.h"
#include "core/schema.h"
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

}  // namespace inspectsync::sdk_internal

#endif  // INSPECTSYNC_CLIENT_SDK_SRC_RECORD_UTIL_H_
