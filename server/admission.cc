#include "server/admission.h"

namespace inspectsync::server {

StatusOr<Caller> Admission::Admit(const std::string& authorization) const {
  auto id = authenticator_->Authenticate(authorization);
  if (!id.ok()) return id.status();
  // Every token names a real role: the empty (in-process, all-powerful) role
  // is never reachable over the network.
  auto role = ParseRole(id->role);
  if (!role.ok()) return role.status();
  if (*role == Role::kSystem)
    return Status(StatusCode::kPermissionDenied,
                  std::string("the token carries no role; roles are: ") + TokenRoleNames());
  Caller caller(id->user, id->role, id->device);
  INSPECTSYNC_RETURN_IF_ERROR(engine_->CheckCaller(caller));
  return caller;
}

}  // namespace inspectsync::server
