// SyncEngine: the server half of the sync protocol — push with idempotency
// and three-way merge, pull in pages — over any ServerStore. It knows nothing
// of gRPC, so the gRPC service is a thin adapter and the simulation can drive
// the very same engine over an in-process "network".
//
// Thread-safety: safe to call from several threads; pushes are serialised by
// the store's write transaction, pulls run concurrently.
#ifndef INSPECTSYNC_SERVER_SYNC_ENGINE_H_
#define INSPECTSYNC_SERVER_SYNC_ENGINE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/hlc.h"
#include "core/ids.h"
#include "core/validate.h"
#include "server/access.h"
#include "storage/server_store.h"

namespace inspectsync::server {

// Protocol versions this build serves. A tablet offline for weeks on an old
// app still talks version 1; a newer server keeps serving it.
inline constexpr uint32_t kMinProtocolVersion = 1;
inline constexpr uint32_t kMaxProtocolVersion = 1;

struct EngineOptions {
  core::ValidationLimits limits;
  size_t max_batch = 1000;           // mutations per push
  uint32_t default_page_size = 500;  // records per pull page
  uint32_t max_page_size = 5000;
  // Bytes of records a response carries: a pull page holds records until the
  // next would pass it (always one), a push stops applying its batch once its
  // response reached it (server/byte_budgets.h); feed batches and finding
  // pages too. Every record the schema allows must fit (server/message_limits.h).
  size_t max_page_bytes = 4 << 20;
  int max_scope_keys = 100000;       // keys a device may send as its synced scope
  // A pull still streaming after this long is ended with DEADLINE_EXCEEDED
  // (the device keeps its pages and resumes): a stalled reader must not hold
  // a store connection forever. 0 = no limit.
  int64_t max_call_ms = 10 * 60 * 1000;
  core::Clock* clock = core::SystemClock();
  uint64_t id_seed = 0;              // conflict ids; the simulation fixes it
};

// Who is calling, as authenticated by the service (a verified token). Versions
// record these, never what a client claims. An empty role is an in-process
// caller without a token (the simulation, engine tests, tools): it may do
// everything, and an empty device falls back to the mutation's client_id.
// The gRPC service never produces one: every token carries a known role.
struct Caller {
  Caller() = default;
  explicit Caller(std::string u, std::string r = "", std::string d = "")
      : user(std::move(u)), role(std::move(r)), device(std::move(d)) {}
  std::string user;
  std::string role;
  std::string device;
};

// How WriteAll treats its mutations.
struct WriteOptions {
  // A PATCH that changes nothing still writes a version (same body, the
  // caller as its author, the masked fields stamped with the server's clock):
  // a decision to keep what is there is recorded in history and reaches the
  // tablets like any change.
  bool version_unchanged = false;
  // Most mutations one call may write; 0 = EngineOptions::max_batch. Imports
  // of a district's register raise it (their rows are bounded by the import).
  size_t max_mutations = 0;
  // When a mutation is refused, receives its index (imports map it to the
  // line of their file).
  size_t* refused_index = nullptr;
};

// Runs inside WriteAll's transaction after every mutation applied, with
// their results; an error rolls everything back.
using WriteExtra = std::function<Status(storage::ServerWriteTxn&, const std::vector<v1::MutationResult>&)>;

// A pull in progress: what the caller may see and how far the stream got.
// First older records of scopes the device newly gained (backfill), then the
// changes after its cursor (feed); the first feed page carries the scope.
struct PullPlan {
  uint64_t head = 0;     // the pull stops here
  uint64_t cursor = 0;   // the device's cursor: backfill covers <= it, the feed > it
  Scope scope;           // the caller's scope now
  bool backfilling = false;
  storage::ScopeFilter backfill;  // scopes to backfill
  uint64_t backfill_after = 0;    // last version sent by the backfill
  bool scope_sent = false;
  bool done = false;
  int64_t deadline_ms = 0;  // engine clock; 0 = none (EngineOptions::max_call_ms)
};

class SyncEngine {
 public:
  SyncEngine(storage::ServerStore* store, EngineOptions options);

  // FAILED_PRECONDITION naming the supported versions if `v` is not one.
  Status CheckProtocol(uint32_t v) const;

  // Applies a batch in one durable transaction. Request-level problems
  // (protocol, batch size, client ids out of order) fail the call and change
  // nothing; a problem with one mutation is that mutation's REJECTED result.
  StatusOr<v1::PushResponse> Push(const v1::PushRequest& req, const Caller& caller);
  // Server-side writes (the office resolving a conflict, imports): `mutations` go
  // through the same validation, access rules, workflow rules and merge as a
  // push, in ONE durable transaction that commits only if every one is
  // APPLIED or MERGED; otherwise nothing is written and the error names the
  // refused mutation and why (INVALID_ARGUMENT, NOT_FOUND, PERMISSION_DENIED,
  // FAILED_PRECONDITION for lifecycle and workflow rules, ABORTED for a
  // conflict). The server fills in what a device would: a client id of its
  // own per call (a fresh UUIDv7, so the idempotency ledger of devices is
  // untouched and history names each call), mutation ids 1..n and HLCs from
  // the engine's clock. An edit is made on the record as it is now: a PATCH's
  // or DELETE's base_version and base_body are taken from the current record
  // inside the transaction (what the caller passed there is ignored), so it
  // applies as written. A PATCH of a deleted record is FAILED_PRECONDITION
  // (a server-side edit does not bring a record back). `extra` runs last in
  // the same transaction. Results are not kept in the ledger: nobody replays
  // them.
  StatusOr<std::vector<v1::MutationResult>> WriteAll(std::vector<v1::Mutation> mutations, const Caller& caller,
                                                     const WriteExtra& extra = nullptr,
                                                     const WriteOptions& write_options = {});

  // Validates a pull, resolves the caller's scope and plans the stream.
  StatusOr<PullPlan> StartPull(const v1::PullRequest& req, const Caller& caller);
  // The next page of `plan`; sets plan->done after the last one. Records
  // outside the caller's scope are never in a page, whatever the request says.
  StatusOr<v1::PullResponse> NextPage(const v1::PullRequest& req, PullPlan* plan);
  // The same page as its wire twin (it encodes as the PullResponse NextPage
  // returns), with every stored body moved in as it is, never parsed: what
  // the gRPC service sends. `page` is cleared first (reuse one per call).
  Status NextPageOut(const v1::PullRequest& req, PullPlan* plan, v1::PullPageOut* page);

  // The scope `caller` has now.
  StatusOr<Scope> ScopeOf(const Caller& caller);
  // Whether the office's user directory lets `caller` in now
  // (ScopeResolver::CheckUser): PERMISSION_DENIED for a deactivated or
  // removed user, or a token whose role the user no longer has.
  Status CheckCaller(const Caller& caller);

  // Commit notification, so the change feed follows commits within
  // milliseconds instead of polling: `fn` runs on the writing thread after
  // every successful write (the store's head already includes it). Keep it
  // short and do not call back into the engine from it.
  uint64_t AddCommitListener(std::function<void()> fn);
  // After this returns, the listener is not running and never runs again.
  void RemoveCommitListener(uint64_t id);

  uint64_t NowHlc() { return hlc_.Now(); }
  // A new record id (UUIDv7) from the engine's generator, for records the
  // server creates (server/office_writes.h): seeded by EngineOptions::id_seed,
  // so a simulation run stays reproducible.
  std::string NewRecordId() { return ids_.NewUuidV7(); }
  const EngineOptions& options() const { return options_; }
  storage::ServerStore* store() { return store_; }

 private:
  // The rows of the next page of `plan`, and whether more follow.
  Status ReadPage(const v1::PullRequest& req, PullPlan* plan, std::vector<storage::StoredRecord>* rows, bool* more);
  template <class Page>
  void FinishPage(PullPlan* plan, uint64_t last_version, bool more, Page* page);
  StatusOr<v1::MutationResult> Apply(storage::ServerWriteTxn& txn, const v1::Mutation& m, const Caller& caller,
                                     Role role, const Scope& scope, int64_t now_ms);
  StatusOr<v1::MutationResult> ApplyCreate(storage::ServerWriteTxn& txn, const v1::Mutation& m, const Caller& caller,
                                           const core::CollectionSpec& spec,
                                           const std::optional<storage::StoredRecord>& cur, const Scope& scope);
  StatusOr<v1::MutationResult> ApplyPatch(storage::ServerWriteTxn& txn, const v1::Mutation& m, const Caller& caller,
                                          const core::CollectionSpec& spec, const storage::StoredRecord& cur,
                                          const Scope& scope);
  StatusOr<v1::MutationResult> ApplyDelete(storage::ServerWriteTxn& txn, const v1::Mutation& m, const Caller& caller,
                                           const core::CollectionSpec& spec, const storage::StoredRecord& cur,
                                           const Scope& scope);

  // Stores a conflict the merge found, with the server's time and the
  // author of each side (the current side knows only its writer's device).
  Status RecordConflict(storage::ServerWriteTxn& txn, v1::Conflict* c);
  // WriteAll: a version of an unchanged record, by the caller (WriteOptions::version_unchanged).
  Status AppendUnchanged(storage::ServerWriteTxn& txn, const v1::Mutation& m, const Caller& caller,
                         v1::MutationResult* r);
  // Tells the commit listeners. Every successful store Write of the engine
  // calls it (Push; any other write path must too).
  void NotifyCommitted();
  // Records when `client_id` last pulled and as whom, for the office's device
  // list (office.proto ListDevices): at most once a minute per client, so a
  // pull costs a write only that often. Best effort: a failed note never
  // fails the pull.
  void NotePull(const std::string& client_id, const Caller& caller);

  storage::ServerStore* store_;
  EngineOptions options_;
  std::mutex listeners_mu_;
  std::map<uint64_t, std::function<void()>> listeners_;
  uint64_t next_listener_ = 1;
  core::Hlc hlc_;
  core::IdGenerator ids_;
  ScopeResolver scopes_;
  std::mutex pulls_mu_;
  std::map<std::string, int64_t> pulls_noted_;  // client id -> when its pull was last recorded
};

// A record as sent on the wire, from its stored form.
Status ToWireRecord(const storage::StoredRecord& stored, v1::Record* out);
// The same record as a RecordOut (its body moved out of `stored`, not parsed).
Status ToRecordOut(storage::StoredRecord&& stored, v1::RecordOut* out);

}  // namespace inspectsync::server

#endif  // INSPECTSYNC_SERVER_SYNC_ENGINE_H_
