// IntegrationService: conflict review (owner: integration_conflicts.h).
#include "server/integration_conflicts.h"
#include "server/integration_service.h"
#include "server/sync_service.h"

namespace inspectsync::server {

grpc::ServerUnaryReactor* IntegrationServiceImpl::ListConflicts(grpc::CallbackServerContext* ctx,
                                                                const v1::ConflictQuery* req, v1::ConflictPage* resp) {
  return Unary(ctx, [&](const Caller& caller) -> Status {
    auto page = server::ListConflicts(engine_, caller, *req);
    if (!page.ok()) return page.status();
    *resp = std::move(*page);
    return Status::Ok();
  });
}

grpc::ServerUnaryReactor* IntegrationServiceImpl::ResolveConflict(grpc::CallbackServerContext* ctx,
                                                                  const v1::ResolveConflictRequest* req,
                                                                  v1::ResolveConflictResponse* resp) {
  return Unary(ctx, [&](const Caller& caller) -> Status {
    auto out = server::ResolveConflict(engine_, caller, *req);
    if (!out.ok()) return out.status();
    *resp = std::move(*out);
    return Status::Ok();
  });
}

}  // namespace inspectsync::server
