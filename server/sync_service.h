// The gRPC face of the SyncEngine, on the callback API. No sync rule lives
// here: it maps requests to the engine and Status to grpc::Status. Both
// methods are raw (server/rpc.h says why).
#ifndef INSPECTSYNC_SERVER_SYNC_SERVICE_H_
#define INSPECTSYNC_SERVER_SYNC_SERVICE_H_

#include <grpcpp/grpcpp.h>

#include "inspectsync/v1/sync.grpc.pb.h"
#include "server/rpc.h"
#include "server/sync_engine.h"

namespace inspectsync::server {

// Pull's pages go out as PullPageOut, the wire twin of PullResponse whose
// records carry their stored bodies unparsed. Clients see the PullResponse
// stream they always did.
using SyncServiceBase =
    v1::SyncService::WithRawCallbackMethod_Push<v1::SyncService::WithRawCallbackMethod_Pull<v1::SyncService::Service>>;

class SyncServiceImpl final : public SyncServiceBase {
 public:
  // Pushes run on env's write pool, pull pages on its read pool
  // (server/rpc.h).
  SyncServiceImpl(SyncEngine* engine, RpcEnv env) : engine_(engine), env_(env) {}

  // `req` is an encoded v1::PushRequest, `resp` gets a v1::PushResponse.
  grpc::ServerUnaryReactor* Push(grpc::CallbackServerContext* ctx, const grpc::ByteBuffer* req,
                                 grpc::ByteBuffer* resp) override;
  // `req` is an encoded v1::PullRequest.
  grpc::ServerWriteReactor<grpc::ByteBuffer>* Pull(grpc::CallbackServerContext* ctx,
                                                   const grpc::ByteBuffer* req) override;

 private:
  SyncEngine* engine_;
  RpcEnv env_;
};

}  // namespace inspectsync::server

#endif  // INSPECTSYNC_SERVER_SYNC_SERVICE_H_
