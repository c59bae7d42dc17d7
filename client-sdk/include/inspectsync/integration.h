// IntegrationClient: the server's IntegrationService (proto/inspectsync/v1/
// integration.proto) for the district office's own systems and the command
// line — the change feed and its named cursors, findings listed and
// exported, imports, conflict review, the summary, and webhooks. Every call
// needs a token of role office or integration (others get
// PERMISSION_DENIED); same TLS trust and bearer token as a tablet's sync
// (GrpcTransportOptions).
//
//   auto integ = inspectsync::IntegrationClient::Connect("sync.district:7443", grpc_options).value();
//   v1::WatchRequest w;  w.set_protocol_version(1);  w.set_stop_at_head(true);
//   Status st = integ->Watch(w, [&](const v1::ChangeBatch& b) { Store(b); return Status::Ok(); });
//
// Errors are the server's status as it sent it (INVALID_ARGUMENT for a bad
// request, NOT_FOUND, PERMISSION_DENIED...), UNAVAILABLE / DEADLINE_EXCEEDED
// from the network. Unary calls end within GrpcTransportOptions::
// call_deadline; the two streams (Watch, Export) have no client deadline: a
// watch follows the feed for as long as its caller wants, and the server
// bounds an export (--max-call-s).
//
// Thread-safety: one thread at a time.
#ifndef INSPECTSYNC_INTEGRATION_H_
#define INSPECTSYNC_INTEGRATION_H_

#include <functional>
#include <memory>
#include <string>

#include "inspectsync/status.h"
#include "inspectsync/transport.h"
#include "inspectsync/v1/integration.pb.h"

namespace inspectsync {

class IntegrationClient {
 public:
  // INVALID_ARGUMENT for a malformed token (CheckBearerToken),
  // FAILED_PRECONDITION if the CA file cannot be read. Connects lazily.
  static StatusOr<std::unique_ptr<IntegrationClient>> Connect(const std::string& address,
                                                              const GrpcTransportOptions& options);
  ~IntegrationClient();

  // ---- the change feed
  // Calls `on_batch` with every batch of the watch, in order, until the
  // server ends it (OK once a stop_at_head watch has reached the head) or
  // `on_batch` returns an error: the watch is then cancelled and that error
  // returned. Acknowledge what you have stored with AckCursor.
  Status Watch(const v1::WatchRequest& request, const std::function<Status(const v1::ChangeBatch&)>& on_batch);
  // Stores a named consumer's cursor (moves it back only with rewind).
  StatusOr<v1::ConsumerCursor> AckCursor(const v1::AckCursorRequest& request);
  StatusOr<v1::ConsumerList> ListConsumers();

  // ---- findings
  // One page; follow next_page_token with query.page_token.
  StatusOr<v1::FindingPage> ListFindings(const v1::FindingQuery& query);
  // Calls `on_chunk` with every chunk of the export, in order (data to
  // append; the last has `last` and `rows`). An error from `on_chunk`
  // cancels the export and is returned; DATA_LOSS if the stream ended
  // without its last chunk.
  Status Export(const v1::ExportRequest& request, const std::function<Status(const v1::ExportChunk&)>& on_chunk);
  // All or nothing, on the server.
  StatusOr<v1::ImportResponse> Import(const v1::ImportRequest& request);
  StatusOr<v1::SummaryReport> Summary(const v1::SummaryRequest& request = v1::SummaryRequest());

  // ---- conflict review
  // One page; follow next_page_token with query.page_token.
  StatusOr<v1::ConflictPage> ListConflicts(const v1::ConflictQuery& query);
  StatusOr<v1::ResolveConflictResponse> ResolveConflict(const v1::ResolveConflictRequest& request);

  // ---- webhooks
  // The response carries the signing secret: the only time it is shown.
  StatusOr<v1::Webhook> CreateWebhook(const v1::CreateWebhookRequest& request);
  StatusOr<v1::WebhookList> ListWebhooks();
  StatusOr<v1::Webhook> DeleteWebhook(const std::string& id);
  StatusOr<v1::DeliveryList> ListDeliveries(const v1::ListDeliveriesRequest& request);
  StatusOr<v1::Delivery> Redeliver(const v1::RedeliverRequest& request);

 private:
  struct Impl;
  explicit IntegrationClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace inspectsync

#endif  // INSPECTSYNC_INTEGRATION_H_
