// The server store's schema, version by version, and the SQL functions its
// migrations call (they derive columns from stored protobuf bodies).
// Append, never edit: a server's file may be at any earlier version, and
// PRAGMA user_version counts the steps applied (storage/sqlite_util.h Migrate).
#include <SQLiteCpp/SQLiteCpp.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/wire_format_lite.h>
#include <sqlite3.h>

#include <memory>

#include "core/schema.h"
#include "inspectsync/storage/ledger.pb.h"
#include "storage/sqlite_server_store_internal.h"

namespace inspectsync::storage::sqlite_server {

namespace {

// 1: records, history, idempotency ledger, conflicts.
constexpr char kV1Tables[] = R"sql(
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
)sql";

// 2: each client id is bound to the authenticated device that first used it.
constexpr char kV2ClientDevice[] = R"sql(
ALTER TABLE clients ADD COLUMN device TEXT NOT NULL DEFAULT '';
)sql";

// 3: which client wrote each record's latest version, so a pull can
// leave out what the pulling device wrote itself.
constexpr char kV3LastClient[] = R"sql(
ALTER TABLE records ADD COLUMN last_client TEXT NOT NULL DEFAULT '';
)sql";

// 4: the scope (site or zone) of each record, for scoped pulls and
// backfill; filled in for existing records by the scope function.
constexpr char kV4Scope[] = R"sql(
ALTER TABLE records ADD COLUMN scope TEXT NOT NULL DEFAULT '';
UPDATE records SET scope = inspectsync_scope(collection, id, (SELECT body FROM history WHERE seq = records.version));
CREATE INDEX records_by_scope ON records(scope, version);
CREATE INDEX records_by_collection ON records(collection, version);
)sql";

// 5: a version's body and meta live in history only (records rows are
// written with them empty and read them from the latest history row);
// drop the old copies. Also makes older builds, which read
// records.body, refuse this file.
constexpr char kV5BodiesInHistoryOnly[] = R"sql(
UPDATE records SET body = x'', meta = x'';
)sql";

// 6: the newest version per collection is kept in memory by the store
// (the only writer of its file), so the index that answered it costs
// every write for nothing (push +9-19 % without it).
constexpr char kV6DropCollectionIndex[] = R"sql(
DROP INDEX IF EXISTS records_by_collection;
)sql";

// 7: conflicts and the idempotency ledger become rowid tables (their
// keys in a unique index). As WITHOUT ROWID tables, whose cells may hold
// at most ~1,000 bytes on a 4 KiB page, every row over that (a conflict
// on a 300-character description, a result carrying two conflicts) took
// an overflow page of its own: 2 extra 4 KiB pages written per contested
// patch. A rowid table keeps rows of up to ~4,000 bytes in its leaves.
constexpr char kV7RowidConflictsAndLedger[] = R"sql(
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
)sql";

// 8: photo evidence (issue 7; storage/attachment_store.h): which
// finding each photo was attached to, and what each device was charged.
// IF NOT EXISTS: tests that rewind user_version to rebuild older tables
// leave these in place.
constexpr char kV8Attachments[] = R"sql(
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
)sql";

// 9: the integration surface (issue 8): the change feed's named
// consumer cursors (storage/consumer_store.h); webhooks, their durable
// outbox, how far the event source has read history and conflicts, and
// which finding deadlines were announced overdue (storage/webhook_store.h).
constexpr char kV9Integration[] = R"sql(
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
)sql";

// 10: conflict review (issue 8; server/integration_conflicts.h): when
// the server recorded each conflict, for filtering by age in SQL. The
// body carries it too (Conflict.opened_ms); conflicts recorded before
// take the time of their version's HLC, the best there is.
constexpr char kV10ConflictOpenedMs[] = R"sql(
ALTER TABLE conflicts ADD COLUMN opened_ms INTEGER NOT NULL DEFAULT 0;
UPDATE conflicts SET opened_ms = inspectsync_hlc_ms((SELECT meta FROM history WHERE seq = conflicts.version));
CREATE INDEX IF NOT EXISTS conflicts_by_version ON conflicts(version, id);
)sql";

// 11: the idempotency ledger keeps one row per (client, push) holding
// the results of that push's applied mutations (a LedgerBatch), keyed
// by its last mutation id, instead of one row and one index entry per
// mutation: two B-tree inserts per push instead of two per finding.
// A replay of mutation m reads the client's first row whose last id is
// >= m (ids of one client only grow, so batches never overlap). Each
// per-mutation row of earlier builds becomes a batch of one.
constexpr char kV11LedgerBatches[] = R"sql(
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
)sql";

// 12: a push whose response filled up leaves the rest of its batch
// unprocessed (server/push_budget.h); the client's first unprocessed
// mutation is kept here, in the push's own transaction, so a pipelined
// later push of that client cannot be applied past it. 0 = none.
constexpr char kV12ResendFrom[] = R"sql(
ALTER TABLE clients ADD COLUMN resend_from INTEGER NOT NULL DEFAULT 0;
)sql";

// 13: how far each client has acknowledged its results (the highest
// ack_through its pushes carried, as clamped by the engine), so a
// mutation id at or below the client's last one that the ledger does
// not hold can be told apart: above the mark it was never processed
// (every processed id above it is still in a row), at or below it the
// device had its result. Existing clients start at their last id: for
// them every such id reads as acknowledged, which is never false.
constexpr char kV13AckedThrough[] = R"sql(
ALTER TABLE clients ADD COLUMN acked_through INTEGER NOT NULL DEFAULT 0;
UPDATE clients SET acked_through = last_mutation_id;
)sql";

// 14: the office console (issue 18; storage/console_store.h): people's
// passwords (scrypt hashes), sign-in sessions (the SHA-256 of the cookie,
// never the cookie) and failed sign-in counters.
constexpr char kV14Console[] = R"sql(
CREATE TABLE IF NOT EXISTS console_passwords (
  user_id TEXT PRIMARY KEY,
  hash TEXT NOT NULL,
  generation INTEGER NOT NULL,
  set_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS console_sessions (
  secret_hash TEXT PRIMARY KEY,
  user_id TEXT NOT NULL,
  role INTEGER NOT NULL,
  csrf_token TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  last_seen_ms INTEGER NOT NULL,
  generation INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS console_sessions_by_user ON console_sessions(user_id);
CREATE TABLE IF NOT EXISTS console_failures (
  key TEXT PRIMARY KEY,
  failures INTEGER NOT NULL,
  last_failure_ms INTEGER NOT NULL,
  blocked_until_ms INTEGER NOT NULL
);
)sql";

// 15 (local merge for the web engineer: both branches took 14): what the office's device list shows of each client (issue 18): who
// it last synced as, when it last pushed and pulled (server clock), how many
// of its mutations were applied and refused, and the last refusal. Counts
// start at 0 for existing clients: history before this is not recounted.
constexpr char kV15ClientActivity[] = R"sql(
ALTER TABLE clients ADD COLUMN user_id TEXT NOT NULL DEFAULT '';
ALTER TABLE clients ADD COLUMN last_push_ms INTEGER NOT NULL DEFAULT 0;
ALTER TABLE clients ADD COLUMN last_pull_ms INTEGER NOT NULL DEFAULT 0;
ALTER TABLE clients ADD COLUMN accepted INTEGER NOT NULL DEFAULT 0;
ALTER TABLE clients ADD COLUMN rejected INTEGER NOT NULL DEFAULT 0;
ALTER TABLE clients ADD COLUMN last_reject_code INTEGER NOT NULL DEFAULT 0;
ALTER TABLE clients ADD COLUMN last_reject_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE clients ADD COLUMN last_reject_ms INTEGER NOT NULL DEFAULT 0;
)sql";

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

}  // namespace

const std::vector<std::string>& Migrations() {
  // Version N is the Nth entry.
  static const std::vector<std::string> m = {
      kV1Tables,
      kV2ClientDevice,
      kV3LastClient,
      kV4Scope,
      kV5BodiesInHistoryOnly,
      kV6DropCollectionIndex,
      kV7RowidConflictsAndLedger,
      kV8Attachments,
      kV9Integration,
      kV10ConflictOpenedMs,
      kV11LedgerBatches,
      kV12ResendFrom,
      kV13AckedThrough,
      kV14Console,
      kV15ClientActivity,
  };
  return m;
}

void RegisterMigrationFunctions(sqlite3* db) {
  sqlite3_create_function(db, "inspectsync_scope", 3, SQLITE_UTF8 | SQLITE_DETERMINISTIC, nullptr, &ScopeSqlFunction,
                          nullptr, nullptr);
  sqlite3_create_function(db, "inspectsync_hlc_ms", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, nullptr, &HlcMsSqlFunction,
                          nullptr, nullptr);
  sqlite3_create_function(db, "inspectsync_ledger_batch", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, nullptr,
                          &LedgerBatchSqlFunction, nullptr, nullptr);
}

}  // namespace inspectsync::storage::sqlite_server
