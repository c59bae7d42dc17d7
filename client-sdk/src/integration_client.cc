#include "inspectsync/integration.h"

#include <grpcpp/grpcpp.h>

#include "client-sdk/src/grpc_channel.h"
#include "inspectsync/v1/integration.grpc.pb.h"

namespace inspectsync {

using sdk_internal::FromGrpc;

// The connection (options, bearer, channel, Context()) and the stub.
struct IntegrationClient::Impl : sdk_internal::ServiceConnection {
  std::unique_ptr<v1::IntegrationService::Stub> stub;

  // One unary call: stub method `call`, its response or the status.
  template <class Resp, class Req, class Call>
  StatusOr<Resp> Unary(Call call, const Req& request) {
    Resp response;
    Status st = FromGrpc(((*stub).*call)(Context().get(), request, &response));
    if (!st.ok()) return st;
    return response;
  }

  // Reads a server stream into `on_message`; its error cancels the call.
  template <class Msg, class Req, class Call>
  Status Stream(Call call, const Req& request, const std::function<Status(const Msg&)>& on_message) {
    auto ctx = Context(/*stream=*/true);
    auto reader = ((*stub).*call)(ctx.get(), request);
    Msg message;
    while (reader->Read(&message)) {
      if (Status st = on_message(message); !st.ok()) {
        ctx->TryCancel();
        (void)reader->Finish();
        return st;
      }
    }
    return FromGrpc(reader->Finish());
  }
};

IntegrationClient::IntegrationClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
IntegrationClient::~IntegrationClient() = default;

StatusOr<std::unique_ptr<IntegrationClient>> IntegrationClient::Connect(const std::string& address,
                                                                        const GrpcTransportOptions& options) {
  auto conn = sdk_internal::ConnectService(address, options);
  if (!conn.ok()) return conn.status();
  auto impl = std::make_unique<Impl>();
  static_cast<sdk_internal::ServiceConnection&>(*impl) = std::move(*conn);
  impl->stub = v1::IntegrationService::NewStub(impl->channel);
  return std::unique_ptr<IntegrationClient>(new IntegrationClient(std::move(impl)));
}

using Stub = v1::IntegrationService::Stub;

Status IntegrationClient::Watch(const v1::WatchRequest& request,
                                const std::function<Status(const v1::ChangeBatch&)>& on_batch) {
  return impl_->Stream<v1::ChangeBatch>(&Stub::WatchChanges, request, on_batch);
}

StatusOr<v1::ConsumerCursor> IntegrationClient::AckCursor(const v1::AckCursorRequest& request) {
  return impl_->Unary<v1::ConsumerCursor>(&Stub::AckCursor, request);
}

StatusOr<v1::ConsumerList> IntegrationClient::ListConsumers() {
  return impl_->Unary<v1::ConsumerList>(&Stub::ListConsumers, v1::ListConsumersRequest());
}

StatusOr<v1::FindingPage> IntegrationClient::ListFindings(const v1::FindingQuery& query) {
  return impl_->Unary<v1::FindingPage>(&Stub::ListFindings, query);
}

Status IntegrationClient::Export(const v1::ExportRequest& request,
                                 const std::function<Status(const v1::ExportChunk&)>& on_chunk) {
  bool last = false;
  Status st = impl_->Stream<v1::ExportChunk>(&Stub::ExportFindings, request, [&](const v1::ExportChunk& chunk) {
    if (chunk.last()) last = true;
    return on_chunk(chunk);
  });
  if (st.ok() && !last) return DataLoss("the export ended without its last chunk");
  return st;
}

StatusOr<v1::ImportResponse> IntegrationClient::Import(const v1::ImportRequest& request) {
  return impl_->Unary<v1::ImportResponse>(&Stub::Import, request);
}

StatusOr<v1::SummaryReport> IntegrationClient::Summary(const v1::SummaryRequest& request) {
  return impl_->Unary<v1::SummaryReport>(&Stub::Summary, request);
}

StatusOr<v1::ConflictPage> IntegrationClient::ListConflicts(const v1::ConflictQuery& query) {
  return impl_->Unary<v1::ConflictPage>(&Stub::ListConflicts, query);
}

StatusOr<v1::ResolveConflictResponse> IntegrationClient::ResolveConflict(const v1::ResolveConflictRequest& request) {
  return impl_->Unary<v1::ResolveConflictResponse>(&Stub::ResolveConflict, request);
}

StatusOr<v1::Webhook> IntegrationClient::CreateWebhook(const v1::CreateWebhookRequest& request) {
  return impl_->Unary<v1::Webhook>(&Stub::CreateWebhook, request);
}

StatusOr<v1::WebhookList> IntegrationClient::ListWebhooks() {
  return impl_->Unary<v1::WebhookList>(&Stub::ListWebhooks, v1::ListWebhooksRequest());
}

StatusOr<v1::Webhook> IntegrationClient::DeleteWebhook(const std::string& id) {
  v1::DeleteWebhookRequest request;
  request.set_id(id);
  return impl_->Unary<v1::Webhook>(&Stub::DeleteWebhook, request);
}

StatusOr<v1::DeliveryList> IntegrationClient::ListDeliveries(const v1::ListDeliveriesRequest& request) {
  return impl_->Unary<v1::DeliveryList>(&Stub::ListDeliveries, request);
}

StatusOr<v1::Delivery> IntegrationClient::Redeliver(const v1::RedeliverRequest& request) {
  return impl_->Unary<v1::Delivery>(&Stub::RedeliverEvent, request);
}

}  // namespace inspectsync
