// IntegrationService: webhooks (owner: webhooks.h).
#include "server/integration_service.h"
#include "server/sync_service.h"
#include "server/webhooks.h"

namespace inspectsync::server {

grpc::ServerUnaryReactor* IntegrationServiceImpl::CreateWebhook(grpc::CallbackServerContext* ctx,
                                                                const v1::CreateWebhookRequest* req,
                                                                v1::Webhook* resp) {
  return Unary(ctx, [&](const Caller& caller) -> Status {
    auto w = webhooks_->Create(*req, caller.user);
    if (!w.ok()) return w.status();
    *resp = std::move(*w);
    return Status::Ok();
  });
}

grpc::ServerUnaryReactor* IntegrationServiceImpl::ListWebhooks(grpc::CallbackServerContext* ctx,
                                                               const v1::ListWebhooksRequest*, v1::WebhookList* resp) {
  return Unary(ctx, [&](const Caller&) { return webhooks_->List(resp); });
}

grpc::ServerUnaryReactor* IntegrationServiceImpl::DeleteWebhook(grpc::CallbackServerContext* ctx,
                                                                const v1::DeleteWebhookRequest* req,
                                                                v1::Webhook* resp) {
  return Unary(ctx, [&](const Caller&) -> Status {
    auto w = webhooks_->Delete(req->id());
    if (!w.ok()) return w.status();
    *resp = std::move(*w);
    return Status::Ok();
  });
}

grpc::ServerUnaryReactor* IntegrationServiceImpl::ListDeliveries(grpc::CallbackServerContext* ctx,
                                                                 const v1::ListDeliveriesRequest* req,
                                                                 v1::DeliveryList* resp) {
  return Unary(ctx, [&](const Caller&) { return webhooks_->ListDeliveries(*req, resp); });
}

grpc::ServerUnaryReactor* IntegrationServiceImpl::RedeliverEvent(grpc::CallbackServerContext* ctx,
                                                                 const v1::RedeliverRequest* req,
                                                                 v1::Delivery* resp) {
  return Unary(ctx, [&](const Caller&) -> Status {
    auto d = webhooks_->Redeliver(*req);
    if (!d.ok()) return d.status();
    *resp = std::move(*d);
    return Status::Ok();
  });
}

}  // namespace inspectsync::server
