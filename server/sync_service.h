// The gRPC face of the SyncEngine, on the callback API. No sync rule lives
// here: it maps requests to the engine and Status to grpc::Status.
#ifndef INSPECTSYNC_SERVER_SYNC_SERVICE_H_
#define INSPECTSYNC_SERVER_SYNC_SERVICE_H_

#include <grpcpp/grpcpp.h>

#include "inspectsync/v1/sync.grpc.pb.h"
#include "server/auth/authenticator.h"
#include "server/executor.h"
#include "server/sync_engine.h"

namespace inspectsync::server {

grpc::Status ToGrpc(const Status& s);

// Pull is a raw method: its pages go out as PullPageOut, the wire twin of
// PullResponse whose records carry their stored bodies unparsed. Clients see
// the PullResponse stream they always did.
using SyncServiceBase =
    v1::SyncService::WithCallbackMethod_Push<v1::SyncService::WithRawCallbackMethod_Pull<v1::SyncService::Service>>;

class SyncServiceImpl final : public SyncServiceBase {
 public:
  // Pushes run on `storage_threads` threads of their own (server/executor.h
  // says why).
  SyncServiceImpl(SyncEngine* engine, auth::Authenticator* authenticator, size_t storage_threads = 16);

  grpc::ServerUnaryReactor* Push(grpc::CallbackServerContext* ctx, const v1::PushRequest* req,
                                 v1::PushResponse* resp) override;
  // `req` is an encoded v1::PullRequest.
  grpc::ServerWriteReactor<grpc::ByteBuffer>* Pull(grpc::CallbackServerContext* ctx,
                                                   const grpc::ByteBuffer* req) override;
  // Runs the storage work still queued and joins its threads; call after the
  // gRPC server has shut down and before the engine goes.
  void StopStorageThreads();

 private:
  SyncEngine* engine_;
  auth::Authenticator* authenticator_;
  Executor executor_;
};

// The verified caller of a call, or UNAUTHENTICATED.
StatusOr<Caller> Authenticate(auth::Authenticator* authenticator, grpc::CallbackServerContext* ctx);

}  // namespace inspectsync::server

#endif  // INSPECTSYNC_SERVER_SYNC_SERVICE_H_
