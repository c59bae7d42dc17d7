// Webhooks: the office's endpoints, the events derived from committed history
// (finding created, status changed, became overdue, conflict opened), a
// durable outbox and delivery over HTTPS with libcurl — signed with
// HMAC-SHA256 (webhook_signing.h), retried with backoff, surviving restarts.
// No gRPC (integration_service_webhooks.cc adapts it).
//
// Two halves, each a step function the threads call in a loop and tests call
// by hand (WebhookOptions.enabled = false starts no threads):
//   RunEventSourceOnce / ScanOverdueOnce  read history, conflicts and deadlines
//       and commit the events (an outbox row per subscribed webhook) together
//       with the sources' new positions, in one transaction.
//   DeliverDueOnce  POSTs due outbox rows; 2xx delivers, anything else retries
//       after exponential backoff with jitter, FAILED after max_attempts.
// Events are never made inside the push path: a push costs nothing extra, and
// an event exists only for a committed version.
//
// Time (timestamps, deadlines, backoff) is the engine's clock, so tests drive
// it with core::ManualClock; the threads only poll on a short real interval.
//
// Thread-safety: safe to call from several threads; Start/Stop once each.
#ifndef INSPECTSYNC_SERVER_WEBHOOKS_H_
#define INSPECTSYNC_SERVER_WEBHOOKS_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "inspectsync/v1/integration.pb.h"
#include "server/sync_engine.h"
#include "storage/webhook_store.h"

namespace inspectsync::server {

struct WebhookOptions {
  bool enabled = true;  // false: no background threads (tests drive steps by hand)
  std::string ca_file;  // PEM bundle to verify endpoints with; "" = the system's
  int64_t timeout_ms = 10'000;          // one attempt, connect included
  uint32_t max_attempts = 20;           // then FAILED (RedeliverEvent retries); ~4.5-9 h with the defaults
  int64_t backoff_base_ms = 1'000;      // the delay after the first failure; doubles each time
  int64_t backoff_cap_ms = 3'600'000;   // never longer than this
  int concurrency = 4;                  // endpoints delivered to at once
  int64_t poll_interval_ms = 500;       // real time between the threads' looks
  int64_t overdue_scan_interval_ms = 60'000;  // engine clock
  size_t source_batch = 500;            // history rows read per step
};

// The name of an event type on the wire ("finding.created", ...); "" if unknown.
std::string WebhookEventName(v1::WebhookEvent e);

// INVALID_ARGUMENT unless `url` is https://HOST..., or http:// to a loopback
// host (127.0.0.0/8, ::1, localhost) for development and tests.
Status CheckWebhookUrl(const std::string& url);

class Webhooks {
 public:
  Webhooks(SyncEngine* engine, WebhookOptions options);
  ~Webhooks();
  Webhooks(const Webhooks&) = delete;
  Webhooks& operator=(const Webhooks&) = delete;

  // Starts the event source and the deliverers (unless !options.enabled).
  void Start();
  // Stops the threads, aborting transfers in flight (their rows stay pending
  // and are tried again after a restart). Returns within about a second.
  void Stop();

  // ---- registration (the IntegrationService calls)
  // The new webhook with its secret (the only time the secret is shown).
  StatusOr<v1::Webhook> Create(const v1::CreateWebhookRequest& req, const std::string& created_by);
  Status List(v1::WebhookList* out);  // secrets left out
  // NOT_FOUND for an unknown id. Deliveries not yet made are dropped.
  StatusOr<v1::Webhook> Delete(const std::string& id);
  Status ListDeliveries(const v1::ListDeliveriesRequest& req, v1::DeliveryList* out);
  // Makes a delivery pending again now, attempts reset; NOT_FOUND if unknown.
  StatusOr<v1::Delivery> Redeliver(const v1::RedeliverRequest& req);

  // ---- steps (the threads' work; tests call them directly)
  // Reads history and conflicts after the stored positions and commits their
  // events. Returns the outbox rows added.
  StatusOr<size_t> RunEventSourceOnce();
  // Announces findings whose deadline passed while still open, once per
  // (finding, deadline). Returns the outbox rows added.
  StatusOr<size_t> ScanOverdueOnce();
  // Attempts every delivery due now (per webhook in order; a webhook whose
  // attempt fails is left for its backoff). Returns the attempts made.
  StatusOr<size_t> DeliverDueOnce();

 private:
  // One POST; true on 2xx. `error` says why not ("HTTP 503", "connection refused ...").
  bool Post(const storage::WebhookRow& hook, const storage::DeliveryRow& row, std::string* error, bool* aborted);
  // Delivers the due rows of one webhook in order, stopping at its first failure.
  size_t DeliverForWebhook(const std::string& webhook_id, const std::vector<storage::DeliveryRow>& rows);
  int64_t BackoffMs(uint32_t attempts);
  // Takes a due webhook no other thread is delivering to; "" if none.
  std::string ClaimWebhook(std::vector<storage::DeliveryRow>* rows);
  bool TryClaim(const std::string& webhook_id, int64_t now_ms, std::vector<storage::DeliveryRow>* rows);
  void Release(const std::string& webhook_id);
  void SourceLoop();
  void DeliverLoop();
  int64_t Now() { return engine_->options().clock->NowMillis(); }

  SyncEngine* engine_;
  storage::WebhookStore* store_;
  WebhookOptions options_;

  std::mutex source_mu_;  // one event source step at a time
  std::optional<int64_t> last_overdue_scan_ms_;  // none yet: the first look scans

  std::mutex mu_;
  std::condition_variable cv_;
  std::set<std::string> busy_;  // webhooks a deliverer is working on
  // Webhooks whose last attempt failed rest until their retry is due (engine
  // clock), so a down endpoint costs one attempt per backoff, not one per event.
  std::map<std::string, int64_t> paused_until_;
  size_t next_hook_ = 0;        // where the next claim starts looking (fairness)
  bool stopping_ = false;
  bool work_ = false;           // the source added rows since the deliverers looked
  bool committed_ = false;      // the engine committed since the source looked
  uint64_t commit_listener_ = 0;
  std::mt19937_64 rng_;         // backoff jitter; under mu_
  std::atomic<bool> abort_{false};
  std::vector<std::thread> threads_;
};

}  // namespace inspectsync::server

#endif  // INSPECTSYNC_SERVER_WEBHOOKS_H_
