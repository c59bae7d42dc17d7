// SQLite implementation of ServerStore: one writer connection (SQLite allows
// one writer at a time anyway) and a small pool of reader connections, which
// WAL lets run beside the writer on committed snapshots.
#include <SQLiteCpp/SQLiteCpp.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/wire_format_lite.h>
#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <map>
#include <mutex>
#include <queue>

#include "core/schema.h"
#include "inspectsync/storage/ledger.pb.h"
#include "storage/attachment_store.h"
#include "storage/consumer_store.h"
#include "storage/server_store.h"
#include "storage/webhook_store.h"
#include "storage/sqlite_util.h"
#include "storage/wal_checkpointer.h"

namespace inspectsync::storage {

namespace {

const std::vector<std::string>& Migrations() {
  static const std::vector<std::string> m = {
      // 1: records, history, idempotency ledger, conflicts.
      R"sql(
CREATE TABLE records (
  collection TEXT NOT NULL,
  id TEXT NOT NULL,
  version INTEGER NOT NULL,
  deleted INTEGER NOT NULL,
  body BLOB NOT NULL,
  clocks BLOB NOT NULL,
  meta BLOB NOT NULL,
  PRIMARY KEY (collection, id)
) WITHOUT ROWID;
CREATE UNIQUE INDEX records_by_version ON records(version);

CREATE TABLE history (
  seq INTEGER PRIMARY KEY,
  collection TEXT NOT NULL,
  id TEXT NOT NULL,
  deleted INTEGER NOT NULL,
  body BLOB NOT NULL,
  meta BLOB NOT NULL,
  client_id TEXT NOT NULL,
  mutation_id INTEGER NOT NULL,
  op INTEGER NOT NULL
);
CREATE INDEX history_by_record ON history(collection, id, seq);

CREATE TABLE clients (
  client_id TEXT PRIMARY KEY,
  last_mutation_id INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE mutation_results (
  client_id TEXT NOT NULL,
  mutation_id INTEGER NOT NULL,
  result BLOB NOT NULL,
  PRIMARY KEY (client_id, mutation_id)
) WITHOUT ROWID;

CREATE TABLE conflicts (
  id TEXT PRIMARY KEY,
  collection TEXT NOT NULL,
  record_id TEXT NOT NULL,
  field TEXT NOT NULL,
  state INTEGER NOT NULL,
  version INTEGER NOT NULL,
  body BLOB NOT NULL
) WITHOUT ROWID;
CREATE INDEX conflicts_by_record ON conflicts(collection, record_id);
CREATE INDEX conflicts_by_state ON conflicts(state, version);
)sql",
      // 2: each client id is bound to the authenticated device that first used it.
      R"sql(
ALTER TABLE clients ADD COLUMN device TEXT NOT NULL DEFAULT '';
)sql",
      // 3: which client wrote each record's latest version, so a pull can
      // leave out what the pulling device wrote itself.
      R"sql(
ALTER TABLE records ADD COLUMN last_client TEXT NOT NULL DEFAULT '';
)sql",
      // 4: the scope (site or zone) of each record, for scoped pulls and
      // backfill; filled in for existing records by the scope function.
      R"sql(
ALTER TABLE records ADD COLUMN scope TEXT NOT NULL DEFAULT '';
UPDATE records SET scope = inspectsync_scope(collection, id, (SELECT body FROM history WHERE seq = records.version));
CREATE INDEX records_by_scope ON records(scope, version);
CREATE INDEX records_by_collection ON records(collection, version);
)sql",
      // 5: a version's body and meta live in history only (records rows are
      // written with them empty and read them from the latest history row);
      // drop the old copies. Also makes older builds, which read
      // records.body, refuse this file.
      R"sql(
UPDATE records SET body = x'', meta = x'';
)sql",
      // 6: the newest version per collection is kept in memory by the store
      // (the only writer of its file), so the index that answered it costs
      // every write for nothing (push +9-19 % without it).
      R"sql(
DROP INDEX IF EXISTS records_by_collection;
)sql",
      // 7: conflicts and the idempotency ledger become rowid tables (their
      // keys in a unique index). As WITHOUT ROWID tables, whose cells may hold
      // at most ~1,000 bytes on a 4 KiB page, every row over that (a conflict
      // on a 300-character description, a result carrying two conflicts) took
      // an overflow page of its own: 2 extra 4 KiB pages written per contested
      // patch. A rowid table keeps rows of up to ~4,000 bytes in its leaves.
      R"sql(
CREATE TABLE conflicts_v7 (
  id TEXT PRIMARY KEY,
  collection TEXT NOT NULL,
  record_id TEXT NOT NULL,
  field TEXT NOT NULL,
  state INTEGER NOT NULL,
  version INTEGER NOT NULL,
  body BLOB NOT NULL
);
INSERT INTO conflicts_v7(id, collection, record_id, field, state, version, body)
  SELECT id, collection, record_id, field, state, version, body FROM conflicts ORDER BY id;
DROP TABLE conflicts;
ALTER TABLE conflicts_v7 RENAME TO conflicts;
CREATE INDEX conflicts_by_record ON conflicts(collection, record_id);
CREATE INDEX conflicts_by_state ON conflicts(state, version);

CREATE TABLE mutation_results_v7 (
  client_id TEXT NOT NULL,
  mutation_id INTEGER NOT NULL,
  result BLOB NOT NULL,
  PRIMARY KEY (client_id, mutation_id)
);
INSERT INTO mutation_results_v7(client_id, mutation_id, result)
  SELECT client_id, mutation_id, result FROM mutation_results ORDER BY client_id, mutation_id;
DROP TABLE mutation_results;
ALTER TABLE mutation_results_v7 RENAME TO mutation_results;
)sql",
      // 8: photo evidence (issue 7; storage/attachment_store.h): which
      // finding each photo was attached to, and what each device was charged.
      // IF NOT EXISTS: tests that rewind user_version to rebuild older tables
      // leave these in place.
      R"sql(
CREATE TABLE IF NOT EXISTS attachments (
  sha256 TEXT NOT NULL,
  finding_id TEXT NOT NULL,
  size INTEGER NOT NULL,
  media_type TEXT NOT NULL,
  meta BLOB NOT NULL,
  uploader_user TEXT NOT NULL,
  uploader_device TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  PRIMARY KEY (sha256, finding_id)
);
CREATE TABLE IF NOT EXISTS attachment_usage (
  device TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  size INTEGER NOT NULL,
  PRIMARY KEY (device, sha256)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS attachment_usage_by_hash ON attachment_usage(sha256);
)sql",
      // 9: the integration surface (issue 8): the change feed's named
      // consumer cursors (storage/consumer_store.h); webhooks, their durable
      // outbox, how far the event source has read history and conflicts, and
      // which finding deadlines were announced overdue (storage/webhook_store.h).
      R"sql(
CREATE TABLE IF NOT EXISTS feed_consumers (
  name TEXT PRIMARY KEY,
  cursor INTEGER NOT NULL,
  updated_ms INTEGER NOT NULL,
  updated_by TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS webhooks (
  id TEXT PRIMARY KEY,
  url TEXT NOT NULL,
  secret TEXT NOT NULL,
  event_mask INTEGER NOT NULL,
  active INTEGER NOT NULL,
  created_ms INTEGER NOT NULL,
  created_by TEXT NOT NULL,
  description TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS webhook_outbox (
  event_id TEXT NOT NULL,
  webhook_id TEXT NOT NULL,
  event INTEGER NOT NULL,
  payload TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  state INTEGER NOT NULL,
  attempts INTEGER NOT NULL,
  next_attempt_ms INTEGER NOT NULL,
  delivered_ms INTEGER NOT NULL,
  last_error TEXT NOT NULL,
  PRIMARY KEY (event_id, webhook_id)
);
CREATE INDEX IF NOT EXISTS webhook_outbox_due ON webhook_outbox(webhook_id, state, next_attempt_ms);
CREATE TABLE IF NOT EXISTS webhook_sources (
  name TEXT PRIMARY KEY,
  position INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS overdue_announced (
  finding_id TEXT PRIMARY KEY,
  deadline_ms INTEGER NOT NULL
);
)sql",
      // 10: conflict review (issue 8; server/integration_conflicts.h): when
      // the server recorded each conflict, for filtering by age in SQL. The
      // body carries it too (Conflict.opened_ms); conflicts recorded before
      // take the time of their version's HLC, the best there is.
      R"sql(
ALTER TABLE conflicts ADD COLUMN opened_ms INTEGER NOT NULL DEFAULT 0;
UPDATE conflicts SET opened_ms = inspectsync_hlc_ms((SELECT meta FROM history WHERE seq = conflicts.version));
CREATE INDEX IF NOT EXISTS conflicts_by_version ON conflicts(version, id);
)sql",
      // 11: the idempotency ledger keeps one row per (client, push) holding
      // the results of that push's applied mutations (a LedgerBatch), keyed
      // by its last mutation id, instead of one row and one index entry per
      // mutation: two B-tree inserts per push instead of two per finding.
      // A replay of mutation m reads the client's first row whose last id is
      // >= m (ids of one client only grow, so batches never overlap). Each
      // per-mutation row of earlier builds becomes a batch of one.
      R"sql(
CREATE TABLE push_results (
  client_id TEXT NOT NULL,
  last_mutation_id INTEGER NOT NULL,
  results BLOB NOT NULL
);
CREATE UNIQUE INDEX push_results_by_client ON push_results(client_id, last_mutation_id);
INSERT INTO push_results(client_id, last_mutation_id, results)
  SELECT client_id, mutation_id, inspectsync_ledger_batch(result) FROM mutation_results
  ORDER BY client_id, mutation_id;
DROP TABLE mutation_results;
)sql",
      // 12: a push whose response filled up leaves the rest of its batch
      // unprocessed (server/push_budget.h); the client's first unprocessed
      // mutation is kept here, in the push's own transaction, so a pipelined
      // later push of that client cannot be applied past it. 0 = none.
      R"sql(
ALTER TABLE clients ADD COLUMN resend_from INTEGER NOT NULL DEFAULT 0;
)sql",
      // 13: how far each client has acknowledged its results (the highest
      // ack_through its pushes carried, as clamped by the engine), so a
      // mutation id at or below the client's last one that the ledger does
      // not hold can be told apart: above the mark it was never processed
      // (every processed id above it is still in a row), at or below it the
      // device had its result. Existing clients start at their last id: for
      // them every such id reads as acknowledged, which is never false.
      R"sql(
ALTER TABLE clients ADD COLUMN acked_through INTEGER NOT NULL DEFAULT 0;
UPDATE clients SET acked_through = last_mutation_id;
)sql",
  };
  return m;
}

// SQL function inspectsync_scope(collection, id, body) -> the record's scope
// key, for migrations that derive it from stored bodies.
void ScopeSqlFunction(sqlite3_context* ctx, int argc, sqlite3_value** argv) {
  if (argc != 3) return sqlite3_result_error(ctx, "inspectsync_scope takes 3 arguments", -1);
  auto text = [&](int i) {
    const char* p = reinterpret_cast<const char*>(sqlite3_value_text(argv[i]));
    return std::string(p ? p : "", static_cast<size_t>(sqlite3_value_bytes(argv[i])));
  };
  std::string collection = text(0), id = text(1);
  const core::CollectionSpec* spec = core::FindCollection(collection);
  std::string scope;
  if (spec != nullptr && spec->scoped()) {
    std::unique_ptr<google::protobuf::Message> msg(
        google::protobuf::MessageFactory::generated_factory()->GetPrototype(spec->descriptor())->New());
    if (msg->ParseFromArray(sqlite3_value_blob(argv[2]), sqlite3_value_bytes(argv[2])))
      scope = spec->ScopeOf(*msg, id);
  }
  sqlite3_result_text(ctx, scope.data(), static_cast<int>(scope.size()), SQLITE_TRANSIENT);
}

// SQL function inspectsync_hlc_ms(meta) -> the wall time (ms) of a stored
// VersionMeta's HLC (0 if unreadable), for migration 10.
void HlcMsSqlFunction(sqlite3_context* ctx, int argc, sqlite3_value** argv) {
  if (argc != 1) return sqlite3_result_error(ctx, "inspectsync_hlc_ms takes 1 argument", -1);
  v1::VersionMeta meta;
  int64_t ms = 0;
  if (sqlite3_value_type(argv[0]) == SQLITE_BLOB &&
      meta.ParseFromArray(sqlite3_value_blob(argv[0]), sqlite3_value_bytes(argv[0])))
    ms = static_cast<int64_t>(meta.hlc() >> 16);  // core::Hlc::Millis
  sqlite3_result_int64(ctx, ms);
}

// SQL function inspectsync_ledger_batch(result) -> a LedgerBatch holding
// that one serialized MutationResult, for migration 11: the bytes wrapped as
// its `results` field as they are (a row that does not parse stays as it was,
// and a replay reports it as before).
void LedgerBatchSqlFunction(sqlite3_context* ctx, int argc, sqlite3_value** argv) {
  if (argc != 1) return sqlite3_result_error(ctx, "inspectsync_ledger_batch takes 1 argument", -1);
  const char* p = static_cast<const char*>(sqlite3_value_blob(argv[0]));
  int n = sqlite3_value_bytes(argv[0]);
  std::string out;
  {
    google::protobuf::io::StringOutputStream stream(&out);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.WriteTag(google::protobuf::internal::WireFormatLite::MakeTag(
        pb::LedgerBatch::kResultsFieldNumber, google::protobuf::internal::WireFormatLite::WIRETYPE_LENGTH_DELIMITED));
    coded.WriteVarint32(static_cast<uint32_t>(n));
    if (n > 0) coded.WriteRaw(p, n);
  }
  sqlite3_result_blob(ctx, out.data(), static_cast<int>(out.size()), SQLITE_TRANSIENT);
}

// The keys as a JSON array of strings, for `IN (SELECT value FROM json_each(?))`.
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

std::string Blob(const SQLite::Column& c) {
  return std::string(static_cast<const char*>(c.getBlob()), static_cast<size_t>(c.getBytes()));
}

StoredRecord RecordFromRow(SQLite::Statement& q) {
  // Columns: collection, id, version, deleted, body, clocks, meta
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

// A record's body and meta are those of its latest version, the history row
// whose seq is records.version: they are read from there and written only
// there. records.body and records.meta are written empty (rows written
// before this hold a copy, which is never read).
constexpr const char* kRecordColumns =
    "collection, id, version, deleted, (SELECT body FROM history WHERE seq=records.version), clocks, "
    "(SELECT meta FROM history WHERE seq=records.version), scope";

// One record by key, its body and meta read from its latest history row in
// one lookup (kRecordColumns' two subqueries look that row up twice: ~10 %
// of a patch's instructions went to reading it).
constexpr const char* kGetRecordSql =
    "SELECT r.collection, r.id, r.version, r.deleted, h.body, r.clocks, h.meta, r.scope FROM records r "
    "LEFT JOIN history h ON h.seq=r.version WHERE r.collection=? AND r.id=?";

// Prepared statements of the writer connection, reused across transactions.
struct WriterStatements {
  explicit WriterStatements(SQLite::Database& db)
      : database(db),
        // kRecordColumns' layout, body and meta left empty: GetRecord reads them from history.
        get_record(db, "SELECT collection, id, version, deleted, x'', clocks, x'', scope FROM records "
                       "WHERE collection=? AND id=?"),
        upsert_record(db,
                      "INSERT INTO records(collection, id, version, deleted, body, clocks, meta, last_client, scope) "
                      "VALUES(?,?,?,?,?,?,?,?,?) ON CONFLICT(collection, id) DO UPDATE SET version=excluded.version, "
                      "deleted=excluded.deleted, body=excluded.body, clocks=excluded.clocks, meta=excluded.meta, "
                      "last_client=excluded.last_client"),
        insert_history(db,
                       "INSERT INTO history(seq, collection, id, deleted, body, meta, client_id, mutation_id, op) "
                       "VALUES(?,?,?,?,?,?,?,?,?)"),
        foreign_since(db, "SELECT 1 FROM history WHERE collection=? AND id=? AND seq>? AND client_id<>? LIMIT 1"),
        bodies_since(db, "SELECT body FROM history WHERE collection=? AND id=? AND seq>? AND client_id<>? ORDER BY seq"),
        last_mutation(db, "SELECT last_mutation_id, resend_from FROM clients WHERE client_id=?"),
        set_resend(db,
                   "INSERT INTO clients(client_id, last_mutation_id, resend_from) VALUES(?,0,?) ON CONFLICT(client_id) "
                   "DO UPDATE SET resend_from=excluded.resend_from"),
        client_device(db, "SELECT device FROM clients WHERE client_id=?"),
        bind_client(db,
                    "INSERT INTO clients(client_id, last_mutation_id, device) VALUES(?,0,?) ON CONFLICT(client_id) "
                    "DO UPDATE SET device=excluded.device WHERE device=''"),
        upsert_client(db,
                      "INSERT INTO clients(client_id, last_mutation_id, acked_through) VALUES(?,?,?) "
                      "ON CONFLICT(client_id) DO UPDATE SET last_mutation_id=MAX(last_mutation_id, "
                      "excluded.last_mutation_id), acked_through=MAX(acked_through, excluded.acked_through)"),
        get_results(db,
                    "SELECT last_mutation_id, results FROM push_results WHERE client_id=? AND last_mutation_id>=? "
                    "ORDER BY last_mutation_id LIMIT 1"),
        get_version(db, "SELECT collection, id, deleted, body, meta FROM history WHERE seq=?"),
        put_results(db, "INSERT OR REPLACE INTO push_results(client_id, last_mutation_id, results) VALUES(?,?,?)"),
        forget_results(db, "DELETE FROM push_results WHERE client_id=? AND last_mutation_id<=?"),
        get_conflict(db, "SELECT body, opened_ms FROM conflicts WHERE id=?"),
        writer_meta(db, "SELECT meta FROM history WHERE collection=? AND id=? AND client_id=? ORDER BY seq DESC"),
        insert_conflict(db,
                        "INSERT INTO conflicts(id, collection, record_id, field, state, version, body, opened_ms) "
                        "VALUES(?,?,?,?,?,?,?,?)") {}

  SQLite::Database& database;  // for statements prepared per call (rare ones)
  SQLite::Statement get_record, upsert_record, insert_history, foreign_since, bodies_since, last_mutation, set_resend,
      client_device, bind_client,
      upsert_client,
      get_results, get_version, put_results, forget_results, get_conflict, writer_meta,
      insert_conflict;
};

// Resets a cached statement on scope exit, whatever happens.
struct Reset {
  SQLite::Statement& s;
  ~Reset() {
    try {
      s.reset();
      s.clearBindings();
    } catch (...) {
    }
  }
};

class SqliteWriteTxn : public ServerWriteTxn {
 public:
  // `touched` collects, per collection, the newest seq this write appended.
  SqliteWriteTxn(WriterStatements& s, uint64_t* next_seq, std::map<std::string, uint64_t>* touched)
      : s_(s), next_seq_(next_seq), touched_(touched) {}

  StatusOr<std::optional<StoredRecord>> GetRecord(const std::string& collection, const std::string& id) override {
    std::optional<StoredRecord> out;
    Status st = Guard("read record", [&]() -> Status {
      // The records row, then (if there is one) its latest history row by
      // seq: a create's miss never touches history, a hit reads its row once
      // (kRecordColumns' two subqueries read it twice; a join costs a
      // create's miss more than that saves).
      auto& q = s_.get_record;
      Reset r{q};
      q.bind(1, collection);
      q.bind(2, id);
      if (!q.executeStep()) return Status::Ok();
      StoredRecord rec = RecordFromRow(q);
      Reset rv{s_.get_version};
      s_.get_version.bind(1, static_cast<int64_t>(rec.version));
      if (s_.get_version.executeStep()) {  // else as the subqueries gave: empty body and meta
        rec.body = Blob(s_.get_version.getColumn(3));
        rec.meta.ParseFromArray(s_.get_version.getColumn(4).getBlob(), s_.get_version.getColumn(4).getBytes());
      }
      out = std::move(rec);
      return Status::Ok();
    });
    if (!st.ok()) return st;
    return out;
  }

  Status AppendVersion(StoredRecord* rec, const std::string& client_id, uint64_t mutation_id,
                       v1::MutationOp op) override {
    return Guard("append version", [&]() -> Status {
      uint64_t seq = (*next_seq_)++;
      rec->version = seq;
      (*touched_)[rec->collection] = seq;  // seqs only grow: the last is the newest
      if (rec->meta.created_version() == 0) rec->meta.set_created_version(seq);
      std::string meta = rec->meta.SerializeAsString();
      {
        Reset r{s_.insert_history};
        auto& q = s_.insert_history;
        q.bind(1, static_cast<int64_t>(seq));
        q.bind(2, rec->collection);
        q.bind(3, rec->id);
        q.bind(4, rec->deleted ? 1 : 0);
        q.bind(5, rec->body.data(), static_cast<int>(rec->body.size()));
        q.bind(6, meta.data(), static_cast<int>(meta.size()));
        q.bind(7, client_id);
        q.bind(8, static_cast<int64_t>(mutation_id));
        q.bind(9, static_cast<int>(op));
        q.exec();
      }
      Reset r{s_.upsert_record};
      auto& q = s_.upsert_record;
      q.bind(1, rec->collection);
      q.bind(2, rec->id);
      q.bind(3, static_cast<int64_t>(seq));
      q.bind(4, rec->deleted ? 1 : 0);
      q.bind(5, "", 0);  // body and meta: in history only (see kRecordColumns)
      q.bind(6, rec->clocks.data(), static_cast<int>(rec->clocks.size()));
      q.bind(7, "", 0);
      q.bind(8, client_id);
      q.bind(9, rec->scope);  // kept from the create: a record's scope never changes
      q.exec();
      return Status::Ok();
    });
  }

  StatusOr<bool> HasForeignVersionsSince(const std::string& collection, const std::string& id, uint64_t after_seq,
                                         const std::string& device_id) override {
    bool found = false;
    Status st = Guard("read history", [&]() -> Status {
      Reset r{s_.foreign_since};
      s_.foreign_since.bind(1, collection);
      s_.foreign_since.bind(2, id);
      s_.foreign_since.bind(3, static_cast<int64_t>(after_seq));
      s_.foreign_since.bind(4, device_id);
      found = s_.foreign_since.executeStep();
      return Status::Ok();
    });
    if (!st.ok()) return st;
    return found;
  }

  Status ForeignBodiesSince(const std::string& collection, const std::string& id, uint64_t after_seq,
                            const std::string& client_id, std::vector<std::string>* out) override {
    return Guard("read history", [&]() -> Status {
      Reset r{s_.bodies_since};
      s_.bodies_since.bind(1, collection);
      s_.bodies_since.bind(2, id);
      s_.bodies_since.bind(3, static_cast<int64_t>(after_seq));
      s_.bodies_since.bind(4, client_id);
      while (s_.bodies_since.executeStep()) out->push_back(Blob(s_.bodies_since.getColumn(0)));
      return Status::Ok();
    });
  }

  StatusOr<std::string> BindClient(const std::string& client_id, const std::string& device) override {
    std::string bound;
    Status st = Guard("bind client", [&]() -> Status {
      {
        Reset r{s_.bind_client};
        s_.bind_client.bind(1, client_id);
        s_.bind_client.bind(2, device);
        s_.bind_client.exec();
      }
      Reset r{s_.client_device};
      s_.client_device.bind(1, client_id);
      if (s_.client_device.executeStep()) bound = s_.client_device.getColumn(0).getString();
      return Status::Ok();
    });
    if (!st.ok()) return st;
    return bound;
  }

  StatusOr<uint64_t> LastMutationId(const std::string& client_id) override {
    auto it = last_ids_.find(client_id);
    if (it != last_ids_.end()) return it->second;
    uint64_t last = 0;
    Status st = Guard("read ledger", [&]() -> Status {
      auto stored = LastMutationIdInDb(client_id);
      if (!stored.ok()) return stored.status();
      last = *stored;
      return Status::Ok();
    });
    if (!st.ok()) return st;
    return last;
  }

  StatusOr<uint64_t> ResendFrom(const std::string& client_id) override {
    if (auto it = resend_.find(client_id); it != resend_.end()) return it->second;
    Status st = Guard("read ledger", [&]() -> Status { return LastMutationIdInDb(client_id).status(); });
    if (!st.ok()) return st;
    return resend_[client_id];
  }

  Status SetResendFrom(const std::string& client_id, uint64_t mutation_id) override {
    return Guard("write ledger", [&]() -> Status {
      Reset r{s_.set_resend};
      s_.set_resend.bind(1, client_id);
      s_.set_resend.bind(2, static_cast<int64_t>(mutation_id));
      s_.set_resend.exec();
      resend_[client_id] = mutation_id;
      return Status::Ok();
    });
  }

  StatusOr<std::optional<v1::MutationResult>> StoredResult(const std::string& client_id,
                                                            uint64_t mutation_id) override {
    std::optional<v1::MutationResult> out;
    Status st = Guard("read ledger", [&]() -> Status {
      const v1::MutationResult* found = nullptr;
      if (auto p = pending_.find(client_id); p != pending_.end()) found = Find(p->second, mutation_id);
      if (found == nullptr) {
        // The batch holding it is the client's first with a last id >= it.
        // Replays come in id order: the batch read last usually has it.
        if (!(cached_client_ == client_id && cached_first_ <= mutation_id && mutation_id <= cached_last_)) {
          Reset r{s_.get_results};
          s_.get_results.bind(1, client_id);
          s_.get_results.bind(2, static_cast<int64_t>(mutation_id));
          if (!s_.get_results.executeStep()) return Status::Ok();
          cached_client_.clear();
          if (!cached_.ParseFromString(Blob(s_.get_results.getColumn(1))))
            return DataLoss("stored results of client " + client_id + " through mutation " +
                            std::to_string(s_.get_results.getColumn(0).getInt64()) + " are corrupt");
          cached_client_ = client_id;
          cached_last_ = static_cast<uint64_t>(s_.get_results.getColumn(0).getInt64());
          // Ids between the previous batch and this one's first belong to it
          // or to none: a miss below is a miss either way.
          cached_first_ = cached_.results_size() > 0 ? cached_.results(0).mutation_id() : cached_last_;
        }
        found = Find(cached_, mutation_id);
      }
      if (found == nullptr) return Status::Ok();
      v1::MutationResult res = *found;
      // Ledger rows keep only the record's key and version and the ids of
      // the conflicts (see RecordResult); older rows hold the whole record
      // (it has meta) and whole conflicts (they name their record).
      if (res.has_record() && !res.record().has_meta())
        INSPECTSYNC_RETURN_IF_ERROR(FillRecordFromHistory(res.mutable_record()));
      for (v1::Conflict& c : *res.mutable_conflicts()) {
        if (!c.record_id().empty()) continue;
        auto whole = GetConflict(c.id());
        if (!whole.ok()) return whole.status();
        if (!whole->has_value())
          return DataLoss("stored result of mutation " + std::to_string(mutation_id) + " names conflict " + c.id() +
                          ", which is not stored");
        c = std::move(**whole);
      }
      out = std::move(res);
      return Status::Ok();
    });
    if (!st.ok()) return st;
    return out;
  }

  // The ledger keeps a result without its record's body and meta: the record
  // of a result is always one version of the history (the seq in its
  // version), so a replay (rare: a lost response) rebuilds it from there, and
  // every push writes a small ledger row instead of a third copy of the body.
  // The results of one client in one transaction are written as one row
  // (Flush): see migration 11.
  Status RecordResult(const std::string& client_id, uint64_t mutation_id, const v1::MutationResult& res) override {
    return Guard("write ledger", [&]() -> Status {
      uint64_t& last = last_ids_[client_id];
      if (last == 0) {
        auto stored = LastMutationIdInDb(client_id);
        if (!stored.ok()) return stored.status();
        last = *stored;
      }
      if (mutation_id <= last)
        return Internal("mutation " + std::to_string(mutation_id) + " of client " + client_id +
                        " is not after the last recorded one (" + std::to_string(last) + ")");
      last = mutation_id;
      v1::MutationResult* slim = pending_[client_id].add_results();
      if (res.has_record()) {
        // Field by field, so the record's body is never copied. A field
        // added to MutationResult must be added here (a test checks the count).
        slim->set_mutation_id(res.mutation_id());
        slim->set_outcome(res.outcome());
        slim->set_reject_code(res.reject_code());
        slim->set_reason(res.reason());
        // Conflicts by id only: the conflicts table holds each whole (a
        // replay reads them from there, as they stand then); copying their
        // values here wrote every contested value twice.
        for (const v1::Conflict& c : res.conflicts()) slim->add_conflicts()->set_id(c.id());
        v1::Record* key = slim->mutable_record();
        key->set_collection(res.record().collection());
        key->set_id(res.record().id());
        key->set_version(res.record().version());
        key->set_deleted(res.record().deleted());
      } else {
        *slim = res;
      }
      return Status::Ok();
    });
  }

  // Writes the ledger rows and last mutation ids RecordResult noted.
  // REQUIRES: called once, after the transaction's work succeeded and before
  // its commit.
  Status Flush() {
    return Guard("write ledger", [&]() -> Status {
      for (const auto& [client_id, batch] : pending_) {
        if (batch.results_size() == 0) continue;
        std::string blob = batch.SerializeAsString();
        Reset r{s_.put_results};
        s_.put_results.bind(1, client_id);
        s_.put_results.bind(2, static_cast<int64_t>(batch.results(batch.results_size() - 1).mutation_id()));
        s_.put_results.bind(3, blob.data(), static_cast<int>(blob.size()));
        s_.put_results.exec();
      }
      std::map<std::string, std::pair<uint64_t, uint64_t>> clients;  // last id, acked through
      for (const auto& [client_id, last] : last_ids_) clients[client_id].first = last;
      for (const auto& [client_id, acked] : acked_) clients[client_id].second = acked;
      for (const auto& [client_id, marks] : clients) {
        Reset r{s_.upsert_client};
        s_.upsert_client.bind(1, client_id);
        s_.upsert_client.bind(2, static_cast<int64_t>(marks.first));
        s_.upsert_client.bind(3, static_cast<int64_t>(marks.second));
        s_.upsert_client.exec();
      }
      return Status::Ok();
    });
  }

  // Drops whole ledger rows only: a row with results after `mutation_id`
  // stays until the client acknowledges its last one.
  Status ForgetResultsThrough(const std::string& client_id, uint64_t mutation_id) override {
    return Guard("prune ledger", [&]() -> Status {
      Reset r{s_.forget_results};
      s_.forget_results.bind(1, client_id);
      s_.forget_results.bind(2, static_cast<int64_t>(mutation_id));
      s_.forget_results.exec();
      if (cached_client_ == client_id && cached_last_ <= mutation_id) cached_client_.clear();
      uint64_t& acked = acked_[client_id];
      acked = std::max(acked, mutation_id);  // written with the last id (Flush)
      return Status::Ok();
    });
  }

  StatusOr<uint64_t> AckedThrough(const std::string& client_id) override {
    uint64_t acked = 0;
    if (auto it = acked_.find(client_id); it != acked_.end()) acked = it->second;
    Status st = Guard("read ledger", [&]() -> Status {
      // Read only to explain a refused replay: rare, so not a cached statement.
      SQLite::Statement q(s_.database, "SELECT acked_through FROM clients WHERE client_id=?");
      q.bind(1, client_id);
      if (q.executeStep()) acked = std::max(acked, static_cast<uint64_t>(q.getColumn(0).getInt64()));
      return Status::Ok();
    });
    if (!st.ok()) return st;
    return acked;
  }

  Status AddConflict(const v1::Conflict& c) override {
    return Guard("write conflict", [&]() -> Status {
      std::string blob = c.SerializeAsString();
      Reset r{s_.insert_conflict};
      auto& q = s_.insert_conflict;
      q.bind(1, c.id());
      q.bind(2, c.collection());
      q.bind(3, c.record_id());
      q.bind(4, c.field());
      q.bind(5, static_cast<int>(c.state()));
      q.bind(6, static_cast<int64_t>(c.version()));
      q.bind(7, blob.data(), static_cast<int>(blob.size()));
      q.bind(8, static_cast<int64_t>(c.opened_ms()));
      q.exec();
      return Status::Ok();
    });
  }

  // Conflict review is rare next to pushes: these statements are prepared per call.
  StatusOr<std::optional<v1::Conflict>> GetConflict(const std::string& id) override {
    std::optional<v1::Conflict> out;
    Status st = Guard("read conflict", [&]() -> Status {
      SQLite::Statement& q = s_.get_conflict;
      Reset r{q};
      q.bind(1, id);
      if (!q.executeStep()) return Status::Ok();
      v1::Conflict c;
      if (!c.ParseFromString(Blob(q.getColumn(0)))) return DataLoss("stored conflict " + id + " is corrupt");
      if (c.opened_ms() == 0) c.set_opened_ms(q.getColumn(1).getInt64());
      out = std::move(c);
      return Status::Ok();
    });
    if (!st.ok()) return st;
    return out;
  }

  Status UpdateConflict(const v1::Conflict& c) override {
    return Guard("write conflict", [&]() -> Status {
      std::string blob = c.SerializeAsString();
      SQLite::Statement q(s_.database, "UPDATE conflicts SET state=?, body=? WHERE id=?");
      q.bind(1, static_cast<int>(c.state()));
      q.bind(2, blob.data(), static_cast<int>(blob.size()));
      q.bind(3, c.id());
      if (q.exec() != 1) return NotFound("no conflict " + c.id());
      return Status::Ok();
    });
  }

  StatusOr<std::optional<v1::VersionMeta>> WriterMeta(const std::string& collection, const std::string& id,
                                                      const std::string& client_id, uint64_t hlc) override {
    std::optional<v1::VersionMeta> out;
    Status st = Guard("read history", [&]() -> Status {
      // Prepared once: every conflict against a version already stored asks
      // (preparing it per call was ~30 % of recording a conflict).
      SQLite::Statement& q = s_.writer_meta;
      Reset r{q};
      q.bind(1, collection);
      q.bind(2, id);
      q.bind(3, client_id);
      while (q.executeStep()) {
        v1::VersionMeta meta;
        if (meta.ParseFromString(Blob(q.getColumn(0))) && meta.hlc() == hlc) {
          out = std::move(meta);
          break;
        }
      }
      return Status::Ok();
    });
    if (!st.ok()) return st;
    return out;
  }

 private:
  // The client's row, read once: its last mutation id, and its resend mark
  // (kept in resend_, where a push asks for it next).
  StatusOr<uint64_t> LastMutationIdInDb(const std::string& client_id) {
    Reset r{s_.last_mutation};
    s_.last_mutation.bind(1, client_id);
    uint64_t last = 0, resend = 0;
    if (s_.last_mutation.executeStep()) {
      last = static_cast<uint64_t>(s_.last_mutation.getColumn(0).getInt64());
      resend = static_cast<uint64_t>(s_.last_mutation.getColumn(1).getInt64());
    }
    resend_.emplace(client_id, resend);  // a mark set in this transaction stays
    return last;
  }

  Status FillRecordFromHistory(v1::Record* rec) {
    Reset r{s_.get_version};
    s_.get_version.bind(1, static_cast<int64_t>(rec->version()));
    if (!s_.get_version.executeStep())
      return DataLoss("stored result names version " + std::to_string(rec->version()) + ", which is not in history");
    rec->set_collection(s_.get_version.getColumn(0).getString());
    rec->set_id(s_.get_version.getColumn(1).getString());
    rec->set_deleted(s_.get_version.getColumn(2).getInt() != 0);
    const core::CollectionSpec* spec = core::FindCollection(rec->collection());
    if (spec == nullptr) return Internal("stored record in unknown collection '" + rec->collection() + "'");
    if (!spec->Mutable(rec->mutable_body())->ParseFromString(Blob(s_.get_version.getColumn(3))) ||
        !rec->mutable_meta()->ParseFromString(Blob(s_.get_version.getColumn(4))))
      return DataLoss("history version " + std::to_string(rec->version()) + " is corrupt");
    return Status::Ok();
  }

  // The result of `mutation_id` in a batch (sorted by mutation id), or null.
  static const v1::MutationResult* Find(const pb::LedgerBatch& batch, uint64_t mutation_id) {
    auto it = std::lower_bound(
        batch.results().begin(), batch.results().end(), mutation_id,
        [](const v1::MutationResult& r, uint64_t id) { return r.mutation_id() < id; });
    return it != batch.results().end() && it->mutation_id() == mutation_id ? &*it : nullptr;
  }

  WriterStatements& s_;
  uint64_t* next_seq_;
  std::map<std::string, uint64_t>* touched_;
  // Last mutation id per client written in this transaction (see Flush).
  std::map<std::string, uint64_t> last_ids_;
  // Results recorded in this transaction, per client: one ledger row each (Flush).
  std::map<std::string, pb::LedgerBatch> pending_;
  // Resend marks (ResendFrom) read or written in this transaction.
  std::map<std::string, uint64_t> resend_;
  // Acknowledgement marks raised in this transaction (ForgetResultsThrough).
  std::map<std::string, uint64_t> acked_;
  // The ledger row StoredResult read last (a replayed batch reads it once);
  // cached_client_ is empty when there is none.
  std::string cached_client_;
  uint64_t cached_first_ = 0, cached_last_ = 0;
  pb::LedgerBatch cached_;
};

class SqliteServerStore : public ServerStore {
 public:
  SqliteServerStore(std::unique_ptr<SQLite::Database> writer, std::vector<std::unique_ptr<SQLite::Database>> readers,
                    std::unique_ptr<WalCheckpointer> checkpointer, std::unique_ptr<AttachmentStore> attachments,
                    std::unique_ptr<ConsumerStore> consumers, std::unique_ptr<WebhookStore> webhooks)
      : attachments_(std::move(attachments)),
        consumers_(std::move(consumers)),
        webhooks_(std::move(webhooks)),
        writer_(std::move(writer)),
        stmts_(*writer_),
        readers_(std::move(readers)),
        checkpointer_(std::move(checkpointer)) {
    next_seq_ = static_cast<uint64_t>(writer_->execAndGet("SELECT COALESCE(MAX(seq), 0) FROM history").getInt64()) + 1;
    head_.store(next_seq_ - 1);
    for (const auto& r : readers_) reader_stmts_[r.get()];  // fixed key set: lookups need no lock
    // The writer's pages (b-tree interiors of records, history and their
    // indexes) stay cached across pushes instead of being re-read.
    writer_->exec("PRAGMA cache_size=-8192");
    // Readers walk indexes for a page of results: a small cache each.
    for (const auto& r : readers_) r->exec("PRAGMA cache_size=-1024");
  }

  // Group commit: concurrent writes queue; one of them (the leader) runs
  // every write queued at that moment in ONE transaction, each inside its own
  // savepoint, and commits once. One commit and one fsync serve them all,
  // where each used to pay its own while the others waited for the lock. A
  // write that fails rolls back to its savepoint and leaves the others
  // alone; every caller learns its outcome only after the commit, so an OK
  // is durable exactly as before.
  Status Write(const std::function<Status(ServerWriteTxn&)>& fn) override {
    QueuedWrite me;
    me.fn = &fn;
    std::unique_lock<std::mutex> lock(queue_mu_);
    queue_.push_back(&me);
    while (!me.done) {
      if (leading_) {
        queue_cv_.wait(lock);
        continue;
      }
      leading_ = true;
      std::vector<QueuedWrite*> group(queue_.begin(), queue_.end());
      queue_.clear();
      lock.unlock();
      RunGroup(group);
      lock.lock();
      leading_ = false;
      for (QueuedWrite* w : group) w->done = true;
      queue_cv_.notify_all();
    }
    return me.result;
  }
  // The committed head, without a query: this store is the only writer of
  // its file (one server process per database), so it always knows it.
  StatusOr<uint64_t> Head() override { return head_.load(); }

  Status ReadChanges(const ChangeQuery& cq, std::vector<StoredRecord>* out) override {
    return WithReader("read changes", [&](SQLite::Database& db) -> Status {
      const ScopeFilter& sf = cq.scope;
      if (sf.mode == ScopeFilter::kOnly) {
        std::vector<std::string> scopes;
        for (const auto& k : sf.keys)
          if (!k.empty()) scopes.push_back(k);  // "" is reference data: only with include_unscoped
        if (sf.include_unscoped) scopes.push_back("");
        std::sort(scopes.begin(), scopes.end());
        scopes.erase(std::unique(scopes.begin(), scopes.end()), scopes.end());
        if (scopes.size() <= kMaxMergedScopes) return ReadScopesMerged(db, cq, scopes, out);
      }
      // Everything, everything but some scopes, or more scopes than are worth
      // a walk each: one walk of the version index, filtered.
      std::string sql = std::string("SELECT ") + kRecordColumns +
                        " FROM records INDEXED BY records_by_version WHERE version>? AND version<=?";
      AppendChangeFilters(cq, &sql);
      const char* unscoped = sf.include_unscoped ? "scope='' OR " : "scope<>'' AND ";
      switch (sf.mode) {
        case ScopeFilter::kAll:
          if (!sf.include_unscoped) sql += " AND scope<>''";
          break;
        case ScopeFilter::kOnly:
          sql += std::string(" AND (") + unscoped + "scope IN (SELECT value FROM json_each(?)))";
          break;
        case ScopeFilter::kAllExcept:
          sql += std::string(" AND (") + unscoped + "scope NOT IN (SELECT value FROM json_each(?)))";
          break;
      }
      sql += " ORDER BY version LIMIT ?";
      SQLite::Statement& q = Cached(db, sql);
      Reset reset{q};
      int i = BindChangeFilters(q, cq);
      if (sf.mode != ScopeFilter::kAll) q.bind(i++, JsonArray(sf.keys));
      q.bind(i++, static_cast<int64_t>(cq.limit));
      size_t bytes = 0;
      while (q.executeStep()) {
        out->push_back(RecordFromRow(q));
        if (PastByteLimit(cq.max_bytes, PageBytes(out->back()), &bytes)) break;
      }
      return Status::Ok();
    });
  }

  // A tablet's pull asks for a few scopes (its sites, and "" for reference
  // data). Walking the version index would read every record any device
  // changed since the tablet's cursor — with 200 tablets syncing, each pull
  // read the other 199's changes to keep its own one or two (O(T^2) a round).
  // Instead: one ordered walk of the scope index per scope, merged by
  // version, stepping each walk only as its rows are taken, so a page reads
  // what it returns plus one row per scope.
  static constexpr size_t kMaxMergedScopes = 64;

  Status ReadScopesMerged(SQLite::Database& db, const ChangeQuery& cq, const std::vector<std::string>& scopes,
                          std::vector<StoredRecord>* out) {
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
    size_t bytes = 0;
    while (!heads.empty() && out->size() < cq.limit) {
      size_t w = heads.top().second;
      heads.pop();
      out->push_back(RecordFromRow(*walks[w]));
      if (PastByteLimit(cq.max_bytes, PageBytes(out->back()), &bytes)) break;
      if (walks[w]->executeStep()) heads.emplace(walks[w]->getColumn(2).getInt64(), w);
    }
    return Status::Ok();
  }

  // Adds a row's `size` to `*total`: true once the total is past `limit`
  // (0 = none), when the read stops with that row as its last.
  static bool PastByteLimit(size_t limit, size_t size, size_t* total) {
    *total += size;
    return limit != 0 && *total > limit;
  }

  static void AppendChangeFilters(const ChangeQuery& cq, std::string* sql) {
    if (!cq.skip_client.empty()) *sql += " AND last_client<>?";
    if (!cq.collections.empty()) {
      *sql += " AND collection IN (";
      for (size_t i = 0; i < cq.collections.size(); ++i) *sql += i ? ",?" : "?";
      *sql += ")";
    }
  }
  // Binds what AppendChangeFilters asked for (after the version bounds);
  // returns the next parameter index.
  static int BindChangeFilters(SQLite::Statement& q, const ChangeQuery& cq) {
    int i = 1;
    q.bind(i++, static_cast<int64_t>(cq.after));
    q.bind(i++, static_cast<int64_t>(cq.upto));
    if (!cq.skip_client.empty()) q.bind(i++, cq.skip_client);
    for (const auto& c : cq.collections) q.bind(i++, c);
    return i;
  }

  // Runs on every pull and push of a scoped caller: answered from memory
  // (this store is the only writer of its file, as for Head()); a collection
  // not asked about before is read once from the database. A commit racing
  // with that read is not lost: both keep the larger value.
  StatusOr<uint64_t> CollectionsHead(const std::vector<std::string>& collections) override {
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

  Status ScanCollection(const std::string& collection,
                        const std::function<Status(const StoredRecord&)>& fn) override {
    return WithReader("scan collection", [&](SQLite::Database& db) -> Status {
      SQLite::Statement q(db, std::string("SELECT ") + kRecordColumns + " FROM records WHERE collection=? ORDER BY id");
      q.bind(1, collection);
      while (q.executeStep()) INSPECTSYNC_RETURN_IF_ERROR(fn(RecordFromRow(q)));
      return Status::Ok();
    });
  }

  Status ScanCollectionAfter(const std::string& collection, const std::string& after_id, size_t limit,
                             const std::function<StatusOr<bool>(const StoredRecord&)>& fn) override {
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

  StatusOr<std::optional<StoredRecord>> GetRecord(const std::string& collection, const std::string& id) override {
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

  Status History(const std::string& collection, const std::string& id, std::vector<VersionRow>* out) override {
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

  Status ReadHistory(uint64_t after, size_t limit, std::vector<VersionRow>* out) override {
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
  Status ReadFeed(const FeedQuery& fq, std::vector<FeedRow>* out) override {
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
      const char* unscoped = sf.include_unscoped ? "COALESCE(r.scope,'')='' OR " : "COALESCE(r.scope,'')<>'' AND ";
      switch (sf.mode) {
        case ScopeFilter::kAll:
          if (!sf.include_unscoped) sql += " AND COALESCE(r.scope,'')<>''";
          break;
        case ScopeFilter::kOnly:
          sql += std::string(" AND (") + unscoped + "r.scope IN (SELECT value FROM json_each(?)))";
          break;
        case ScopeFilter::kAllExcept:
          sql += std::string(" AND (") + unscoped + "r.scope NOT IN (SELECT value FROM json_each(?)))";
          break;
      }
      sql += " ORDER BY h.seq LIMIT ?";
      SQLite::Statement& q = Cached(db, sql);
      Reset reset{q};
      int i = 1;
      q.bind(i++, static_cast<int64_t>(fq.after));
      q.bind(i++, static_cast<int64_t>(fq.upto));
      for (const auto& c : fq.collections) q.bind(i++, c);
      if (sf.mode != ScopeFilter::kAll) q.bind(i++, JsonArray(sf.keys));
      q.bind(i++, static_cast<int64_t>(fq.limit));
      size_t bytes = 0;
      while (q.executeStep()) {
        FeedRow row;
        static_cast<VersionRow&>(row) = VersionFromRow(q);
        row.scope = q.getColumn(9).getString();
        out->push_back(std::move(row));
        if (PastByteLimit(fq.max_bytes, FeedBytes(out->back()), &bytes)) break;
      }
      return Status::Ok();
    });
  }

  Status ListConflicts(const ConflictFilter& f, std::vector<v1::Conflict>* out) override {
    return ScanConflicts(f, [&](const ConflictEntry& e) -> StatusOr<bool> {
      out->push_back(e.conflict);
      return true;
    });
  }

  Status ScanConflicts(const ConflictFilter& f,
                       const std::function<StatusOr<bool>(const ConflictEntry&)>& fn) override {
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
        if (!e.conflict.ParseFromString(Blob(q.getColumn(0)))) return DataLoss("a stored conflict is corrupt");
        if (e.conflict.opened_ms() == 0) e.conflict.set_opened_ms(q.getColumn(1).getInt64());
        e.scope = q.getColumn(2).getString();
        auto more = fn(e);
        if (!more.ok()) return more.status();
        if (!*more) break;
      }
      return Status::Ok();
    });
  }

  StatusOr<std::optional<ConflictEntry>> GetConflict(const std::string& id) override {
    std::optional<ConflictEntry> out;
    Status st = WithReader("read conflict", [&](SQLite::Database& db) -> Status {
      SQLite::Statement q(db,
                          "SELECT c.body, c.opened_ms, COALESCE(r.scope, '') FROM conflicts c "
                          "LEFT JOIN records r ON r.collection=c.collection AND r.id=c.record_id WHERE c.id=?");
      q.bind(1, id);
      if (!q.executeStep()) return Status::Ok();
      ConflictEntry e;
      if (!e.conflict.ParseFromString(Blob(q.getColumn(0)))) return DataLoss("stored conflict " + id + " is corrupt");
      if (e.conflict.opened_ms() == 0) e.conflict.set_opened_ms(q.getColumn(1).getInt64());
      e.scope = q.getColumn(2).getString();
      out = std::move(e);
      return Status::Ok();
    });
    if (!st.ok()) return st;
    return out;
  }

  AttachmentStore* attachments() override { return attachments_.get(); }
  ConsumerStore* consumers() override { return consumers_.get(); }
  WebhookStore* webhooks() override { return webhooks_.get(); }

  StatusOr<uint64_t> CountRecords(const std::string& collection) override {
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

 private:
  static VersionRow VersionFromRow(SQLite::Statement& q) {
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

  // A statement prepared once per reader connection and reused (preparing
  // was most of a no-op pull's server cost). REQUIRES: `db` is a reader
  // borrowed through WithReader (so no other thread uses its cache); the
  // caller resets the statement before giving the connection back.
  SQLite::Statement& Cached(SQLite::Database& db, const std::string& sql) {
    auto& stmts = reader_stmts_.at(&db);
    auto it = stmts.find(sql);
    if (it != stmts.end()) return *it->second;
    if (stmts.size() >= kMaxCachedStatements) stmts.clear();  // a bound, for callers that vary their SQL
    return *stmts.emplace(sql, std::make_unique<SQLite::Statement>(db, sql)).first->second;
  }
  static constexpr size_t kMaxCachedStatements = 64;

  // Borrows a reader connection for the duration of `fn`.
  Status WithReader(const char* what, const std::function<Status(SQLite::Database&)>& fn) {
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

  struct QueuedWrite {
    const std::function<Status(ServerWriteTxn&)>* fn = nullptr;
    Status result;
    bool done = false;  // guarded by queue_mu_
  };

  // REQUIRES: the caller is the leader (only one group runs at a time).
  void RunGroup(const std::vector<QueuedWrite*>& group) {
    const uint64_t seq_before = next_seq_;
    std::map<std::string, uint64_t> group_touched;  // of the writes that stay
    Status st = Guard("write transaction", [&]() -> Status {
      SQLite::Transaction txn(*writer_, SQLite::TransactionBehavior::IMMEDIATE);
      for (QueuedWrite* w : group) {
        const uint64_t seq_at_start = next_seq_;
        std::map<std::string, uint64_t> touched;
        writer_->exec("SAVEPOINT one_write");
        Status one = Guard("write transaction", [&]() -> Status {
          SqliteWriteTxn t(stmts_, &next_seq_, &touched);
          INSPECTSYNC_RETURN_IF_ERROR((*w->fn)(t));
          return t.Flush();
        });
        // Some errors (disk full, I/O) end the whole transaction: then the
        // writes before this one are lost too, and all of them fail below.
        if (sqlite3_get_autocommit(writer_->getHandle()) != 0)
          return one.ok() ? Internal("the write transaction ended unexpectedly") : one;
        if (!one.ok()) {
          writer_->exec("ROLLBACK TO one_write");
          next_seq_ = seq_at_start;  // its seqs were never used
        } else {
          for (const auto& [c, seq] : touched) group_touched[c] = seq;
        }
        writer_->exec("RELEASE one_write");
        w->result = one;
      }
      txn.commit();
      return Status::Ok();
    });
    if (!st.ok()) {
      next_seq_ = seq_before;  // rolled back: none of the seqs were committed
      for (QueuedWrite* w : group) w->result = st;
      return;
    }
    {
      // Before the head: whoever sees the new head sees these too.
      std::lock_guard<std::mutex> lock(heads_mu_);
      for (const auto& [c, seq] : group_touched) collection_heads_[c] = std::max(collection_heads_[c], seq);
    }
    // Published after the commit: a reader that sees this head sees its rows.
    head_.store(next_seq_ - 1);
  }

  // Newest version per collection, learned from the database once per
  // collection and then kept up to date by RunGroup.
  std::mutex heads_mu_;
  std::map<std::string, uint64_t> collection_heads_;

  std::unique_ptr<AttachmentStore> attachments_;  // its own connection to this file
  std::unique_ptr<ConsumerStore> consumers_;      // likewise
  std::unique_ptr<WebhookStore> webhooks_;        // likewise

  std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::vector<QueuedWrite*> queue_;  // waiting for the next group
  bool leading_ = false;             // a group is running

  std::unique_ptr<SQLite::Database> writer_;
  WriterStatements stmts_;
  uint64_t next_seq_ = 1;

  std::mutex pool_mu_;
  std::condition_variable pool_cv_;
  std::vector<std::unique_ptr<SQLite::Database>> readers_;
  // Per reader connection; declared after readers_ so the statements are
  // finalized before their connections close.
  std::map<SQLite::Database*, std::map<std::string, std::unique_ptr<SQLite::Statement>>> reader_stmts_;
  std::atomic<uint64_t> head_{0};

  // WAL checkpoints off the push path (storage/wal_checkpointer.h). Last:
  // stopped before the writer it hooks and the connections it shares a file with.
  std::unique_ptr<WalCheckpointer> checkpointer_;
};

}  // namespace

StatusOr<std::unique_ptr<ServerStore>> OpenSqliteServerStore(const std::string& path,
                                                             const SqliteStoreOptions& options) {
  auto writer = OpenDatabase(path, options.synchronous_full);
  if (!writer.ok()) return writer.status();
  if (options.soft_heap_limit_bytes > 0) sqlite3_soft_heap_limit64(options.soft_heap_limit_bytes);
  sqlite3_create_function((*writer)->getHandle(), "inspectsync_scope", 3, SQLITE_UTF8 | SQLITE_DETERMINISTIC, nullptr,
                          &ScopeSqlFunction, nullptr, nullptr);
  sqlite3_create_function((*writer)->getHandle(), "inspectsync_hlc_ms", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, nullptr,
                          &HlcMsSqlFunction, nullptr, nullptr);
  sqlite3_create_function((*writer)->getHandle(), "inspectsync_ledger_batch", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC,
                          nullptr, &LedgerBatchSqlFunction, nullptr, nullptr);
  INSPECTSYNC_RETURN_IF_ERROR(Migrate(**writer, Migrations(), "server store '" + path + "'"));
  std::vector<std::unique_ptr<SQLite::Database>> readers;
  for (int i = 0; i < std::max(1, options.reader_connections); ++i) {
    auto r = OpenDatabase(path, options.synchronous_full);
    if (!r.ok()) return r.status();
    readers.push_back(std::move(*r));
  }
  auto attachments = OpenSqliteAttachmentStore(path, options.synchronous_full);
  if (!attachments.ok()) return attachments.status();
  auto consumers = OpenSqliteConsumerStore(path, options.synchronous_full);
  if (!consumers.ok()) return consumers.status();
  auto webhooks = OpenSqliteWebhookStore(path, options.synchronous_full);
  if (!webhooks.ok()) return webhooks.status();
  // Last before the store: a failure above leaves no hook on the writer.
  auto checkpointer =
      WalCheckpointer::Start(**writer, path, WalCheckpointer::kDefaultPages, options.synchronous_full);
  if (!checkpointer.ok()) return checkpointer.status();
  std::unique_ptr<ServerStore> store;
  Status st = Guard("open server store", [&]() -> Status {
    store = std::make_unique<SqliteServerStore>(std::move(*writer), std::move(readers), std::move(*checkpointer),
                                                std::move(*attachments), std::move(*consumers),
                                                std::move(*webhooks));
    return Status::Ok();
  });
  if (!st.ok()) return st;
  return store;
}

}  // namespace inspectsync::storage
