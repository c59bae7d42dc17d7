// Webhooks: delivery. Each attempt is one libcurl POST of the stored payload,
// signed at send time (the timestamp is the attempt's), over TLS verified
// against WebhookOptions.ca_file or the system's store. A webhook's due rows
// go out in the order they were enqueued, one at a time; different webhooks
// go out in parallel on up to `concurrency` threads, so a slow or dead
// endpoint holds one thread for at most one timeout per backoff.
#include <curl/curl.h>

#include <algorithm>

#include "core/backoff.h"
#include "server/webhook_signing.h"
#include "server/webhooks.h"

namespace inspectsync::server {

namespace {

constexpr size_t kRowsPerClaim = 100;

void InitCurlOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

size_t Discard(char*, size_t size, size_t n, void*) { return size * n; }

// libcurl calls this often during a transfer, connecting included: a
// non-zero return aborts it, which is how Stop interrupts a slow endpoint.
int Progress(void* abort_flag, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return static_cast<std::atomic<bool>*>(abort_flag)->load() ? 1 : 0;
}

}  // namespace

bool Webhooks::Post(const storage::WebhookRow& hook, const storage::DeliveryRow& row, std::string* error,
                    bool* aborted) {
  InitCurlOnce();
  *aborted = false;
  CURL* curl = curl_easy_init();
  if (curl == nullptr) {
    *error = "cannot start a transfer (curl_easy_init)";
    return false;
  }
  std::string timestamp = std::to_string(Now() / 1000);
  std::vector<std::string> lines = {
      "Content-Type: application/json",
      std::string(kEventIdHeader) + ": " + row.event_id,
      std::string(kEventHeader) + ": " + WebhookEventName(static_cast<v1::WebhookEvent>(row.event)),
      std::string(kTimestampHeader) + ": " + timestamp,
      std::string(kSignatureHeader) + ": " + SignWebhook(hook.secret, timestamp, row.payload),
      "User-Agent: inspectsync-webhooks/1",
      "Expect:",  // no 100-continue round trip
  };
  curl_slist* headers = nullptr;
  for (const auto& l : lines) headers = curl_slist_append(headers, l.c_str());
  char errbuf[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(curl, CURLOPT_URL, hook.url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_POST, 1L);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, row.payload.data());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(row.payload.size()));
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.timeout_ms));
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options_.timeout_ms));
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);  // a redirect is not a delivery
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!options_.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, options_.ca_file.c_str());
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, Discard);
  curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, Progress);
  curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &abort_);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
  CURLcode rc = curl_easy_perform(curl);
  long code = 0;
  if (rc == CURLE_OK) curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  if (rc == CURLE_ABORTED_BY_CALLBACK) {
    *aborted = true;
    *error = "aborted: the server is stopping";
    return false;
  }
  if (rc != CURLE_OK) {
    *error = errbuf[0] != 0 ? std::string(errbuf) : std::string(curl_easy_strerror(rc));
    return false;
  }
  if (code >= 200 && code < 300) return true;
  *error = "HTTP " + std::to_string(code);
  return false;
}

int64_t Webhooks::BackoffMs(uint32_t attempts) {
  // Jitter in [d/2, d]: endpoints that failed together do not retry together.
  std::lock_guard<std::mutex> lock(mu_);  // rng_
  return core::BackoffDelayMs(attempts, options_.backoff_base_ms, options_.backoff_cap_ms, rng_);
}

bool Webhooks::TryClaim(const std::string& webhook_id, int64_t now_ms, std::vector<storage::DeliveryRow>* rows) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (busy_.count(webhook_id)) return false;
    auto p = paused_until_.find(webhook_id);
    if (p != paused_until_.end() && p->second > now_ms) return false;
    busy_.insert(webhook_id);
  }
  rows->clear();
  if (store_->ListDue(webhook_id, now_ms, kRowsPerClaim, rows).ok() && !rows->empty()) return true;
  Release(webhook_id);
  return false;
}

void Webhooks::Release(const std::string& webhook_id) {
  std::lock_guard<std::mutex> lock(mu_);
  busy_.erase(webhook_id);
}

std::string Webhooks::ClaimWebhook(std::vector<storage::DeliveryRow>* rows) {
  std::vector<storage::WebhookRow> hooks;
  if (!store_->List(&hooks).ok() || hooks.empty()) return "";
  size_t start;
  {
    std::lock_guard<std::mutex> lock(mu_);
    start = next_hook_++;
  }
  int64_t now = Now();
  for (size_t i = 0; i < hooks.size(); ++i) {
    const auto& h = hooks[(start + i) % hooks.size()];
    if (h.active && TryClaim(h.id, now, rows)) return h.id;
  }
  return "";
}

size_t Webhooks::DeliverForWebhook(const std::string& webhook_id, const std::vector<storage::DeliveryRow>& rows) {
  auto hook = store_->Get(webhook_id);
  if (!hook.ok() || !*hook || !(*hook)->active) return 0;
  size_t attempts_made = 0;
  for (const storage::DeliveryRow& row : rows) {
    if (abort_) break;
    std::string error;
    bool aborted = false;
    bool ok = Post(**hook, row, &error, &aborted);
    if (aborted) break;  // not the endpoint's fault: the row stays as it was
    ++attempts_made;
    uint32_t attempts = row.attempts + 1;
    int64_t now = Now();
    if (ok) {
      (void)store_->MarkDelivered(row.event_id, webhook_id, attempts, now);
      std::lock_guard<std::mutex> lock(mu_);
      paused_until_.erase(webhook_id);
      continue;
    }
    bool give_up = attempts >= options_.max_attempts;
    int64_t next = now + BackoffMs(attempts);
    (void)store_->MarkAttemptFailed(row.event_id, webhook_id, attempts, next, give_up, error);
    std::lock_guard<std::mutex> lock(mu_);
    paused_until_[webhook_id] = next;
    break;
  }
  return attempts_made;
}

StatusOr<size_t> Webhooks::DeliverDueOnce() {
  std::vector<storage::WebhookRow> hooks;
  INSPECTSYNC_RETURN_IF_ERROR(store_->List(&hooks));
  size_t attempts = 0;
  int64_t now = Now();
  for (const auto& h : hooks) {
    std::vector<storage::DeliveryRow> rows;
    // Every due row of this webhook, in claims of kRowsPerClaim.
    while (h.active && TryClaim(h.id, now, &rows)) {
      size_t n = DeliverForWebhook(h.id, rows);
      attempts += n;
      Release(h.id);
      if (n < rows.size()) break;  // it failed (or we are stopping): its backoff decides
    }
  }
  return attempts;
}

}  // namespace inspectsync::server
