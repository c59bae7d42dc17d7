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
// Raw methods (server/rpc.h says why). Uploads and downloads are streams
// under the StreamGuard: counted per caller, cut when the client stops
// sending or reading, re-admitted before every message.
//
// Thread-safety: calls run concurrently; the engine is thread-safe.
#ifndef INSPECTSYNC_SERVER_ATTACHMENT_SERVICE_H_
#define INSPECTSYNC_SERVER_ATTACHMENT_SERVICE_H_

#include <grpcpp/grpcpp.h>

#include "inspectsync/v1/attachments.grpc.pb.h"
#include "server/attachments.h"
#include "server/rpc.h"

namespace inspectsync::server {

using AttachmentServiceBase = v1::AttachmentService::WithRawCallbackMethod_Upload<
    v1::AttachmentService::WithRawCallbackMethod_Status<
        v1::AttachmentService::WithRawCallbackMethod_Download<v1::AttachmentService::Service>>>;

class AttachmentServiceImpl final : public AttachmentServiceBase {
 public:
  AttachmentServiceImpl(AttachmentEngine* engine, RpcEnv env, uint32_t max_chunk_bytes)
      : engine_(engine), env_(env), max_chunk_bytes_(max_chunk_bytes) {}

  // UploadChunk messages in, an UploadResult out.
  grpc::ServerReadReactor<grpc::ByteBuffer>* Upload(grpc::CallbackServerContext* ctx, grpc::ByteBuffer* resp) override;
  // AttachmentStatusRequest in, AttachmentStatusResponse out.
  grpc::ServerUnaryReactor* Status(grpc::CallbackServerContext* ctx, const grpc::ByteBuffer* req,
                                   grpc::ByteBuffer* resp) override;
  // DownloadRequest in, DownloadChunk messages out.
  grpc::ServerWriteReactor<grpc::ByteBuffer>* Download(grpc::CallbackServerContext* ctx,
                                                       const grpc::ByteBuffer* req) override;

 private:
  AttachmentEngine* engine_;
  RpcEnv env_;
  uint32_t max_chunk_bytes_;
};

}  // namespace inspectsync::server

#endif  // INSPECTSYNC_SERVER_ATTACHMENT_SERVICE_H_
