// Reads of the SQLite server store, each on a reader connection borrowed
// from the pool for its duration (WAL: a committed snapshot, beside the
// writer), with statements prepared once per connection.
#include <SQLiteCpp/SQLiteCpp.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <queue>

#include "storage/sqlite_server_store_internal.h"
#include "storage/sqlite_util.h"

namespace inspectsync::storage::sqlite_server {

namespace {

// One record by key, its body and meta read from its latest history row in
// one lookup (kRecordColumns' two subqueries look that row up twice: ~10 %
// of a patch's instructions went to reading it).
constexpr const char* kGetRecordSql =
    "SELECT r.collection, r.id, r.version, r.deleted, h.body, r.clocks, h.meta, r.scope FROM records r "
    "LEFT JOIN history h ON h.seq=r.version WHERE r.collection=? AND r.id=?";

void AppendChangeFilters(const ChangeQuery& cq, std::string* sql) {
  if (!cq.skip_client.empty()) *sql += " AND last_client<>?";
  if (!cq.collections.empty()) {
    *sql += " AND collection IN (";
    for (size_t i = 0; i < cq.collections.size(); ++i) *sql += i ? ",?" : "?";
    *sql += ")";
  }
}

// Binds what AppendChangeFilters asked for (after the version bounds);
// returns the next parameter index.
int BindChangeFilters(SQLite::Statement& q, const ChangeQuery& cq) {
  int i = 1;
  q.bind(i++, static_cast<int64_t>(cq.after));
  q.bind(i++, static_cast<int64_t>(cq.upto));
  if (!cq.skip_client.empty()) q.bind(i++, cq.skip_client);
  for (const auto& c : cq.collections) q.bind(i++, c);
  return i;
}

// The filter on a scope column (`column`, or `coalesced` where a missing
// record counts as unscoped) that a ScopeFilter asks for; its keys, if any,
// bound as one JSON array.
std::string ScopeCondition(const ScopeFilter& sf, const std::string& column, const std::string& coalesced) {
  const std::string unscoped = sf.include_unscoped ? coalesced + "='' OR " : coalesced + "<>'' AND ";
  switch (sf.mode) {
    case ScopeFilter::kAll:
      return sf.include_unscoped ? "" : " AND " + coalesced + "<>''";
    case ScopeFilter::kOnly:
      return " AND (" + unscoped + column + " IN (SELECT value FROM json_each(?)))";
    case ScopeFilter::kAllExcept:
      return " AND (" + unscoped + column + " NOT IN (SELECT value FROM json_each(?)))";
  }
  return "";
}

// A conflict row (body, opened_ms, the record's scope) as an entry.
Status ConflictEntryFromRow(SQLite::Statement& q, const std::string& what, ConflictEntry* e) {
  if (!ParseStoredConflict(Blob(q.getColumn(0)), q.getColumn(1).getInt64(), &e->conflict)) return DataLoss(what);
  e->scope = q.getColumn(2).getString();
  return Status::Ok();
}

}  // namespace

StoredRecord RecordFromRow(SQLite::Statement& q) {
  // Columns: collection, id, version, deleted, body, clocks, meta, scope
  StoredRecord r;
  r.collection = q.getColumn(0).getString();
  r.id = q.getColumn(1).getString();
  r.version = static_cast<uint64_t>(q.getColumn(2).getInt64());
  r.deleted = q.getColumn(3).getInt() != 0;
  r.body = Blob(q.getColumn(4));
  r.clocks = Blob(q.getColumn(5));
  r.meta.ParseFromString(Blob(q.getColumn(6)));
  r.scope = q.getColumn(7).getString();
  return r;
}

VersionRow VersionFromRow(SQLite::Statement& q) {
  VersionRow v;
  v.seq = static_cast<uint64_t>(q.getColumn(0).getInt64());
  v.collection = q.getColumn(1).getString();
  v.id = q.getColumn(2).getString();
  v.deleted = q.getColumn(3).getInt() != 0;
  v.body = Blob(q.getColumn(4));
  v.meta.ParseFromString(Blob(q.getColumn(5)));
  v.client_id = q.getColumn(6).getString();
  v.mutation_id = static_cast<uint64_t>(q.getColumn(7).getInt64());
  v.op = static_cast<v1::MutationOp>(q.getColumn(8).getInt());
  return v;
}

std::string JsonArray(const std::vector<std::string>& keys) {
  std::string out = "[";
  for (size_t i = 0; i < keys.size(); ++i) {
    if (i) out += ',';
    out += '"';
    for (unsigned char c : keys[i]) {
      if (c == '"' || c == '\\') {
        out += '\\';
        out += static_cast<char>(c);
      } else if (c < 0x20) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\u%04x", c);
        out += buf;
      } else {
        out += static_cast<char>(c);
      }
    }
    out += '"';
  }
  return out + "]";
}

// ---- Pulls ----

Status SqliteServerStore::ReadChanges(const ChangeQuery& cq, std::vector<StoredRecord>* out) {
  return WithReader("read changes", [&](SQLite::Database& db) -> Status {
    const ScopeFilter& sf = cq.scope;
    if (sf.mode == ScopeFilter::kOnly) {
      std::vector<std::string> scopes = ScopeKeysToRead(sf);
      if (scopes.size() <= kMaxMergedScopes) return ReadScopesMerged(db, cq, scopes, out);
    }
    // Everything, everything but some scopes, or more scopes than are worth
    // a walk each: one walk of the version index, filtered.
    std::string sql = std::string("SELECT ") + kRecordColumns +
                      " FROM records INDEXED BY records_by_version WHERE version>? AND version<=?";
    AppendChangeFilters(cq, &sql);
    sql += ScopeCondition(sf, "scope", "scope");
    sql += " ORDER BY version LIMIT ?";
    SQLite::Statement& q = Cached(db, sql);
    Reset reset{q};
    int i = BindChangeFilters(q, cq);
    if (sf.mode != ScopeFilter::kAll) q.bind(i++, JsonArray(sf.keys));
    q.bind(i++, static_cast<int64_t>(cq.limit));
    PageCut cut(cq.limit, cq.max_bytes);
    while (!cut.Full() && q.executeStep()) {
      out->push_back(RecordFromRow(q));
      cut.Take(PageBytes(out->back()));
    }
    return Status::Ok();
  });
}

// Walking the version index for a few scopes would read every record any
// device changed since the tablet's cursor — with 200 tablets syncing, each
// pull read the other 199's changes to keep its own one or two (O(T^2) a
// round). Instead: one ordered walk of the scope index per scope, merged by
// version, stepping each walk only as its rows are taken, so a page reads
// what it returns plus one row per scope.
Status SqliteServerStore::ReadScopesMerged(SQLite::Database& db, const ChangeQuery& cq,
                                           const std::vector<std::string>& scopes, std::vector<StoredRecord>* out) {
  std::string sql = std::string("SELECT ") + kRecordColumns +
                    " FROM records INDEXED BY records_by_scope WHERE version>? AND version<=?";
  AppendChangeFilters(cq, &sql);
  sql += " AND scope=? ORDER BY version LIMIT ?";
  // One statement per walk: they are open at the same time.
  auto& cache = reader_stmts_.at(&db);
  if (cache.size() + scopes.size() > kMaxCachedStatements + kMaxMergedScopes) cache.clear();
  std::vector<SQLite::Statement*> walks;
  struct ResetAll {
    std::vector<SQLite::Statement*>& walks;
    ~ResetAll() {
      for (SQLite::Statement* q : walks) Reset{*q};
    }
  } reset_all{walks};
  for (size_t w = 0; w < scopes.size(); ++w) {
    std::string key = sql + " -- walk " + std::to_string(w);
    auto it = cache.find(key);
    if (it == cache.end()) it = cache.emplace(key, std::make_unique<SQLite::Statement>(db, sql)).first;
    SQLite::Statement& q = *it->second;
    int i = BindChangeFilters(q, cq);
    q.bind(i++, scopes[w]);
    q.bind(i++, static_cast<int64_t>(cq.limit));
    walks.push_back(&q);
  }
  // (version of the walk's current row, walk), smallest version first.
  using Head = std::pair<int64_t, size_t>;
  std::priority_queue<Head, std::vector<Head>, std::greater<Head>> heads;
  for (size_t w = 0; w < walks.size(); ++w)
    if (walks[w]->executeStep()) heads.emplace(walks[w]->getColumn(2).getInt64(), w);
  PageCut cut(cq.limit, cq.max_bytes);
  while (!heads.empty() && !cut.Full()) {
    size_t w = heads.top().second;
    heads.pop();
    out->push_back(RecordFromRow(*walks[w]));
    cut.Take(PageBytes(out->back()));
    if (!cut.Full() && walks[w]->executeStep()) heads.emplace(walks[w]->getColumn(2).getInt64(), w);
  }
  return Status::Ok();
}

// Runs on every pull and push of a scoped caller: answered from memory
// (this store is the only writer of its file, as for Head()); a collection
// not asked about before is read once from the database. A commit racing
// with that read is not lost: both keep the larger value.
StatusOr<uint64_t> SqliteServerStore::CollectionsHead(const std::vector<std::string>& collections) {
  uint64_t head = 0;
  for (const auto& c : collections) {
    {
      std::lock_guard<std::mutex> lock(heads_mu_);
      auto it = collection_heads_.find(c);
      if (it != collection_heads_.end()) {
        head = std::max(head, it->second);
        continue;
      }
    }
    uint64_t stored = 0;
    Status st = WithReader("read collection head", [&](SQLite::Database& db) -> Status {
      SQLite::Statement& q = Cached(db, "SELECT COALESCE(MAX(version), 0) FROM records WHERE collection=?");
      Reset reset{q};
      q.bind(1, c);
      if (q.executeStep()) stored = static_cast<uint64_t>(q.getColumn(0).getInt64());
      return Status::Ok();
    });
    if (!st.ok()) return st;
    std::lock_guard<std::mutex> lock(heads_mu_);
    uint64_t& known = collection_heads_[c];
    known = std::max(known, stored);
    head = std::max(head, known);
  }
  return head;
}

// ---- Records ----

Status SqliteServerStore::ScanCollection(const std::string& collection,
                                         const std::function<Status(const StoredRecord&)>& fn) {
  return WithReader("scan collection", [&](SQLite::Database& db) -> Status {
    SQLite::Statement q(db, std::string("SELECT ") + kRecordColumns + " FROM records WHERE collection=? ORDER BY id");
    q.bind(1, collection);
    while (q.executeStep()) INSPECTSYNC_RETURN_IF_ERROR(fn(RecordFromRow(q)));
    return Status::Ok();
  });
}

Status SqliteServerStore::ScanCollectionAfter(const std::string& collection, const std::string& after_id,
                                              size_t limit,
                                              const std::function<StatusOr<bool>(const StoredRecord&)>& fn) {
  return WithReader("scan collection", [&](SQLite::Database& db) -> Status {
    SQLite::Statement& q = Cached(
        db, std::string("SELECT ") + kRecordColumns + " FROM records WHERE collection=? AND id>? ORDER BY id LIMIT ?");
    Reset reset{q};
    q.bind(1, collection);
    q.bind(2, after_id);
    q.bind(3, static_cast<int64_t>(std::min<size_t>(limit, INT64_MAX)));
    while (q.executeStep()) {
      auto more = fn(RecordFromRow(q));
      if (!more.ok()) return more.status();
      if (!*more) break;
    }
    return Status::Ok();
  });
}

StatusOr<std::optional<StoredRecord>> SqliteServerStore::GetRecord(const std::string& collection,
                                                                   const std::string& id) {
  std::optional<StoredRecord> out;
  Status st = WithReader("read record", [&](SQLite::Database& db) -> Status {
    SQLite::Statement& q = Cached(db, kGetRecordSql);
    Reset reset{q};
    q.bind(1, collection);
    q.bind(2, id);
    if (q.executeStep()) out = RecordFromRow(q);
    return Status::Ok();
  });
  if (!st.ok()) return st;
  return out;
}

StatusOr<uint64_t> SqliteServerStore::CountRecords(const std::string& collection) {
  uint64_t n = 0;
  Status st = WithReader("count records", [&](SQLite::Database& db) -> Status {
    SQLite::Statement q(db, "SELECT COUNT(*) FROM records WHERE collection=?");
    q.bind(1, collection);
    q.executeStep();
    n = static_cast<uint64_t>(q.getColumn(0).getInt64());
    return Status::Ok();
  });
  if (!st.ok()) return st;
  return n;
}

Status SqliteServerStore::ListClients(std::vector<ClientActivity>* out) {
  return WithReader("list clients", [&](SQLite::Database& db) -> Status {
    SQLite::Statement q(db,
                        "SELECT client_id, device, user_id, last_mutation_id, last_push_ms, last_pull_ms, accepted, "
                        "rejected, last_reject_code, last_reject_reason, last_reject_ms FROM clients ORDER BY client_id");
    while (q.executeStep()) {
      ClientActivity c;
      c.client_id = q.getColumn(0).getString();
      c.device = q.getColumn(1).getString();
      c.user_id = q.getColumn(2).getString();
      c.last_mutation_id = static_cast<uint64_t>(q.getColumn(3).getInt64());
      c.last_push_ms = q.getColumn(4).getInt64();
      c.last_pull_ms = q.getColumn(5).getInt64();
      c.accepted = static_cast<uint64_t>(q.getColumn(6).getInt64());
      c.rejected = static_cast<uint64_t>(q.getColumn(7).getInt64());
      c.last_reject_code = q.getColumn(8).getInt();
      c.last_reject_reason = q.getColumn(9).getString();
      c.last_reject_ms = q.getColumn(10).getInt64();
      out->push_back(std::move(c));
    }
    return Status::Ok();
  });
}

// ---- History and the change feed ----

Status SqliteServerStore::History(const std::string& collection, const std::string& id,
                                  std::vector<VersionRow>* out) {
  return WithReader("read history", [&](SQLite::Database& db) -> Status {
    SQLite::Statement q(db,
                        "SELECT seq, collection, id, deleted, body, meta, client_id, mutation_id, op FROM history "
                        "WHERE collection=? AND id=? ORDER BY seq");
    q.bind(1, collection);
    q.bind(2, id);
    while (q.executeStep()) out->push_back(VersionFromRow(q));
    return Status::Ok();
  });
}

Status SqliteServerStore::ReadHistory(uint64_t after, size_t limit, std::vector<VersionRow>* out) {
  return WithReader("read history", [&](SQLite::Database& db) -> Status {
    SQLite::Statement q(db,
                        "SELECT seq, collection, id, deleted, body, meta, client_id, mutation_id, op FROM history "
                        "WHERE seq>? ORDER BY seq LIMIT ?");
    q.bind(1, static_cast<int64_t>(after));
    q.bind(2, static_cast<int64_t>(limit));
    while (q.executeStep()) out->push_back(VersionFromRow(q));
    return Status::Ok();
  });
}

// Walks history by seq (the outer loop: LEFT JOIN keeps it there) and
// looks each row's record up by primary key for its scope.
Status SqliteServerStore::ReadFeed(const FeedQuery& fq, std::vector<FeedRow>* out) {
  return WithReader("read change feed", [&](SQLite::Database& db) -> Status {
    const ScopeFilter& sf = fq.scope;
    std::string sql =
        "SELECT h.seq, h.collection, h.id, h.deleted, h.body, h.meta, h.client_id, h.mutation_id, h.op, "
        "COALESCE(r.scope, '') FROM history h LEFT JOIN records r ON r.collection=h.collection AND r.id=h.id "
        "WHERE h.seq>? AND h.seq<=?";
    if (!fq.collections.empty()) {
      sql += " AND h.collection IN (";
      for (size_t i = 0; i < fq.collections.size(); ++i) sql += i ? ",?" : "?";
      sql += ")";
    }
    sql += ScopeCondition(sf, "r.scope", "COALESCE(r.scope,'')");
    sql += " ORDER BY h.seq LIMIT ?";
    SQLite::Statement& q = Cached(db, sql);
    Reset reset{q};
    int i = 1;
    q.bind(i++, static_cast<int64_t>(fq.after));
    q.bind(i++, static_cast<int64_t>(fq.upto));
    for (const auto& c : fq.collections) q.bind(i++, c);
    if (sf.mode != ScopeFilter::kAll) q.bind(i++, JsonArray(sf.keys));
    q.bind(i++, static_cast<int64_t>(fq.limit));
    PageCut cut(fq.limit, fq.max_bytes);
    while (!cut.Full() && q.executeStep()) {
      FeedRow row;
      static_cast<VersionRow&>(row) = VersionFromRow(q);
      row.scope = q.getColumn(9).getString();
      out->push_back(std::move(row));
      cut.Take(FeedBytes(out->back()));
    }
    return Status::Ok();
  });
}

// ---- Conflicts ----

Status SqliteServerStore::ListConflicts(const ConflictFilter& f, std::vector<v1::Conflict>* out) {
  return ScanConflicts(f, [&](const ConflictEntry& e) -> StatusOr<bool> {
    out->push_back(e.conflict);
    return true;
  });
}

Status SqliteServerStore::ScanConflicts(const ConflictFilter& f,
                                        const std::function<StatusOr<bool>(const ConflictEntry&)>& fn) {
  return WithReader("list conflicts", [&](SQLite::Database& db) -> Status {
    std::string sql =
        "SELECT c.body, c.opened_ms, COALESCE(r.scope, '') FROM conflicts c "
        "LEFT JOIN records r ON r.collection=c.collection AND r.id=c.record_id WHERE 1=1";
    if (!f.collection.empty()) sql += " AND c.collection=:c";
    if (!f.record_id.empty()) sql += " AND c.record_id=:r";
    if (!f.id.empty()) sql += " AND c.id=:id";
    if (f.only_open) sql += " AND c.state=" + std::to_string(static_cast<int>(v1::CONFLICT_OPEN));
    if (!f.states.empty()) {
      sql += " AND c.state IN (";
      for (size_t i = 0; i < f.states.size(); ++i) sql += (i ? "," : "") + std::to_string(static_cast<int>(f.states[i]));
      sql += ")";
    }
    if (f.filter_scopes) sql += " AND r.scope IN (SELECT value FROM json_each(:s))";
    if (f.opened_before_ms != 0) sql += " AND c.opened_ms<:o";
    if (f.after_version != 0 || !f.after_id.empty()) sql += " AND (c.version>:v OR (c.version=:v AND c.id>:i))";
    sql += " ORDER BY c.version, c.id LIMIT :n";
    SQLite::Statement q(db, sql);
    if (!f.collection.empty()) q.bind(":c", f.collection);
    if (!f.record_id.empty()) q.bind(":r", f.record_id);
    if (!f.id.empty()) q.bind(":id", f.id);
    if (f.filter_scopes) q.bind(":s", JsonArray(f.scopes));
    if (f.opened_before_ms != 0) q.bind(":o", static_cast<int64_t>(f.opened_before_ms));
    if (f.after_version != 0 || !f.after_id.empty()) {
      q.bind(":v", static_cast<int64_t>(f.after_version));
      q.bind(":i", f.after_id);
    }
    q.bind(":n", static_cast<int64_t>(f.limit));
    while (q.executeStep()) {
      ConflictEntry e;
      INSPECTSYNC_RETURN_IF_ERROR(ConflictEntryFromRow(q, "a stored conflict is corrupt", &e));
      auto more = fn(e);
      if (!more.ok()) return more.status();
      if (!*more) break;
    }
    return Status::Ok();
  });
}

StatusOr<std::optional<ConflictEntry>> SqliteServerStore::GetConflict(const std::string& id) {
  std::optional<ConflictEntry> out;
  Status st = WithReader("read conflict", [&](SQLite::Database& db) -> Status {
    SQLite::Statement q(db,
                        "SELECT c.body, c.opened_ms, COALESCE(r.scope, '') FROM conflicts c "
                        "LEFT JOIN records r ON r.collection=c.collection AND r.id=c.record_id WHERE c.id=?");
    q.bind(1, id);
    if (!q.executeStep()) return Status::Ok();
    ConflictEntry e;
    INSPECTSYNC_RETURN_IF_ERROR(ConflictEntryFromRow(q, "stored conflict " + id + " is corrupt", &e));
    out = std::move(e);
    return Status::Ok();
  });
  if (!st.ok()) return st;
  return out;
}

// ---- The pool of reader connections ----

SQLite::Statement& SqliteServerStore::Cached(SQLite::Database& db, const std::string& sql) {
  auto& stmts = reader_stmts_.at(&db);
  auto it = stmts.find(sql);
  if (it != stmts.end()) return *it->second;
  if (stmts.size() >= kMaxCachedStatements) stmts.clear();  // a bound, for callers that vary their SQL
  return *stmts.emplace(sql, std::make_unique<SQLite::Statement>(db, sql)).first->second;
}

Status SqliteServerStore::WithReader(const char* what, const std::function<Status(SQLite::Database&)>& fn) {
  std::unique_ptr<SQLite::Database> db;
  {
    std::unique_lock<std::mutex> lock(pool_mu_);
    pool_cv_.wait(lock, [&] { return !readers_.empty(); });
    db = std::move(readers_.back());
    readers_.pop_back();
  }
  Status st = Guard(what, [&]() -> Status { return fn(*db); });
  {
    std::lock_guard<std::mutex> lock(pool_mu_);
    readers_.push_back(std::move(db));
  }
  pool_cv_.notify_one();
  return st;
}

}  // namespace inspectsync::storage::sqlite_server
