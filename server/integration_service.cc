#include "server/integration_service.h"

#include "server/access.h"
#include "server/sync_service.h"

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

StatusOr<Caller> IntegrationServiceImpl::Admit(grpc::CallbackServerContext* ctx) {
  auto caller = Authenticate(authenticator_, ctx);
  if (!caller.ok()) return caller.status();
  INSPECTSYNC_RETURN_IF_ERROR(CheckIntegrationCaller(*caller));
  return caller;
}

grpc::ServerUnaryReactor* IntegrationServiceImpl::Unary(grpc::CallbackServerContext* ctx,
                                                        const std::function<Status(const Caller&)>& fn) {
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  auto caller = Admit(ctx);
  reactor->Finish(ToGrpc(caller.ok() ? fn(*caller) : caller.status()));
  return reactor;
}

}  // namespace inspectsync::server
