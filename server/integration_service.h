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
// Every call needs a token of role office or integration (CheckIntegrationCaller),
// but ListConflicts, which any role may call for its own scope.
// Its methods are raw (server/rpc.h says why).
//
// Thread-safety: calls run concurrently; everything behind them is thread-safe.
#ifndef INSPECTSYNC_SERVER_INTEGRATION_SERVICE_H_
#define INSPECTSYNC_SERVER_INTEGRATION_SERVICE_H_

#include <grpcpp/grpcpp.h>

#include "inspectsync/v1/integration.grpc.pb.h"
#include "server/rpc.h"
#include "server/sync_engine.h"

namespace inspectsync::server {

class ChangeFeed;
class Webhooks;

// PERMISSION_DENIED unless `caller` is office or integration (or an
// in-process caller without a role).
Status CheckIntegrationCaller(const Caller& caller);

// Every method raw (server/rpc.h says why); each comment below names the
// messages its bytes carry.
namespace integration_raw {
using S = v1::IntegrationService;
using Base = S::WithRawCallbackMethod_WatchChanges<S::WithRawCallbackMethod_AckCursor<
    S::WithRawCallbackMethod_ListConsumers<S::WithRawCallbackMethod_ListFindings<
        S::WithRawCallbackMethod_ExportFindings<S::WithRawCallbackMethod_Import<S::WithRawCallbackMethod_Summary<
            S::WithRawCallbackMethod_ListConflicts<S::WithRawCallbackMethod_ResolveConflict<
                S::WithRawCallbackMethod_CreateWebhook<S::WithRawCallbackMethod_ListWebhooks<
                    S::WithRawCallbackMethod_DeleteWebhook<S::WithRawCallbackMethod_ListDeliveries<
                        S::WithRawCallbackMethod_RedeliverEvent<S::Service>>>>>>>>>>>>>>;
}  // namespace integration_raw

class IntegrationServiceImpl final : public integration_raw::Base {
 public:
  IntegrationServiceImpl(SyncEngine* engine, RpcEnv env, ChangeFeed* feed, Webhooks* webhooks)
      : engine_(engine), env_(env), feed_(feed), webhooks_(webhooks) {}

  using Bytes = grpc::ByteBuffer;
  using Ctx = grpc::CallbackServerContext;

  // integration_service_feed.cc
  grpc::ServerWriteReactor<Bytes>* WatchChanges(Ctx* ctx, const Bytes* req) override;  // WatchRequest -> ChangeBatch*
  grpc::ServerUnaryReactor* AckCursor(Ctx* ctx, const Bytes* req, Bytes* resp) override;  // -> ConsumerCursor
  grpc::ServerUnaryReactor* ListConsumers(Ctx* ctx, const Bytes* req, Bytes* resp) override;  // -> ConsumerList

  // integration_service_findings.cc
  grpc::ServerUnaryReactor* ListFindings(Ctx* ctx, const Bytes* req, Bytes* resp) override;  // FindingQuery -> FindingPage
  grpc::ServerWriteReactor<Bytes>* ExportFindings(Ctx* ctx, const Bytes* req) override;  // ExportRequest -> ExportChunk*
  grpc::ServerUnaryReactor* Import(Ctx* ctx, const Bytes* req, Bytes* resp) override;  // -> ImportResponse
  grpc::ServerUnaryReactor* Summary(Ctx* ctx, const Bytes* req, Bytes* resp) override;  // -> SummaryReport

  // integration_service_conflicts.cc
  grpc::ServerUnaryReactor* ListConflicts(Ctx* ctx, const Bytes* req, Bytes* resp) override;  // ConflictQuery -> ConflictPage
  grpc::ServerUnaryReactor* ResolveConflict(Ctx* ctx, const Bytes* req, Bytes* resp) override;

  // integration_service_webhooks.cc
  grpc::ServerUnaryReactor* CreateWebhook(Ctx* ctx, const Bytes* req, Bytes* resp) override;  // -> Webhook
  grpc::ServerUnaryReactor* ListWebhooks(Ctx* ctx, const Bytes* req, Bytes* resp) override;   // -> WebhookList
  grpc::ServerUnaryReactor* DeleteWebhook(Ctx* ctx, const Bytes* req, Bytes* resp) override;  // -> Webhook
  grpc::ServerUnaryReactor* ListDeliveries(Ctx* ctx, const Bytes* req, Bytes* resp) override; // -> DeliveryList
  grpc::ServerUnaryReactor* RedeliverEvent(Ctx* ctx, const Bytes* req, Bytes* resp) override; // -> Delivery

 private:
  // A unary method of this service: office or integration callers only,
  // its work on `pool` (server/rpc.h).
  template <class Req, class Resp, class Fn>
  grpc::ServerUnaryReactor* Unary(Ctx* ctx, const Bytes* req, Bytes* resp, std::string_view method, Pool pool, Fn fn) {
    return HandleUnary<Req, Resp>(env_, UnaryMethod{method, pool, &CheckIntegrationCaller}, ctx, req, resp,
                                  std::move(fn));
  }

  SyncEngine* engine_;
  RpcEnv env_;
  ChangeFeed* feed_;
  Webhooks* webhooks_;
};

}  // namespace inspectsync::server

#endif  // INSPECTSYNC_SERVER_INTEGRATION_SERVICE_H_
