// Webhooks: registration, the event source, the threads. Delivery (libcurl)
// is in webhook_delivery.cc.
#include "core/quote.h"
#include "server/webhooks.h"

#include <arpa/inet.h>
#include <signal.h>
#include <google/protobuf/util/json_util.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <unordered_map>

#include "core/export.h"  // JsonQuote
#include "core/hex.h"
#include "core/ids.h"
#include "core/lifecycle.h"
#include "inspectsync/v1/records.pb.h"
#include "server/site_directory.h"

namespace inspectsync::server {

namespace {

// webhook_sources names.
constexpr const char* kHistorySource = "history";
constexpr const char* kConflictSource = "conflicts";

std::string ToJson(const google::protobuf::Message& m) {
  google::protobuf::util::JsonPrintOptions o;
  o.preserve_proto_field_names = true;
  std::string out;
  if (!google::protobuf::util::MessageToJsonString(m, &out, o).ok()) return "{}";
  return out;
}

// Members of a JSON object, in the order added.
class JsonObject {
 public:
  JsonObject& Str(const std::string& k, const std::string& v) { return Raw(k, core::JsonQuote(v)); }
  JsonObject& Int(const std::string& k, int64_t v) { return Raw(k, std::to_string(v)); }
  JsonObject& Raw(const std::string& k, const std::string& json) {
    body_ += (body_.empty() ? "" : ",") + core::JsonQuote(k) + ":" + json;
    return *this;
  }
  std::string str() const { return "{" + body_ + "}"; }

 private:
  std::string body_;
};

storage::OutboxEvent MakeEvent(v1::WebhookEvent type, const std::string& source_key, int64_t now_ms,
                               const JsonObject& data) {
  storage::OutboxEvent e;
  e.event = type;
  // Deterministic: deriving the same event again (after a crash before the
  // commit) gives the same id, and the outbox key keeps one row.
  e.event_id = core::NameBasedUuid("inspectsync/webhook/" + WebhookEventName(type) + "/" + source_key);
  e.created_ms = now_ms;
  e.payload = JsonObject()
                  .Str("id", e.event_id)
                  .Str("type", WebhookEventName(type))
                  .Int("created_ms", now_ms)
                  .Raw("data", data.str())
                  .str();
  return e;
}

bool IsLoopbackHost(const std::string& host) {
  std::string h = host;
  std::transform(h.begin(), h.end(), h.begin(), [](unsigned char c) { return std::tolower(c); });
  if (h == "localhost" || h == "::1") return true;
  in_addr a4{};
  if (inet_pton(AF_INET, h.c_str(), &a4) == 1) return (ntohl(a4.s_addr) >> 24) == 127;
  return false;
}

v1::Webhook ToProto(const storage::WebhookRow& r, bool with_secret) {
  v1::Webhook w;
  w.set_id(r.id);
  w.set_url(r.url);
  for (int e = v1::WebhookEvent_MIN; e <= v1::WebhookEvent_MAX; ++e)
    if (e != 0 && (r.event_mask & (1u << e))) w.add_events(static_cast<v1::WebhookEvent>(e));
  w.set_active(r.active);
  w.set_created_ms(r.created_ms);
  w.set_created_by(r.created_by);
  if (with_secret) w.set_secret(r.secret);
  w.set_description(r.description);
  return w;
}

v1::Delivery ToProto(const storage::DeliveryRow& r) {
  v1::Delivery d;
  d.set_event_id(r.event_id);
  d.set_webhook_id(r.webhook_id);
  d.set_event(static_cast<v1::WebhookEvent>(r.event));
  d.set_state(static_cast<v1::DeliveryState>(r.state));
  d.set_attempts(r.attempts);
  d.set_created_ms(r.created_ms);
  d.set_next_attempt_ms(r.next_attempt_ms);
  d.set_delivered_ms(r.delivered_ms);
  d.set_last_error(r.last_error);
  d.set_payload(r.payload);
  return d;
}

Status Invalid(const std::string& msg) { return Status(StatusCode::kInvalidArgument, msg); }

}  // namespace

std::string WebhookEventName(v1::WebhookEvent e) {
  switch (e) {
    case v1::FINDING_CREATED: return "finding.created";
    case v1::FINDING_STATUS_CHANGED: return "finding.status_changed";
    case v1::FINDING_OVERDUE: return "finding.overdue";
    case v1::CONFLICT_OPENED: return "conflict.opened";
    default: return "";
  }
}

Status CheckWebhookUrl(const std::string& url) {
  if (url.empty()) return Invalid("url: required (https://...)");
  if (url.size() > 2048) return Invalid("url: longer than 2048 characters");
  for (unsigned char c : url)
    if (c <= 0x20 || c >= 0x7f) return Invalid("url: contains a space, control or non-ASCII character");
  auto sep = url.find("://");
  if (sep == std::string::npos) return Invalid("url: " + core::Quote(url) + " is not an absolute URL (https://host/path)");
  std::string scheme = url.substr(0, sep);
  std::transform(scheme.begin(), scheme.end(), scheme.begin(), [](unsigned char c) { return std::tolower(c); });
  std::string rest = url.substr(sep + 3);
  std::string authority = rest.substr(0, rest.find_first_of("/?#"));
  if (authority.find('@') != std::string::npos)
    return Invalid("url: must not carry credentials (user@host); the signature authenticates the server");
  std::string host;
  if (!authority.empty() && authority[0] == '[') {
    auto close = authority.find(']');
    if (close == std::string::npos) return Invalid("url: unterminated [IPv6] host");
    host = authority.substr(1, close - 1);
  } else {
    host = authority.substr(0, authority.find(':'));
  }
  if (host.empty()) return Invalid("url: " + core::Quote(url) + " has no host");
  if (scheme == "https") return Status::Ok();
  if (scheme == "http") {
    if (IsLoopbackHost(host)) return Status::Ok();
    return Invalid("url: http:// is allowed only to a loopback host (127.0.0.1, ::1, localhost); use https://");
  }
  return Invalid("url: scheme " + core::Quote(scheme) + " is not supported; use https://");
}

Webhooks::Webhooks(SyncEngine* engine, WebhookOptions options)
    : engine_(engine), store_(engine->store()->webhooks()), options_(std::move(options)), rng_(std::random_device{}()) {
  if (options_.concurrency < 1) options_.concurrency = 1;
  if (options_.max_attempts < 1) options_.max_attempts = 1;
}

Webhooks::~Webhooks() { Stop(); }

void Webhooks::Start() {
  if (!options_.enabled || !threads_.empty()) return;
  // New history wakes the source at once instead of at its next poll.
  commit_listener_ = engine_->AddCommitListener([this] {
    std::lock_guard<std::mutex> lock(mu_);
    committed_ = true;
    cv_.notify_all();
  });
  threads_.emplace_back([this] { SourceLoop(); });
  for (int i = 0; i < options_.concurrency; ++i) threads_.emplace_back([this] { DeliverLoop(); });
}

void Webhooks::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  abort_ = true;
  cv_.notify_all();
  if (commit_listener_ != 0) engine_->RemoveCommitListener(commit_listener_);
  commit_listener_ = 0;
  for (auto& t : threads_) t.join();
  threads_.clear();
}

// ---------------------------------------------------------------- registration

StatusOr<v1::Webhook> Webhooks::Create(const v1::CreateWebhookRequest& req, const std::string& created_by) {
  INSPECTSYNC_RETURN_IF_ERROR(CheckWebhookUrl(req.url()));
  if (req.events().empty())
    return Invalid("events: name at least one (finding.created, finding.status_changed, finding.overdue, "
                   "conflict.opened)");
  uint32_t mask = 0;
  for (int e : req.events()) {
    if (e == v1::WEBHOOK_EVENT_UNSPECIFIED || !v1::WebhookEvent_IsValid(e))
      return Invalid("events: " + std::to_string(e) + " is not an event type");
    mask |= 1u << e;
  }
  std::string secret = req.secret();
  if (secret.empty()) {
    unsigned char raw[32];
    if (RAND_bytes(raw, sizeof raw) != 1) return Status(StatusCode::kInternal, "cannot draw random bytes for a secret");
    secret = core::HexEncode(std::string_view(reinterpret_cast<const char*>(raw), sizeof raw));
  } else if (secret.size() < 16 || secret.size() > 256) {
    return Invalid("secret: must be 16 to 256 characters (or empty, and the server makes one)");
  }
  if (req.description().size() > 500) return Invalid("description: longer than 500 characters");
  storage::WebhookRow row;
  core::IdGenerator ids(engine_->options().clock);
  row.id = ids.NewUuidV7();
  row.url = req.url();
  row.secret = secret;
  row.event_mask = mask;
  row.active = true;
  row.created_ms = Now();
  row.created_by = created_by;
  row.description = req.description();
  INSPECTSYNC_RETURN_IF_ERROR(store_->Create(row));
  return ToProto(row, /*with_secret=*/true);
}

Status Webhooks::List(v1::WebhookList* out) {
  std::vector<storage::WebhookRow> rows;
  INSPECTSYNC_RETURN_IF_ERROR(store_->List(&rows));
  for (const auto& r : rows) *out->add_webhooks() = ToProto(r, /*with_secret=*/false);
  return Status::Ok();
}

StatusOr<v1::Webhook> Webhooks::Delete(const std::string& id) {
  if (id.empty()) return Invalid("id: required");
  auto row = store_->Get(id);
  if (!row.ok()) return row.status();
  if (!*row) return Status(StatusCode::kNotFound, "no webhook " + core::Quote(id));
  auto found = store_->Delete(id);
  if (!found.ok()) return found.status();
  if (!*found) return Status(StatusCode::kNotFound, "no webhook " + id);
  return ToProto(**row, /*with_secret=*/false);
}

Status Webhooks::ListDeliveries(const v1::ListDeliveriesRequest& req, v1::DeliveryList* out) {
  storage::DeliveryFilter f;
  f.webhook_id = req.webhook_id();
  for (int s : req.states()) {
    if (s == v1::DELIVERY_STATE_UNSPECIFIED || !v1::DeliveryState_IsValid(s))
      return Invalid("states: " + std::to_string(s) + " is not a delivery state");
    f.states.push_back(s);
  }
  if (req.limit() > 1000) return Invalid("limit: at most 1000");
  f.limit = req.limit() == 0 ? 100 : req.limit();
  std::vector<storage::DeliveryRow> rows;
  INSPECTSYNC_RETURN_IF_ERROR(store_->ListDeliveries(f, &rows));
  for (const auto& r : rows) *out->add_deliveries() = ToProto(r);
  return Status::Ok();
}

StatusOr<v1::Delivery> Webhooks::Redeliver(const v1::RedeliverRequest& req) {
  if (req.webhook_id().empty()) return Invalid("webhook_id: required");
  if (req.event_id().empty()) return Invalid("event_id: required");
  auto row = store_->Requeue(req.webhook_id(), req.event_id(), Now());
  if (!row.ok()) return row.status();
  if (!*row)
    return Status(StatusCode::kNotFound, "no delivery of event " + core::Quote(req.event_id()) + " to webhook " + core::Quote(req.webhook_id()));
  {
    std::lock_guard<std::mutex> lock(mu_);
    work_ = true;
  }
  cv_.notify_all();
  return ToProto(**row);
}

// ---------------------------------------------------------------- event source

StatusOr<size_t> Webhooks::RunEventSourceOnce() {
  std::lock_guard<std::mutex> source_lock(source_mu_);
  storage::ServerStore* records = engine_->store();
  auto head = records->Head();
  if (!head.ok()) return head.status();
  auto max_conflict = store_->MaxConflictRowid();
  if (!max_conflict.ok()) return max_conflict.status();
  auto history_pos = store_->Position(kHistorySource);
  if (!history_pos.ok()) return history_pos.status();
  auto conflict_pos = store_->Position(kConflictSource);
  if (!conflict_pos.ok()) return conflict_pos.status();
  int64_t hpos = *history_pos, cpos = *conflict_pos;
  if (hpos >= static_cast<int64_t>(*head) && cpos >= *max_conflict) return size_t{0};
  // Nobody subscribed: nothing to derive, jump to the end.
  auto skipped = store_->SkipIfNoSubscribers(
      {{kHistorySource, static_cast<int64_t>(*head)}, {kConflictSource, *max_conflict}});
  if (!skipped.ok()) return skipped.status();
  if (*skipped) return size_t{0};

  SiteZoneCache zones(records);
  auto zone = [&](const std::string& site_id) -> std::string { return zones.ZoneOf(site_id); };
  auto finding_data = [&](const std::string& id, uint64_t version, const v1::Finding& f) {
    JsonObject d;
    d.Str("finding_id", id).Int("version", static_cast<int64_t>(version)).Str("site_id", f.site_id());
    d.Str("zone_id", zone(f.site_id()));
    return d;
  };

  size_t added = 0;
  for (;;) {
    std::vector<storage::VersionRow> rows;
    INSPECTSYNC_RETURN_IF_ERROR(records->ReadHistory(static_cast<uint64_t>(hpos), options_.source_batch, &rows));
    std::vector<std::pair<int64_t, std::string>> conflicts;
    INSPECTSYNC_RETURN_IF_ERROR(store_->ReadConflictsAfter(cpos, options_.source_batch, &conflicts));
    if (rows.empty() && conflicts.empty()) break;
    int64_t now = Now();
    storage::EventBatch batch;
    for (const storage::VersionRow& row : rows) {
      hpos = static_cast<int64_t>(row.seq);
      if (row.collection != "findings" || row.deleted) continue;
      v1::Finding f;
      if (!f.ParseFromString(row.body)) continue;
      // The previous version, if any: none means this version created it.
      std::optional<v1::Finding> prev;
      if (row.op != v1::CREATE) {
        std::vector<storage::VersionRow> versions;
        INSPECTSYNC_RETURN_IF_ERROR(records->History(row.collection, row.id, &versions));
        const storage::VersionRow* before = nullptr;
        for (const auto& v : versions)
          if (v.seq < row.seq && (before == nullptr || v.seq > before->seq)) before = &v;
        if (before != nullptr && prev.emplace().ParseFromString(before->body) == false) prev.reset();
      }
      JsonObject data = finding_data(row.id, row.seq, f);
      if (!prev) {
        data.Raw("finding", ToJson(f));
        batch.events.push_back(MakeEvent(v1::FINDING_CREATED, std::to_string(row.seq), now, data));
      } else if (prev->status() != f.status()) {
        data.Str("old_status", v1::FindingStatus_Name(prev->status()))
            .Str("new_status", v1::FindingStatus_Name(f.status()))
            .Raw("finding", ToJson(f));
        batch.events.push_back(MakeEvent(v1::FINDING_STATUS_CHANGED, std::to_string(row.seq), now, data));
      }
    }
    for (const auto& [rowid, body] : conflicts) {
      cpos = rowid;
      v1::Conflict c;
      // A conflict read after a person already resolved it is no longer news.
      if (!c.ParseFromString(body) || c.state() != v1::CONFLICT_OPEN) continue;
      JsonObject data;
      data.Str("conflict_id", c.id()).Str("collection", c.collection()).Str("record_id", c.record_id());
      data.Str("field", c.field());
      if (c.collection() == "findings") {
        auto rec = records->GetRecord("findings", c.record_id());
        v1::Finding f;
        if (rec.ok() && *rec && f.ParseFromString((*rec)->body))
          data.Str("site_id", f.site_id()).Str("zone_id", zone(f.site_id()));
      }
      data.Raw("conflict", ToJson(c));
      batch.events.push_back(MakeEvent(v1::CONFLICT_OPENED, c.id(), now, data));
    }
    batch.positions = {{kHistorySource, hpos}, {kConflictSource, cpos}};
    auto n = store_->Commit(batch);
    if (!n.ok()) return n.status();
    added += *n;
    if (rows.size() < options_.source_batch && conflicts.size() < options_.source_batch) break;
  }
  return added;
}

StatusOr<size_t> Webhooks::ScanOverdueOnce() {
  std::lock_guard<std::mutex> source_lock(source_mu_);
  int64_t now = Now();
  last_overdue_scan_ms_ = now;
  // A scan reads every finding: only worth it when someone listens. (So a
  // webhook registered later hears of the findings overdue by then.)
  std::vector<storage::WebhookRow> hooks;
  INSPECTSYNC_RETURN_IF_ERROR(store_->List(&hooks));
  if (std::none_of(hooks.begin(), hooks.end(), [](const storage::WebhookRow& h) {
        return h.active && (h.event_mask & (1u << v1::FINDING_OVERDUE)) != 0;
      }))
    return size_t{0};
  std::vector<std::pair<std::string, int64_t>> marks;
  INSPECTSYNC_RETURN_IF_ERROR(store_->OverdueAnnounced(&marks));
  std::unordered_map<std::string, int64_t> announced(marks.begin(), marks.end());
  storage::ServerStore* records = engine_->store();
  SiteZoneCache zones(records);
  size_t added = 0;
  storage::EventBatch batch;
  auto flush = [&]() -> Status {
    if (batch.events.empty()) return Status::Ok();
    auto n = store_->Commit(batch);
    if (!n.ok()) return n.status();
    added += *n;
    batch = storage::EventBatch();
    return Status::Ok();
  };
  Status st = records->ScanCollection("findings", [&](const storage::StoredRecord& r) -> Status {
    if (r.deleted) return Status::Ok();
    v1::Finding f;
    if (!f.ParseFromString(r.body) || !core::IsOverdue(f, now)) return Status::Ok();
    auto it = announced.find(r.id);
    if (it != announced.end() && it->second == f.deadline_ms()) return Status::Ok();
    JsonObject data;
    data.Str("finding_id", r.id).Int("version", static_cast<int64_t>(r.version)).Str("site_id", f.site_id());
    data.Str("zone_id", zones.ZoneOf(f.site_id())).Int("deadline_ms", f.deadline_ms()).Raw("finding", ToJson(f));
    batch.events.push_back(
        MakeEvent(v1::FINDING_OVERDUE, r.id + "/" + std::to_string(f.deadline_ms()), now, data));
    batch.overdue_marks.emplace_back(r.id, f.deadline_ms());
    return batch.events.size() >= options_.source_batch ? flush() : Status::Ok();
  });
  INSPECTSYNC_RETURN_IF_ERROR(st);
  INSPECTSYNC_RETURN_IF_ERROR(flush());
  return added;
}

// ---------------------------------------------------------------- threads

void Webhooks::SourceLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    lock.unlock();
    size_t added = 0;
    auto n = RunEventSourceOnce();
    if (n.ok()) added += *n;
    bool scan;
    {
      std::lock_guard<std::mutex> source_lock(source_mu_);
      scan = !last_overdue_scan_ms_ || Now() - *last_overdue_scan_ms_ >= options_.overdue_scan_interval_ms;
    }
    if (scan) {
      auto m = ScanOverdueOnce();
      if (m.ok()) added += *m;
    }
    lock.lock();
    if (added > 0) {
      work_ = true;
      cv_.notify_all();
    }
    cv_.wait_for(lock, std::chrono::milliseconds(options_.poll_interval_ms),
                 [this] { return stopping_ || committed_; });
    committed_ = false;
  }
}

void Webhooks::DeliverLoop() {
  // A receiver may hang up while OpenSSL (inside libcurl) is still writing
  // to it; write() then raises SIGPIPE, whose default ends the process. A
  // blocked SIGPIPE stays pending on this thread and write() returns EPIPE,
  // which curl reports as a failed attempt. Blocking it here rather than
  // ignoring it process-wide keeps an embedding program's disposition.
  sigset_t pipe;
  sigemptyset(&pipe);
  sigaddset(&pipe, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe, nullptr);
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    lock.unlock();
    std::vector<storage::DeliveryRow> rows;
    std::string id = ClaimWebhook(&rows);
    if (!id.empty()) {
      DeliverForWebhook(id, rows);
      Release(id);
    }
    lock.lock();
    if (id.empty() && !stopping_) {
      cv_.wait_for(lock, std::chrono::milliseconds(options_.poll_interval_ms), [this] { return stopping_ || work_; });
      work_ = false;
    }
  }
}

}  // namespace inspectsync::server
