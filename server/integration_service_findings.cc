// IntegrationService: findings, exports, imports, the summary — the gRPC
// adapter of server/integration_findings.h.
#include "server/integration_findings.h"
#include "server/integration_service.h"
#include "server/sync_service.h"

namespace inspectsync::server {

namespace {

// Streams an export with flow control: the next chunk is rendered (and the
// next page of findings read) only when the previous write has completed,
// so a slow reader holds the server to one chunk plus one page.
class ExportReactor final : public grpc::ServerWriteReactor<v1::ExportChunk> {
 public:
  ExportReactor(grpc::CallbackServerContext* ctx, std::unique_ptr<FindingExporter> exporter)
      : ctx_(ctx), exporter_(std::move(exporter)) {
    WriteNext();
  }

  void OnWriteDone(bool ok) override {
    if (!ok) {
      Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE, "the client went away during the export"));
      return;
    }
    if (exporter_->done()) {
      Finish(grpc::Status::OK);
      return;
    }
    WriteNext();
  }

  void OnDone() override { delete this; }

 private:
  void WriteNext() {
    if (ctx_->IsCancelled()) {
      Finish(grpc::Status::CANCELLED);
      return;
    }
    auto chunk = exporter_->Next();
    if (!chunk.ok()) {
      Finish(ToGrpc(chunk.status()));
      return;
    }
    chunk_ = std::move(*chunk);
    StartWrite(&chunk_);
  }

  grpc::CallbackServerContext* ctx_;
  std::unique_ptr<FindingExporter> exporter_;
  v1::ExportChunk chunk_;
};

// A reactor that only reports an error.
class RefuseExport final : public grpc::ServerWriteReactor<v1::ExportChunk> {
 public:
  explicit RefuseExport(const grpc::Status& s) { Finish(s); }
  void OnDone() override { delete this; }
};

}  // namespace

grpc::ServerUnaryReactor* IntegrationServiceImpl::ListFindings(grpc::CallbackServerContext* ctx,
                                                               const v1::FindingQuery* req, v1::FindingPage* resp) {
  return Unary(ctx, [&](const Caller&) -> Status {
    auto page = server::ListFindings(engine_, *req);
    if (!page.ok()) return page.status();
    *resp = std::move(*page);
    return Status::Ok();
  });
}

grpc::ServerWriteReactor<v1::ExportChunk>* IntegrationServiceImpl::ExportFindings(grpc::CallbackServerContext* ctx,
                                                                                 const v1::ExportRequest* req) {
  auto caller = Admit(ctx);
  if (!caller.ok()) return new RefuseExport(ToGrpc(caller.status()));
  auto exporter = FindingExporter::Start(engine_, *req);
  if (!exporter.ok()) return new RefuseExport(ToGrpc(exporter.status()));
  return new ExportReactor(ctx, std::move(*exporter));
}

grpc::ServerUnaryReactor* IntegrationServiceImpl::Import(grpc::CallbackServerContext* ctx, const v1::ImportRequest* req,
                                                         v1::ImportResponse* resp) {
  return Unary(ctx, [&](const Caller& caller) -> Status {
    auto done = RunImport(engine_, caller, *req);
    if (!done.ok()) return done.status();
    *resp = std::move(*done);
    return Status::Ok();
  });
}

grpc::ServerUnaryReactor* IntegrationServiceImpl::Summary(grpc::CallbackServerContext* ctx,
                                                          const v1::SummaryRequest* req, v1::SummaryReport* resp) {
  return Unary(ctx, [&](const Caller&) -> Status {
    auto report = Summarize(engine_, *req);
    if (!report.ok()) return report.status();
    *resp = std::move(*report);
    return Status::Ok();
  });
}

}  // namespace inspectsync::server
