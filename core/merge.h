// The three-way merge: one implementation, used by the server for every
// PATCH and by the simulation's oracle. Pure: no clock, no storage.
//
// For each field in the mask, with b = the editor's value before its edit
// (the base), c = the server's current value and n = the incoming value:
//   n == b           the editor did not change it: nothing to do
//   n == c           both sides agree: nothing to do, no conflict
//   c == b           only the editor changed it: take n (lifecycle: if legal)
//   otherwise        both changed it differently: a conflict, settled by the
//                    field's policy (LWW, LIFECYCLE, MAX, REVIEW), or merged
//                    element-wise for SET. Every conflict keeps both values.
// Fields marked (with_lifecycle) are written by status moves: when the
// editor's status move met a concurrent one and won or lost, they take the
// same side, the losing side's values kept as conflicts (options.proto).
#ifndef INSPECTSYNC_CORE_MERGE_H_
#define INSPECTSYNC_CORE_MERGE_H_

#include <memory>
#include <string>
#include <vector>

#include "core/schema.h"
#include "inspectsync/status.h"
#include "inspectsync/v1/sync.pb.h"

namespace inspectsync::core {

// Who wrote a value: LWW orders by (hlc, device_id).
struct Writer {
  uint64_t hlc = 0;
  std::string device_id;
};
// True when `a` wins over `b` under last-writer-wins.
bool LwwWins(const Writer& a, const Writer& b);

Writer FieldWriter(const v1::FieldClocks& clocks, int field_number);
void StampField(v1::FieldClocks* clocks, int field_number, const Writer& w);

struct FieldConflict {
  const FieldSpec* field = nullptr;
  v1::ConflictState state = v1::CONFLICT_AUTO_RESOLVED;
  bool incoming_won = false;
  Writer current_writer;  // who wrote the server's value
  // Records of the collection's type with only this field set.
  std::unique_ptr<pb::Message> base, winner, loser;
};

struct MergeResult {
  bool rejected = false;
  v1::RejectCode reject_code = v1::REJECT_CODE_UNSPECIFIED;
  std::string reason;
  std::unique_ptr<pb::Message> merged;     // the record after the merge
  v1::FieldClocks clocks;                  // field clocks after the merge
  std::vector<const FieldSpec*> changed;   // fields whose value differs from current
  std::vector<FieldConflict> conflicts;
  // Some masked field had been changed differently on the server since the
  // editor's base, so the merge had to combine or choose.
  bool concurrent = false;
};

// Merges a PATCH into `current`. `base` and `incoming` are records of the
// collection's type whose masked fields hold the editor's before and after
// values. The lifecycle and record invariants are checked on the result.
// What the caller knows of the record's history since the editor's base.
struct MergeContext {
  // The finding was REOPENED after the editor's base version: the editor's
  // status move belongs to an earlier rectification round. It loses (kept
  // as the conflict's loser) even where the precedence or a full turn of the
  // cycle back to the editor's status would let it through: a stale PASSED
  // must not close a finding a later verification reopened, nor a stale
  // FAILED reopen a round it never saw.
  bool reopened_since_base = false;
};

MergeResult MergePatch(const CollectionSpec& spec, const pb::Message& current, const v1::FieldClocks& clocks,
                       const std::vector<const FieldSpec*>& mask, const pb::Message& base,
                       const pb::Message& incoming, const Writer& writer, const MergeContext& context = {});

// Per-collection rules on a whole record (e.g. a VOIDED finding has a reason).
Status CheckRecordInvariants(const CollectionSpec& spec, const pb::Message& record);

}  // namespace inspectsync::core

#endif  // INSPECTSYNC_CORE_MERGE_H_
