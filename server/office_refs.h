// What the office's writes (server/office_writes.h) share: the role gate,
// references by code or id resolved to live records, the mutations they
// build, and the time checks. Internal to server/office_*.cc.
//
// Thread-safety: stateless functions over the engine's store.
#ifndef INSPECTSYNC_SERVER_OFFICE_REFS_H_
#define INSPECTSYNC_SERVER_OFFICE_REFS_H_

#include <initializer_list>
#include <string>
#include <vector>

#include "server/access.h"
#include "server/sync_engine.h"

namespace inspectsync::server::office {

// PERMISSION_DENIED unless the caller's role is one of `roles` (an
// in-process caller without a role always passes). `what` names the
// operation for the message ("creating a team").
Status RequireRole(const Caller& caller, std::initializer_list<Role> roles, const std::string& what);

// A live record and its parsed body.
struct Found {
  storage::StoredRecord rec;
  v1::RecordBody body;
};

// The live record of `collection` that `ref` names: a record id, or for
// zones, sites and users the office's code (core::ResolveImportRef), for
// teams and campaigns their exact name (INVALID_ARGUMENT when two live ones
// have it). Records outside `scope` read as missing. NOT_FOUND naming
// `field` and the value.
StatusOr<Found> Resolve(SyncEngine* engine, const std::string& collection, const std::string& ref,
                        const std::string& field, const Scope* scope = nullptr);

// The name people know a zone, site, user, team or campaign by, deleted or
// not; "" when there is no such record (or it has no name).
std::string NameOf(SyncEngine* engine, const std::string& collection, const std::string& id);

// "site 'PS-1' (No. 1 Primary)" and friends, for messages.
std::string Describe(const std::string& kind, const std::string& ref, const std::string& name);

v1::Mutation CreateMutation(const std::string& collection, const std::string& id, v1::RecordBody body);
v1::Mutation PatchMutation(const std::string& collection, const std::string& id, v1::RecordBody values,
                           const std::vector<std::string>& fields);

// INVALID_ARGUMENT unless `ms` is a time the schema allows and after `now_ms`.
Status CheckFuture(const std::string& field, int64_t ms, int64_t now_ms);

// The version WriteAll gave record `id`, from its results (0 if absent).
uint64_t VersionOf(const std::vector<v1::MutationResult>& results, const std::string& id);

}  // namespace inspectsync::server::office

#endif  // INSPECTSYNC_SERVER_OFFICE_REFS_H_
