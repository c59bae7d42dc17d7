// What the server sends in, on the device: pull pages (server state, the
// cursor, the scope and the records that leave it), stored with deferred
// durability (device_store.h).
#include <SQLiteCpp/SQLiteCpp.h>

#include <algorithm>
#include <set>
#include <utility>

#include "core/schema.h"
#include "storage/device_store_internal.h"
#include "storage/sqlite_util.h"

namespace inspectsync::storage {

using device_internal::kCursor;
using device_internal::kEvictPending;
using device_internal::kHlc;
using device_internal::kScope;
using device_internal::ParseBlob;
using device_internal::Use;

namespace {

// Whether `next` leaves out a key of `prev`.
bool Shrinks(const v1::ScopeSet& prev, const v1::ScopeSet& next) {
  if (next.all()) return false;
  if (prev.all()) return true;
  std::set<std::string> n(next.keys().begin(), next.keys().end());
  for (const auto& k : prev.keys())
    if (!n.count(k)) return true;
  return false;
}

}  // namespace

bool DeviceStore::Impl::UpsertServer(const v1::Record& rec) {
  std::string& blob = record_blob;
  rec.SerializeToString(&blob);
  return UpsertServer(rec.collection(), rec.id(), rec.version(), rec.deleted(), blob);
}

// The same with the record already encoded (`record`, a v1::Record's
// encoding, whose key and state the other arguments are).
bool DeviceStore::Impl::UpsertServer(std::string_view collection, std::string_view id, uint64_t version,
                                     bool deleted, std::string_view record) {
  Use q(Stmt(
      "INSERT INTO server_records (collection, id, version, deleted, record) VALUES (?, ?, ?, ?, ?) "
      "ON CONFLICT (collection, id) DO UPDATE SET version = excluded.version, deleted = excluded.deleted, "
      "record = excluded.record WHERE excluded.version > server_records.version"));
  // Bound without copies: every parameter is bound again before each step.
  // (SQLiteCpp binds text without a copy from a std::string only: the key
  // goes through two reused buffers.)
  key_collection.assign(collection);
  key_id.assign(id);
  q->bindNoCopy(1, key_collection);
  q->bindNoCopy(2, key_id);
  q->bind(3, I64(version));
  q->bind(4, deleted ? 1 : 0);
  q->bindNoCopy(5, record.data(), static_cast<int>(record.size()));
  return q->exec() > 0;
}

// One pull page in one transaction: the page's records (`heads`, what
// ScanRecord read of each) upserted and their views folded; then the
// scope, the cursor and the HLC.
Status DeviceStore::Impl::ApplyPage(const v1::PullPageIn& page, const std::vector<EncodedRecord>& heads,
                                    uint64_t page_hlc) {
  uint64_t new_hlc = std::max(hlc, page_hlc);
  // The cursor never moves back: a stale or reordered page must not make the
  // device fetch (or worse, skip) changes again.
  uint64_t new_cursor = std::max(cursor, page.next_cursor());
  // Nothing to store (a sync with nothing to do): no transaction, no fsync.
  // The newer HLC is persisted with the next local write, which is what it
  // must stay ahead of.
  // The scope comes on one page of every pull; usually it has not changed.
  bool scope_changed = page.has_scope() &&
                       (!has_scope || evict_pending || page.scope().SerializeAsString() != scope.SerializeAsString());
  // Backfilled records are checked against the next scope the device gets,
  // whatever happens to this stream.
  bool backfilled = page.backfill() && page.records_size() > 0;
  if (page.records_size() == 0 && new_cursor == cursor && !scope_changed) return Status::Ok();
  bool evict_next = evict_pending || backfilled;
  INSPECTSYNC_RETURN_IF_ERROR(Guard("store pull page", [&]() -> Status {
    DeferredCommit no_fsync(*this);  // durable at MakeDurable(): the server sends a lost page again
    SQLite::Transaction txn(*db, SQLite::TransactionBehavior::IMMEDIATE);
    v1::Record parsed;
    for (int i = 0; i < page.records_size(); ++i) {
      const EncodedRecord& h = heads[static_cast<size_t>(i)];
      if (h.collection.empty() || h.id.empty()) continue;
      // Unchanged server state and an untouched outbox: the view stands.
      if (!UpsertServer(h.collection, h.id, h.version, h.deleted, page.records(i))) continue;
      // An empty outbox means no view rows (schema v4): the view of every
      // record is the server state just stored. An initial sync stops here.
      if (outbox_rows == 0) continue;
      // Pending edits to fold over it: only then is the record parsed.
      if (!parsed.ParseFromString(page.records(i)))
        throw std::runtime_error("pulled record " + std::string(h.collection) + "/" + std::string(h.id) +
                                 " does not parse");
      Recompute(parsed.collection(), parsed.id(), &parsed);
    }
    if (scope_changed) {
      ApplyScope(page.scope(), &evict_next);
    } else if (backfilled && !evict_pending) {
      PutKv(kEvictPending, 1);
    }
    PutKv(kCursor, I64(new_cursor));
    PutKv(kHlc, I64(new_hlc));
    txn.commit();
    return Status::Ok();
  }));
  if (scope_changed) {
    scope = page.scope();
    has_scope = true;
  }
  evict_pending = evict_next;
  cursor = new_cursor;
  hlc = new_hlc;
  return Status::Ok();
}

// Stores the caller's scope and removes local records outside it. A record
// with unsent edits stays (its edits are pushed, or rejected into the dead
// letter with the server's reason); the next scope page retries it.
// `*kept_out` says whether any stayed.
void DeviceStore::Impl::ApplyScope(const v1::ScopeSet& next, bool* kept_out) {
  bool evict = !next.all() && (evict_pending || !has_scope || scope.all() || Shrinks(scope, next));
  bool kept = false;
  if (evict) {
    std::set<std::string> keep(next.keys().begin(), next.keys().end());
    std::vector<std::pair<std::string, std::string>> gone;
    {
      Use q(Stmt("SELECT collection, id, record FROM server_records"));
      while (q->executeStep()) {
        v1::Record rec;
        if (!ParseBlob(q->getColumn(2), &rec)) throw std::runtime_error("corrupt server record");
        std::string id = q->getColumn(1).getString();
        std::string key = core::ScopeOfBody(rec.body(), id);
        if (key.empty() || keep.count(key)) continue;
        gone.emplace_back(q->getColumn(0).getString(), std::move(id));
      }
    }
    for (const auto& [collection, id] : gone) {
      Use pending(Stmt("SELECT 1 FROM outbox WHERE collection = ? AND record_id = ? LIMIT 1"));
      pending->bind(1, collection);
      pending->bind(2, id);
      if (pending->executeStep()) {
        kept = true;
        continue;
      }
      for (const char* sql : {"DELETE FROM server_records WHERE collection = ? AND id = ?",
                              "DELETE FROM local_view WHERE collection = ? AND id = ?"}) {
        Use d(Stmt(sql));
        d->bind(1, collection);
        d->bind(2, id);
        d->exec();
      }
    }
  }
  std::string blob = next.SerializeAsString();
  PutKv(kScope, blob);
  PutKv(kEvictPending, kept ? 1 : 0);
  *kept_out = kept;
}

bool DeviceStore::Impl::OutsideSyncedScope(const v1::Record& rec) const {
  if (!has_scope || scope.all()) return false;
  std::string key = core::ScopeOfBody(rec.body(), rec.id());
  return !key.empty() && std::find(scope.keys().begin(), scope.keys().end(), key) == scope.keys().end();
}

Status DeviceStore::ApplyPullPage(const v1::PullResponse& page, uint64_t hlc) {
  // The same bytes as a PullPageIn (the two encode alike): one way to store a page.
  v1::PullPageIn encoded;
  if (!encoded.ParseFromString(page.SerializeAsString())) return Internal("a pull page does not re-encode");
  return ApplyPullPage(encoded, hlc);
}

Status DeviceStore::ApplyPullPage(const v1::PullPageIn& page, uint64_t hlc) {
  // Every record is checked before anything is written: a page with a
  // malformed record is refused whole, and the cursor stays where it was.
  std::vector<EncodedRecord>& heads = impl_->page_heads;
  heads.resize(static_cast<size_t>(page.records_size()));
  for (int i = 0; i < page.records_size(); ++i) {
    std::string why = ScanRecord(page.records(i), &heads[static_cast<size_t>(i)]);
    if (!why.empty())
      return DataLoss("pull page refused, nothing of it stored: record " + std::to_string(i + 1) + " of " +
                      std::to_string(page.records_size()) + " is not a valid record: " + why);
  }
  return impl_->ApplyPage(page, heads, hlc);
}

}  // namespace inspectsync::storage
