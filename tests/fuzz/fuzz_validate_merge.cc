// Fuzz target: mutation validation and the three-way merge (core/ only).
//
// Input: a serialized inspectsync.fuzz.MergeInput — a Mutation as a device
// sends it, plus the server's current record and field clocks. Runs
// core::ValidateMutation; when the mutation is a valid PATCH and `current`
// holds a valid record of the same collection, runs core::MergePatch the way
// server::SyncEngine::ApplyPatch does and checks:
//   - validation and merge are deterministic and never modify their inputs;
//   - an accepted mutation satisfies what validation promises (ids, HLC drift,
//     op rules, CREATE bodies valid and in an initial status);
//   - a rejected merge carries a code and a reason and reports no change;
//   - an accepted merge yields a record that passes core::ValidateFields and
//     core::CheckRecordInvariants, touches only masked fields, stamps the
//     clock of every field it changed with the writer and no other, and
//     `changed` equals core::ChangedFields(current, merged);
//   - every conflict is on a masked, non-SET field, at most one per field,
//     with distinct winner and loser values, the winner's value the one that
//     stands, the loser's the other side's, and the base the editor's base;
//     REVIEW conflicts stay open, the rest are auto-resolved; MAX and
//     LIFECYCLE pick the greater value / further status; LWW and REVIEW the
//     later writer, except a (with_lifecycle) field of a contested status
//     move, which takes the status's side;
//   - what validation accepts, and what a merge produces, is within the
//     schema's size bounds (core/record_bounds.h).
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "core/hlc.h"
#include "core/ids.h"
#include "core/lifecycle.h"
#include "core/merge.h"
#include "core/patch.h"
#include "core/record_bounds.h"
#include "core/schema.h"
#include "core/validate.h"
#include "fuzz_inputs.pb.h"
#include "fuzz_util.h"

namespace {

using namespace inspectsync;  // NOLINT
namespace pb = google::protobuf;
using fuzz::kNowMs;

std::string Names(const std::vector<const core::FieldSpec*>& fields) {
  std::string out;
  for (const auto* f : fields) out += (out.empty() ? "" : ",") + f->field->name();
  return out;
}

bool InMask(const std::vector<const core::FieldSpec*>& mask, const core::FieldSpec* f) {
  for (const auto* m : mask)
    if (m == f) return true;
  return false;
}

// The only fields set in `m` are `f` (or none: the default value).
bool OnlyFieldSet(const pb::Message& m, const pb::FieldDescriptor* f) {
  std::vector<const pb::FieldDescriptor*> set;
  m.GetReflection()->ListFields(m, &set);
  return set.empty() || (set.size() == 1 && set[0] == f);
}

std::string Serialize(const pb::Message& m) {
  std::string s;
  m.SerializeToString(&s);
  return s;
}

std::string Describe(const core::MergeResult& r) {
  std::string s = "rejected=" + std::to_string(r.rejected) + " code=" + v1::RejectCode_Name(r.reject_code) +
                  " reason='" + r.reason + "' changed=[" + Names(r.changed) +
                  "] conflicts=" + std::to_string(r.conflicts.size()) + " concurrent=" + std::to_string(r.concurrent);
  if (r.merged) s += "\n  merged: " + r.merged->ShortDebugString();
  return s;
}

// Everything observable of a merge result, for the determinism check.
std::string Fingerprint(const core::MergeResult& r) {
  std::string s = Describe(r) + "|" + Serialize(r.clocks);
  if (r.merged) s += "|" + Serialize(*r.merged);
  for (const auto& c : r.conflicts)
    s += "|" + c.field->field->name() + ":" + std::to_string(c.state) + ":" + std::to_string(c.incoming_won) + ":" +
         std::to_string(c.current_writer.hlc) + ":" + c.current_writer.device_id + ":" + Serialize(*c.base) + ":" +
         Serialize(*c.winner) + ":" + Serialize(*c.loser);
  return s;
}

void CheckAcceptedMutation(const v1::Mutation& m) {
  FUZZ_CHECK(core::IsUuid(m.client_id()), "accepted a bad client_id: " + m.ShortDebugString());
  FUZZ_CHECK(core::IsUuid(m.record_id()), "accepted a bad record_id: " + m.ShortDebugString());
  FUZZ_CHECK(m.mutation_id() > 0, "accepted mutation_id 0");
  FUZZ_CHECK(m.hlc() != 0, "accepted a mutation without hlc");
  FUZZ_CHECK(core::Hlc::Millis(m.hlc()) - kNowMs <= fuzz::kDriftMs,
             "accepted an HLC beyond the drift limit: " + core::Hlc::Format(m.hlc()));
  const core::CollectionSpec* spec = core::FindCollection(m.collection());
  FUZZ_CHECK(spec != nullptr, "accepted unknown collection '" + m.collection() + "'");
  switch (m.op()) {
    case v1::CREATE: {
      FUZZ_CHECK(m.base_version() == 0 && m.mask().paths_size() == 0, "accepted a create with a base or a mask");
      FUZZ_CHECK(spec->Holds(m.body()), "accepted a create whose body is not a " + spec->name() + " record");
      const pb::Message& rec = spec->Get(m.body());
      Status fields = core::ValidateFields(*spec, rec);
      FUZZ_CHECK(fields.ok(), "accepted a create with invalid fields: " + fields.message());
      Status inv = core::CheckRecordInvariants(*spec, rec);
      FUZZ_CHECK(inv.ok(), "accepted a create that breaks an invariant: " + inv.message());
      if (spec->descriptor() == v1::Finding::descriptor())
        FUZZ_CHECK(core::IsInitialStatus(static_cast<const v1::Finding&>(rec).status()),
                   "accepted a finding created in status " + rec.ShortDebugString());
      break;
    }
    case v1::PATCH: {
      auto mask = core::ResolveMask(*spec, m.mask());
      FUZZ_CHECK(mask.ok(), "accepted a patch with a bad mask: " + mask.status().message());
      FUZZ_CHECK(spec->Holds(m.body()), "accepted a patch whose body is not a " + spec->name() + " record");
      Status fields = core::ValidateFields(*spec, spec->Get(m.body()), &*mask);
      FUZZ_CHECK(fields.ok(), "accepted a patch with invalid values: " + fields.message());
      break;
    }
    case v1::DELETE:
      FUZZ_CHECK(spec->deletable(), "accepted a delete of a non-deletable " + spec->name() + " record");
      break;
    default: FUZZ_CHECK(false, "accepted op " + std::to_string(m.op()));
  }
  // What validation accepts stays within the schema's bounds (core/
  // record_bounds.h), the ones pages and the server's start-up check rely on:
  // the bodies the server reads (a CREATE's body, a PATCH's body and base;
  // a DELETE's are never read or stored), and a PATCH as a whole request
  // (fields of the envelope the server does not read, unknown ones, do not
  // count).
  const core::RecordBounds bounds = core::BoundsOf(*spec, {});
  std::vector<const v1::RecordBody*> read_bodies;
  if (m.op() == v1::CREATE) read_bodies = {&m.body()};
  if (m.op() == v1::PATCH) read_bodies = {&m.body(), &m.base_body()};
  for (const v1::RecordBody* body : read_bodies)
    if (spec->Holds(*body))
      FUZZ_CHECK(spec->Get(*body).ByteSizeLong() <= bounds.body,
                 "accepted a body of " + std::to_string(spec->Get(*body).ByteSizeLong()) + " bytes, over the bound " +
                     std::to_string(bounds.body));
  if (m.op() == v1::PATCH) {
    v1::PushRequest req;
    req.set_protocol_version(UINT32_MAX);
    req.set_ack_through(UINT64_MAX);
    *req.add_mutations() = m;
    req.DiscardUnknownFields();
    FUZZ_CHECK(req.ByteSizeLong() <= bounds.patch, "accepted a PATCH of " + std::to_string(req.ByteSizeLong()) +
                                                       " bytes as a request, over the bound " +
                                                       std::to_string(bounds.patch));
  }
}

// Greater-or-equal for the MAX policy on the field kinds records use.
bool MaxNotLess(const pb::Message& a, const pb::Message& b, const pb::FieldDescriptor* f) {
  const pb::Reflection* ra = a.GetReflection();
  const pb::Reflection* rb = b.GetReflection();
  switch (f->cpp_type()) {
    case pb::FieldDescriptor::CPPTYPE_ENUM: return ra->GetEnumValue(a, f) >= rb->GetEnumValue(b, f);
    case pb::FieldDescriptor::CPPTYPE_INT32: return ra->GetInt32(a, f) >= rb->GetInt32(b, f);
    case pb::FieldDescriptor::CPPTYPE_INT64: return ra->GetInt64(a, f) >= rb->GetInt64(b, f);
    case pb::FieldDescriptor::CPPTYPE_UINT32: return ra->GetUInt32(a, f) >= rb->GetUInt32(b, f);
    case pb::FieldDescriptor::CPPTYPE_UINT64: return ra->GetUInt64(a, f) >= rb->GetUInt64(b, f);
    case pb::FieldDescriptor::CPPTYPE_STRING: return ra->GetString(a, f) >= rb->GetString(b, f);
    default: return true;
  }
}

void CheckMerge(const fuzz::MergeInput& in, const core::CollectionSpec& spec) {
  const v1::Mutation& m = in.mutation();
  auto mask_or = core::ResolveMask(spec, m.mask());
  const std::vector<const core::FieldSpec*>& mask = *mask_or;
  const pb::Message& current = spec.Get(in.current());
  const pb::Message& incoming = spec.Get(m.body());
  const pb::Message& base = spec.Holds(m.base_body())
                                ? spec.Get(m.base_body())
                                : *pb::MessageFactory::generated_factory()->GetPrototype(spec.descriptor());
  const v1::FieldClocks& clocks = in.clocks();
  const core::Writer writer{m.hlc(), m.client_id()};

  const std::string before = Serialize(in);
  core::MergeResult r = core::MergePatch(spec, current, clocks, mask, base, incoming, writer);
  FUZZ_CHECK(Serialize(in) == before, "MergePatch modified its inputs");
  if (fuzz::Verbose()) std::fprintf(stderr, "merge: %s\n", Describe(r).c_str());
  core::MergeResult again = core::MergePatch(spec, current, clocks, mask, base, incoming, writer);
  FUZZ_CHECK(Fingerprint(r) == Fingerprint(again),
             "MergePatch is not deterministic:\n  " + Describe(r) + "\n  " + Describe(again));

  if (r.rejected) {
    FUZZ_CHECK(r.reject_code == v1::ILLEGAL_TRANSITION || r.reject_code == v1::INVALID,
               "merge rejected with an unexpected code: " + Describe(r));
    FUZZ_CHECK(!r.reason.empty(), "merge rejected without a reason");
    FUZZ_CHECK(r.changed.empty(), "a rejected merge reports changed fields: " + Describe(r));
    return;
  }
  FUZZ_CHECK(r.reject_code == v1::REJECT_CODE_UNSPECIFIED && r.reason.empty(),
             "merge not rejected but carries a rejection: " + Describe(r));
  FUZZ_CHECK(r.merged != nullptr && r.merged->GetDescriptor() == spec.descriptor(), "merge produced no record");
  const pb::Message& merged = *r.merged;

  Status fields = core::ValidateFields(spec, merged);
  FUZZ_CHECK(fields.ok(), "merged record fails ValidateFields: " + fields.message() +
                              "\n  current: " + current.ShortDebugString() + "\n  mutation: " + m.ShortDebugString() +
                              "\n  " + Describe(r));
  Status inv = core::CheckRecordInvariants(spec, merged);
  FUZZ_CHECK(inv.ok(), "merged record breaks an invariant: " + inv.message() + "\n  " + Describe(r));
  {
    std::unique_ptr<pb::Message> known(merged.New());
    known->CopyFrom(merged);
    known->DiscardUnknownFields();  // `current` may carry them; the server's records do not
    FUZZ_CHECK(known->ByteSizeLong() <= core::BoundsOf(spec, {}).body,
               "merged record of " + std::to_string(known->ByteSizeLong()) + " bytes is over the schema's bound");
  }

  std::vector<const core::FieldSpec*> diff = core::ChangedFields(spec, current, merged);
  FUZZ_CHECK(diff == r.changed,
             "changed=[" + Names(r.changed) + "] but ChangedFields(current, merged)=[" + Names(diff) + "]");

  for (const core::FieldSpec& fs : spec.fields()) {
    const int num = fs.field->number();
    core::Writer was = core::FieldWriter(clocks, num), now = core::FieldWriter(r.clocks, num);
    bool stamped_by_writer = now.hlc == writer.hlc && now.device_id == writer.device_id;
    bool clock_moved = now.hlc != was.hlc || now.device_id != was.device_id;
    if (!InMask(mask, &fs)) {
      FUZZ_CHECK(core::FieldEquals(merged, current, fs), "merge changed unmasked field '" + fs.field->name() + "'");
      FUZZ_CHECK(!clock_moved, "merge moved the clock of unmasked field '" + fs.field->name() + "'");
      continue;
    }
    if (!core::FieldEquals(merged, current, fs))
      FUZZ_CHECK(stamped_by_writer, "field '" + fs.field->name() + "' changed but its clock is not the writer's");
    if (clock_moved) FUZZ_CHECK(stamped_by_writer, "clock of '" + fs.field->name() + "' moved to someone else");
    if (fs.policy != v1::SET && !core::FieldEquals(merged, current, fs))
      FUZZ_CHECK(core::FieldEquals(merged, incoming, fs),
                 "field '" + fs.field->name() + "' took a value that is neither current nor incoming");
  }

  // A contested status move: the (with_lifecycle) fields its edit wrote
  // take the same side as the status (core/merge.h), not their own policy's.
  const core::FieldConflict* status_conflict = nullptr;
  for (const core::FieldConflict& c : r.conflicts)
    if (c.field == spec.lifecycle_field()) status_conflict = &c;
  std::vector<const core::FieldSpec*> seen;
  for (const core::FieldConflict& c : r.conflicts) {
    FUZZ_CHECK(c.field != nullptr && InMask(mask, c.field), "conflict on a field outside the mask");
    const core::FieldSpec& fs = *c.field;
    const std::string name = fs.field->name();
    FUZZ_CHECK(!InMask(seen, c.field), "two conflicts on field '" + name + "'");
    seen.push_back(c.field);
    FUZZ_CHECK(fs.policy != v1::SET, "conflict on SET field '" + name + "'");
    FUZZ_CHECK(r.concurrent, "conflict on '" + name + "' but the merge says nothing was concurrent");
    FUZZ_CHECK(c.base && c.winner && c.loser, "conflict on '" + name + "' lacks a value");
    FUZZ_CHECK(OnlyFieldSet(*c.base, fs.field) && OnlyFieldSet(*c.winner, fs.field) && OnlyFieldSet(*c.loser, fs.field),
               "conflict values on '" + name + "' carry other fields");
    FUZZ_CHECK(!core::FieldEquals(*c.winner, *c.loser, fs),
               "conflict on '" + name + "' with equal winner and loser: " + c.winner->ShortDebugString());
    FUZZ_CHECK(core::FieldEquals(*c.winner, merged, fs), "the winner's value of '" + name + "' does not stand");
    FUZZ_CHECK(core::FieldEquals(*c.base, base, fs), "conflict base of '" + name + "' is not the editor's base");
    const pb::Message& expect_winner = c.incoming_won ? incoming : current;
    const pb::Message& expect_loser = c.incoming_won ? current : incoming;
    FUZZ_CHECK(core::FieldEquals(*c.winner, expect_winner, fs) && core::FieldEquals(*c.loser, expect_loser, fs),
               "conflict on '" + name + "' swaps winner and loser");
    FUZZ_CHECK(
        (c.state == v1::CONFLICT_OPEN) == (fs.policy == v1::REVIEW),
        "conflict on '" + name + "' (" + core::PolicyName(fs.policy) + ") in state " + v1::ConflictState_Name(c.state));
    core::Writer cur_writer = core::FieldWriter(clocks, fs.field->number());
    FUZZ_CHECK(c.current_writer.hlc == cur_writer.hlc && c.current_writer.device_id == cur_writer.device_id,
               "conflict on '" + name + "' names the wrong current writer");
    if (fs.with_lifecycle && status_conflict != nullptr)
      FUZZ_CHECK(c.incoming_won == status_conflict->incoming_won,
                 "'" + name + "' (with_lifecycle) did not take the side of the status move that " +
                     (status_conflict->incoming_won ? "won" : "lost"));
    else if (fs.policy == v1::LWW || fs.policy == v1::REVIEW)
      FUZZ_CHECK(c.incoming_won == core::LwwWins(writer, cur_writer),
                 "LWW on '" + name + "' did not pick the later writer");
    if (fs.policy == v1::MAX)
      FUZZ_CHECK(MaxNotLess(*c.winner, *c.loser, fs.field), "MAX conflict on '" + name + "' kept the smaller value");
    if (&fs == spec.lifecycle_field()) {
      auto status = [&](const pb::Message& msg) {
        return static_cast<v1::FindingStatus>(msg.GetReflection()->GetEnumValue(msg, fs.field));
      };
      FUZZ_CHECK(core::LifecyclePrecedence(status(*c.winner)) > core::LifecyclePrecedence(status(*c.loser)),
                 "LIFECYCLE conflict kept " + core::StatusName(status(*c.winner)) + " over " +
                     core::StatusName(status(*c.loser)));
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fuzz::QuietProtobuf();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::MergeInput in;
  if (!in.ParseFromArray(data, static_cast<int>(size))) return -1;  // not an input: keep it out of the corpus
  const v1::Mutation& m = in.mutation();
  const core::ValidationLimits limits;

  const std::string before = Serialize(m);
  core::Rejection rej = core::ValidateMutation(m, limits, kNowMs);
  core::Rejection rej2 = core::ValidateMutation(m, limits, kNowMs);
  FUZZ_CHECK(Serialize(m) == before, "ValidateMutation modified the mutation");
  FUZZ_CHECK(rej.code == rej2.code && rej.reason == rej2.reason, "ValidateMutation is not deterministic");
  FUZZ_CHECK(rej.ok() == rej.reason.empty(),
             "rejection code " + v1::RejectCode_Name(rej.code) + " with reason '" + rej.reason + "'");
  if (fuzz::Verbose() && !rej.ok())
    std::fprintf(stderr, "validate: %s %s\n", v1::RejectCode_Name(rej.code).c_str(), rej.reason.c_str());
  if (!rej.ok()) return 0;
  CheckAcceptedMutation(m);
  if (fuzz::Verbose()) std::fprintf(stderr, "validate: ok %s\n", v1::MutationOp_Name(m.op()).c_str());
  if (m.op() != v1::PATCH) return 0;

  // The server only ever holds valid records: merge into those.
  const core::CollectionSpec& spec = *core::FindCollection(m.collection());
  if (!spec.Holds(in.current())) return 0;
  if (!core::ValidateFields(spec, spec.Get(in.current())).ok()) return 0;
  if (!core::CheckRecordInvariants(spec, spec.Get(in.current())).ok()) return 0;
  CheckMerge(in, spec);
  return 0;
}

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t max_size, unsigned int seed) {
  return inspectsync::fuzz::MutateProtoInput<inspectsync::fuzz::MergeInput>(data, size, max_size, seed);
}

extern "C" size_t LLVMFuzzerCustomCrossOver(const uint8_t* d1, size_t s1, const uint8_t* d2, size_t s2, uint8_t* out,
                                            size_t max_out, unsigned int seed) {
  return inspectsync::fuzz::CrossOverProtoInputs<inspectsync::fuzz::MergeInput>(d1, s1, d2, s2, out, max_out, seed);
}
