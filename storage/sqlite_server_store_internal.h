// Private to storage/: the SQLite implementation of ServerStore, whose parts
// live in one file per job:
//   sqlite_server_store.cc       opening the file, the group commit (each
//                                group one transaction, each write a savepoint)
//   sqlite_server_migrations.cc  the schema's versions and the SQL functions
//                                they call
//   sqlite_server_write_txn.cc   the row operations of a write transaction
//   sqlite_server_reads.cc       reads, on a pool of reader connections
// The SQL-agnostic pieces are storage/server_store_logic.h and
// storage/server_ledger.h; WAL checkpoints, storage/wal_checkpointer.h.
//
// One writer connection (SQLite allows one writer at a time anyway) and a
// small pool of reader connections, which WAL lets run beside the writer on
// committed snapshots.
#ifndef INSPECTSYNC_STORAGE_SQLITE_SERVER_STORE_INTERNAL_H_
#define INSPECTSYNC_STORAGE_SQLITE_SERVER_STORE_INTERNAL_H_

#include <SQLiteCpp/SQLiteCpp.h>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "storage/attachment_store.h"
#include "storage/consumer_store.h"
#include "storage/server_ledger.h"
#include "storage/server_store.h"
#include "storage/server_store_logic.h"
#include "storage/sqlite_util.h"
#include "storage/wal_checkpointer.h"
#include "storage/console_store.h"
#include "storage/webhook_store.h"

struct sqlite3;

namespace inspectsync::storage::sqlite_server {

// ---- Schema (sqlite_server_migrations.cc) ----
// The schema's versions, in order (PRAGMA user_version counts them). Append,
// never edit: a server's file may be at any earlier version.
const std::vector<std::string>& Migrations();
// Registers on `db` the SQL functions the migrations call. REQUIRES: before
// Migrate() on that connection.
void RegisterMigrationFunctions(sqlite3* db);

// ---- Rows (sqlite_server_reads.cc) ----
// Columns: kRecordColumns'.
StoredRecord RecordFromRow(SQLite::Statement& q);
// Columns: seq, collection, id, deleted, body, meta, client_id, mutation_id, op.
VersionRow VersionFromRow(SQLite::Statement& q);
// The keys as a JSON array of strings, for `IN (SELECT value FROM json_each(?))`.
std::string JsonArray(const std::vector<std::string>& keys);

// A record's body and meta are those of its latest version, the history row
// whose seq is records.version: they are read from there and written only
// there. records.body and records.meta are written empty (rows written
// before this hold a copy, which is never read).
constexpr const char* kRecordColumns =
    "collection, id, version, deleted, (SELECT body FROM history WHERE seq=records.version), clocks, "
    "(SELECT meta FROM history WHERE seq=records.version), scope";

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

// ---- A write transaction (sqlite_server_write_txn.cc) ----
// Prepared statements of the writer connection, reused across transactions.
struct WriterStatements {
  explicit WriterStatements(SQLite::Database& db);

  SQLite::Database& database;  // for statements prepared per call (rare ones)
  SQLite::Statement get_record, upsert_record, insert_history, foreign_since, bodies_since, last_mutation, set_resend,
      client_device, bind_client, upsert_client, get_results, get_version, put_results, forget_results, get_conflict,
      writer_meta, insert_conflict, note_push, note_pull;
};

// The writes of one Write() call, inside the group's transaction. The
// idempotency ledger's logic is LedgerWriteTxn's; this class gives it rows.
class SqliteWriteTxn : public LedgerWriteTxn {
 public:
  // `touched` collects, per collection, the newest seq this write appended.
  SqliteWriteTxn(WriterStatements& s, uint64_t* next_seq, std::map<std::string, uint64_t>* touched)
      : s_(s), next_seq_(next_seq), touched_(touched) {}

  StatusOr<std::optional<StoredRecord>> GetRecord(const std::string& collection, const std::string& id) override;
  Status AppendVersion(StoredRecord* rec, const std::string& client_id, uint64_t mutation_id,
                       v1::MutationOp op) override;
  StatusOr<bool> HasForeignVersionsSince(const std::string& collection, const std::string& id, uint64_t after_seq,
                                         const std::string& device_id) override;
  Status ForeignBodiesSince(const std::string& collection, const std::string& id, uint64_t after_seq,
                            const std::string& client_id, std::vector<std::string>* out) override;
  StatusOr<std::string> BindClient(const std::string& client_id, const std::string& device) override;
  Status AddConflict(const v1::Conflict& c) override;
  StatusOr<std::optional<v1::Conflict>> GetConflict(const std::string& id) override;
  Status UpdateConflict(const v1::Conflict& c) override;
  StatusOr<std::optional<v1::VersionMeta>> WriterMeta(const std::string& collection, const std::string& id,
                                                      const std::string& client_id, uint64_t hlc) override;
  Status NotePush(const PushTally& tally) override;
  Status NotePull(const std::string& client_id, const std::string& device, const std::string& user_id,
                  int64_t now_ms) override;

 protected:
  // The ledger's rows (LedgerWriteTxn).
  StatusOr<ClientRow> ReadClient(const std::string& client_id) override;
  Status WriteResendFrom(const std::string& client_id, uint64_t mutation_id) override;
  Status RaiseClientMarks(const std::string& client_id, uint64_t last_mutation_id, uint64_t acked_through) override;
  StatusOr<uint64_t> ReadAckedThrough(const std::string& client_id) override;
  StatusOr<std::optional<BatchRow>> ReadBatchFrom(const std::string& client_id, uint64_t mutation_id) override;
  Status WriteBatch(const std::string& client_id, uint64_t last_mutation_id, const std::string& results) override;
  Status DeleteBatchesThrough(const std::string& client_id, uint64_t mutation_id) override;
  StatusOr<std::optional<HistoryVersion>> ReadVersion(uint64_t seq) override;

 private:
  WriterStatements& s_;
  uint64_t* next_seq_;
  std::map<std::string, uint64_t>* touched_;
};

// ---- The store ----
class SqliteServerStore : public ServerStore {
 public:
  SqliteServerStore(std::unique_ptr<SQLite::Database> writer, std::vector<std::unique_ptr<SQLite::Database>> readers,
                    std::unique_ptr<WalCheckpointer> checkpointer, std::unique_ptr<AttachmentStore> attachments,
                    std::unique_ptr<ConsumerStore> consumers, std::unique_ptr<WebhookStore> webhooks,
                    std::unique_ptr<ConsoleStore> console);

  // sqlite_server_store.cc
  Status Write(const std::function<Status(ServerWriteTxn&)>& fn) override;
  // The committed head, without a query: this store is the only writer of
  // its file (one server process per database), so it always knows it.
  StatusOr<uint64_t> Head() override { return head_.load(); }
  AttachmentStore* attachments() override { return attachments_.get(); }
  ConsumerStore* consumers() override { return consumers_.get(); }
  WebhookStore* webhooks() override { return webhooks_.get(); }
  ConsoleStore* console() override { return console_.get(); }

  // sqlite_server_reads.cc
  Status ReadChanges(const ChangeQuery& cq, std::vector<StoredRecord>* out) override;
  StatusOr<uint64_t> CollectionsHead(const std::vector<std::string>& collections) override;
  Status ScanCollection(const std::string& collection, const std::function<Status(const StoredRecord&)>& fn) override;
  Status ScanCollectionAfter(const std::string& collection, const std::string& after_id, size_t limit,
                             const std::function<StatusOr<bool>(const StoredRecord&)>& fn) override;
  StatusOr<std::optional<StoredRecord>> GetRecord(const std::string& collection, const std::string& id) override;
  Status History(const std::string& collection, const std::string& id, std::vector<VersionRow>* out) override;
  Status ReadHistory(uint64_t after, size_t limit, std::vector<VersionRow>* out) override;
  Status ReadFeed(const FeedQuery& fq, std::vector<FeedRow>* out) override;
  Status ListConflicts(const ConflictFilter& f, std::vector<v1::Conflict>* out) override;
  Status ScanConflicts(const ConflictFilter& f,
                       const std::function<StatusOr<bool>(const ConflictEntry&)>& fn) override;
  StatusOr<std::optional<ConflictEntry>> GetConflict(const std::string& id) override;
  StatusOr<uint64_t> CountRecords(const std::string& collection) override;
  Status ListClients(std::vector<ClientActivity>* out) override;

 private:
  // sqlite_server_store.cc: runs one group of writes in one transaction.
  // REQUIRES: called by GroupCommit (one group at a time).
  void RunGroup(const std::vector<GroupCommit::Write*>& group);

  // sqlite_server_reads.cc
  // A tablet's pull asks for a few scopes (its sites, and "" for reference
  // data): one walk of the scope index per scope, merged by version.
  static constexpr size_t kMaxMergedScopes = 64;
  Status ReadScopesMerged(SQLite::Database& db, const ChangeQuery& cq, const std::vector<std::string>& scopes,
                          std::vector<StoredRecord>* out);
  // A statement prepared once per reader connection and reused (preparing
  // was most of a no-op pull's server cost). REQUIRES: `db` is a reader
  // borrowed through WithReader (so no other thread uses its cache); the
  // caller resets the statement before giving the connection back.
  SQLite::Statement& Cached(SQLite::Database& db, const std::string& sql);
  static constexpr size_t kMaxCachedStatements = 64;
  // Borrows a reader connection for the duration of `fn`.
  Status WithReader(const char* what, const std::function<Status(SQLite::Database&)>& fn);

  // Newest version per collection, learned from the database once per
  // collection and then kept up to date by RunGroup.
  std::mutex heads_mu_;
  std::map<std::string, uint64_t> collection_heads_;

  std::unique_ptr<AttachmentStore> attachments_;  // its own connection to this file
  std::unique_ptr<ConsumerStore> consumers_;      // likewise
  std::unique_ptr<WebhookStore> webhooks_;        // likewise
  std::unique_ptr<ConsoleStore> console_;         // likewise

  std::unique_ptr<SQLite::Database> writer_;
  WriterStatements stmts_;
  uint64_t next_seq_ = 1;  // the leader's only (GroupCommit)
  GroupCommit group_commit_;

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

}  // namespace inspectsync::storage::sqlite_server

#endif  // INSPECTSYNC_STORAGE_SQLITE_SERVER_STORE_INTERNAL_H_
