// The one pipeline every edit of a record goes through, on the tablet before
// it is queued (client-sdk: Client::Create/Update/Delete, IssueNotice,
// Verify) and on the server when it is pushed or written by the office
// (SyncEngine::Apply, WriteAll). Both call these functions, so the order of
// the rules and their words are the same on both sides by construction:
//
//   1. CheckMutation   the mutation alone (validate.h): ids, op, mask, values,
//                      a create's initial lifecycle status, scope and invariants
//      ... the caller's own gates: the server's role and scope checks, both
//          sides' "does the record exist" ...
//   2. ApplyEdit       against the record as it stands:
//        CREATE        workflow rules on the new record (workflow.h)
//        PATCH         the lifecycle transition from the editor's base, the
//                      three-way merge and the record's invariants on its
//                      result (merge.h: MergePatch), then the workflow rules
//                      on the change it makes; a tombstone comes back
//        DELETE        update-vs-delete
//
// Update-vs-delete (DESIGN.md "Push"): the update wins and the record is
// restored, with a conflict. PatchRestores / DeleteLosesToUpdate below are
// where that rule lives; the device's view of its own pending edits folds by
// FoldMutation, which follows it too.
//
// Thread-safety: pure functions over their arguments (the RecordLookup is
// the caller's).
#ifndef INSPECTSYNC_CORE_EDIT_H_
#define INSPECTSYNC_CORE_EDIT_H_

#include <cstdint>

#include "core/merge.h"
#include "core/rejection.h"
#include "core/schema.h"
#include "core/validate.h"
#include "core/workflow.h"
#include "inspectsync/v1/sync.pb.h"

namespace inspectsync::core {

// Step 1: the checks of mutation `m` alone, before anything is read.
inline Rejection CheckMutation(const v1::Mutation& m, const ValidationLimits& limits, int64_t now_ms) {
  return ValidateMutation(m, limits, now_ms);
}

// The record an edit applies to, as the caller holds it.
struct EditTarget {
  // The record's body (a tombstone keeps its last live body); nullptr for a
  // CREATE. REQUIRES for PATCH: not null (a DELETE is decided without it).
  const pb::Message* current = nullptr;
  bool deleted = false;
  // The record's field clocks (the server's); empty on a device, whose own
  // edits are never concurrent with each other.
  const v1::FieldClocks* clocks = nullptr;
  // PATCH: what the caller knows of the record's history since the base.
  MergeContext context;
  // DELETE: someone else changed the record since the deleter's base.
  bool changed_by_others_since_base = false;
};

enum class DeleteDecision {
  kNone,              // not a DELETE
  kTombstone,         // the record becomes a tombstone
  kAlreadyDeleted,    // nothing to do
  kLosesToUpdate,     // update-vs-delete: the record stays; the deletion is the conflict's loser
};

struct EditOutcome {
  Rejection rejection;  // !ok(): refused, nothing changes
  // PATCH: the record after the merge, its clocks, changed fields, conflicts.
  MergeResult merge;
  // PATCH of a tombstone: the record comes back (update-vs-delete).
  bool restored = false;
  DeleteDecision del = DeleteDecision::kNone;
};

// Step 2 for mutation `m` (which passed CheckMutation) of a record of `spec`
// that is `target`, by `writer`. Workflow rules read other records through
// `lookup`. An error is the lookup's (storage), never a rule.
StatusOr<EditOutcome> ApplyEdit(const CollectionSpec& spec, const v1::Mutation& m, const EditTarget& target,
                                const Writer& writer, RecordLookup& lookup);

// Update-vs-delete, the update's side: a PATCH of a deleted record restores it.
inline bool PatchRestores(bool deleted) { return deleted; }
// Update-vs-delete, the delete's side: a DELETE made on a version that
// someone else has changed since loses to that change.
inline bool DeleteLosesToUpdate(bool changed_by_others_since_base) { return changed_by_others_since_base; }

// A record as a device shows it: the server's state with its own pending
// edits folded in.
struct FoldedRecord {
  bool exists = false;
  bool deleted = false;
  v1::RecordBody body;
};

// Folds mutation `m` into `rec`: CREATE sets the body, PATCH copies the
// masked fields (and restores a tombstone: update-vs-delete), DELETE makes a
// tombstone. Returns false when `m` cannot show (a patch or delete of a
// record the device never had, a body of another collection, a bad mask):
// the server will refuse it, and the dead letter will say why.
bool FoldMutation(const v1::Mutation& m, FoldedRecord* rec);

}  // namespace inspectsync::core

#endif  // INSPECTSYNC_CORE_EDIT_H_
