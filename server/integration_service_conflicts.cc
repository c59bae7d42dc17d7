// IntegrationService: conflict review (owner: integration_conflicts.h).
#include "server/integration_conflicts.h"
#include "server/integration_service.h"

namespace inspectsync::server {

grpc::ServerUnaryReactor* IntegrationServiceImpl::ListConflicts(Ctx* ctx, const Bytes* req, Bytes* resp) {
  // Every role lists (tablets see their own sites' conflicts): no role rule
  // here beyond admission; server::ListConflicts narrows a tablet's query to
  // its scope.
  return HandleUnary<v1::ConflictQuery, v1::ConflictPage>(
      env_, UnaryMethod{"IntegrationService/ListConflicts", Pool::kReads, nullptr}, ctx, req, resp,
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
