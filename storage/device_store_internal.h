// Private to storage/: the DeviceStore's state and helpers, shared by its
// files, one per job:
//   device_store.cc             opening, loading the counters, deferred
//                               durability (DeferredCommit, MakeDurable)
//   device_store_migrations.cc  the schema's versions
//   device_view.cc              the view: FoldView, recomputing a record's
//                               view row, and the view reads
//   device_outbox.cc            local edits in, push results in, outbox and
//                               dead letter reads
//   device_pull.cc              pull pages in: server state and the scope
//   encoded_record.{h,cc}       reading a pulled record's encoding
// The contract (why no crash window loses an edit) is storage/device_store.h.
#ifndef INSPECTSYNC_STORAGE_DEVICE_STORE_INTERNAL_H_
#define INSPECTSYNC_STORAGE_DEVICE_STORE_INTERNAL_H_

#include <SQLiteCpp/SQLiteCpp.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "storage/device_store.h"
#include "storage/encoded_record.h"
#include "storage/sqlite_util.h"
#include "storage/wal_checkpointer.h"

namespace inspectsync::storage {

namespace device_internal {

// The schema's versions (PRAGMA user_version counts them).
const std::vector<std::string>& Migrations();

// Keys of the kv table.
constexpr char kClientId[] = "client_id";
constexpr char kNextMutationId[] = "next_mutation_id";
constexpr char kCursor[] = "cursor";
constexpr char kHlc[] = "hlc";
constexpr char kScope[] = "scope";                  // serialized v1::ScopeSet the server last sent
constexpr char kEvictPending[] = "evict_pending";  // records outside the scope kept for unsent edits

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

}  // namespace device_internal

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
  // transaction puts it back (AppendMutations, ApplyPushResults).
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

  // ---- device_store.cc ----
  // synchronous=FULL|NORMAL for the next transactions. A pragma that SQLite
  // applies while preparing, so it is not a cached statement; never inside a
  // transaction (SQLite refuses to change it there).
  void SetNormal(bool on);
  // The outbox's ack: every id below the oldest pending one has its result
  // stored (or is a dead letter); with an empty outbox, every id handed out.
  uint64_t CurrentAck();
  // Prepared once, reused for the life of the store.
  SQLite::Statement& Stmt(const char* sql);
  void PutKv(const char* key, int64_t value);
  void PutKv(const char* key, const std::string& value);
  // Reads the counters and identity; `new_client_id` if the file has none.
  void Load(const std::string& new_client_id);

  // ---- device_view.cc ----
  // The record's server state, as a view; false if the device has none.
  bool LoadServer(const std::string& collection, const std::string& id, ViewRecord* out);
  std::vector<v1::Mutation> LoadPending(const std::string& collection, const std::string& id);
  // Whether the outbox holds a mutation of the record.
  bool HasPending(const std::string& collection, const std::string& id);
  // Recomputes the record's view row (the one place a view is derived).
  void Recompute(const std::string& collection, const std::string& id, const v1::Record* server = nullptr);

  // ---- device_outbox.cc ----
  // Moves a rejected mutation to the dead letter; returns its entry.
  DeadLetter StoreDeadLetter(const v1::Mutation& m, const v1::MutationResult& r, int64_t now_ms);

  // ---- device_pull.cc ----
  // Keeps `rec` as server state unless the device already holds a version at
  // least as new (a push result and a pull page may carry the same record).
  // Returns whether it was stored.
  bool UpsertServer(const v1::Record& rec);
  bool UpsertServer(std::string_view collection, std::string_view id, uint64_t version, bool deleted,
                    std::string_view record);
  // One pull page in one transaction.
  Status ApplyPage(const v1::PullPageIn& page, const std::vector<EncodedRecord>& heads, uint64_t page_hlc);
  // Whether `rec` belongs to a scope key the last scope page did not list.
  bool OutsideSyncedScope(const v1::Record& rec) const;

 private:
  // device_view.cc
  void WriteView(const std::string& collection, const std::string& id, uint64_t version, bool deleted,
                 const v1::RecordBody& body);
  void DropView(const std::string& collection, const std::string& id);
  // device_pull.cc
  void ApplyScope(const v1::ScopeSet& next, bool* kept_out);
};

}  // namespace inspectsync::storage

#endif  // INSPECTSYNC_STORAGE_DEVICE_STORE_INTERNAL_H_
