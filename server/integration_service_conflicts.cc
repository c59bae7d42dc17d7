// IntegrationService: conflict review (owner: integration_conflicts.h).
#include "server/integration_conflicts.h"
#include "server/integration_service.h"

namespace inspectsync::server {

grpc::ServerUnaryReactor* IntegrationServiceImpl::ListConflicts(Ctx* ctx, const Bytes* req, Bytes* resp) {
  return Unary<v1::ConflictQuery, v1::ConflictPage>(
      ctx, req, resp, "IntegrationService/ListConflicts", Pool::kReads,
      [this](const Caller& caller, const v1::ConflictQuery& q) { return server::ListConflicts(engine_, caller, q); });
}

grpc::ServerUnaryReactor* IntegrationServiceImpl::ResolveConflict(Ctx* ctx, const Bytes* req, Bytes* resp) {
  return Unary<v1::ResolveConflictRequest, v1::ResolveConflictResponse>(
      ctx, req, resp, "IntegrationService/ResolveConflict", Pool::kWrites,
      [this](const Caller& caller, const v1::ResolveConflictRequest& r) {
        return server::ResolveConflict(engine_, caller, r);
      });
}

}  // namespace inspectsync::server
