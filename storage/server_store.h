// ServerStore: what the sync engine needs from persistence, and nothing
// SQLite-specific, so a PostgreSQL implementation can fill the same interface.
//
// Model: `records` holds the latest version of every record; `history` holds
// every version ever committed, append-only, keyed by the global commit seq.
// A record's version is the seq of its latest version. The idempotency ledger
// keeps, per client, the last mutation id and the stored results of those
// not yet acknowledged. Conflicts keep both values of every contested field.
//
// Thread-safety: implementations are safe to call from several threads.
// Write() calls are serialised; reads run concurrently with them and see only
// committed data.
//
// Implementations. OpenSqliteServerStore (below; storage/sqlite_server_*.cc)
// is the default. A second one (PostgreSQL, DESIGN.md "Scale") must
// provide:
//   - its schema and migrations, and the stores attachments(), consumers(),
//     webhooks() and console() return;
//   - the reads of ServerStore, and Write() with a ServerWriteTxn for the
//     record, history, client binding and conflict operations;
//   - the commit seq: AppendVersion numbers versions so that no reader ever
//     skips one committed late (SQLite's single writer gets this for free;
//     PostgreSQL needs the (xid, seq) horizon DESIGN.md describes), and
//     Head() / CollectionsHead() answered from it;
//   - the eight row operations of the idempotency ledger (LedgerWriteTxn's
//     protected methods: read/write a client's row and marks, read/write/
//     delete a batch row, read a history version).
// It reuses, instead of copying:
//   - LedgerWriteTxn (storage/server_ledger.h): every ledger decision — slim
//     results, one batch row per client and transaction, the replay cache,
//     rebuilding a replayed result from history and the conflicts table;
//   - storage/server_store_logic.h: PageCut (where a ChangeQuery or
//     FeedQuery page ends, by count and by bytes), ScopeKeysToRead (the keys
//     a kOnly read covers), ParseStoredConflict (a stored conflict's
//     opened_ms fallback), GroupCommit (one commit for the writes queued
//     together, when writes go through one connection);
//   - PageBytes() / FeedBytes() below: the sizes the byte limits count.
#ifndef INSPECTSYNC_STORAGE_SERVER_STORE_H_
#define INSPECTSYNC_STORAGE_SERVER_STORE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "inspectsync/status.h"
#include "inspectsync/v1/sync.pb.h"

namespace inspectsync::storage {

class AttachmentStore;  // storage/attachment_store.h
class ConsoleStore;     // storage/console_store.h
class ConsumerStore;    // storage/consumer_store.h
class WebhookStore;     // storage/webhook_store.h

struct StoredRecord {
  std::string collection;
  std::string id;
  uint64_t version = 0;   // seq of the latest version; set by AppendVersion
  bool deleted = false;
  std::string body;       // serialized record message of the collection's type
  std::string clocks;     // serialized v1::FieldClocks
  v1::VersionMeta meta;   // author, device, hlc, created_version
  // The site or zone id the record belongs to ("" for reference data every
  // caller sees), as core::CollectionSpec::ScopeOf computes it. Set by the
  // writer on create; it never changes afterwards.
  std::string scope;
};

// Which scope keys a read covers.
struct ScopeFilter {
  enum Mode { kAll, kOnly, kAllExcept };
  Mode mode = kAll;
  std::vector<std::string> keys;  // kOnly: these; kAllExcept: all but these
  bool include_unscoped = true;   // records with scope "" (reference data)
};

// A page of latest versions: after < version <= upto, ascending, at most
// `limit`, and stopping after the row that takes their size past `max_bytes`.
struct ChangeQuery {
  uint64_t after = 0;
  uint64_t upto = 0;
  size_t limit = 500;
  // Rows are read until their PageBytes() add up to more than this (that row
  // included, as `limit` + 1 tells a caller there is more): a page of large
  // records stops by size, not only by count. 0 = no byte limit.
  size_t max_bytes = 0;
  std::vector<std::string> collections;  // empty = all
  // Records whose latest version this client wrote are left out (that device
  // has them already, from its push results); "" leaves nothing out.
  std::string skip_client;
  ScopeFilter scope;
};

// One entry of a record's history.
struct VersionRow {
  uint64_t seq = 0;
  std::string collection, id;
  bool deleted = false;
  std::string body;
  v1::VersionMeta meta;
  std::string client_id;
  uint64_t mutation_id = 0;  // 0 for versions not made by a device mutation
  v1::MutationOp op = v1::MUTATION_OP_UNSPECIFIED;
};

// A page of history for the change feed: versions with after < seq <= upto,
// ascending, at most `limit`, of these collections and record scopes. The
// range bounds the rows scanned, so a narrow filter over a long history
// still costs at most upto - after rows per call.
struct FeedQuery {
  uint64_t after = 0;
  uint64_t upto = 0;
  size_t limit = 500;
  size_t max_bytes = 0;  // as ChangeQuery::max_bytes, counting FeedBytes()
  std::vector<std::string> collections;  // empty = all
  ScopeFilter scope;                     // on the record's scope (fixed at creation)
};

// One history row and the scope of its record.
struct FeedRow : VersionRow {
  std::string scope;
};

// A record's size in a pull page (core::RecordElementBytes, exact), and a
// history row's in a change-feed batch (core::ChangeElementBytes, an upper
// bound): what the byte limits of ChangeQuery and FeedQuery count.
size_t PageBytes(const StoredRecord& r);
size_t FeedBytes(const FeedRow& r);

struct ConflictFilter {
  std::string collection;   // empty = all
  std::string record_id;    // empty = all
  bool only_open = false;
  size_t limit = 1000;
  // Conflict review (server/integration_conflicts.h). All combine with AND.
  std::string id;  // empty = all
  std::vector<v1::ConflictState> states;  // empty = any (only_open narrows it to OPEN)
  // Only conflicts on records whose scope key is one of these.
  bool filter_scopes = false;
  std::vector<std::string> scopes;
  int64_t opened_before_ms = 0;  // 0 = any age
  // Resume after this (version, id), in the list's order.
  uint64_t after_version = 0;
  std::string after_id;
};

// A stored conflict with what the review list needs of its record.
struct ConflictEntry {
  v1::Conflict conflict;  // opened_ms always set
  std::string scope;      // the record's scope key ("" if unscoped or gone)
};

// One push of one client, for the office's device list (ClientActivity).
struct PushTally {
  std::string client_id;
  std::string user_id;        // the caller's
  int64_t now_ms = 0;         // server clock
  uint64_t accepted = 0;      // mutations this push applied (or merged)
  uint64_t rejected = 0;      // mutations it refused
  int last_reject_code = 0;   // v1::RejectCode of the last refusal (rejected > 0)
  std::string last_reject_reason;
};

// What the server keeps of one client (app install): its ledger marks and
// the running counts of its pushes, for the office's device list.
struct ClientActivity {
  std::string client_id;
  std::string device;         // the device it is bound to ("" before its first push)
  std::string user_id;        // who it last pushed or pulled as
  uint64_t last_mutation_id = 0;
  int64_t last_push_ms = 0, last_pull_ms = 0;  // server clock; 0 = never (or before they were kept)
  uint64_t accepted = 0, rejected = 0;
  int last_reject_code = 0;
  std::string last_reject_reason;
  int64_t last_reject_ms = 0;
};

// The operations available inside one write transaction.
class ServerWriteTxn {
 public:
  virtual ~ServerWriteTxn() = default;
  virtual StatusOr<std::optional<StoredRecord>> GetRecord(const std::string& collection, const std::string& id) = 0;
  // Assigns the next commit seq to `rec`, appends it to history and makes it
  // the latest version. Sets rec->version (and meta.created_version on create).
  virtual Status AppendVersion(StoredRecord* rec, const std::string& client_id, uint64_t mutation_id,
                               v1::MutationOp op) = 0;
  // Whether a version after `after_seq` was written by a device other than `device_id`.
  virtual StatusOr<bool> HasForeignVersionsSince(const std::string& collection, const std::string& id,
                                                 uint64_t after_seq, const std::string& device_id) = 0;
  // Bodies of the versions of one record committed after `after_seq` by a
  // client other than `client_id` (oldest first), this transaction's included.
  virtual Status ForeignBodiesSince(const std::string& collection, const std::string& id, uint64_t after_seq,
                                    const std::string& client_id, std::vector<std::string>* out) = 0;
  // Binds `client_id` to `device` on first use; returns the device it is
  // bound to (which differs from `device` if another device bound it first).
  virtual StatusOr<std::string> BindClient(const std::string& client_id, const std::string& device) = 0;
  virtual StatusOr<uint64_t> LastMutationId(const std::string& client_id) = 0;
  virtual StatusOr<std::optional<v1::MutationResult>> StoredResult(const std::string& client_id,
                                                                    uint64_t mutation_id) = 0;
  // Stores the result and advances the client's last mutation id.
  virtual Status RecordResult(const std::string& client_id, uint64_t mutation_id, const v1::MutationResult& r) = 0;
  // The client has what it needs of results <= mutation_id; drop them, and
  // raise the client's acknowledgement mark to mutation_id.
  virtual Status ForgetResultsThrough(const std::string& client_id, uint64_t mutation_id) = 0;
  // The first mutation of the client a push left unprocessed because its
  // response was full (server/push_budget.h); 0 when none is pending.
  virtual StatusOr<uint64_t> ResendFrom(const std::string& client_id) = 0;
  virtual Status SetResendFrom(const std::string& client_id, uint64_t mutation_id) = 0;
  // The highest mutation id the client acknowledged (0: none). A processed
  // mutation above it still has its stored result: a mutation id at or below
  // LastMutationId, above this mark and without a stored result was never
  // processed.
  virtual StatusOr<uint64_t> AckedThrough(const std::string& client_id) = 0;
  virtual Status AddConflict(const v1::Conflict& c) = 0;
  // Conflict review: read one conflict, and rewrite one (its state and body).
  virtual StatusOr<std::optional<v1::Conflict>> GetConflict(const std::string& id) = 0;
  virtual Status UpdateConflict(const v1::Conflict& c) = 0;
  // The meta of the latest version of a record written by `client_id` with
  // HLC `hlc` (who wrote a field's current value, for a conflict's side);
  // nullopt if none.
  virtual StatusOr<std::optional<v1::VersionMeta>> WriterMeta(const std::string& collection, const std::string& id,
                                                              const std::string& client_id, uint64_t hlc) = 0;
  // Adds a push to the client's counts and sets its last push time and user
  // (creating its row).
  virtual Status NotePush(const PushTally& tally) = 0;
  // Sets the client's last pull time and user, creating its row unbound (a
  // pull binds no client id: the first push does). A row bound to another
  // device is left alone.
  virtual Status NotePull(const std::string& client_id, const std::string& device, const std::string& user_id,
                          int64_t now_ms) = 0;
};

class ServerStore {
 public:
  virtual ~ServerStore() = default;

  // Runs `fn` in one transaction, committed durably iff `fn` returns OK; on
  // any error nothing of it remains.
  virtual Status Write(const std::function<Status(ServerWriteTxn&)>& fn) = 0;

  // The highest committed seq (0 for an empty store).
  virtual StatusOr<uint64_t> Head() = 0;
  // Latest versions matching `q`, ascending by version (see ChangeQuery).
  virtual Status ReadChanges(const ChangeQuery& q, std::vector<StoredRecord>* out) = 0;
  // The highest version of any record of these collections (0 if none): a
  // cheap "has this reference data changed" check.
  virtual StatusOr<uint64_t> CollectionsHead(const std::vector<std::string>& collections) = 0;
  // Calls `fn` with every record of `collection`, tombstones included, in id
  // order; stops at the first error `fn` returns.
  virtual Status ScanCollection(const std::string& collection,
                                const std::function<Status(const StoredRecord&)>& fn) = 0;
  // A page of ScanCollection: records with id > `after_id` ("" = from the
  // start), at most `limit`, in id order, until `fn` returns false (a page
  // full by size) or an error. Long readers (exports) page with it so a page
  // resumes where the last ended and no read stays open between.
  virtual Status ScanCollectionAfter(const std::string& collection, const std::string& after_id, size_t limit,
                                     const std::function<StatusOr<bool>(const StoredRecord&)>& fn) = 0;
  virtual StatusOr<std::optional<StoredRecord>> GetRecord(const std::string& collection, const std::string& id) = 0;
  virtual Status History(const std::string& collection, const std::string& id, std::vector<VersionRow>* out) = 0;
  // Every version with seq > after, ascending, at most limit (audit, checks).
  virtual Status ReadHistory(uint64_t after, size_t limit, std::vector<VersionRow>* out) = 0;
  // History for the change feed (see FeedQuery).
  virtual Status ReadFeed(const FeedQuery& q, std::vector<FeedRow>* out) = 0;
  virtual Status ListConflicts(const ConflictFilter& filter, std::vector<v1::Conflict>* out) = 0;
  // Calls `fn` with the conflicts matching `filter` in (version, id) order,
  // at most filter.limit, until `fn` returns false or an error.
  virtual Status ScanConflicts(const ConflictFilter& filter,
                               const std::function<StatusOr<bool>(const ConflictEntry&)>& fn) = 0;
  virtual StatusOr<std::optional<ConflictEntry>> GetConflict(const std::string& id) = 0;
  virtual StatusOr<uint64_t> CountRecords(const std::string& collection) = 0;
  // Every client the server has a row for (server/office_devices.cc).
  virtual Status ListClients(std::vector<ClientActivity>* out) = 0;
  // Photo evidence metadata in the same database (never null; owned by the store).
  virtual AttachmentStore* attachments() = 0;
  // The change feed's consumer cursors and the webhooks' outbox, likewise.
  virtual ConsumerStore* consumers() = 0;
  virtual WebhookStore* webhooks() = 0;
  // The office console's passwords, sessions and failed sign-ins (issue 18).
  virtual ConsoleStore* console() = 0;
};

struct SqliteStoreOptions {
  // Connections for concurrent readers (pulls) beside the one writer.
  int reader_connections = 4;
  // synchronous=FULL: an acknowledged push survives power loss. Only
  // benchmarks of the raw limit ever turn this down.
  bool synchronous_full = true;
  // A ceiling on all of SQLite's memory in this process (page caches of the
  // writer, the readers and the checkpointer): above it SQLite recycles cache
  // pages instead of growing, so the server's memory stays bounded whatever
  // the access pattern (scattered edits fill caches fastest). Process-wide,
  // set when the store opens; 0 leaves SQLite's default (no limit).
  int64_t soft_heap_limit_bytes = 24LL << 20;
};

// Opens (creating if needed) a SQLite server store at `path` and migrates it
// to the current schema.
StatusOr<std::unique_ptr<ServerStore>> OpenSqliteServerStore(const std::string& path,
                                                             const SqliteStoreOptions& options = {});

}  // namespace inspectsync::storage

#endif  // INSPECTSYNC_STORAGE_SERVER_STORE_H_
