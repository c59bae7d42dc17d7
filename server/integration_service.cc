#include "server/integration_service.h"

#include "server/access.h"

namespace inspectsync::server {

Status CheckIntegrationCaller(const Caller& caller) {
  if (caller.role.empty()) return Status::Ok();  // in-process (tests, simulation)
  auto role = ParseRole(caller.role);
  if (!role.ok()) return role.status();
  if (*role == Role::kOffice || *role == Role::kIntegration) return Status::Ok();
  return Status(StatusCode::kPermissionDenied,
                "the integration service is for the office and its systems (roles office and integration); "
                "this token's role is " + caller.role);
}

}  // namespace inspectsync::server
