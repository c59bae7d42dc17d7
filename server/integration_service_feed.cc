// IntegrationService: the change feed (owner: change_feed.h).
#include "server/change_feed.h"
#include "server/integration_service.h"
#include "server/sync_service.h"

namespace inspectsync::server {

grpc::ServerWriteReactor<v1::ChangeBatch>* IntegrationServiceImpl::WatchChanges(grpc::CallbackServerContext* ctx,
                                                                               const v1::WatchRequest*) {
  class Refuse : public grpc::ServerWriteReactor<v1::ChangeBatch> {
   public:
    Refuse() { Finish(grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "not yet")); }
    void OnDone() override { delete this; }
  };
  (void)ctx;
  return new Refuse();
}

grpc::ServerUnaryReactor* IntegrationServiceImpl::AckCursor(grpc::CallbackServerContext* ctx,
                                                            const v1::AckCursorRequest*, v1::ConsumerCursor*) {
  return Unary(ctx, [](const Caller&) { return Status(StatusCode::kUnimplemented, "not yet"); });
}

grpc::ServerUnaryReactor* IntegrationServiceImpl::ListConsumers(grpc::CallbackServerContext* ctx,
                                                                const v1::ListConsumersRequest*, v1::ConsumerList*) {
  return Unary(ctx, [](const Caller&) { return Status(StatusCode::kUnimplemented, "not yet"); });
}

}  // namespace inspectsync::server
