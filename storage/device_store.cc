#include "storage/device_store.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/stubs/common.h>
#include <google/protobuf/wire_format_lite.h>
#include <sqlite3.h>

#include <algorithm>
#include <map>
#include <set>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "core/patch.h"
#include "core/record_bounds.h"
#include "core/schema.h"
#include "storage/sqlite_util.h"
#include "storage/wal_checkpointer.h"

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
      // v2: a view row whose record has nothing pending shows the server
      // state as it is; its body is then stored once, in server_records, and
      // local_view.body is empty (x''), which no real body serializes to (a
      // body always has its collection's message set). Reads take the body
      // from server_records then. Rows written before keep a literal body;
      // those equal to the server state are compacted here.
      R"sql(
      UPDATE local_view SET body = x''
        WHERE pending = 0 AND EXISTS (
          SELECT 1 FROM server_records s
          WHERE s.collection = local_view.collection AND s.id = local_view.id
            AND s.version = local_view.version AND s.deleted = local_view.deleted);
      )sql",
      // v3: photo evidence (storage/device_attachments.h). AUTOINCREMENT:
      // a seq is never reused, so "queued before this sync's push" holds.
      R"sql(
      CREATE TABLE attachment_blobs (
        sha256 TEXT PRIMARY KEY, size INTEGER NOT NULL, media_type TEXT NOT NULL,
        last_used_ms INTEGER NOT NULL) WITHOUT ROWID;
      CREATE TABLE attachment_uploads (
        seq INTEGER PRIMARY KEY AUTOINCREMENT, sha256 TEXT NOT NULL UNIQUE, meta BLOB NOT NULL,
        queued_at_ms INTEGER NOT NULL, rejected INTEGER NOT NULL DEFAULT 0, code INTEGER NOT NULL DEFAULT 0,
        reason TEXT NOT NULL DEFAULT '', rejected_at_ms INTEGER NOT NULL DEFAULT 0);
      )sql",
      // v4: local_view holds a row only for a record whose view differs from
      // its server state, i.e. one with pending edits that show (pending = 1,
      // its own body); any other record's view IS its server_records row, and
      // reads fall back to it. A pull of N records then writes N rows, not 2N.
      // Rows that only pointed at the server state (v2's empty body), and any
      // row of a record with nothing in the outbox (its view is the server
      // state by construction), go.
      R"sql(
      DELETE FROM local_view
        WHERE pending = 0 OR NOT EXISTS (
          SELECT 1 FROM outbox o WHERE o.collection = local_view.collection AND o.record_id = local_view.id);
      )sql",
      // v5: server_records as a rowid table with its key in a unique index.
      // As a WITHOUT ROWID table its ~700-byte rows (five to a page) made
      // SQLite rebalance three sibling pages every other insert; rows now
      // append to the table (a pull stores records in the order the server
      // wrote them) and only the small key entries go into a B-tree by key.
      R"sql(
      CREATE TABLE server_records_v5 (
        collection TEXT NOT NULL, id TEXT NOT NULL,
        version INTEGER NOT NULL, deleted INTEGER NOT NULL, record BLOB NOT NULL);
      INSERT INTO server_records_v5 (collection, id, version, deleted, record)
        SELECT collection, id, version, deleted, record FROM server_records;
      DROP TABLE server_records;
      ALTER TABLE server_records_v5 RENAME TO server_records;
      CREATE UNIQUE INDEX server_records_by_key ON server_records (collection, id);
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

// ---- Pull pages with encoded records (PullPageIn) ----
// The store keeps a pulled record's encoding as it came (server_records.record
// is an encoded v1::Record either way), so it reads only what it indexes and
// checks that the record holds together; it never parses the body's fields.

using WireFormat = google::protobuf::internal::WireFormatLite;

// What the store needs of an encoded v1::Record: its key and state.
struct EncodedRecord {
  std::string_view collection;
  std::string_view id;
  uint64_t version = 0;
  bool deleted = false;
};

// Whether `bytes` is a sequence of well-formed fields (nested messages are not
// descended into: without the schema a message and a string look alike).
bool WellFormed(std::string_view bytes) {
  google::protobuf::io::CodedInputStream in(reinterpret_cast<const uint8_t*>(bytes.data()),
                                            static_cast<int>(bytes.size()));
  while (uint32_t tag = in.ReadTag()) {
    if (WireFormat::GetTagFieldNumber(tag) == 0 || !WireFormat::SkipField(&in, tag)) return false;
  }
  // ReadTag's 0 is the end of the bytes at a field boundary, or an error.
  return in.ConsumedEntireMessage();
}

// Reads the next length-delimited value of `in` over `bytes` into *out.
bool ReadDelimited(google::protobuf::io::CodedInputStream* in, std::string_view bytes, std::string_view* out) {
  uint32_t len = 0;
  if (!in->ReadVarint32(&len)) return false;
  size_t at = static_cast<size_t>(in->CurrentPosition());
  if (len > bytes.size() - at) return false;
  *out = bytes.substr(at, len);
  return in->Skip(static_cast<int>(len));
}

bool ValidUtf8(std::string_view s) {
  return google::protobuf::internal::IsStructurallyValidUTF8(s.data(), static_cast<int>(s.size()));
}

// Reads `bytes` as an encoded v1::Record: "" and *out filled, or what is wrong
// with it. Checked: every field's framing (the record's, its body's, its
// meta's), collection and id as UTF-8 (proto3 strings; a stored record that
// does not parse back would break every later read of it), and a body that
// carries its collection's message only (a collection this build does not
// know is kept as the parsed path keeps it). The fields inside the body and
// meta are the server's, validated when it accepted the edit, and parsed when
// the record is read; not here.
std::string ScanRecord(std::string_view bytes, EncodedRecord* out) {
  *out = EncodedRecord();
  google::protobuf::io::CodedInputStream in(reinterpret_cast<const uint8_t*>(bytes.data()),
                                            static_cast<int>(bytes.size()));
  std::string_view body, meta;
  while (uint32_t tag = in.ReadTag()) {
    int field = WireFormat::GetTagFieldNumber(tag);
    WireFormat::WireType type = WireFormat::GetTagWireType(tag);
    bool ok = true;
    switch (field) {
      case 1:  // collection
      case 2:  // id
      case 5:  // body
      case 6:  // meta
        ok = type == WireFormat::WIRETYPE_LENGTH_DELIMITED &&
             ReadDelimited(&in, bytes, field == 1 ? &out->collection : field == 2 ? &out->id : field == 5 ? &body : &meta);
        break;
      case 3:  // version
        ok = type == WireFormat::WIRETYPE_VARINT && in.ReadVarint64(&out->version);
        break;
      case 4: {  // deleted
        uint64_t v = 0;
        ok = type == WireFormat::WIRETYPE_VARINT && in.ReadVarint64(&v);
        out->deleted = v != 0;
        break;
      }
      default:  // a field of a newer server: kept in the stored encoding
        ok = field != 0 && WireFormat::SkipField(&in, tag);
    }
    if (!ok) return "field " + std::to_string(field) + " is malformed";
  }
  // ReadTag's 0 is the end of the bytes at a field boundary, or an error.
  if (!in.ConsumedEntireMessage()) return "it is truncated or malformed";
  if (!ValidUtf8(out->collection) || !ValidUtf8(out->id)) return "its collection or id is not UTF-8";
  if (!WellFormed(meta)) return "its meta is malformed";
  // The body: RecordBody, one member (a oneof), its collection's.
  const core::CollectionSpec* spec = core::FindCollection(out->collection);
  google::protobuf::io::CodedInputStream b(reinterpret_cast<const uint8_t*>(body.data()),
                                           static_cast<int>(body.size()));
  while (uint32_t tag = b.ReadTag()) {
    std::string_view member;
    if (WireFormat::GetTagWireType(tag) != WireFormat::WIRETYPE_LENGTH_DELIMITED ||
        !ReadDelimited(&b, body, &member) || !WellFormed(member))
      return "its body is malformed";
    if (spec != nullptr && WireFormat::GetTagFieldNumber(tag) != spec->body_field()->number())
      return "its body is not a " + std::string(out->collection) + " record";
  }
  if (!b.ConsumedEntireMessage()) return "its body is truncated or malformed";
  return "";
}

// The columns a view read selects, joined with the record's server state for
// rows that keep their body there (schema v2 and v3 rows; v4 writes a view row
// only with its own body, and reads fall back to server_records without one).
constexpr char kViewFrom[] =
    " FROM local_view v LEFT JOIN server_records s ON s.collection = v.collection AND s.id = v.id";

// A view row's body: its own, or (empty) the server state's.
bool ParseViewBody(const SQLite::Column& body, const SQLite::Column& server_record, v1::RecordBody* out) {
  if (body.getBytes() > 0) return ParseBlob(body, out);
  if (server_record.isNull()) return false;
  v1::Record rec;
  if (!ParseBlob(server_record, &rec)) return false;
  *out = std::move(*rec.mutable_body());
  return true;
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

// One transaction of what the server can send again (push results, a pull
// page): constructed before its SQLite::Transaction, so that it ends after
// the commit or rollback. Commits with synchronous=NORMAL (written to the
// WAL, ordered, no fdatasync) and marks the store as owing one fdatasync
// (DeviceStore::MakeDurable). The connection goes back to FULL at the end:
// a local edit must never commit without its fdatasync.
class DeviceStore::DeferredCommit {
 public:
  explicit DeferredCommit(Impl& s);
  ~DeferredCommit();
  DeferredCommit(const DeferredCommit&) = delete;
  DeferredCommit& operator=(const DeferredCommit&) = delete;

 private:
  Impl& s_;
};

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
  // Keyed by the SQL text's address: every caller passes a string literal or
  // a static string, so a lookup hashes a pointer, not the text.
  std::unordered_map<const char*, std::unique_ptr<SQLite::Statement>> stmts;
  std::string record_blob;  // UpsertServer's serialization buffer, reused
  std::vector<EncodedRecord> page_heads;  // ApplyPullPage(PullPageIn)'s, reused
  std::string key_collection, key_id;     // UpsertServer's key, bound from here
  std::string client_id;
  uint64_t next_mutation_id = 1;
  uint64_t cursor = 0;
  uint64_t hlc = 0;
  v1::ScopeSet scope;          // what the server last said this device may see
  bool has_scope = false;
  bool evict_pending = false;  // some records outside `scope` wait for their edits to resolve
  // Rows in the outbox. Kept exact inside write transactions; a failed
  // transaction restores it (see KeepOutboxCount).
  int64_t outbox_rows = 0;
  // Checkpoints the WAL on its own connection and thread, so that a commit
  // (a sync's push results, a pull page, a local edit) never waits for a
  // checkpoint's copy and fsync. Declared after db: stopped before it closes.
  std::unique_ptr<WalCheckpointer> checkpointer;
  std::unique_ptr<DeviceAttachments> attachments;  // on `db`

  // Deferred durability (see "Durability of what the server sent" in
  // device_store.h). `deferred`: a commit since the WAL's last fdatasync ran
  // with synchronous=NORMAL. `durable_ack`: AckThrough() as the disk has it
  // (taken before the first deferred push results since then), valid while
  // `ack_snapshot`. `normal`: the connection is at synchronous=NORMAL now.
  bool deferred = false;
  bool ack_snapshot = false;
  uint64_t durable_ack = 0;
  bool normal = false;

  // synchronous=FULL|NORMAL for the next transactions. A pragma that SQLite
  // applies while preparing, so it is not a cached statement; never inside a
  // transaction (SQLite refuses to change it there).
  void SetNormal(bool on) {
    if (normal == on) return;
    db->exec(on ? "PRAGMA synchronous=NORMAL" : "PRAGMA synchronous=FULL");
    normal = on;
  }
  // The outbox's ack: every id below the oldest pending one has its result
  // stored (or is a dead letter); with an empty outbox, every id handed out.
  uint64_t CurrentAck() {
    Use q(Stmt("SELECT MIN(mutation_id) FROM outbox"));
    q->executeStep();
    return q->getColumn(0).isNull() ? next_mutation_id - 1 : U64(q->getColumn(0)) - 1;
  }

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

  // Whether the outbox holds a mutation of the record. `outbox_rows` makes
  // the common case free: an initial sync, or a push that emptied the outbox.
  bool HasPending(const std::string& collection, const std::string& id) {
    if (outbox_rows == 0) return false;
    Use q(Stmt("SELECT 1 FROM outbox WHERE collection = ? AND record_id = ? LIMIT 1"));
    q->bind(1, collection);
    q->bind(2, id);
    return q->executeStep();
  }

  // A view row with its own body: the record has pending edits that show.
  void WriteView(const std::string& collection, const std::string& id, uint64_t version, bool deleted,
                 const v1::RecordBody& body) {
    std::string blob = body.SerializeAsString();
    Use q(Stmt(
        "INSERT OR REPLACE INTO local_view (collection, id, version, deleted, pending, body) VALUES (?, ?, ?, ?, 1, ?)"));
    q->bind(1, collection);
    q->bind(2, id);
    q->bind(3, I64(version));
    q->bind(4, deleted ? 1 : 0);
    q->bind(5, blob.data(), static_cast<int>(blob.size()));
    q->exec();
  }

  // The record's view is its server state as stored (or nothing, without
  // one): no view row (schema v4).
  void DropView(const std::string& collection, const std::string& id) {
    Use q(Stmt("DELETE FROM local_view WHERE collection = ? AND id = ?"));
    q->bind(1, collection);
    q->bind(2, id);
    q->exec();
  }

  // The one place a view is derived: server state with the pending mutations
  // re-applied (FoldView). Only a view with pending edits that show gets a
  // row of its own; otherwise the view is the server_records row and the
  // record's view row goes. Invariant (schema v4): every local_view row
  // belongs to a record with an outbox row, so an empty outbox means an empty
  // local_view. `server` is the record's server state when the caller holds
  // it in hand (it just stored it), which saves reading back and re-parsing
  // what was just written.
  void Recompute(const std::string& collection, const std::string& id, const v1::Record* server = nullptr) {
    if (!HasPending(collection, id)) {
      DropView(collection, id);
      return;
    }
    ViewRecord loaded;
    const ViewRecord* base = nullptr;
    if (server != nullptr) {
      loaded.collection = collection;
      loaded.id = id;
      loaded.version = server->version();
      loaded.deleted = server->deleted();
      loaded.body = server->body();
      base = &loaded;
    } else if (LoadServer(collection, id, &loaded)) {
      base = &loaded;
    }
    std::optional<ViewRecord> view = FoldView(collection, id, base, LoadPending(collection, id));
    if (!view || !view->pending) {
      DropView(collection, id);  // nothing that shows: the view is the server state (or nothing)
      return;
    }
    WriteView(collection, id, view->version, view->deleted, view->body);
  }

  // Keeps `rec` as server state unless the device already holds a version at
  // least as new (a push result and a pull page may carry the same record).
  // Returns whether it was stored.
  bool UpsertServer(const v1::Record& rec) {
    std::string& blob = record_blob;
    rec.SerializeToString(&blob);
    return UpsertServer(rec.collection(), rec.id(), rec.version(), rec.deleted(), blob);
  }
  // The same with the record already encoded (`record`, a v1::Record's
  // encoding, whose key and state the other arguments are).
  bool UpsertServer(std::string_view collection, std::string_view id, uint64_t version, bool deleted,
                    std::string_view record) {
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
  Status ApplyPage(const v1::PullPageIn& page, const std::vector<EncodedRecord>& heads, uint64_t page_hlc) {
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

  // Whether `rec` belongs to a scope key the last scope page did not list.
  bool OutsideSyncedScope(const v1::Record& rec) const {
    if (!has_scope || scope.all()) return false;
    std::string key = core::ScopeOfBody(rec.body(), rec.id());
    return !key.empty() && std::find(scope.keys().begin(), scope.keys().end(), key) == scope.keys().end();
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
    outbox_rows = db->execAndGet("SELECT COUNT(*) FROM outbox").getInt64();
    next_mutation_id = std::max(next_mutation_id, max_id + 1);
    hlc = std::max(hlc, max_hlc);
    txn.commit();
  }
};

DeviceStore::DeferredCommit::DeferredCommit(Impl& s) : s_(s) {
  s_.SetNormal(true);
  s_.deferred = true;  // from here on, until MakeDurable, something may not be on the disk
}

DeviceStore::DeferredCommit::~DeferredCommit() {
  try {
    s_.SetNormal(false);
  } catch (...) {
    // `normal` stays true: AppendMutations sets FULL again before its
    // transaction (and fails rather than commit a local edit without it).
  }
}

DeviceStore::DeviceStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
DeviceStore::~DeviceStore() = default;

StatusOr<std::unique_ptr<DeviceStore>> DeviceStore::Open(const std::string& path, const std::string& new_client_id) {
  auto db = OpenDatabase(path, /*synchronous_full=*/true);
  if (!db.ok()) return db.status();
  auto impl = std::make_unique<Impl>();
  impl->db = std::move(*db);
  impl->attachments.reset(new DeviceAttachments(impl->db.get()));
  INSPECTSYNC_RETURN_IF_ERROR(Migrate(*impl->db, Migrations(), "device database '" + path + "'"));
  INSPECTSYNC_RETURN_IF_ERROR(Guard("load device state", [&]() -> Status {
    impl->Load(new_client_id);
    return Status::Ok();
  }));
  if (path != ":memory:" && !path.empty()) {
    auto checkpointer = WalCheckpointer::Start(*impl->db, path);
    if (!checkpointer.ok()) return checkpointer.status();
    impl->checkpointer = std::move(*checkpointer);
  }
  return std::unique_ptr<DeviceStore>(new DeviceStore(std::move(impl)));
}

const v1::ScopeSet* DeviceStore::synced_scope() const { return impl_->has_scope ? &impl_->scope : nullptr; }

const std::string& DeviceStore::client_id() const { return impl_->client_id; }
uint64_t DeviceStore::next_mutation_id() const { return impl_->next_mutation_id; }
uint64_t DeviceStore::cursor() const { return impl_->cursor; }
uint64_t DeviceStore::last_hlc() const { return impl_->hlc; }
DeviceAttachments& DeviceStore::attachments() { return *impl_->attachments; }

StatusOr<std::optional<ViewRecord>> DeviceStore::GetView(const std::string& collection, const std::string& id) {
  std::optional<ViewRecord> out;
  INSPECTSYNC_RETURN_IF_ERROR(Guard("read view", [&]() -> Status {
    static const std::string kSql =
        std::string("SELECT v.version, v.deleted, v.pending, v.body, s.record") + kViewFrom +
        " WHERE v.collection = ? AND v.id = ?";
    {
      Use q(impl_->Stmt(kSql.c_str()));
      q->bind(1, collection);
      q->bind(2, id);
      if (q->executeStep()) {
        out.emplace();
        out->collection = collection;
        out->id = id;
        out->version = U64(q->getColumn(0));
        out->deleted = q->getColumn(1).getInt() != 0;
        out->pending = q->getColumn(2).getInt() != 0;
        if (!ParseViewBody(q->getColumn(3), q->getColumn(4), &out->body))
          return DataLoss("corrupt view row " + collection + "/" + id);
        return Status::Ok();
      }
    }
    // No view row: the view is the server state (schema v4).
    Use q(impl_->Stmt("SELECT version, deleted, record FROM server_records WHERE collection = ? AND id = ?"));
    q->bind(1, collection);
    q->bind(2, id);
    if (!q->executeStep()) return Status::Ok();
    v1::Record rec;
    if (!ParseBlob(q->getColumn(2), &rec)) return DataLoss("corrupt server record " + collection + "/" + id);
    out.emplace();
    out->collection = collection;
    out->id = id;
    out->version = U64(q->getColumn(0));
    out->deleted = q->getColumn(1).getInt() != 0;
    out->pending = false;
    out->body = std::move(*rec.mutable_body());
    return Status::Ok();
  }));
  return out;
}

StatusOr<std::vector<ViewRecord>> DeviceStore::ListView(const std::string& collection) {
  std::vector<ViewRecord> out;
  INSPECTSYNC_RETURN_IF_ERROR(ForEachView(collection, [&](ViewRecord&& r) -> Status {
    out.push_back(std::move(r));
    return Status::Ok();
  }));
  return out;
}

Status DeviceStore::ForEachView(const std::string& collection, const std::function<Status(ViewRecord&&)>& fn) {
  return Guard("scan view", [&]() -> Status {
    // Two scans in id order (both tables are keyed by (collection, id)),
    // merged: a view row (pending edits, tombstones included) stands for its
    // record; every other record's view is its server row (schema v4).
    // SQLite's BINARY order of TEXT is std::string's order.
    static const std::string kViews = std::string("SELECT v.id, v.version, v.deleted, v.pending, v.body, s.record") +
                                      kViewFrom + " WHERE v.collection = ? ORDER BY v.id";
    Use views(impl_->Stmt(kViews.c_str()));
    Use servers(impl_->Stmt(
        "SELECT id, version, deleted, record FROM server_records WHERE collection = ? ORDER BY id"));
    views->bind(1, collection);
    servers->bind(1, collection);
    bool has_view = views->executeStep();
    bool has_server = servers->executeStep();
    std::string view_id = has_view ? views->getColumn(0).getString() : std::string();
    std::string server_id;
    while (has_view || has_server) {
      if (has_server) server_id = servers->getColumn(0).getString();
      const int order = !has_view ? 1 : !has_server ? -1 : view_id.compare(server_id);
      ViewRecord r;
      r.collection = collection;
      bool live = false;
      if (order <= 0) {  // the view row (and, if equal, the server row it stands for)
        live = views->getColumn(2).getInt() == 0;
        if (live) {
          r.id = view_id;
          r.version = U64(views->getColumn(1));
          r.pending = views->getColumn(3).getInt() != 0;
          if (!ParseViewBody(views->getColumn(4), views->getColumn(5), &r.body))
            return DataLoss("corrupt view row " + collection + "/" + view_id);
        }
        has_view = views->executeStep();
        if (has_view) view_id = views->getColumn(0).getString();
        if (order == 0) has_server = servers->executeStep();
      } else {
        live = servers->getColumn(2).getInt() == 0;
        if (live) {
          v1::Record rec;
          if (!ParseBlob(servers->getColumn(3), &rec))
            return DataLoss("corrupt server record " + collection + "/" + server_id);
          r.id = server_id;
          r.version = U64(servers->getColumn(1));
          r.body = std::move(*rec.mutable_body());
        }
        has_server = servers->executeStep();
      }
      if (live) INSPECTSYNC_RETURN_IF_ERROR(fn(std::move(r)));
    }
    return Status::Ok();
  });
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
      // As the request carries it: with its tag and length.
      size_t size = core::DelimitedBytes(static_cast<size_t>(q->getColumn(1).getBytes()));
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
    ack = impl_->CurrentAck();
    // Results stored since the last fdatasync are not acknowledged yet: the
    // server forgets what it is acknowledged, and a power cut could still
    // take them (the mutations would then go out again, and only the
    // server's ledger can answer them).
    if (impl_->deferred && impl_->ack_snapshot) ack = std::min(ack, impl_->durable_ack);
    return Status::Ok();
  }));
  return ack;
}

Status DeviceStore::MakeDurable() {
  if (!impl_->deferred) return Status::Ok();
  // The WAL holds the deferred commits in order after every earlier one;
  // one fdatasync of it makes them all durable (what a FULL commit does, on
  // the same file handle, with the same flags).
  sqlite3_file* wal = nullptr;
  int rc = sqlite3_file_control(impl_->db->getHandle(), "main", SQLITE_FCNTL_JOURNAL_POINTER, &wal);
  if (rc == SQLITE_OK && wal != nullptr && wal->pMethods != nullptr) rc = wal->pMethods->xSync(wal, SQLITE_SYNC_NORMAL);
  if (rc != SQLITE_OK)
    return Status(StatusCode::kUnavailable,
                  std::string("make synced state durable: fsync of the WAL failed: ") + sqlite3_errstr(rc));
  impl_->deferred = false;
  impl_->ack_snapshot = false;
  return Status::Ok();
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

Status DeviceStore::AppendMutation(const v1::Mutation& m, uint64_t hlc) { return AppendMutations({m}, hlc); }

Status DeviceStore::AppendMutations(const std::vector<v1::Mutation>& ms, uint64_t hlc,
                                    const AttachmentUpload* upload) {
  if (ms.empty() && upload == nullptr) return Status::Ok();
  uint64_t new_hlc = std::max(impl_->hlc, hlc);
  for (size_t i = 0; i < ms.size(); ++i) {
    const uint64_t expected = impl_->next_mutation_id + i;
    if (ms[i].mutation_id() != expected)
      return Internal("mutation_id " + std::to_string(ms[i].mutation_id()) + " is out of order; next is " +
                      std::to_string(expected));
    new_hlc = std::max(new_hlc, ms[i].hlc());
  }
  const uint64_t next_id = ms.empty() ? impl_->next_mutation_id : ms.back().mutation_id() + 1;
  const int64_t rows_before = impl_->outbox_rows;
  Status st = Guard("append mutation", [&]() -> Status {
    impl_->outbox_rows = rows_before;
    impl_->SetNormal(false);  // a local edit is durable when this returns: synchronous=FULL
    SQLite::Transaction txn(*impl_->db, SQLite::TransactionBehavior::IMMEDIATE);
    std::string blob;
    for (const v1::Mutation& m : ms) {
      m.SerializeToString(&blob);
      Use q(impl_->Stmt(
          "INSERT INTO outbox (mutation_id, collection, record_id, hlc, mutation) VALUES (?, ?, ?, ?, ?)"));
      q->bind(1, I64(m.mutation_id()));
      q->bind(2, m.collection());
      q->bind(3, m.record_id());
      q->bind(4, I64(m.hlc()));
      q->bind(5, blob.data(), static_cast<int>(blob.size()));
      q->exec();
      ++impl_->outbox_rows;
    }
    impl_->PutKv(kNextMutationId, I64(next_id));
    impl_->PutKv(kHlc, I64(new_hlc));
    std::set<std::pair<std::string, std::string>> records;
    for (const v1::Mutation& m : ms) records.emplace(m.collection(), m.record_id());
    for (const auto& [collection, id] : records) impl_->Recompute(collection, id);
    if (upload != nullptr) impl_->attachments->QueueInTransaction(*upload);
    txn.commit();
    return Status::Ok();
  });
  if (!st.ok()) {
    impl_->outbox_rows = rows_before;  // rolled back
    return st;
  }
  // Only after the commit: a failed transaction leaves the cache as it was.
  // The commit's fdatasync of the WAL made every deferred commit before it
  // durable too.
  impl_->deferred = false;
  impl_->ack_snapshot = false;
  impl_->next_mutation_id = next_id;
  impl_->hlc = new_hlc;
  return Status::Ok();
}

StatusOr<PushApplied> DeviceStore::ApplyPushResults(const std::vector<v1::MutationResult>& results, uint64_t hlc,
                                                    int64_t now_ms) {
  PushApplied applied;
  uint64_t new_hlc = std::max(impl_->hlc, hlc);
  const int64_t rows_before = impl_->outbox_rows;
  // What this batch did to one record: the server state it stored last (the
  // record's current server row, since older versions are never stored over
  // newer ones).
  struct Touched {
    const v1::Record* stored = nullptr;
  };
  bool evict_check = false;  // a stored record lies outside the synced scope
  Status st = Guard("store push results", [&]() -> Status {
    applied = PushApplied();
    evict_check = false;
    impl_->outbox_rows = rows_before;
    // What the disk holds is acknowledged until MakeDurable (AckThrough).
    if (!impl_->ack_snapshot) {
      impl_->durable_ack = impl_->CurrentAck();
      impl_->ack_snapshot = true;
    }
    DeferredCommit deferred(*impl_);
    SQLite::Transaction txn(*impl_->db, SQLite::TransactionBehavior::IMMEDIATE);
    std::map<std::pair<std::string, std::string>, Touched> touched;
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
      std::string collection, record_id;
      v1::Mutation m;  // parsed only for a dead letter
      {
        Use q(impl_->Stmt("SELECT collection, record_id, mutation FROM outbox WHERE mutation_id = ?"));
        q->bind(1, I64(r.mutation_id()));
        if (!q->executeStep()) continue;  // already processed (a duplicate answer)
        collection = q->getColumn(0).getString();
        record_id = q->getColumn(1).getString();
        if (r.outcome() == v1::REJECTED && !ParseBlob(q->getColumn(2), &m))
          return DataLoss("corrupt outbox row " + std::to_string(r.mutation_id()));
      }
      {
        Use q(impl_->Stmt("DELETE FROM outbox WHERE mutation_id = ?"));
        q->bind(1, I64(r.mutation_id()));
        q->exec();
      }
      --impl_->outbox_rows;
      Touched& t = touched[{collection, record_id}];
      // Only a record that is the one the mutation names may become server state.
      if (r.has_record() && r.record().collection() == collection && r.record().id() == record_id &&
          impl_->UpsertServer(r.record())) {
        t.stored = &r.record();
        // A record of a scope the device never synced (it created it at a
        // site it was assigned to only between two scope pages) must be
        // checked by the next scope page, which may well equal the last one.
        if (!evict_check && impl_->OutsideSyncedScope(r.record())) evict_check = true;
      }
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
      applied.processed.push_back(i);
    }
    // A record with nothing left pending loses its view row (its view is
    // the server state now); one with more edits pending is folded again.
    for (const auto& [key, t] : touched) impl_->Recompute(key.first, key.second, t.stored);
    impl_->PutKv(kHlc, I64(new_hlc));
    if (evict_check && !impl_->evict_pending) impl_->PutKv(kEvictPending, 1);
    txn.commit();
    return Status::Ok();
  });
  if (!st.ok()) {
    impl_->outbox_rows = rows_before;  // rolled back
    return st;
  }
  impl_->hlc = new_hlc;
  if (evict_check) impl_->evict_pending = true;
  return applied;
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
