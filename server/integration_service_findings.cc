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
// that stops reading is cut by the StreamGuard. The exporter is started and
// every chunk rendered on the read pool (server/rpc.h).
class ExportReactor final : public grpc::ServerWriteReactor<grpc::ByteBuffer> {
 public:
  ExportReactor(SyncEngine* engine, grpc::CallbackServerContext* ctx, std::unique_ptr<StreamCall> call,
                v1::ExportRequest request)
      : engine_(engine), ctx_(ctx), call_(std::move(call)), request_(std::move(request)) {
    call_->Run([this] { Start(); });
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
    call_->Run([this] { WriteNext(); });
  }

  void OnDone() override {
    call_->Close();
    delete this;
  }

 private:
  void Start() {
    auto exporter = FindingExporter::Start(engine_, request_);
    if (!exporter.ok()) {
      Finish(ToGrpc(exporter.status()));
      return;
    }
    exporter_ = std::move(*exporter);
    WriteNext();
  }

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

  SyncEngine* engine_;
  grpc::CallbackServerContext* ctx_;
  std::unique_ptr<StreamCall> call_;
  const v1::ExportRequest request_;
  std::unique_ptr<FindingExporter> exporter_;
  grpc::ByteBuffer buffer_;
};

}  // namespace

grpc::ServerUnaryReactor* IntegrationServiceImpl::ListFindings(Ctx* ctx, const Bytes* req, Bytes* resp) {
  return Unary<v1::FindingQuery, v1::FindingPage>(
      ctx, req, resp, "IntegrationService/ListFindings", Pool::kReads,
      [this](const Caller&, const v1::FindingQuery& q) { return server::ListFindings(engine_, q); });
}

grpc::ServerWriteReactor<grpc::ByteBuffer>* IntegrationServiceImpl::ExportFindings(Ctx* ctx, const Bytes* req) {
  using Refuse = RefuseCall<grpc::ServerWriteReactor<grpc::ByteBuffer>>;
  Caller caller;
  auto call =
      StreamCall::Open(env_, ctx, kExport, &CheckIntegrationCaller, /*bounded=*/true, Pool::kReads, &caller);
  if (!call.ok()) return new Refuse(ToGrpc(call.status()));
  v1::ExportRequest request;
  if (Status st = ParseRequest(ctx, caller, kExport, *req, &request); !st.ok()) return new Refuse(ToGrpc(st));
  return new ExportReactor(engine_, ctx, std::move(*call), std::move(request));
}

grpc::ServerUnaryReactor* IntegrationServiceImpl::Import(Ctx* ctx, const Bytes* req, Bytes* resp) {
  return Unary<v1::ImportRequest, v1::ImportResponse>(
      ctx, req, resp, "IntegrationService/Import", Pool::kWrites,
      [this](const Caller& caller, const v1::ImportRequest& r) { return RunImport(engine_, caller, r); });
}

grpc::ServerUnaryReactor* IntegrationServiceImpl::Summary(Ctx* ctx, const Bytes* req, Bytes* resp) {
  return Unary<v1::SummaryRequest, v1::SummaryReport>(
      ctx, req, resp, "IntegrationService/Summary", Pool::kReads,
      [this](const Caller&, const v1::SummaryRequest& r) { return Summarize(engine_, r); });
}

}  // namespace inspectsync::server
