#include "server/change_feed.h"

#include <algorithm>
#include <set>

#include "core/record_bounds.h"
#include "core/quote.h"
#include "core/schema.h"
#include "server/site_directory.h"
#include "storage/consumer_store.h"

namespace inspectsync::server {

Status CheckConsumerName(const std::string& name) {
  bool ok = !name.empty() && name.size() <= 64;
  for (char c : name)
    ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-');
  if (ok) return Status::Ok();
  return InvalidArgument("consumer name " + core::Quote(name) +
                         " is not valid: use 1 to 64 of a-z, 0-9, '.', '_' and '-' (e.g. office-erp)");
}

namespace {

Status CheckValues(const char* field, const google::protobuf::RepeatedPtrField<std::string>& values, size_t max) {
  if (static_cast<size_t>(values.size()) > max)
    return InvalidArgument(std::string("filter.") + field + " has " + std::to_string(values.size()) +
                           " values; the limit is " + std::to_string(max));
  for (const auto& v : values)
    if (v.empty() || v.size() > 64)
      return InvalidArgument(std::string("filter.") + field + " holds an empty or over-long (> 64) value");
  return Status::Ok();
}

std::vector<std::string> Sorted(const google::protobuf::RepeatedPtrField<std::string>& values) {
  std::vector<std::string> out(values.begin(), values.end());
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace

ChangeFeed::ChangeFeed(SyncEngine* engine, FeedOptions options) : engine_(engine), options_(options) {
  listener_ = engine_->AddCommitListener([this] {
    {
      std::lock_guard<std::mutex> lock(mu_);
      poked_ = true;
    }
    cv_.notify_all();
  });
}

ChangeFeed::~ChangeFeed() {
  Stop();
  if (dispatcher_.joinable()) dispatcher_.join();
  engine_->RemoveCommitListener(listener_);
}

StatusOr<Watch> ChangeFeed::Start(const v1::WatchRequest& req) {
  INSPECTSYNC_RETURN_IF_ERROR(engine_->CheckProtocol(req.protocol_version()));
  if (req.page_size() > options_.max_page_size)
    return InvalidArgument("page_size " + std::to_string(req.page_size()) + " exceeds the limit of " +
                           std::to_string(options_.max_page_size) + " changes per batch");
  if (!req.consumer().empty()) INSPECTSYNC_RETURN_IF_ERROR(CheckConsumerName(req.consumer()));
  const v1::ChangeFilter& f = req.filter();
  INSPECTSYNC_RETURN_IF_ERROR(CheckValues("collections", f.collections(), options_.max_filter_values));
  INSPECTSYNC_RETURN_IF_ERROR(CheckValues("zone_ids", f.zone_ids(), options_.max_filter_values));
  INSPECTSYNC_RETURN_IF_ERROR(CheckValues("site_ids", f.site_ids(), options_.max_filter_values));
  for (const auto& c : f.collections())
    if (core::FindCollection(c) == nullptr)
      return InvalidArgument("unknown collection " + core::Quote(c) + " in filter.collections; this server knows: " +
                             core::CollectionNames());
  Watch w;
  w.page_size = req.page_size() ? req.page_size() : options_.default_page_size;
  w.consumer = req.consumer();
  w.collections = Sorted(f.collections());
  w.zone_ids = Sorted(f.zone_ids());
  w.site_ids = Sorted(f.site_ids());
  w.include_reference = f.include_reference();
  w.cursor = req.after_seq();
  if (w.cursor == 0 && !w.consumer.empty()) {
    auto row = engine_->store()->consumers()->Get(w.consumer);
    if (!row.ok()) return row.status();
    if (row->has_value()) w.cursor = (*row)->cursor;
  }
  auto head = engine_->store()->Head();
  if (!head.ok()) return head.status();
  if (w.cursor > *head)
    return FailedPrecondition("cursor " + std::to_string(w.cursor) + " is ahead of the server's head " +
                              std::to_string(*head) +
                              " (the server's data was restored from an older state): start again from a seq "
                              "at most the head" +
                              (w.consumer.empty() ? "" : ", and rewind consumer '" + w.consumer + "'"));
  w.stop_at_head = req.stop_at_head();
  w.stop_at = *head;
  return w;
}

StatusOr<std::shared_ptr<const ChangeFeed::Directory>> ChangeFeed::CurrentDirectory() {
  auto version = engine_->store()->CollectionsHead({"sites"});
  if (!version.ok()) return version.status();
  {
    std::lock_guard<std::mutex> lock(dir_mu_);
    if (dir_ && dir_->version == *version) return dir_;
  }
  // Read outside the lock; a racing reader builds the same thing.
  auto dir = std::make_shared<Directory>();
  dir->version = *version;
  auto sites = ReadSiteDirectory(engine_->store(), /*include_deleted=*/true);
  if (!sites.ok()) return sites.status();
  dir->sites = std::move(*sites);
  std::lock_guard<std::mutex> lock(dir_mu_);
  if (!dir_ || dir_->version <= dir->version) dir_ = dir;
  return std::shared_ptr<const Directory>(dir);
}

// A record's scope is its site id or, for zone-scoped records, its zone id.
// Zones select their own id and the sites in them; sites select themselves;
// both together select those sites of those zones.
void ChangeFeed::DeriveScope(const Directory& dir, Watch* w) {
  w->keys_version = dir.version;
  w->scope = storage::ScopeFilter();
  if (w->zone_ids.empty() && w->site_ids.empty()) return;  // kAll, reference included
  w->scope.mode = storage::ScopeFilter::kOnly;
  w->scope.include_unscoped = w->include_reference;
  auto in_zones = [&](const std::string& site) {
    const core::SiteInfo* info = core::FindSite(dir.sites, site);
    return info != nullptr && std::binary_search(w->zone_ids.begin(), w->zone_ids.end(), info->zone_id);
  };
  std::set<std::string> keys;
  if (w->site_ids.empty()) {
    keys.insert(w->zone_ids.begin(), w->zone_ids.end());
    for (const auto& [site, info] : dir.sites)
      if (in_zones(site)) keys.insert(site);
  } else {
    for (const auto& site : w->site_ids)
      if (w->zone_ids.empty() || in_zones(site)) keys.insert(site);
  }
  w->scope.keys.assign(keys.begin(), keys.end());
}

Status ChangeFeed::ToChange(const storage::FeedRow& row, const Directory& dir, v1::Change* out) {
  const core::CollectionSpec* spec = core::FindCollection(row.collection);
  if (spec == nullptr) return Internal("history holds a version in unknown collection '" + row.collection + "'");
  out->set_seq(row.seq);
  out->set_collection(row.collection);
  out->set_record_id(row.id);
  out->set_op(row.op);
  out->set_deleted(row.deleted);
  if (!spec->Mutable(out->mutable_body())->ParseFromString(row.body))
    return DataLoss("history version " + std::to_string(row.seq) + " is corrupt");
  *out->mutable_meta() = row.meta;
  out->set_scope(row.scope);
  if (!row.scope.empty()) {
    out->set_zone_id(core::ZoneOfScope(dir.sites, row.scope));
  }
  return Status::Ok();
}

StatusOr<v1::ChangeBatch> ChangeFeed::Next(Watch* w) {
  // The head first, then the directory: every site committed up to the head
  // is in the directory, so the filter judges each change read below rightly.
  auto head = engine_->store()->Head();
  if (!head.ok()) return head.status();
  auto dir = CurrentDirectory();
  if (!dir.ok()) return dir.status();
  if (w->keys_version != (*dir)->version) DeriveScope(**dir, w);
  uint64_t end = w->stop_at_head ? std::min(*head, w->stop_at) : *head;
  uint64_t window = std::max<uint64_t>(options_.scan_window, w->page_size);
  // A batch is bounded by bytes too (EngineOptions::max_page_bytes, less its
  // cursor, head and caught_up): changes until the next would pass it, at
  // least one.
  constexpr size_t kBatchEnvelopeBytes = 2 * 11 + 2;
  const size_t page_bytes = engine_->options().max_page_bytes;
  const size_t budget = page_bytes > kBatchEnvelopeBytes ? page_bytes - kBatchEnvelopeBytes : 1;

  v1::ChangeBatch batch;
  std::vector<storage::FeedRow> rows;
  for (int empty = 0; w->cursor < end;) {
    storage::FeedQuery q;
    q.after = w->cursor;
    q.upto = std::min(end, w->cursor + window);
    q.limit = w->page_size;
    q.max_bytes = budget;
    q.collections = w->collections;
    q.scope = w->scope;
    rows.clear();
    INSPECTSYNC_RETURN_IF_ERROR(engine_->store()->ReadFeed(q, &rows));
    size_t bytes = 0;
    bool cut = false;  // stopped by size: more may follow within the window
    for (const auto& row : rows) {
      size_t b = storage::FeedBytes(row);
      if (bytes + b > budget) {
        cut = true;
        if (batch.changes_size() > 0) break;
      }
      bytes += b;
      INSPECTSYNC_RETURN_IF_ERROR(ToChange(row, **dir, batch.add_changes()));
    }
    if (cut || rows.size() >= w->page_size) {  // full: more may follow within the window
      w->cursor = batch.changes(batch.changes_size() - 1).seq();
      break;
    }
    w->cursor = q.upto;  // every row of the window was looked at
    if (!rows.empty() || ++empty >= options_.max_empty_windows) break;
  }
  batch.set_cursor(w->cursor);
  batch.set_head(*head);
  batch.set_caught_up(w->cursor == *head);
  return batch;
}

StatusOr<v1::ConsumerCursor> ChangeFeed::Ack(const v1::AckCursorRequest& req, const Caller& caller) {
  INSPECTSYNC_RETURN_IF_ERROR(CheckConsumerName(req.consumer()));
  auto head = engine_->store()->Head();
  if (!head.ok()) return head.status();
  if (req.cursor() > *head)
    return InvalidArgument("cursor " + std::to_string(req.cursor()) + " is beyond the server's head " +
                           std::to_string(*head) + ": ack only a cursor a batch carried");
  storage::ConsumerRow row;
  row.name = req.consumer();
  row.cursor = req.cursor();
  row.updated_ms = engine_->options().clock->NowMillis();
  row.updated_by = caller.user;
  auto stored = engine_->store()->consumers()->Ack(row, req.rewind());
  if (!stored.ok()) return stored.status();
  v1::ConsumerCursor out;
  out.set_consumer(stored->name);
  out.set_cursor(stored->cursor);
  out.set_updated_ms(stored->updated_ms);
  out.set_updated_by(stored->updated_by);
  out.set_behind(*head - stored->cursor);
  return out;
}

StatusOr<v1::ConsumerList> ChangeFeed::ListConsumers() {
  auto head = engine_->store()->Head();
  if (!head.ok()) return head.status();
  std::vector<storage::ConsumerRow> rows;
  INSPECTSYNC_RETURN_IF_ERROR(engine_->store()->consumers()->List(&rows));
  v1::ConsumerList out;
  out.set_head(*head);
  for (const auto& r : rows) {
    v1::ConsumerCursor* c = out.add_consumers();
    c->set_consumer(r.name);
    c->set_cursor(r.cursor);
    c->set_updated_ms(r.updated_ms);
    c->set_updated_by(r.updated_by);
    c->set_behind(r.cursor < *head ? *head - r.cursor : 0);
  }
  return out;
}

uint64_t ChangeFeed::WaitAsync(uint64_t after, std::function<void(Wake)> wake) {
  std::lock_guard<std::mutex> lock(mu_);
  if (stop_) return 0;
  if (!dispatcher_.joinable()) dispatcher_ = std::thread([this] { DispatchLoop(); });
  uint64_t ticket = next_ticket_++;
  waiters_[ticket] =
      Waiter{after, std::chrono::steady_clock::now() + std::chrono::milliseconds(options_.heartbeat_ms), std::move(wake)};
  poked_ = true;  // it may be due already: a commit can land between a read and this wait
  cv_.notify_all();
  return ticket;
}

bool ChangeFeed::CancelWait(uint64_t ticket) {
  std::lock_guard<std::mutex> lock(mu_);
  return waiters_.erase(ticket) > 0;
}

void ChangeFeed::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
    poked_ = true;
  }
  cv_.notify_all();
  // Without a dispatcher (no wait ever made) nobody waits to be told.
}

bool ChangeFeed::stopped() {
  std::lock_guard<std::mutex> lock(mu_);
  return stop_;
}

// Hands due waiters their wake-up, outside the lock (a wake may start a
// read, a write, or a new wait).
void ChangeFeed::DispatchLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    poked_ = false;
    // Read under the lock: a commit's notification takes it too, after the
    // head moved, so it cannot fall between this read and the wait below.
    auto read = engine_->store()->Head();
    uint64_t head = read.ok() ? *read : 0;
    auto now = std::chrono::steady_clock::now();
    auto next = now + std::chrono::hours(1);
    std::vector<std::pair<std::function<void(Wake)>, Wake>> due;
    for (auto it = waiters_.begin(); it != waiters_.end();) {
      Waiter& wt = it->second;
      if (stop_ || head > wt.after || now >= wt.deadline) {
        due.emplace_back(std::move(wt.wake), stop_ ? Wake::kStopped : head > wt.after ? Wake::kCommit : Wake::kHeartbeat);
        it = waiters_.erase(it);
      } else {
        next = std::min(next, wt.deadline);
        ++it;
      }
    }
    bool stop = stop_;
    if (!due.empty()) {
      lock.unlock();
      for (auto& [wake, why] : due) wake(why);
      lock.lock();
      continue;
    }
    if (stop) return;
    cv_.wait_until(lock, next, [&] { return poked_; });
  }
}

}  // namespace inspectsync::server
