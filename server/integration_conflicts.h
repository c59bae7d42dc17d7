// Conflict review for the district office (IntegrationService ListConflicts
// and ResolveConflict; integration.proto), without gRPC: the service adapts
// these, and the tests and the simulation call them directly.
//
// What there is to review: the merge records a v1::Conflict for every field
// two sides changed differently (server/sync_engine.cc): CONFLICT_OPEN for
// fields of REVIEW policy (a finding's description, void_reason,
// verification_note; an inspection's notes; a notice's text), where the
// newer edit was kept but a person should look; CONFLICT_AUTO_RESOLVED for
// the others, settled by their policy and kept for audit.
//
// Resolving one writes the chosen value (the winner, the loser, or a new
// one) as a NEW VERSION of the record: the caller's edit of that one field,
// made on the record as it is now, through SyncEngine::WriteAll, so the same
// validation, lifecycle and workflow rules hold as for a push. The conflict
// is marked RESOLVED (who, when, the version, the note) in the same
// transaction. Keeping the winner writes a version too, even when the value
// is already there: the decision is in history under the resolver's name and
// the tablets pull it like any change. Conflicts of an update racing a delete
// (field "deleted") are audit records of a settled outcome, not values:
// resolving them is FAILED_PRECONDITION.
//
// Callers: listing is for every role, an inspector's or zone director's
// query narrowed to their scope (the sites and zones their assignments give
// them, as their pulls: server/access.h); naming a site or zone outside it
// is PERMISSION_DENIED naming it. Resolving is for roles office and
// integration, or in-process (empty role); others get PERMISSION_DENIED.
// Times are the engine's clock.
//
// Thread-safety: as SyncEngine.
#ifndef INSPECTSYNC_SERVER_INTEGRATION_CONFLICTS_H_
#define INSPECTSYNC_SERVER_INTEGRATION_CONFLICTS_H_

#include "inspectsync/v1/integration.pb.h"
#include "server/sync_engine.h"

namespace inspectsync::server {

inline constexpr uint32_t kDefaultConflictPage = 100;
inline constexpr uint32_t kMaxConflictPage = 1000;
inline constexpr size_t kMaxResolutionNoteChars = 1000;

// Conflicts matching `query`, oldest first (by the version the merge made,
// then id); states empty = OPEN only. Sites and zones filter by the record's
// scope (a zone: its sites and the zone itself); both given = both must hold.
// Rows carry the names of site, zone, record and people (ConflictRow 10..16).
// INVALID_ARGUMENT for a bad query or page token; PERMISSION_DENIED for a
// scoped caller's site or zone outside their scope.
StatusOr<v1::ConflictPage> ListConflicts(SyncEngine* engine, const Caller& caller, const v1::ConflictQuery& query);

// Settles one conflict (see above). NOT_FOUND for an unknown id;
// FAILED_PRECONDITION if it is resolved already (naming by whom and when),
// its record is gone or deleted, the value breaks a lifecycle or workflow
// rule, or a later conflict on the same field was resolved since and this
// value would overwrite that decision (naming it; keeping the field's
// current value is accepted, so the older conflict can still be closed); INVALID_ARGUMENT for a value that is not one field of the conflict's
// collection within its limits, or a note over 1000 characters.
StatusOr<v1::ResolveConflictResponse> ResolveConflict(SyncEngine* engine, const Caller& caller,
                                                      const v1::ResolveConflictRequest& request);

// "c1.<version>.<id>": where the next page starts.
std::string EncodeConflictToken(uint64_t version, const std::string& id);

}  // namespace inspectsync::server

#endif  // INSPECTSYNC_SERVER_INTEGRATION_CONFLICTS_H_
