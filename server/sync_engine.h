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
#include <memory>
#include <string>

#include "core/clock.h"
#include "core/hlc.h"
#include "core/ids.h"
#include "core/validate.h"
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
  core::Clock* clock = core::SystemClock();
  uint64_t id_seed = 0;              // conflict ids; the simulation fixes it
};

// Who is calling, as authenticated by the service (a verified token). Versions
// record these, never what a client claims. Empty fields (the simulation and
// engine tests, which run without tokens) fall back to the mutation's client_id.
struct Caller {
  Caller() = default;
  explicit Caller(std::string u, std::string r = "", std::string d = "")
      : user(std::move(u)), role(std::move(r)), device(std::move(d)) {}
  std::string user;
  std::string role;
  std::string device;
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

  // Validates a pull and returns the head it will stop at.
  StatusOr<uint64_t> StartPull(const v1::PullRequest& req, const Caller& caller);
  // One page of records with cursor < version <= head.
  StatusOr<v1::PullResponse> PullPage(const v1::PullRequest& req, uint64_t cursor, uint64_t head);

  uint64_t NowHlc() { return hlc_.Now(); }
  storage::ServerStore* store() { return store_; }

 private:
  StatusOr<v1::MutationResult> Apply(storage::ServerWriteTxn& txn, const v1::Mutation& m, const Caller& caller,
                                     int64_t now_ms);
  StatusOr<v1::MutationResult> ApplyCreate(storage::ServerWriteTxn& txn, const v1::Mutation& m, const Caller& caller,
                                           const core::CollectionSpec& spec,
                                           const std::optional<storage::StoredRecord>& cur);
  StatusOr<v1::MutationResult> ApplyPatch(storage::ServerWriteTxn& txn, const v1::Mutation& m, const Caller& caller,
                                          const core::CollectionSpec& spec, const storage::StoredRecord& cur);
  StatusOr<v1::MutationResult> ApplyDelete(storage::ServerWriteTxn& txn, const v1::Mutation& m, const Caller& caller,
                                           const core::CollectionSpec& spec, const storage::StoredRecord& cur);

  storage::ServerStore* store_;
  EngineOptions options_;
  core::Hlc hlc_;
  core::IdGenerator ids_;
};

// A record as sent on the wire, from its stored form.
Status ToWireRecord(const storage::StoredRecord& stored, v1::Record* out);

}  // namespace inspectsync::server

#endif  // INSPECTSYNC_SERVER_SYNC_ENGINE_H_
