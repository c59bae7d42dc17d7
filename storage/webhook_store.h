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
#include <utility>
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

// Outbox states (the values of v1::DeliveryState).
inline constexpr int kDeliveryPending = 1;
inline constexpr int kDeliveryDelivered = 2;
inline constexpr int kDeliveryFailed = 3;

// One (event, webhook) row of the outbox.
struct DeliveryRow {
  std::string event_id;
  std::string webhook_id;
  int event = 0;  // v1::WebhookEvent
  std::string payload;
  int64_t created_ms = 0;
  int state = kDeliveryPending;
  uint32_t attempts = 0;
  int64_t next_attempt_ms = 0;
  int64_t delivered_ms = 0;
  std::string last_error;
};

// An event the source derived, before it is fanned out to the webhooks.
struct OutboxEvent {
  std::string event_id;  // deterministic from its source: re-deriving dedups
  int event = 0;         // v1::WebhookEvent
  std::string payload;
  int64_t created_ms = 0;
};

// What one step of the event source commits, all or nothing: the events
// (one outbox row per active webhook subscribed to each), the new positions
// of the sources read, and the overdue deadlines announced.
struct EventBatch {
  std::vector<OutboxEvent> events;
  std::vector<std::pair<std::string, int64_t>> positions;       // source name -> position
  std::vector<std::pair<std::string, int64_t>> overdue_marks;  // finding id -> deadline_ms
};

struct DeliveryFilter {
  std::string webhook_id;   // "" = all
  std::vector<int> states;  // empty = all
  size_t limit = 100;       // newest first
};

class WebhookStore {
 public:
  virtual ~WebhookStore() = default;
  virtual Status Create(const WebhookRow& row) = 0;
  virtual Status List(std::vector<WebhookRow>* out) = 0;
  virtual StatusOr<std::optional<WebhookRow>> Get(const std::string& id) = 0;
  // Removes the webhook and its undelivered outbox rows; false if unknown.
  virtual StatusOr<bool> Delete(const std::string& id) = 0;

  // ---- the event source
  // A source's position (0 if it never ran).
  virtual StatusOr<int64_t> Position(const std::string& source) = 0;
  // Commits `batch` in one transaction (see EventBatch). Rows already in the
  // outbox (same event id and webhook) are left as they are. Returns the
  // number of outbox rows added.
  virtual StatusOr<size_t> Commit(const EventBatch& batch) = 0;
  // When no webhook is active, moves the sources to these positions without
  // reading what lies between (nobody would get it); in one transaction with
  // the check, so a webhook created meanwhile misses nothing committed after
  // it. Returns whether it moved them.
  virtual StatusOr<bool> SkipIfNoSubscribers(const std::vector<std::pair<std::string, int64_t>>& positions) = 0;
  // Conflicts stored after `after_rowid`, in rowid (= commit) order: (rowid,
  // serialized v1::Conflict).
  virtual Status ReadConflictsAfter(int64_t after_rowid, size_t limit,
                                    std::vector<std::pair<int64_t, std::string>>* out) = 0;
  virtual StatusOr<int64_t> MaxConflictRowid() = 0;
  // finding id -> the deadline last announced overdue.
  virtual Status OverdueAnnounced(std::vector<std::pair<std::string, int64_t>>* out) = 0;

  // ---- the outbox
  // The pending rows of one webhook due at `now_ms`, in the order their
  // events were enqueued.
  virtual Status ListDue(const std::string& webhook_id, int64_t now_ms, size_t limit,
                         std::vector<DeliveryRow>* out) = 0;
  // The earliest next attempt of a pending row, if any.
  virtual StatusOr<std::optional<int64_t>> NextDue() = 0;
  virtual Status MarkDelivered(const std::string& event_id, const std::string& webhook_id, uint32_t attempts,
                               int64_t now_ms) = 0;
  // An attempt failed: pending again at `next_attempt_ms`, or FAILED if `give_up`.
  virtual Status MarkAttemptFailed(const std::string& event_id, const std::string& webhook_id, uint32_t attempts,
                                   int64_t next_attempt_ms, bool give_up, const std::string& error) = 0;
  virtual Status ListDeliveries(const DeliveryFilter& filter, std::vector<DeliveryRow>* out) = 0;
  // Makes one row pending again, due at `now_ms`, with its attempts reset;
  // nullopt if there is no such row.
  virtual StatusOr<std::optional<DeliveryRow>> Requeue(const std::string& webhook_id, const std::string& event_id,
                                                       int64_t now_ms) = 0;
};

// Over its own connection to the server store's file (tables of migration 9).
StatusOr<std::unique_ptr<WebhookStore>> OpenSqliteWebhookStore(const std::string& path, bool synchronous_full);

}  // namespace inspectsync::storage

#endif  // INSPECTSYNC_STORAGE_WEBHOOK_STORE_H_
