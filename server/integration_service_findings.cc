// IntegrationService: findings, exports, imports, the summary — the gRPC
// adapter of server/integration_findings.h.
#include "server/integration_findings.h"
#include "server/integration_service.h"

namespace inspectsync::server {

namespace {

constexpr std::string_view kExport = "IntegrationService/ExportFindings";

// Streams an export with flow control: the next chunk is rendered (and the
// next page of findings read) only when the previous write has completed,
// so a slow reader holds the server to one chunk plus one page, and one
// that stops reading is cut by the StreamGuard.
class ExportReactor final : public grpc::ServerWriteReactor<grpc::ByteBuffer> {
 public:
  ExportReactor(grpc::CallbackServerContext* ctx, std::unique_ptr<StreamCall> call,
                std::unique_ptr<FindingExporter> exporter)
      : ctx_(ctx), call_(std::move(call)), exporter_(std::move(exporter)) {
    WriteNext();
  }

  void OnWriteDone(bool ok) override {
    call_->EndWrite();
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

  void OnDone() override {
    call_->Close();
    delete this;
  }

 private:
  void WriteNext() {
    if (ctx_->IsCancelled()) {
      Finish(grpc::Status::CANCELLED);
      return;
    }
    Status st = call_->Check();
    if (st.ok()) {
      auto chunk = exporter_->Next();
      st = chunk.ok() ? SerializeMessage(*chunk, &buffer_) : chunk.status();
    }
    if (st.ok()) st = call_->BeginWrite(buffer_);
    if (!st.ok()) {
      Finish(ToGrpc(st));
      return;
    }
    StartWrite(&buffer_);
  }

  grpc::CallbackServerContext* ctx_;
  std::unique_ptr<StreamCall> call_;
  std::unique_ptr<FindingExporter> exporter_;
  grpc::ByteBuffer buffer_;
};

}  // namespace

grpc::ServerUnaryReactor* IntegrationServiceImpl::ListFindings(Ctx* ctx, const Bytes* req, Bytes* resp) {
  return Unary<v1::FindingQuery, v1::FindingPage>(
      ctx, req, resp, "IntegrationService/ListFindings",
      [&](const Caller&, const v1::FindingQuery& q) { return server::ListFindings(engine_, q); });
}

grpc::ServerWriteReactor<grpc::ByteBuffer>* IntegrationServiceImpl::ExportFindings(Ctx* ctx, const Bytes* req) {
  using Refuse = RefuseCall<grpc::ServerWriteReactor<grpc::ByteBuffer>>;
  Caller caller;
  auto call = StreamCall::Open(env_, ctx, kExport, &CheckIntegrationCaller, /*bounded=*/true, &caller);
  if (!call.ok()) return new Refuse(ToGrpc(call.status()));
  v1::ExportRequest request;
  if (Status st = ParseRequest(ctx, caller, kExport, *req, &request); !st.ok()) return new Refuse(ToGrpc(st));
  auto exporter = FindingExporter::Start(engine_, request);
  if (!exporter.ok()) return new Refuse(ToGrpc(exporter.status()));
  return new ExportReactor(ctx, std::move(*call), std::move(*exporter));
}

grpc::ServerUnaryReactor* IntegrationServiceImpl::Import(Ctx* ctx, const Bytes* req, Bytes* resp) {
  return Unary<v1::ImportRequest, v1::ImportResponse>(
      ctx, req, resp, "IntegrationService/Import",
      [&](const Caller& caller, const v1::ImportRequest& r) { return RunImport(engine_, caller, r); });
}

grpc::ServerUnaryReactor* IntegrationServiceImpl::Summary(Ctx* ctx, const Bytes* req, Bytes* resp) {
  return Unary<v1::SummaryRequest, v1::SummaryReport>(
      ctx, req, resp, "IntegrationService/Summary",
      [&](const Caller&, const v1::SummaryRequest& r) { return Summarize(engine_, r); });
}

}  // namespace inspectsync::server
