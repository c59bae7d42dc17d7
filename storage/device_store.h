// DeviceStore: the tablet's local database (one SQLite file).
//
// It holds four things, and keeps them consistent in single transactions:
//   - server state: the latest version of each record the server sent
//     (tombstones included);
//   - the outbox: local mutations not yet acknowledged, in mutation_id order;
//   - the view: what the app reads = server state + pending outbox mutations
//     re-applied in order. A view row is recomputed whenever its server state
//     or its pending set changes, inside the same transaction. Only a record
//     whose pending edits show has a view row of its own; any other record's
//     view is its server state as stored (no second row, no second body);
//   - the dead letter: rejected mutations with their reason (nothing vanishes);
//   - photo evidence: the attachment upload queue and the blobs held
//     (attachments(), storage/device_attachments.h);
// plus the device's identity and counters (client_id, next mutation_id, pull
// cursor, last HLC).
//
// Every write method is ONE transaction: a crash at any instant leaves either
// all of it or none of it. An outbox row is deleted only in the transaction
// that stores its result, so an unacknowledged mutation is re-sent with the
// same mutation_id after a crash. The file runs in WAL mode with
// synchronous=FULL: a committed local edit survives power loss.
//
// Durability of what the server sent (push results, pull pages): those
// transactions commit with synchronous=NORMAL, i.e. into the WAL without an
// fdatasync, and MakeDurable() later syncs the WAL once for all of them (a
// tablet sync pays one fdatasync instead of one per batch and per page).
// Why nothing is lost, window by window:
//   - a process crash (kill -9) at any instant: a NORMAL commit is in the
//     WAL file (the OS page cache) when Commit returns and the next open
//     recovers it exactly like a FULL one; nothing differs;
//   - a power cut: the WAL is recovered up to its first frame that did not
//     reach the disk (frames carry cumulative checksums), so what survives
//     is a PREFIX of the commits, in order: never a later commit without an
//     earlier one, never half of one. Each local edit's FULL commit syncs
//     the whole WAL, so every deferred commit before it is durable too; only
//     deferred commits after the last fdatasync can be lost, and they hold
//     only what the server still has and will send again:
//       * lost push results put their outbox rows back: the mutations go out
//         again with the same ids and the server answers them from its
//         ledger, which still has them because AckThrough() never covers a
//         result that is not durable (the server forgets what is acked);
//       * lost pull pages put the cursor back: the next pull sends them again
//         (the server's change feed keeps no per-device state);
//   - a checkpoint copies only frames it has synced first (the checkpoint
//     connection is FULL), so the main file never holds unsynced state.
// The SDK calls MakeDurable() before Sync() returns and before its
// listeners run: what the app or the inspector acts on is on the disk.
//
// This layer does not validate edits (the client does, with core/); it only
// checks that mutation ids are allocated in order.
//
// Thread-safety: a DeviceStore is NOT thread-safe. Its owner serializes all
// calls (the SDK Client holds one mutex around it).
#ifndef INSPECTSYNC_STORAGE_DEVICE_STORE_H_
#define INSPECTSYNC_STORAGE_DEVICE_STORE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "inspectsync/status.h"
#include "inspectsync/v1/sync.pb.h"
#include "storage/device_attachments.h"

namespace inspectsync::storage {

// One row of the view: a record as the app sees it.
struct ViewRecord {
  std::string collection;
  std::string id;
  uint64_t version = 0;   // server version it builds on; 0 = server never sent it
  bool deleted = false;   // tombstone (server delete or pending local delete)
  bool pending = false;   // has outbox mutations not yet acknowledged
  v1::RecordBody body;
};

// A mutation the server rejected, kept until the app dismisses it.
struct DeadLetter {
  v1::Mutation mutation;
  v1::RejectCode code = v1::REJECT_CODE_UNSPECIFIED;
  std::string reason;
  int64_t rejected_at_ms = 0;  // device wall clock
};

// What ApplyPushResults did with a batch of results.
struct PushApplied {
  // Indexes (into the results given) of the results whose outbox row this
  // call removed. A result for a mutation no longer in the outbox (a
  // duplicate) or with an unknown outcome is not listed.
  std::vector<size_t> processed;
  std::vector<DeadLetter> rejected;  // dead letters created by this call
};

class DeviceStore {
 public:
  // Opens or creates the database at `path` and migrates its schema.
  // `new_client_id` becomes the device's client_id if the file has none yet.
  static StatusOr<std::unique_ptr<DeviceStore>> Open(const std::string& path, const std::string& new_client_id);
  ~DeviceStore();
  DeviceStore(const DeviceStore&) = delete;
  DeviceStore& operator=(const DeviceStore&) = delete;

  // Persisted identity and counters (cached; cheap).
  const std::string& client_id() const;
  uint64_t next_mutation_id() const;
  uint64_t cursor() const;
  uint64_t last_hlc() const;  // highest HLC persisted (also covers outbox rows)
  // The scope the server last sent (PullResponse.scope); nullptr before the
  // first one. Sent back with each pull so the server backfills what it gained.
  const v1::ScopeSet* synced_scope() const;
  // The upload queue and blob cache, on the same database.
  DeviceAttachments& attachments();

  // ---- Reads ----
  // nullopt when the view has no row (never seen, or a rejected create).
  StatusOr<std::optional<ViewRecord>> GetView(const std::string& collection, const std::string& id);
  // Live (non-deleted) rows of a collection, by id.
  StatusOr<std::vector<ViewRecord>> ListView(const std::string& collection);
  // The same rows, handed to `fn` one at a time (memory of one row, for a
  // pass over many records); stops at fn's first error and returns it.
  // REQUIRES: fn calls no method of this store.
  Status ForEachView(const std::string& collection, const std::function<Status(ViewRecord&&)>& fn);
  // The server version the device holds for the record; 0 if none.
  StatusOr<uint64_t> ServerVersion(const std::string& collection, const std::string& id);
  // Outbox mutations with after < mutation_id <= through, in order, at most
  // max_count of them and at most max_bytes as a PushRequest's `mutations`
  // encode them — but always at least one, however large (the server's
  // start-up check keeps the largest under half its message limit).
  StatusOr<std::vector<v1::Mutation>> OutboxBatch(uint64_t after, uint64_t through, size_t max_count,
                                                   size_t max_bytes);
  StatusOr<uint64_t> OutboxCount();
  // Highest X such that every mutation_id <= X has been processed durably:
  // results stored since the last MakeDurable() are not counted yet.
  StatusOr<uint64_t> AckThrough();
  StatusOr<std::vector<DeadLetter>> ListRejected();

  // ---- Writes (each one transaction) ----
  // Appends a local mutation and recomputes its record's view.
  // REQUIRES: m.mutation_id() == next_mutation_id(). `hlc` is persisted.
  Status AppendMutation(const v1::Mutation& m, uint64_t hlc);
  // Appends several local mutations in ONE transaction (all or none) and
  // recomputes their records' views. REQUIRES: their mutation ids are
  // next_mutation_id(), next_mutation_id() + 1, ... in order. With
  // `upload`, the same transaction queues that photo's upload (a photo and
  // the edit adding it to a finding's evidence are stored together); `ms`
  // may then be empty (the finding already lists the photo).
  Status AppendMutations(const std::vector<v1::Mutation>& ms, uint64_t hlc,
                         const AttachmentUpload* upload = nullptr);
  // Stores the results of one push batch (durable at MakeDurable()): removes each answered outbox row,
  // keeps the returned record as server state when it is newer, moves
  // REJECTED mutations to the dead letter, recomputes the affected views.
  StatusOr<PushApplied> ApplyPushResults(const std::vector<v1::MutationResult>& results, uint64_t hlc,
                                         int64_t now_ms);
  // Stores one pull page (durable at MakeDurable()): upserts server state (tombstones included) where
  // newer, recomputes views, advances the cursor to page.next_cursor. A page
  // carrying the scope stores it and removes local records outside it, except
  // those with unsent edits (kept until those are pushed or rejected).
  Status ApplyPullPage(const v1::PullResponse& page, uint64_t hlc);
  // The same, with each record as its encoding (what Client::Sync pulls): the
  // encodings are stored as they came. A record that is not a well-formed
  // v1::Record refuses the whole page (DATA_LOSS, naming it): nothing of the
  // page is stored and the cursor stays.
  Status ApplyPullPage(const v1::PullPageIn& page, uint64_t hlc);
  // Makes every push result and pull page stored so far durable: one
  // fdatasync of the WAL, none when nothing is owed (a local edit's commit
  // already synced everything before it).
  Status MakeDurable();
  // Removes a dead letter the app has dealt with. NOT_FOUND if absent.
  Status DismissRejected(uint64_t mutation_id);

 private:
  class Impl;
  class DeferredCommit;
  explicit DeviceStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The view of one record: `server` (may be null) with `pending` mutations of
// that record re-applied in order (CREATE sets the body, PATCH copies the
// masked fields, DELETE tombstones). nullopt when nothing exists. Pure;
// exposed for tests and the simulation.
std::optional<ViewRecord> FoldView(const std::string& collection, const std::string& id,
                                   const ViewRecord* server, const std::vector<v1::Mutation>& pending);

}  // namespace inspectsync::storage

#endif  // INSPECTSYNC_STORAGE_DEVICE_STORE_H_
