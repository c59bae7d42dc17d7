// IntegrationService: findings, exports, imports, the summary (owner: integration_findings.h).
#include "server/integration_service.h"
#include "server/sync_service.h"

namespace inspectsync::server {

grpc::ServerUnaryReactor* IntegrationServiceImpl::ListFindings(grpc::CallbackServerContext* ctx,
                                                               const v1::FindingQuery*, v1::FindingPage*) {
  return Unary(ctx, [](const Caller&) { return Status(StatusCode::kUnimplemented, "not yet"); });
}

grpc::ServerWriteReactor<v1::ExportChunk>* IntegrationServiceImpl::ExportFindings(grpc::CallbackServerContext*,
                                                                                 const v1::ExportRequest*) {
  class Refuse : public grpc::ServerWriteReactor<v1::ExportChunk> {
   public:
    Refuse() { Finish(grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "not yet")); }
    void OnDone() override { delete this; }
  };
  return new Refuse();
}

grpc::ServerUnaryReactor* IntegrationServiceImpl::Import(grpc::CallbackServerContext* ctx, const v1::ImportRequest*,
                                                         v1::ImportResponse*) {
  return Unary(ctx, [](const Caller&) { return Status(StatusCode::kUnimplemented, "not yet"); });
}

grpc::ServerUnaryReactor* IntegrationServiceImpl::Summary(grpc::CallbackServerContext* ctx, const v1::SummaryRequest*,
                                                          v1::SummaryReport*) {
  return Unary(ctx, [](const Caller&) { return Status(StatusCode::kUnimplemented, "not yet"); });
}

}  // namespace inspectsync::server
