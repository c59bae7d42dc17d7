// The gRPC face of the AttachmentEngine (proto/inspectsync/v1/attachments.proto),
// on the callback API: a client-streaming Upload, a unary Status and a
// server-streaming Download. No attachment rule lives here; it authenticates
// like the other services, bounds each upload message to
// AttachmentOptions::chunk_bytes of data, and maps Status to grpc::Status.
//
// A stream the client cancels (or loses) mid-upload leaves the bytes received
// so far as the partial upload that Status reports; a client that half-closes
// early gets INVALID_ARGUMENT saying where to resume, and keeps them too.
//
// Thread-safety: calls run concurrently; the engine is thread-safe.
#ifndef INSPECTSYNC_SERVER_ATTACHMENT_SERVICE_H_
#define INSPECTSYNC_SERVER_ATTACHMENT_SERVICE_H_

#include <grpcpp/grpcpp.h>

#include "inspectsync/v1/attachments.grpc.pb.h"
#include "server/attachments.h"
#include "server/auth/authenticator.h"

namespace inspectsync::server {

class AttachmentServiceImpl final : public v1::AttachmentService::CallbackService {
 public:
  AttachmentServiceImpl(AttachmentEngine* engine, auth::Authenticator* authenticator, uint32_t max_chunk_bytes)
      : engine_(engine), authenticator_(authenticator), max_chunk_bytes_(max_chunk_bytes) {}

  grpc::ServerReadReactor<v1::UploadChunk>* Upload(grpc::CallbackServerContext* ctx, v1::UploadResult* resp) override;
  grpc::ServerUnaryReactor* Status(grpc::CallbackServerContext* ctx, const v1::AttachmentStatusRequest* req,
                                   v1::AttachmentStatusResponse* resp) override;
  grpc::ServerWriteReactor<v1::DownloadChunk>* Download(grpc::CallbackServerContext* ctx,
                                                        const v1::DownloadRequest* req) override;

 private:
  AttachmentEngine* engine_;
  auth::Authenticator* authenticator_;
  uint32_t max_chunk_bytes_;
};

}  // namespace inspectsync::server

#endif  // INSPECTSYNC_SERVER_ATTACHMENT_SERVICE_H_
