// The gRPC face of the SyncEngine, on the callback API. No sync rule lives
// here: it maps requests to the engine and Status to grpc::Status.
#ifndef INSPECTSYNC_SERVER_SYNC_SERVICE_H_
#define INSPECTSYNC_SERVER_SYNC_SERVICE_H_

#include <grpcpp/grpcpp.h>

#include "inspectsync/v1/sync.grpc.pb.h"
#include "server/auth/authenticator.h"
#include "server/sync_engine.h"

namespace inspectsync::server {

grpc::Status ToGrpc(const Status& s);

class SyncServiceImpl final : public v1::SyncService::CallbackService {
 public:
  SyncServiceImpl(SyncEngine* engine, auth::Authenticator* authenticator);

  grpc::ServerUnaryReactor* Push(grpc::CallbackServerContext* ctx, const v1::PushRequest* req,
                                 v1::PushResponse* resp) override;
  grpc::ServerWriteReactor<v1::PullResponse>* Pull(grpc::CallbackServerContext* ctx,
                                                   const v1::PullRequest* req) override;

 private:
  SyncEngine* engine_;
  auth::Authenticator* authenticator_;
};

// The verified caller of a call, or UNAUTHENTICATED.
StatusOr<Caller> Authenticate(auth::Authenticator* authenticator, grpc::CallbackServerContext* ctx);

}  // namespace inspectsync::server

#endif  // INSPECTSYNC_SERVER_SYNC_SERVICE_H_
