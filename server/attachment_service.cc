#include "server/attachment_service.h"

namespace inspectsync::server {

namespace {

constexpr std::string_view kUpload = "AttachmentService/Upload";

// Reads the upload message by message: the first opens the engine's Upload,
// every one appends its data; the end of the stream finishes it. Each
// message is handled on the write pool (server/rpc.h: it writes the blob
// file, and the first and last touch the database), then the next read is
// started from there. Each message re-admits the caller; the StreamGuard
// cancels an upload whose client stops sending for --stall-timeout-s.
class UploadReactor final : public grpc::ServerReadReactor<grpc::ByteBuffer> {
 public:
  UploadReactor(AttachmentEngine* engine, grpc::CallbackServerContext* ctx, grpc::ByteBuffer* resp,
                std::unique_ptr<StreamCall> call, Caller caller, uint32_t max_chunk_bytes)
      : engine_(engine), ctx_(ctx), resp_(resp), call_(std::move(call)), caller_(std::move(caller)),
        max_chunk_bytes_(max_chunk_bytes) {
    Read();
  }

  void OnReadDone(bool ok) override {
    call_->EndRead();
    call_->Run([this, ok] { Handle(ok); });
  }

  void OnDone() override {
    call_->Close();
    delete this;
  }

 private:
  void Handle(bool ok) {
    if (!ok) {
      // Cancelled or cut: the engine keeps what arrived (Upload destroyed
      // without Finish). A clean half-close finishes the upload.
      if (ctx_->IsCancelled()) return End(grpc::Status::CANCELLED);
      if (!upload_)
        return End(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                "an upload needs at least one message, the first carrying meta"));
      auto result = upload_->Finish();
      Status st = result.ok() ? SerializeMessage(*result, resp_) : result.status();
      return End(ToGrpc(st));
    }
    v1::UploadChunk chunk;
    Status st = call_->Check();
    if (st.ok()) st = ParseRequest(ctx_, caller_, kUpload, raw_, &chunk);
    if (!st.ok()) return End(ToGrpc(st));
    if (chunk.data().size() > max_chunk_bytes_)
      return End(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                              "a message carries " + std::to_string(chunk.data().size()) +
                                  " bytes of data; chunk_bytes allows " + std::to_string(max_chunk_bytes_)));
    if (!upload_) {
      if (!chunk.has_meta())
        return End(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "the first upload message must carry meta"));
      auto upload = engine_->BeginUpload(caller_, chunk.meta(), chunk.offset());
      if (!upload.ok()) return End(ToGrpc(upload.status()));
      upload_ = std::move(*upload);
    } else if (chunk.has_meta() || chunk.offset() != 0) {
      return End(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                              "meta and offset belong in the first upload message only"));
    }
    if (!chunk.data().empty()) {
      if (Status appended = upload_->Append(chunk.data()); !appended.ok()) return End(ToGrpc(appended));
    }
    Read();
  }

  void Read() {
    call_->BeginRead();
    StartRead(&raw_);
  }

  void End(const grpc::Status& s) {
    upload_.reset();  // releases the hash before the client hears back, so a retry is not ABORTED
    Finish(s);
  }

  AttachmentEngine* engine_;
  grpc::CallbackServerContext* ctx_;
  grpc::ByteBuffer* resp_;
  std::unique_ptr<StreamCall> call_;
  Caller caller_;
  uint32_t max_chunk_bytes_;
  grpc::ByteBuffer raw_;
  std::unique_ptr<AttachmentEngine::Upload> upload_;
};

// Writes one chunk at a time: a download holds one chunk in memory. The
// download is opened and every chunk read on the read pool (server/rpc.h).
class DownloadReactor final : public grpc::ServerWriteReactor<grpc::ByteBuffer> {
 public:
  DownloadReactor(AttachmentEngine* engine, grpc::CallbackServerContext* ctx, std::unique_ptr<StreamCall> call,
                  Caller caller, v1::DownloadRequest request)
      : engine_(engine), ctx_(ctx), call_(std::move(call)), caller_(std::move(caller)), request_(std::move(request)) {
    call_->Run([this] { Start(); });
  }

  void OnWriteDone(bool ok) override {
    call_->EndWrite();
    if (!ok) return Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE, "the client went away during the download"));
    call_->Run([this] { Next(); });
  }

  void OnDone() override {
    call_->Close();
    delete this;
  }

 private:
  void Start() {
    auto stream = engine_->BeginDownload(caller_, request_);
    if (!stream.ok()) return Finish(ToGrpc(stream.status()));
    stream_ = std::move(*stream);
    Next();
  }

  void Next() {
    if (ctx_->IsCancelled()) return Finish(grpc::Status::CANCELLED);
    if (Status st = call_->Check(); !st.ok()) return Finish(ToGrpc(st));
    auto more = stream_->Next(&chunk_);
    if (!more.ok()) return Finish(ToGrpc(more.status()));
    if (!*more) return Finish(grpc::Status::OK);
    Status st = SerializeMessage(chunk_, &buffer_);
    if (st.ok()) st = call_->BeginWrite(buffer_);
    if (!st.ok()) return Finish(ToGrpc(st));
    StartWrite(&buffer_);
  }

  AttachmentEngine* engine_;
  grpc::CallbackServerContext* ctx_;
  std::unique_ptr<StreamCall> call_;
  const Caller caller_;
  const v1::DownloadRequest request_;
  std::unique_ptr<AttachmentEngine::DownloadStream> stream_;
  v1::DownloadChunk chunk_;
  grpc::ByteBuffer buffer_;
};

}  // namespace

grpc::ServerReadReactor<grpc::ByteBuffer>* AttachmentServiceImpl::Upload(grpc::CallbackServerContext* ctx,
                                                                        grpc::ByteBuffer* resp) {
  Caller caller;
  auto call = StreamCall::Open(env_, ctx, kUpload, nullptr, /*bounded=*/true, Pool::kWrites, &caller);
  if (!call.ok()) return new RefuseCall<grpc::ServerReadReactor<grpc::ByteBuffer>>(ToGrpc(call.status()));
  return new UploadReactor(engine_, ctx, resp, std::move(*call), std::move(caller), max_chunk_bytes_);
}

grpc::ServerUnaryReactor* AttachmentServiceImpl::Status(grpc::CallbackServerContext* ctx, const grpc::ByteBuffer* req,
                                                        grpc::ByteBuffer* resp) {
  static constexpr UnaryMethod kStatus{"AttachmentService/Status", Pool::kReads};
  return HandleUnary<v1::AttachmentStatusRequest, v1::AttachmentStatusResponse>(
      env_, kStatus, ctx, req, resp,
      [this](const Caller& caller, const v1::AttachmentStatusRequest& r) { return engine_->Status(caller, r.sha256()); });
}

grpc::ServerWriteReactor<grpc::ByteBuffer>* AttachmentServiceImpl::Download(grpc::CallbackServerContext* ctx,
                                                                           const grpc::ByteBuffer* req) {
  using Refuse = RefuseCall<grpc::ServerWriteReactor<grpc::ByteBuffer>>;
  constexpr std::string_view kMethod = "AttachmentService/Download";
  Caller caller;
  auto call = StreamCall::Open(env_, ctx, kMethod, nullptr, /*bounded=*/true, Pool::kReads, &caller);
  if (!call.ok()) return new Refuse(ToGrpc(call.status()));
  v1::DownloadRequest request;
  if (inspectsync::Status st = ParseRequest(ctx, caller, kMethod, *req, &request); !st.ok())
    return new Refuse(ToGrpc(st));
  return new DownloadReactor(engine_, ctx, std::move(*call), std::move(caller), std::move(request));
}

}  // namespace inspectsync::server
