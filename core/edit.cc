#include "core/edit.h"

#include <google/protobuf/message.h>

#include "core/patch.h"

namespace inspectsync::core {

namespace {

// The base of a PATCH: the values the editor saw in its masked fields. A
// mutation without base_body (an old client) merges against empty values.
const pb::Message& BaseOf(const CollectionSpec& spec, const v1::Mutation& m) {
  if (spec.Holds(m.base_body())) return spec.Get(m.base_body());
  return *pb::MessageFactory::generated_factory()->GetPrototype(spec.descriptor());
}

StatusOr<EditOutcome> ApplyPatchEdit(const CollectionSpec& spec, const v1::Mutation& m, const EditTarget& target,
                                     const Writer& writer, RecordLookup& lookup) {
  EditOutcome out;
  auto mask = ResolveMask(spec, m.mask());  // CheckMutation resolved it already
  if (!mask.ok()) {
    out.rejection = Rejection{v1::INVALID, mask.status().message()};
    return out;
  }
  static const v1::FieldClocks kNoClocks;
  // Transition (from the editor's base), merge, invariants of the result.
  out.merge = MergePatch(spec, *target.current, target.clocks ? *target.clocks : kNoClocks, *mask, BaseOf(spec, m),
                         spec.Get(m.body()), writer, target.context);
  if (out.merge.rejected) {
    out.rejection = Rejection{out.merge.reject_code, out.merge.reason};
    return out;
  }
  // Workflow rules judge only a change that takes effect: a status move that
  // lost the merge to a concurrent one is data, not a move.
  if (!out.merge.changed.empty()) {
    auto rule = CheckChangeRules(spec, m.record_id(), *target.current, *out.merge.merged, lookup);
    if (!rule.ok()) return rule.status();
    if (!rule->ok()) {
      out.rejection = std::move(*rule);
      return out;
    }
  }
  out.restored = PatchRestores(target.deleted);
  return out;
}

}  // namespace

StatusOr<EditOutcome> ApplyEdit(const CollectionSpec& spec, const v1::Mutation& m, const EditTarget& target,
                                const Writer& writer, RecordLookup& lookup) {
  switch (m.op()) {
    case v1::CREATE: {
      EditOutcome out;
      auto rule = CheckCreateRules(spec, m.record_id(), spec.Get(m.body()), lookup);
      if (!rule.ok()) return rule.status();
      out.rejection = std::move(*rule);
      return out;
    }
    case v1::PATCH:
      if (target.current == nullptr) return Internal("a patch needs the record it changes");
      return ApplyPatchEdit(spec, m, target, writer, lookup);
    case v1::DELETE: {
      EditOutcome out;
      out.del = target.deleted                                          ? DeleteDecision::kAlreadyDeleted
                : DeleteLosesToUpdate(target.changed_by_others_since_base) ? DeleteDecision::kLosesToUpdate
                                                                         : DeleteDecision::kTombstone;
      return out;
    }
    default:
      return EditOutcome{Rejection{v1::INVALID, "op must be CREATE, PATCH or DELETE"}, {}, false,
                         DeleteDecision::kNone};
  }
}

bool FoldMutation(const v1::Mutation& m, FoldedRecord* rec) {
  switch (m.op()) {
    case v1::CREATE:
      rec->exists = true;
      rec->body = m.body();
      rec->deleted = false;
      return true;
    case v1::PATCH: {
      const CollectionSpec* spec = FindCollection(m.collection());
      if (!rec->exists || spec == nullptr || !spec->Holds(m.body())) return false;
      auto mask = ResolveMask(*spec, m.mask());
      if (!mask.ok()) return false;
      CopyFields(spec->Get(m.body()), *mask, spec->Mutable(&rec->body));
      if (PatchRestores(rec->deleted)) rec->deleted = false;
      return true;
    }
    case v1::DELETE:
      if (!rec->exists) return false;
      rec->deleted = true;
      return true;
    default:
      return false;
  }
}

}  // namespace inspectsync::core
