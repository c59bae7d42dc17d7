// The device store's schema, version by version (PRAGMA user_version counts
// the steps applied; storage/sqlite_util.h Migrate). Append, never edit: a
// tablet in the field may hold any earlier version of this file.
#include "storage/device_store_internal.h"

namespace inspectsync::storage::device_internal {

namespace {

// v1: identity and counters (kv), server state, the view, the outbox, the
// dead letter.
constexpr char kV1Tables[] = R"sql(
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
      )sql";

// v2: a view row whose record has nothing pending shows the server
// state as it is; its body is then stored once, in server_records, and
// local_view.body is empty (x''), which no real body serializes to (a
// body always has its collection's message set). Reads take the body
// from server_records then. Rows written before keep a literal body;
// those equal to the server state are compacted here.
constexpr char kV2ViewBodyInServerState[] = R"sql(
      UPDATE local_view SET body = x''
        WHERE pending = 0 AND EXISTS (
          SELECT 1 FROM server_records s
          WHERE s.collection = local_view.collection AND s.id = local_view.id
            AND s.version = local_view.version AND s.deleted = local_view.deleted);
      )sql";

// v3: photo evidence (storage/device_attachments.h). AUTOINCREMENT:
// a seq is never reused, so "queued before this sync's push" holds.
constexpr char kV3Attachments[] = R"sql(
      CREATE TABLE attachment_blobs (
        sha256 TEXT PRIMARY KEY, size INTEGER NOT NULL, media_type TEXT NOT NULL,
        last_used_ms INTEGER NOT NULL) WITHOUT ROWID;
      CREATE TABLE attachment_uploads (
        seq INTEGER PRIMARY KEY AUTOINCREMENT, sha256 TEXT NOT NULL UNIQUE, meta BLOB NOT NULL,
        queued_at_ms INTEGER NOT NULL, rejected INTEGER NOT NULL DEFAULT 0, code INTEGER NOT NULL DEFAULT 0,
        reason TEXT NOT NULL DEFAULT '', rejected_at_ms INTEGER NOT NULL DEFAULT 0);
      )sql";

// v4: local_view holds a row only for a record whose view differs from
// its server state, i.e. one with pending edits that show (pending = 1,
// its own body); any other record's view IS its server_records row, and
// reads fall back to it. A pull of N records then writes N rows, not 2N.
// Rows that only pointed at the server state (v2's empty body), and any
// row of a record with nothing in the outbox (its view is the server
// state by construction), go.
constexpr char kV4ViewRowsOnlyForPending[] = R"sql(
      DELETE FROM local_view
        WHERE pending = 0 OR NOT EXISTS (
          SELECT 1 FROM outbox o WHERE o.collection = local_view.collection AND o.record_id = local_view.id);
      )sql";

// v5: server_records as a rowid table with its key in a unique index.
// As a WITHOUT ROWID table its ~700-byte rows (five to a page) made
// SQLite rebalance three sibling pages every other insert; rows now
// append to the table (a pull stores records in the order the server
// wrote them) and only the small key entries go into a B-tree by key.
constexpr char kV5RowidServerRecords[] = R"sql(
      CREATE TABLE server_records_v5 (
        collection TEXT NOT NULL, id TEXT NOT NULL,
        version INTEGER NOT NULL, deleted INTEGER NOT NULL, record BLOB NOT NULL);
      INSERT INTO server_records_v5 (collection, id, version, deleted, record)
        SELECT collection, id, version, deleted, record FROM server_records;
      DROP TABLE server_records;
      ALTER TABLE server_records_v5 RENAME TO server_records;
      CREATE UNIQUE INDEX server_records_by_key ON server_records (collection, id);
      )sql";

}  // namespace

const std::vector<std::string>& Migrations() {
  // Version N is the Nth entry. Never destroyed: no exit-time destructor.
  static const std::vector<std::string>* m = new std::vector<std::string>{
      kV1Tables,
      kV2ViewBodyInServerState,
      kV3Attachments,
      kV4ViewRowsOnlyForPending,
      kV5RowidServerRecords,
  };
  return *m;
}

}  // namespace inspectsync::storage::device_internal
