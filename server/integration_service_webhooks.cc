// IntegrationService: webhooks (owner: webhooks.h).
#include "server/integration_service.h"
#include "server/webhooks.h"

namespace inspectsync::server {

grpc::ServerUnaryReactor* IntegrationServiceImpl::CreateWebhook(Ctx* ctx, const Bytes* req, Bytes* resp) {
  return Unary<v1::CreateWebhookRequest, v1::Webhook>(
      ctx, req, resp, "IntegrationService/CreateWebhook", Pool::kWrites,
      [this](const Caller& caller, const v1::CreateWebhookRequest& r) { return webhooks_->Create(r, caller.user); });
}

grpc::ServerUnaryReactor* IntegrationServiceImpl::ListWebhooks(Ctx* ctx, const Bytes* req, Bytes* resp) {
  return Unary<v1::ListWebhooksRequest, v1::WebhookList>(
      ctx, req, resp, "IntegrationService/ListWebhooks", Pool::kReads,
      [this](const Caller&, const v1::ListWebhooksRequest&) -> StatusOr<v1::WebhookList> {
        v1::WebhookList out;
        INSPECTSYNC_RETURN_IF_ERROR(webhooks_->List(&out));
        return out;
      });
}

grpc::ServerUnaryReactor* IntegrationServiceImpl::DeleteWebhook(Ctx* ctx, const Bytes* req, Bytes* resp) {
  return Unary<v1::DeleteWebhookRequest, v1::Webhook>(
      ctx, req, resp, "IntegrationService/DeleteWebhook", Pool::kWrites,
      [this](const Caller&, const v1::DeleteWebhookRequest& r) { return webhooks_->Delete(r.id()); });
}

grpc::ServerUnaryReactor* IntegrationServiceImpl::ListDeliveries(Ctx* ctx, const Bytes* req, Bytes* resp) {
  return Unary<v1::ListDeliveriesRequest, v1::DeliveryList>(
      ctx, req, resp, "IntegrationService/ListDeliveries", Pool::kReads,
      [this](const Caller&, const v1::ListDeliveriesRequest& r) -> StatusOr<v1::DeliveryList> {
        v1::DeliveryList out;
        INSPECTSYNC_RETURN_IF_ERROR(webhooks_->ListDeliveries(r, &out));
        return out;
      });
}

grpc::ServerUnaryReactor* IntegrationServiceImpl::RedeliverEvent(Ctx* ctx, const Bytes* req, Bytes* resp) {
  return Unary<v1::RedeliverRequest, v1::Delivery>(
      ctx, req, resp, "IntegrationService/RedeliverEvent", Pool::kWrites,
      [this](const Caller&, const v1::RedeliverRequest& r) { return webhooks_->Redeliver(r); });
}

}  // namespace inspectsync::server
