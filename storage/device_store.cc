#include "storage/device_store.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "core/patch.h"
#include "core/schema.h"
#include "storage/sqlite_util.h"

namespace inspectsync::storage {

namespace {

// Versioned migrations (PRAGMA user_version). Append, never edit: a tablet in
// the field may hold any earlier version of this file.
const std::vector<std::string>& Migrations() {
  static const std::vector<std::string>* m = new std::vector<std::string>{
      // v1
      R"sql(
      CREATE TABLE kv (key TEXT PRIMARY KEY, value) WITHOUT ROWID;
      -- Latest version of each record the server sent; `record` is a
      -- serialized v1.Record (body and VersionMeta), tombstones included.
      CREATE TABLE server_records (
        collection TEXT NOT NULL, id TEXT NOT NULL,
        version INTEGER NOT NULL, deleted INTEGER NOT NULL, record BLOB NOT NULL,
        PRIMARY KEY (collection, id)) WITHOUT ROWID;
      -- What the app reads: server state + pending outbox mutations.
      CREATE TABLE local_view (
        collection TEXT NOT NULL, id TEXT NOT NULL,
        version INTEGER NOT NULL, deleted INTEGER NOT NULL, pending INTEGER NOT NULL,
        body BLOB NOT NULL,
        PRIMARY KEY (collection, id)) WITHOUT ROWID;
      CREATE TABLE outbox (
        mutation_id INTEGER PRIMARY KEY, collection TEXT NOT NULL, record_id TEXT NOT NULL,
        hlc INTEGER NOT NULL, mutation BLOB NOT NULL);
      CREATE INDEX outbox_by_record ON outbox (collection, record_id, mutation_id);
      CREATE TABLE rejected (
        mutation_id INTEGER PRIMARY KEY, collection TEXT NOT NULL, record_id TEXT NOT NULL,
        mutation BLOB NOT NULL, reject_code INTEGER NOT NULL, reason TEXT NOT NULL,
        rejected_at_ms INTEGER NOT NULL);
      )sql",
  };
  return *m;
}

constexpr char kClientId[] = "client_id";
constexpr char kNextMutationId[] = "next_mutation_id";
constexpr char kCursor[] = "cursor";
constexpr char kHlc[] = "hlc";
constexpr char kScope[] = "scope";                  // serialized v1::ScopeSet the server last sent
constexpr char kEvictPending[] = "evict_pending";  // records outside the scope kept for unsent edits

// SQLite integers are signed 64-bit; versions, cursors and HLCs stay far below 2^63.
int64_t I64(uint64_t v) { return static_cast<int64_t>(v); }
uint64_t U64(const SQLite::Column& c) { return static_cast<uint64_t>(c.getInt64()); }

template <typename Msg>
bool ParseBlob(const SQLite::Column& c, Msg* out) {
  return out->ParseFromArray(c.getBlob(), c.getBytes());
}

// Resets a cached statement when the scope ends, so a finished SELECT never
// keeps a read transaction open (that would stall WAL checkpoints).
class Use {
 public:
  explicit Use(SQLite::Statement& s) : s_(s) {}
  ~Use() { s_.tryReset(); }
  Use(const Use&) = delete;
  Use& operator=(const Use&) = delete;
  SQLite::Statement& operator*() { return s_; }
  SQLite::Statement* operator->() { return &s_; }

 private:
  SQLite::Statement& s_;
};

}  // namespace

std::optional<ViewRecord> FoldView(const std::string& collection, const std::string& id, const ViewRecord* server,
                                   const std::vector<v1::Mutation>& pending) {
  std::optional<ViewRecord> view;
  if (server != nullptr) {
    view = *server;
    view->pending = false;
  }
  const core::CollectionSpec* spec = core::FindCollection(collection);
  for (const v1::Mutation& m : pending) {
    switch (m.op()) {
      case v1::CREATE:
        if (!view) {
          view.emplace();
          view->collection = collection;
          view->id = id;
        }
        view->body = m.body();
        view->deleted = false;
        break;
      case v1::PATCH: {
        // A patch of a record the device never had cannot show; the server
        // will reject it and the dead letter will say why.
        if (!view || spec == nullptr || !spec->Holds(m.body())) continue;
        auto mask = core::ResolveMask(*spec, m.mask());
        if (!mask.ok()) continue;
        core::CopyFields(spec->Get(m.body()), *mask, spec->Mutable(&view->body));
        view->deleted = false;  // update-vs-delete: the update wins (DESIGN.md)
        break;
      }
      case v1::DELETE:
        if (!view) continue;
        view->deleted = true;
        break;
      default:
        continue;
    }
    view->pending = true;
  }
  return view;
}

class DeviceStore::Impl {
 public:
  std::unique_ptr<SQLite::Database> db;
  std::map<std::string, std::unique_ptr<SQLite::Statement>> stmts;
  std::string client_id;
  uint64_t next_mutation_id = 1;
  uint64_t cursor = 0;
  uint64_t hlc = 0;
  v1::ScopeSet scope;          // what the server last said this device may see
  bool has_scope = false;
  bool evict_pending = false;  // some records outside `scope` wait for their edits to resolve

  // Prepared once, reused for the life of the store.
  SQLite::Statement& Stmt(const char* sql) {
    auto& s = stmts[sql];
    if (!s) s = std::make_unique<SQLite::Statement>(*db, sql);
    return *s;
  }

  void PutKv(const char* key, int64_t value) {
    Use q(Stmt("INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value"));
    q->bind(1, key);
    q->bind(2, value);
    q->exec();
  }
  void PutKv(const char* key, const std::string& value) {
    Use q(Stmt("INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value"));
    q->bind(1, key);
    q->bind(2, value);
    q->exec();
  }
  bool LoadServer(const std::string& collection, const std::string& id, ViewRecord* out) {
    Use q(Stmt("SELECT version, deleted, record FROM server_records WHERE collection = ? AND id = ?"));
    q->bind(1, collection);
    q->bind(2, id);
    if (!q->executeStep()) return false;
    v1::Record rec;
    if (!ParseBlob(q->getColumn(2), &rec)) throw std::runtime_error("corrupt server record " + collection + "/" + id);
    out->collection = collection;
    out->id = id;
    out->version = U64(q->getColumn(0));
    out->deleted = q->getColumn(1).getInt() != 0;
    out->pending = false;
    out->body = std::move(*rec.mutable_body());
    return true;
  }

  std::vector<v1::Mutation> LoadPending(const std::string& collection, const std::string& id) {
    Use q(Stmt("SELECT mutation FROM outbox WHERE collection = ? AND record_id = ? ORDER BY mutation_id"));
    q->bind(1, collection);
    q->bind(2, id);
    std::vector<v1::Mutation> out;
    while (q->executeStep()) {
      out.emplace_back();
      if (!ParseBlob(q->getColumn(0), &out.back())) throw std::runtime_error("corrupt outbox row for " + id);
    }
    return out;
  }

  // The one place a view row is written: always derived, never edited.
  // `known_server` is the record's server state when the caller has it in
  // hand (it just stored it), which saves reading it back.
  void Recompute(const std::string& collection, const std::string& id, const ViewRecord* known_server = nullptr) {
    ViewRecord server;
    bool has_server = known_server != nullptr || LoadServer(collection, id, &server);
    std::optional<ViewRecord> view = FoldView(collection, id, known_server ? known_server : has_server ? &server : nullptr,
                                              LoadPending(collection, id));
    if (!view) {
      Use q(Stmt("DELETE FROM local_view WHERE collection = ? AND id = ?"));
      q->bind(1, collection);
      q->bind(2, id);
      q->exec();
      return;
    }
    std::string body = view->body.SerializeAsString();
    Use q(Stmt(
        "INSERT OR REPLACE INTO local_view (collection, id, version, deleted, pending, body) VALUES (?, ?, ?, ?, ?, ?)"));
    q->bind(1, collection);
    q->bind(2, id);
    q->bind(3, I64(view->version));
    q->bind(4, view->deleted ? 1 : 0);
    q->bind(5, view->pending ? 1 : 0);
    q->bind(6, body.data(), static_cast<int>(body.size()));
    q->exec();
  }

  // Keeps `rec` as server state unless the device already holds a version at
  // least as new (a push result and a pull page may carry the same record).
  // Returns whether it was stored.
  bool UpsertServer(const v1::Record& rec) {
    std::string blob = rec.SerializeAsString();
    Use q(Stmt(
        "INSERT INTO server_records (collection, id, version, deleted, record) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT (collection, id) DO UPDATE SET version = excluded.version, deleted = excluded.deleted, "
        "record = excluded.record WHERE excluded.version > server_records.version"));
    q->bind(1, rec.collection());
    q->bind(2, rec.id());
    q->bind(3, I64(rec.version()));
    q->bind(4, rec.deleted() ? 1 : 0);
    q->bind(5, blob.data(), static_cast<int>(blob.size()));
    return q->exec() > 0;
  }

  // Stores the caller's scope and removes local records outside it. A record
  // with unsent edits stays (its edits are pushed, or rejected into the dead
  // letter with the server's reason); the next scope page retries it.
  // Returns how many records it removed; `*kept` says whether any stayed.
  size_t ApplyScope(const v1::ScopeSet& next, bool* kept_out) {
    bool evict = !next.all() && (evict_pending || !has_scope || scope.all() || Shrinks(scope, next));
    size_t removed = 0;
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
        ++removed;
      }
    }
    std::string blob = next.SerializeAsString();
    PutKv(kScope, blob);
    PutKv(kEvictPending, kept ? 1 : 0);
    *kept_out = kept;
    return removed;
  }

  // Whether `next` leaves out a key of `prev`.
  static bool Shrinks(const v1::ScopeSet& prev, const v1::ScopeSet& next) {
    if (next.all()) return false;
    if (prev.all()) return true;
    std::set<std::string> n(next.keys().begin(), next.keys().end());
    for (const auto& k : prev.keys())
      if (!n.count(k)) return true;
    return false;
  }

  void Load(const std::string& new_client_id) {
    SQLite::Transaction txn(*db, SQLite::TransactionBehavior::IMMEDIATE);
    {
      Use q(Stmt("SELECT key, value FROM kv"));
      while (q->executeStep()) {
        std::string key = q->getColumn(0).getString();
        if (key == kClientId) client_id = q->getColumn(1).getString();
        if (key == kNextMutationId) next_mutation_id = U64(q->getColumn(1));
        if (key == kCursor) cursor = U64(q->getColumn(1));
        if (key == kHlc) hlc = U64(q->getColumn(1));
        if (key == kScope) has_scope = ParseBlob(q->getColumn(1), &scope);
        if (key == kEvictPending) evict_pending = q->getColumn(1).getInt64() != 0;
      }
    }
    if (client_id.empty()) {
      client_id = new_client_id;
      PutKv(kClientId, client_id);
    }
    // Belt and braces: never hand out an id or HLC at or below one in the outbox.
    uint64_t max_id = static_cast<uint64_t>(db->execAndGet("SELECT COALESCE(MAX(mutation_id), 0) FROM outbox").getInt64());
    uint64_t max_hlc = static_cast<uint64_t>(db->execAndGet("SELECT COALESCE(MAX(hlc), 0) FROM outbox").getInt64());
    next_mutation_id = std::max(next_mutation_id, max_id + 1);
    hlc = std::max(hlc, max_hlc);
    txn.commit();
  }
};

DeviceStore::DeviceStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
DeviceStore::~DeviceStore() = default;

StatusOr<std::unique_ptr<DeviceStore>> DeviceStore::Open(const std::string& path, const std::string& new_client_id) {
  auto db = OpenDatabase(path, /*synchronous_full=*/true);
  if (!db.ok()) return db.status();
  auto impl = std::make_unique<Impl>();
  impl->db = std::move(*db);
  INSPECTSYNC_RETURN_IF_ERROR(Migrate(*impl->db, Migrations(), "device database '" + path + "'"));
  INSPECTSYNC_RETURN_IF_ERROR(Guard("load device state", [&]() -> Status {
    impl->Load(new_client_id);
    return Status::Ok();
  }));
  return std::unique_ptr<DeviceStore>(new DeviceStore(std::move(impl)));
}

const v1::ScopeSet* DeviceStore::synced_scope() const { return impl_->has_scope ? &impl_->scope : nullptr; }

const std::string& DeviceStore::client_id() const { return impl_->client_id; }
uint64_t DeviceStore::next_mutation_id() const { return impl_->next_mutation_id; }
uint64_t DeviceStore::cursor() const { return impl_->cursor; }
uint64_t DeviceStore::last_hlc() const { return impl_->hlc; }

StatusOr<std::optional<ViewRecord>> DeviceStore::GetView(const std::string& collection, const std::string& id) {
  std::optional<ViewRecord> out;
  INSPECTSYNC_RETURN_IF_ERROR(Guard("read view", [&]() -> Status {
    Use q(impl_->Stmt("SELECT version, deleted, pending, body FROM local_view WHERE collection = ? AND id = ?"));
    q->bind(1, collection);
    q->bind(2, id);
    if (!q->executeStep()) return Status::Ok();
    out.emplace();
    out->collection = collection;
    out->id = id;
    out->version = U64(q->getColumn(0));
    out->deleted = q->getColumn(1).getInt() != 0;
    out->pending = q->getColumn(2).getInt() != 0;
    if (!ParseBlob(q->getColumn(3), &out->body)) return DataLoss("corrupt view row " + collection + "/" + id);
    return Status::Ok();
  }));
  return out;
}

StatusOr<std::vector<ViewRecord>> DeviceStore::ListView(const std::string& collection) {
  std::vector<ViewRecord> out;
  INSPECTSYNC_RETURN_IF_ERROR(Guard("list view", [&]() -> Status {
    Use q(impl_->Stmt(
        "SELECT id, version, pending, body FROM local_view WHERE collection = ? AND deleted = 0 ORDER BY id"));
    q->bind(1, collection);
    while (q->executeStep()) {
      ViewRecord r;
      r.collection = collection;
      r.id = q->getColumn(0).getString();
      r.version = U64(q->getColumn(1));
      r.pending = q->getColumn(2).getInt() != 0;
      if (!ParseBlob(q->getColumn(3), &r.body)) return DataLoss("corrupt view row " + collection + "/" + r.id);
      out.push_back(std::move(r));
    }
    return Status::Ok();
  }));
  return out;
}

StatusOr<uint64_t> DeviceStore::ServerVersion(const std::string& collection, const std::string& id) {
  uint64_t version = 0;
  INSPECTSYNC_RETURN_IF_ERROR(Guard("read server version", [&]() -> Status {
    Use q(impl_->Stmt("SELECT version FROM server_records WHERE collection = ? AND id = ?"));
    q->bind(1, collection);
    q->bind(2, id);
    if (q->executeStep()) version = U64(q->getColumn(0));
    return Status::Ok();
  }));
  return version;
}

StatusOr<std::vector<v1::Mutation>> DeviceStore::OutboxBatch(uint64_t after, uint64_t through, size_t max_count,
                                                              size_t max_bytes) {
  std::vector<v1::Mutation> out;
  INSPECTSYNC_RETURN_IF_ERROR(Guard("read outbox", [&]() -> Status {
    Use q(impl_->Stmt(
        "SELECT mutation_id, mutation FROM outbox WHERE mutation_id > ? AND mutation_id <= ? "
        "ORDER BY mutation_id LIMIT ?"));
    q->bind(1, I64(after));
    q->bind(2, I64(through));
    q->bind(3, static_cast<int64_t>(std::max<size_t>(max_count, 1)));
    size_t bytes = 0;
    while (q->executeStep()) {
      size_t size = static_cast<size_t>(q->getColumn(1).getBytes());
      if (!out.empty() && bytes + size > max_bytes) break;
      v1::Mutation m;
      if (!ParseBlob(q->getColumn(1), &m))
        return DataLoss("corrupt outbox row " + std::to_string(q->getColumn(0).getInt64()));
      bytes += size;
      out.push_back(std::move(m));
    }
    return Status::Ok();
  }));
  return out;
}

StatusOr<uint64_t> DeviceStore::OutboxCount() {
  uint64_t n = 0;
  INSPECTSYNC_RETURN_IF_ERROR(Guard("count outbox", [&]() -> Status {
    Use q(impl_->Stmt("SELECT COUNT(*) FROM outbox"));
    q->executeStep();
    n = U64(q->getColumn(0));
    return Status::Ok();
  }));
  return n;
}

StatusOr<uint64_t> DeviceStore::AckThrough() {
  uint64_t ack = 0;
  INSPECTSYNC_RETURN_IF_ERROR(Guard("read ack", [&]() -> Status {
    // Every id below the oldest pending one has its result stored (or is a
    // dead letter); with an empty outbox, every id handed out so far has.
    Use q(impl_->Stmt("SELECT MIN(mutation_id) FROM outbox"));
    q->executeStep();
    ack = q->getColumn(0).isNull() ? impl_->next_mutation_id - 1 : U64(q->getColumn(0)) - 1;
    return Status::Ok();
  }));
  return ack;
}

StatusOr<std::vector<DeadLetter>> DeviceStore::ListRejected() {
  std::vector<DeadLetter> out;
  INSPECTSYNC_RETURN_IF_ERROR(Guard("list rejected", [&]() -> Status {
    Use q(impl_->Stmt(
        "SELECT mutation_id, mutation, reject_code, reason, rejected_at_ms FROM rejected ORDER BY mutation_id"));
    while (q->executeStep()) {
      DeadLetter d;
      if (!ParseBlob(q->getColumn(1), &d.mutation))
        return DataLoss("corrupt dead letter " + std::to_string(q->getColumn(0).getInt64()));
      int code = q->getColumn(2).getInt();
      d.code = v1::RejectCode_IsValid(code) ? static_cast<v1::RejectCode>(code) : v1::REJECT_CODE_UNSPECIFIED;
      d.reason = q->getColumn(3).getString();
      d.rejected_at_ms = q->getColumn(4).getInt64();
      out.push_back(std::move(d));
    }
    return Status::Ok();
  }));
  return out;
}

Status DeviceStore::AppendMutation(const v1::Mutation& m, uint64_t hlc) {
  if (m.mutation_id() != impl_->next_mutation_id)
    return Internal("mutation_id " + std::to_string(m.mutation_id()) + " is out of order; next is " +
                    std::to_string(impl_->next_mutation_id));
  uint64_t new_hlc = std::max({impl_->hlc, hlc, m.hlc()});
  INSPECTSYNC_RETURN_IF_ERROR(Guard("append mutation", [&]() -> Status {
    SQLite::Transaction txn(*impl_->db, SQLite::TransactionBehavior::IMMEDIATE);
    std::string blob = m.SerializeAsString();
    {
      Use q(impl_->Stmt(
          "INSERT INTO outbox (mutation_id, collection, record_id, hlc, mutation) VALUES (?, ?, ?, ?, ?)"));
      q->bind(1, I64(m.mutation_id()));
      q->bind(2, m.collection());
      q->bind(3, m.record_id());
      q->bind(4, I64(m.hlc()));
      q->bind(5, blob.data(), static_cast<int>(blob.size()));
      q->exec();
    }
    impl_->PutKv(kNextMutationId, I64(m.mutation_id() + 1));
    impl_->PutKv(kHlc, I64(new_hlc));
    impl_->Recompute(m.collection(), m.record_id());
    txn.commit();
    return Status::Ok();
  }));
  // Only after the commit: a failed transaction leaves the cache as it was.
  impl_->next_mutation_id = m.mutation_id() + 1;
  impl_->hlc = new_hlc;
  return Status::Ok();
}

StatusOr<PushApplied> DeviceStore::ApplyPushResults(const std::vector<v1::MutationResult>& results, uint64_t hlc,
                                                    int64_t now_ms) {
  PushApplied applied;
  uint64_t new_hlc = std::max(impl_->hlc, hlc);
  INSPECTSYNC_RETURN_IF_ERROR(Guard("store push results", [&]() -> Status {
    applied = PushApplied();
    SQLite::Transaction txn(*impl_->db, SQLite::TransactionBehavior::IMMEDIATE);
    std::set<std::pair<std::string, std::string>> touched;
    for (size_t i = 0; i < results.size(); ++i) {
      const v1::MutationResult& r = results[i];
      switch (r.outcome()) {
        case v1::APPLIED:
        case v1::MERGED:
        case v1::CONFLICT:
        case v1::REJECTED:
          break;
        default:
          continue;  // an outcome this build does not know: keep the mutation and re-send it later
      }
      v1::Mutation m;
      {
        Use q(impl_->Stmt("SELECT mutation FROM outbox WHERE mutation_id = ?"));
        q->bind(1, I64(r.mutation_id()));
        if (!q->executeStep()) continue;  // already processed (a duplicate answer)
        if (!ParseBlob(q->getColumn(0), &m)) return DataLoss("corrupt outbox row " + std::to_string(r.mutation_id()));
      }
      {
        Use q(impl_->Stmt("DELETE FROM outbox WHERE mutation_id = ?"));
        q->bind(1, I64(r.mutation_id()));
        q->exec();
      }
      // Only a record that is the one the mutation names may become server state.
      if (r.has_record() && r.record().collection() == m.collection() && r.record().id() == m.record_id())
        impl_->UpsertServer(r.record());
      if (r.outcome() == v1::REJECTED) {
        DeadLetter d;
        d.mutation = m;
        d.code = r.reject_code();
        d.reason = r.reason().empty() ? "rejected by the server without a reason" : r.reason();
        d.rejected_at_ms = now_ms;
        std::string blob = m.SerializeAsString();
        Use q(impl_->Stmt(
            "INSERT OR REPLACE INTO rejected (mutation_id, collection, record_id, mutation, reject_code, reason, "
            "rejected_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?)"));
        q->bind(1, I64(m.mutation_id()));
        q->bind(2, m.collection());
        q->bind(3, m.record_id());
        q->bind(4, blob.data(), static_cast<int>(blob.size()));
        q->bind(5, static_cast<int>(d.code));
        q->bind(6, d.reason);
        q->bind(7, static_cast<int64_t>(now_ms));
        q->exec();
        applied.rejected.push_back(std::move(d));
      }
      touched.emplace(m.collection(), m.record_id());
      applied.processed.push_back(i);
    }
    for (const auto& [collection, id] : touched) impl_->Recompute(collection, id);
    impl_->PutKv(kHlc, I64(new_hlc));
    txn.commit();
    return Status::Ok();
  }));
  impl_->hlc = new_hlc;
  return applied;
}

Status DeviceStore::ApplyPullPage(const v1::PullResponse& page, uint64_t hlc) {
  uint64_t new_hlc = std::max(impl_->hlc, hlc);
  // The cursor never moves back: a stale or reordered page must not make the
  // device fetch (or worse, skip) changes again.
  uint64_t new_cursor = std::max(impl_->cursor, page.next_cursor());
  // Nothing to store (a sync with nothing to do): no transaction, no fsync.
  // The newer HLC is persisted with the next local write, which is what it
  // must stay ahead of.
  // The scope comes on one page of every pull; usually it has not changed.
  bool scope_changed = page.has_scope() && (!impl_->has_scope || impl_->evict_pending ||
                                            page.scope().SerializeAsString() != impl_->scope.SerializeAsString());
  // Backfilled records are checked against the next scope the device gets,
  // whatever happens to this stream.
  bool backfilled = page.backfill() && page.records_size() > 0;
  if (page.records_size() == 0 && new_cursor == impl_->cursor && !scope_changed) return Status::Ok();
  bool evict_pending = impl_->evict_pending || backfilled;
  INSPECTSYNC_RETURN_IF_ERROR(Guard("store pull page", [&]() -> Status {
    SQLite::Transaction txn(*impl_->db, SQLite::TransactionBehavior::IMMEDIATE);
    for (const v1::Record& rec : page.records()) {
      if (rec.collection().empty() || rec.id().empty()) continue;
      // Unchanged server state and an untouched outbox: the view row stands.
      if (!impl_->UpsertServer(rec)) continue;
      ViewRecord server;
      server.collection = rec.collection();
      server.id = rec.id();
      server.version = rec.version();
      server.deleted = rec.deleted();
      server.body = rec.body();
      impl_->Recompute(rec.collection(), rec.id(), &server);
    }
    if (scope_changed) {
      impl_->ApplyScope(page.scope(), &evict_pending);
    } else if (backfilled && !impl_->evict_pending) {
      impl_->PutKv(kEvictPending, 1);
    }
    impl_->PutKv(kCursor, I64(new_cursor));
    impl_->PutKv(kHlc, I64(new_hlc));
    txn.commit();
    return Status::Ok();
  }));
  if (scope_changed) {
    impl_->scope = page.scope();
    impl_->has_scope = true;
  }
  impl_->evict_pending = evict_pending;
  impl_->cursor = new_cursor;
  impl_->hlc = new_hlc;
  return Status::Ok();
}

Status DeviceStore::DismissRejected(uint64_t mutation_id) {
  bool found = false;
  INSPECTSYNC_RETURN_IF_ERROR(Guard("dismiss rejected", [&]() -> Status {
    Use q(impl_->Stmt("DELETE FROM rejected WHERE mutation_id = ?"));
    q->bind(1, I64(mutation_id));
    found = q->exec() > 0;
    return Status::Ok();
  }));
  if (!found) return NotFound("no rejected mutation " + std::to_string(mutation_id));
  return Status::Ok();
}

Status DeviceStore::SaveHlc(uint64_t hlc) {
  if (hlc <= impl_->hlc) return Status::Ok();
  INSPECTSYNC_RETURN_IF_ERROR(Guard("save hlc", [&]() -> Status {
    impl_->PutKv(kHlc, I64(hlc));
    return Status::Ok();
  }));
  impl_->hlc = hlc;
  return Status::Ok();
}

}  // namespace inspectsync::storage
