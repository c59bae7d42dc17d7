// WebhookStore: the office's webhook endpoints and the durable outbox of
// their deliveries (issue 8). Events are derived from committed history by
// the server (server/webhooks.h); each (event, webhook) pair is one outbox row
// that survives restarts until delivered or given up.
//
// Thread-safety: safe to call from several threads.
#ifndef INSPECTSYNC_STORAGE_WEBHOOK_STORE_H_
#define INSPECTSYNC_STORAGE_WEBHOOK_STORE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "inspectsync/status.h"

namespace inspectsync::storage {

struct WebhookRow {
  std::string id;
  std::string url;
  std::string secret;
  uint32_t event_mask = 0;  // bit (1 << v1::WebhookEvent)
  bool active = true;
  int64_t created_ms = 0;
  std::string created_by;
  std::string description;
};

class WebhookStore {
 public:
  virtual ~WebhookStore() = default;
  virtual Status Create(const WebhookRow& row) = 0;
  virtual Status List(std::vector<WebhookRow>* out) = 0;
  virtual StatusOr<std::optional<WebhookRow>> Get(const std::string& id) = 0;
  // Removes the webhook and its undelivered outbox rows; false if unknown.
  virtual StatusOr<bool> Delete(const std::string& id) = 0;
};

// Over its own connection to the server store's file (tables of migration 9).
StatusOr<std::unique_ptr<WebhookStore>> OpenSqliteWebhookStore(const std::string& path, bool synchronous_full);

}  // namespace inspectsync::storage

#endif  // INSPECTSYNC_STORAGE_WEBHOOK_STORE_H_
