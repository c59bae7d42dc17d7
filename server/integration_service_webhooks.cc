// IntegrationService: webhooks (owner: webhooks.h).
#include "server/integration_service.h"
#include "server/sync_service.h"
#include "server/webhooks.h"

namespace inspectsync::server {

grpc::ServerUnaryReactor* IntegrationServiceImpl::CreateWebhook(grpc::CallbackServerContext* ctx,
                                                                const v1::CreateWebhookRequest*, v1::Webhook*) {
  return Unary(ctx, [](const Caller&) { return Status(StatusCode::kUnimplemented, "not yet"); });
}

grpc::ServerUnaryReactor* IntegrationServiceImpl::ListWebhooks(grpc::CallbackServerContext* ctx,
                                                               const v1::ListWebhooksRequest*, v1::WebhookList*) {
  return Unary(ctx, [](const Caller&) { return Status(StatusCode::kUnimplemented, "not yet"); });
}

grpc::ServerUnaryReactor* IntegrationServiceImpl::DeleteWebhook(grpc::CallbackServerContext* ctx,
                                                                const v1::DeleteWebhookRequest*, v1::Webhook*) {
  return Unary(ctx, [](const Caller&) { return Status(StatusCode::kUnimplemented, "not yet"); });
}

grpc::ServerUnaryReactor* IntegrationServiceImpl::ListDeliveries(grpc::CallbackServerContext* ctx,
                                                                 const v1::ListDeliveriesRequest*, v1::DeliveryList*) {
  return Unary(ctx, [](const Caller&) { return Status(StatusCode::kUnimplemented, "not yet"); });
}

grpc::ServerUnaryReactor* IntegrationServiceImpl::RedeliverEvent(grpc::CallbackServerContext* ctx,
                                                                 const v1::RedeliverRequest*, v1::Delivery*) {
  return Unary(ctx, [](const Caller&) { return Status(StatusCode::kUnimplemented, "not yet"); });
}

}  // namespace inspectsync::server
