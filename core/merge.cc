#include "core/merge.h"

#include <algorithm>
#include <set>

#include "core/lifecycle.h"
#include "core/patch.h"

namespace inspectsync::core {

bool LwwWins(const Writer& a, const Writer& b) {
  if (a.hlc != b.hlc) return a.hlc > b.hlc;
  return a.device_id > b.device_id;
}

Writer FieldWriter(const v1::FieldClocks& clocks, int field_number) {
  for (const auto& fc : clocks.fields())
    if (static_cast<int>(fc.field()) == field_number) return Writer{fc.hlc(), fc.device_id()};
  return Writer{clocks.created_hlc(), clocks.created_device_id()};
}

void StampField(v1::FieldClocks* clocks, int field_number, const Writer& w) {
  for (auto& fc : *clocks->mutable_fields()) {
    if (static_cast<int>(fc.field()) == field_number) {
      fc.set_hlc(w.hlc);
      fc.set_device_id(w.device_id);
      return;
    }
  }
  auto* fc = clocks->add_fields();
  fc->set_field(static_cast<uint32_t>(field_number));
  fc->set_hlc(w.hlc);
  fc->set_device_id(w.device_id);
}

Status CheckRecordInvariants(const CollectionSpec& spec, const pb::Message& record) {
  if (spec.descriptor() == v1::Finding::descriptor())
    return CheckFindingInvariants(static_cast<const v1::Finding&>(record));
  return Status::Ok();
}

namespace {

FindingStatus StatusOf(const pb::Message& m, const pb::FieldDescriptor* f) {
  return static_cast<FindingStatus>(m.GetReflection()->GetEnumValue(m, f));
}

// a > b for MAX: numbers by value, enums by number, strings lexically.
bool Greater(const pb::Message& a, const pb::Message& b, const pb::FieldDescriptor* f) {
  const pb::Reflection* ra = a.GetReflection();
  const pb::Reflection* rb = b.GetReflection();
  switch (f->cpp_type()) {
    case pb::FieldDescriptor::CPPTYPE_ENUM: return ra->GetEnumValue(a, f) > rb->GetEnumValue(b, f);
    case pb::FieldDescriptor::CPPTYPE_INT32: return ra->GetInt32(a, f) > rb->GetInt32(b, f);
    case pb::FieldDescriptor::CPPTYPE_INT64: return ra->GetInt64(a, f) > rb->GetInt64(b, f);
    case pb::FieldDescriptor::CPPTYPE_UINT32: return ra->GetUInt32(a, f) > rb->GetUInt32(b, f);
    case pb::FieldDescriptor::CPPTYPE_UINT64: return ra->GetUInt64(a, f) > rb->GetUInt64(b, f);
    case pb::FieldDescriptor::CPPTYPE_DOUBLE: return ra->GetDouble(a, f) > rb->GetDouble(b, f);
    case pb::FieldDescriptor::CPPTYPE_FLOAT: return ra->GetFloat(a, f) > rb->GetFloat(b, f);
    case pb::FieldDescriptor::CPPTYPE_BOOL: return ra->GetBool(a, f) && !rb->GetBool(b, f);
    case pb::FieldDescriptor::CPPTYPE_STRING: return ra->GetString(a, f) > rb->GetString(b, f);
    default: return false;
  }
}

// Whether `to` follows `from` by one or more legal moves (the lifecycle has
// one cycle, REOPENED -> IN_RECTIFICATION -> RECTIFIED -> REOPENED).
bool Reachable(FindingStatus from, FindingStatus to) {
  std::vector<FindingStatus> todo = NextStatuses(from);
  std::vector<FindingStatus> seen;
  while (!todo.empty()) {
    FindingStatus s = todo.back();
    todo.pop_back();
    if (s == to) return true;
    if (std::find(seen.begin(), seen.end(), s) != seen.end()) continue;
    seen.push_back(s);
    for (FindingStatus n : NextStatuses(s)) todo.push_back(n);
  }
  return false;
}

std::unique_ptr<pb::Message> OnlyField(const pb::Message& src, const pb::FieldDescriptor* f) {
  std::unique_ptr<pb::Message> m(src.New());
  CopyField(src, f, m.get());
  return m;
}

// Three-way set merge: current plus the editor's additions, minus its removals.
std::vector<std::string> MergeSet(const std::vector<std::string>& base, const std::vector<std::string>& current,
                                  const std::vector<std::string>& incoming) {
  std::set<std::string> b(base.begin(), base.end()), n(incoming.begin(), incoming.end());
  std::vector<std::string> out;
  std::set<std::string> have;
  for (const auto& s : current)
    if (!(b.count(s) && !n.count(s)) && have.insert(s).second) out.push_back(s);  // drop editor's removals
  for (const auto& s : incoming)
    if (!b.count(s) && have.insert(s).second) out.push_back(s);  // add editor's additions
  return out;
}

// Keeps both values of a field the merge had to choose for.
void AddConflict(MergeResult& r, const FieldSpec* fs, v1::ConflictState state, bool incoming_won,
                 const Writer& current_writer, const pb::Message& base, const pb::Message& current,
                 const pb::Message& incoming) {
  FieldConflict fc;
  fc.field = fs;
  fc.state = state;
  fc.incoming_won = incoming_won;
  fc.current_writer = current_writer;
  fc.base = OnlyField(base, fs->field);
  fc.winner = OnlyField(incoming_won ? incoming : current, fs->field);
  fc.loser = OnlyField(incoming_won ? current : incoming, fs->field);
  r.conflicts.push_back(std::move(fc));
  r.concurrent = true;
}

// A (with_lifecycle) field of an edit whose status move met a concurrent
// one: it goes with the status that won, so a REOPENED finding never names
// the PASSED verification that lost. A losing move loses here even where the
// server kept the base value; the field's policy still says whether the
// conflict stays open for a person.
void FollowStatus(MergeResult& r, const FieldSpec* fs, bool incoming_wins, bool concurrent, const Writer& cur_writer,
                  const Writer& writer, const pb::Message& base, const pb::Message& current,
                  const pb::Message& incoming) {
  if (concurrent || !incoming_wins)
    AddConflict(r, fs, fs->policy == v1::REVIEW ? v1::CONFLICT_OPEN : v1::CONFLICT_AUTO_RESOLVED, incoming_wins,
                cur_writer, base, current, incoming);
  if (incoming_wins) {
    CopyField(incoming, fs->field, r.merged.get());
    StampField(&r.clocks, fs->field->number(), writer);
  }
}

// How the editor's status move fared against a concurrent one: what the
// (with_lifecycle) fields follow.
enum class StatusMove { kUncontested, kWon, kLost };

}  // namespace

MergeResult MergePatch(const CollectionSpec& spec, const pb::Message& current, const v1::FieldClocks& clocks,
                       const std::vector<const FieldSpec*>& mask, const pb::Message& base,
                       const pb::Message& incoming, const Writer& writer, const MergeContext& context) {
  MergeResult r;
  r.merged.reset(current.New());
  r.merged->CopyFrom(current);
  r.clocks = clocks;
  auto reject = [&](v1::RejectCode code, std::string why) {
    r.rejected = true;
    r.reject_code = code;
    r.reason = std::move(why);
    return std::move(r);
  };

  // The status first: the fields its move wrote with it follow its outcome.
  std::vector<const FieldSpec*> ordered = mask;
  std::stable_partition(ordered.begin(), ordered.end(), [&](const FieldSpec* fs) { return fs == spec.lifecycle_field(); });
  StatusMove move = StatusMove::kUncontested;

  for (const FieldSpec* fs : ordered) {
    const pb::FieldDescriptor* f = fs->field;
    if (FieldEquals(incoming, base, *fs)) continue;    // editor did not change it
    bool lifecycle = fs == spec.lifecycle_field();
    if (lifecycle) {
      // The editor's own move must be legal from what it saw, whatever happened since.
      FindingStatus from = StatusOf(base, f), to = StatusOf(incoming, f);
      if (!IsLegalTransition(from, to)) return reject(v1::ILLEGAL_TRANSITION, DescribeIllegalTransition(from, to));
    }
    if (FieldEquals(incoming, current, *fs)) continue;  // both sides agree
    bool concurrent = !FieldEquals(current, base, *fs);
    Writer cur_writer = FieldWriter(clocks, f->number());
    if (lifecycle && context.reopened_since_base) {
      // A move from an earlier rectification round: the current round stands.
      AddConflict(r, fs, v1::CONFLICT_AUTO_RESOLVED, false, cur_writer, base, current, incoming);
      move = StatusMove::kLost;
      continue;
    }
    if (lifecycle && concurrent && !Reachable(StatusOf(base, f), StatusOf(current, f))) {
      // Not a concurrent move from the editor's status: the server never
      // went through it (an earlier edit of the editor's, e.g. the notice
      // that moved it, was refused). Its move cannot apply here; letting the
      // precedence pick it would jump the lifecycle (OPEN -> RECTIFIED).
      return reject(v1::ILLEGAL_TRANSITION,
                    "the finding is " + StatusName(StatusOf(current, f)) + " on the server, which cannot follow " +
                        StatusName(StatusOf(base, f)) + " (the status this edit was made on; was an earlier edit " +
                        "of it refused?), so the move " + StatusName(StatusOf(base, f)) + " -> " +
                        StatusName(StatusOf(incoming, f)) + " does not apply");
    }

    if (fs->with_lifecycle && move != StatusMove::kUncontested) {
      FollowStatus(r, fs, move == StatusMove::kWon, concurrent, cur_writer, writer, base, current, incoming);
      continue;
    }

    if (!concurrent) {
      CopyField(incoming, f, r.merged.get());
      StampField(&r.clocks, f->number(), writer);
      continue;
    }
    r.concurrent = true;

    if (fs->policy == v1::SET) {
      std::vector<std::string> merged = MergeSet(GetStrings(base, f), GetStrings(current, f), GetStrings(incoming, f));
      // Both sides' additions together may pass the limit each side kept to.
      if (merged.size() > fs->max_items)
        return reject(v1::INVALID, "merging '" + f->name() + "' with concurrent changes would give " +
                                       std::to_string(merged.size()) + " items; the limit is " +
                                       std::to_string(fs->max_items));
      SetStrings(r.merged.get(), f, merged);
      StampField(&r.clocks, f->number(), writer);
      continue;
    }

    bool incoming_wins = false;
    v1::ConflictState state = v1::CONFLICT_AUTO_RESOLVED;
    switch (fs->policy) {
      case v1::LIFECYCLE:
        if (lifecycle) {
          // Both moved from the base. The precedence is a total order, so the
          // outcome does not depend on which edit reached the server first.
          incoming_wins = LifecyclePrecedence(StatusOf(incoming, f)) > LifecyclePrecedence(StatusOf(current, f));
        } else {
          incoming_wins = LwwWins(writer, cur_writer);
        }
        break;
      case v1::MAX:
        incoming_wins = Greater(incoming, current, f);
        break;
      case v1::REVIEW:
        state = v1::CONFLICT_OPEN;
        incoming_wins = LwwWins(writer, cur_writer);
        break;
      case v1::LWW:
      default:
        incoming_wins = LwwWins(writer, cur_writer);
        break;
    }
    if (lifecycle) move = incoming_wins ? StatusMove::kWon : StatusMove::kLost;
    AddConflict(r, fs, state, incoming_wins, cur_writer, base, current, incoming);
    if (incoming_wins) {
      CopyField(incoming, f, r.merged.get());
      StampField(&r.clocks, f->number(), writer);
    }
  }

  Status inv = CheckRecordInvariants(spec, *r.merged);
  if (!inv.ok()) return reject(v1::INVALID, inv.message());
  // Only masked fields can differ (merged began as a copy of current):
  // comparing the others too was a third of the merge's cost.
  for (const auto& f : spec.fields())
    if (std::find(mask.begin(), mask.end(), &f) != mask.end() && !FieldEquals(current, *r.merged, f))
      r.changed.push_back(&f);
  return r;
}

}  // namespace inspectsync::core
