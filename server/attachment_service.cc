#include "server/attachment_service.h"

#include "server/sync_service.h"

namespace inspectsync::server {

namespace {

// Reads the upload message by message: the first opens the engine's Upload,
// every one appends its data; the end of the stream finishes it.
class UploadReactor final : public grpc::ServerReadReactor<v1::UploadChunk> {
 public:
  UploadReactor(AttachmentEngine* engine, grpc::CallbackServerContext* ctx, v1::UploadResult* resp, Caller caller,
                uint32_t max_chunk_bytes)
      : engine_(engine), ctx_(ctx), resp_(resp), caller_(std::move(caller)), max_chunk_bytes_(max_chunk_bytes) {
    StartRead(&chunk_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {
      // Cancelled or cut: the engine keeps what arrived (Upload destroyed
      // without Finish). A clean half-close finishes the upload.
      if (ctx_->IsCancelled()) return End(grpc::Status::CANCELLED);
      if (!upload_)
        return End(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                "an upload needs at least one message, the first carrying meta"));
      auto result = upload_->Finish();
      if (result.ok()) *resp_ = std::move(*result);
      return End(ToGrpc(result.status()));
    }
    if (chunk_.data().size() > max_chunk_bytes_)
      return End(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                              "a message carries " + std::to_string(chunk_.data().size()) +
                                  " bytes of data; chunk_bytes allows " + std::to_string(max_chunk_bytes_)));
    if (!upload_) {
      if (!chunk_.has_meta())
        return End(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "the first upload message must carry meta"));
      auto upload = engine_->BeginUpload(caller_, chunk_.meta(), chunk_.offset());
      if (!upload.ok()) return End(ToGrpc(upload.status()));
      upload_ = std::move(*upload);
    } else if (chunk_.has_meta() || chunk_.offset() != 0) {
      return End(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                              "meta and offset belong in the first upload message only"));
    }
    if (!chunk_.data().empty()) {
      Status st = upload_->Append(chunk_.data());
      if (!st.ok()) return End(ToGrpc(st));
    }
    StartRead(&chunk_);
  }

  void OnDone() override { delete this; }

 private:
  void End(const grpc::Status& s) {
    upload_.reset();  // releases the hash before the client hears back, so a retry is not ABORTED
    Finish(s);
  }

  AttachmentEngine* engine_;
  grpc::CallbackServerContext* ctx_;
  v1::UploadResult* resp_;
  Caller caller_;
  uint32_t max_chunk_bytes_;
  v1::UploadChunk chunk_;
  std::unique_ptr<AttachmentEngine::Upload> upload_;
};

// Writes one chunk at a time: a download holds one chunk in memory.
class DownloadReactor final : public grpc::ServerWriteReactor<v1::DownloadChunk> {
 public:
  DownloadReactor(grpc::CallbackServerContext* ctx, std::unique_ptr<AttachmentEngine::DownloadStream> stream)
      : ctx_(ctx), stream_(std::move(stream)) {
    Next();
  }

  void OnWriteDone(bool ok) override {
    if (!ok) return Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE, "the client went away during the download"));
    Next();
  }

  void OnDone() override { delete this; }

 private:
  void Next() {
    if (ctx_->IsCancelled()) return Finish(grpc::Status::CANCELLED);
    auto more = stream_->Next(&chunk_);
    if (!more.ok()) return Finish(ToGrpc(more.status()));
    if (!*more) return Finish(grpc::Status::OK);
    StartWrite(&chunk_);
  }

  grpc::CallbackServerContext* ctx_;
  std::unique_ptr<AttachmentEngine::DownloadStream> stream_;
  v1::DownloadChunk chunk_;
};

template <typename Base>
class Refuse final : public Base {
 public:
  explicit Refuse(const grpc::Status& s) { this->Finish(s); }
  void OnDone() override { delete this; }
};

}  // namespace

grpc::ServerReadReactor<v1::UploadChunk>* AttachmentServiceImpl::Upload(grpc::CallbackServerContext* ctx,
                                                                       v1::UploadResult* resp) {
  auto caller = Authenticate(authenticator_, ctx);
  if (!caller.ok()) return new Refuse<grpc::ServerReadReactor<v1::UploadChunk>>(ToGrpc(caller.status()));
  return new UploadReactor(engine_, ctx, resp, std::move(*caller), max_chunk_bytes_);
}

grpc::ServerUnaryReactor* AttachmentServiceImpl::Status(grpc::CallbackServerContext* ctx,
                                                        const v1::AttachmentStatusRequest* req,
                                                        v1::AttachmentStatusResponse* resp) {
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  auto caller = Authenticate(authenticator_, ctx);
  if (!caller.ok()) {
    reactor->Finish(ToGrpc(caller.status()));
    return reactor;
  }
  auto status = engine_->Status(*caller, req->sha256());
  if (status.ok()) *resp = std::move(*status);
  reactor->Finish(ToGrpc(status.status()));
  return reactor;
}

grpc::ServerWriteReactor<v1::DownloadChunk>* AttachmentServiceImpl::Download(grpc::CallbackServerContext* ctx,
                                                                            const v1::DownloadRequest* req) {
  auto caller = Authenticate(authenticator_, ctx);
  if (!caller.ok()) return new Refuse<grpc::ServerWriteReactor<v1::DownloadChunk>>(ToGrpc(caller.status()));
  auto stream = engine_->BeginDownload(*caller, *req);
  if (!stream.ok()) return new Refuse<grpc::ServerWriteReactor<v1::DownloadChunk>>(ToGrpc(stream.status()));
  return new DownloadReactor(ctx, std::move(*stream));
}

}  // namespace inspectsync::server
