// IntegrationService (proto/inspectsync/v1/integration.proto): the district
// office's systems beside InspectSync — the change feed, findings listed and
// exported, imports, conflict review, the summary, webhooks. This is the gRPC
// adapter only; the work is in engine-level classes without gRPC, which the
// tests and the simulation drive directly:
//   change_feed.h         WatchChanges, AckCursor, ListConsumers
//   integration_findings.h ListFindings, ExportFindings, Import, Summary
//   integration_conflicts.h ListConflicts, ResolveConflict
//   webhooks.h            webhooks, their outbox and delivery
// The methods are defined in integration_service_<part>.cc beside each.
//
// Every call needs a token of role office or integration (CheckIntegrationCaller).
//
// Thread-safety: calls run concurrently; everything behind them is thread-safe.
#ifndef INSPECTSYNC_SERVER_INTEGRATION_SERVICE_H_
#define INSPECTSYNC_SERVER_INTEGRATION_SERVICE_H_

#include <grpcpp/grpcpp.h>

#include "inspectsync/v1/integration.grpc.pb.h"
#include "server/auth/authenticator.h"
#include "server/sync_engine.h"

namespace inspectsync::server {

class ChangeFeed;
class Webhooks;

// PERMISSION_DENIED unless `caller` is office or integration (or an
// in-process caller without a role).
Status CheckIntegrationCaller(const Caller& caller);

class IntegrationServiceImpl final : public v1::IntegrationService::CallbackService {
 public:
  IntegrationServiceImpl(SyncEngine* engine, auth::Authenticator* authenticator, ChangeFeed* feed,
                         Webhooks* webhooks)
      : engine_(engine), authenticator_(authenticator), feed_(feed), webhooks_(webhooks) {}

  // integration_service_feed.cc
  grpc::ServerWriteReactor<v1::ChangeBatch>* WatchChanges(grpc::CallbackServerContext* ctx,
                                                          const v1::WatchRequest* req) override;
  grpc::ServerUnaryReactor* AckCursor(grpc::CallbackServerContext* ctx, const v1::AckCursorRequest* req,
                                      v1::ConsumerCursor* resp) override;
  grpc::ServerUnaryReactor* ListConsumers(grpc::CallbackServerContext* ctx, const v1::ListConsumersRequest* req,
                                          v1::ConsumerList* resp) override;

  // integration_service_findings.cc
  grpc::ServerUnaryReactor* ListFindings(grpc::CallbackServerContext* ctx, const v1::FindingQuery* req,
                                         v1::FindingPage* resp) override;
  grpc::ServerWriteReactor<v1::ExportChunk>* ExportFindings(grpc::CallbackServerContext* ctx,
                                                            const v1::ExportRequest* req) override;
  grpc::ServerUnaryReactor* Import(grpc::CallbackServerContext* ctx, const v1::ImportRequest* req,
                                   v1::ImportResponse* resp) override;
  grpc::ServerUnaryReactor* Summary(grpc::CallbackServerContext* ctx, const v1::SummaryRequest* req,
                                    v1::SummaryReport* resp) override;

  // integration_service_conflicts.cc
  grpc::ServerUnaryReactor* ListConflicts(grpc::CallbackServerContext* ctx, const v1::ConflictQuery* req,
                                          v1::ConflictPage* resp) override;
  grpc::ServerUnaryReactor* ResolveConflict(grpc::CallbackServerContext* ctx, const v1::ResolveConflictRequest* req,
                                            v1::ResolveConflictResponse* resp) override;

  // integration_service_webhooks.cc
  grpc::ServerUnaryReactor* CreateWebhook(grpc::CallbackServerContext* ctx, const v1::CreateWebhookRequest* req,
                                          v1::Webhook* resp) override;
  grpc::ServerUnaryReactor* ListWebhooks(grpc::CallbackServerContext* ctx, const v1::ListWebhooksRequest* req,
                                         v1::WebhookList* resp) override;
  grpc::ServerUnaryReactor* DeleteWebhook(grpc::CallbackServerContext* ctx, const v1::DeleteWebhookRequest* req,
                                          v1::Webhook* resp) override;
  grpc::ServerUnaryReactor* ListDeliveries(grpc::CallbackServerContext* ctx, const v1::ListDeliveriesRequest* req,
                                           v1::DeliveryList* resp) override;
  grpc::ServerUnaryReactor* RedeliverEvent(grpc::CallbackServerContext* ctx, const v1::RedeliverRequest* req,
                                           v1::Delivery* resp) override;

 private:
  // Authenticates the call and checks its role; UNAUTHENTICATED or
  // PERMISSION_DENIED otherwise.
  StatusOr<Caller> Admit(grpc::CallbackServerContext* ctx);
  // Finishes a unary call: authenticates, runs `fn` for an admitted caller.
  grpc::ServerUnaryReactor* Unary(grpc::CallbackServerContext* ctx,
                                  const std::function<Status(const Caller&)>& fn);

  SyncEngine* engine_;
  auth::Authenticator* authenticator_;
  ChangeFeed* feed_;
  Webhooks* webhooks_;
};

}  // namespace inspectsync::server

#endif  // INSPECTSYNC_SERVER_INTEGRATION_SERVICE_H_
