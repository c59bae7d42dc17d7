// IntegrationService: conflict review (owner: integration_conflicts.h).
#include "server/integration_service.h"
#include "server/sync_service.h"

namespace inspectsync::server {

grpc::ServerUnaryReactor* IntegrationServiceImpl::ListConflicts(grpc::CallbackServerContext* ctx,
                                                                const v1::ConflictQuery*, v1::ConflictPage*) {
  return Unary(ctx, [](const Caller&) { return Status(StatusCode::kUnimplemented, "not yet"); });
}

grpc::ServerUnaryReactor* IntegrationServiceImpl::ResolveConflict(grpc::CallbackServerContext* ctx,
                                                                  const v1::ResolveConflictRequest*,
                                                                  v1::ResolveConflictResponse*) {
  return Unary(ctx, [](const Caller&) { return Status(StatusCode::kUnimplemented, "not yet"); });
}

}  // namespace inspectsync::server
