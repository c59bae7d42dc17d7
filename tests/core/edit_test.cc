// The edit pipeline (core/edit.h) that the SDK and the server both run, and
// the one RejectCode -> Status table (core/rejection.h): the order of the
// rules, each step's refusals, update-vs-delete on both sides, and the fold
// of a device's pending edits.
#include "core/edit.h"

#include <gtest/gtest.h>

#include <iterator>
#include <map>
#include <memory>
#include <string>

#include "core/hlc.h"
#include "core/lifecycle.h"
#include "core/patch.h"

namespace inspectsync::core {
namespace {

constexpr int64_t kT0 = 1'767'225'600'000;  // 2026-01-01
constexpr int64_t kDay = 86'400'000;
const std::string kClient = "01900000-0000-7000-8000-00000000c11e";
const std::string kFinding = "01900000-0000-7000-8000-000000000001";

// Other records, as a push transaction or the device's batch would show them.
class MapLookup : public RecordLookup {
 public:
  StatusOr<std::unique_ptr<pb::Message>> Find(const CollectionSpec& spec, const std::string& id) override {
    if (fail) return Internal("disk on fire");
    auto it = records.find(spec.name() + "/" + id);
    if (it == records.end()) return std::unique_ptr<pb::Message>();
    std::unique_ptr<pb::Message> m(it->second->New());
    m->CopyFrom(*it->second);
    return m;
  }
  std::map<std::string, std::unique_ptr<pb::Message>> records;
  bool fail = false;
};

const CollectionSpec& Findings() { return *FindCollection("findings"); }

v1::Finding AFinding(v1::FindingStatus s) {
  v1::Finding f;
  f.set_site_id("site-1");
  f.set_title("Blocked fire exit");
  f.set_status(s);
  return f;
}

// A PATCH of kFinding made on `base` setting `fields` of `incoming`.
v1::Mutation Patch(const v1::Finding& base, const v1::Finding& incoming, std::vector<std::string> fields) {
  v1::Mutation m;
  m.set_client_id(kClient);
  m.set_mutation_id(7);
  m.set_collection("findings");
  m.set_record_id(kFinding);
  m.set_op(v1::PATCH);
  m.set_base_version(1);
  m.set_hlc(Hlc::Pack(kT0, 0));
  for (const std::string& f : fields) {
    m.mutable_mask()->add_paths(f);
    const pb::FieldDescriptor* fd = v1::Finding::descriptor()->FindFieldByName(f);
    CopyField(incoming, fd, m.mutable_body()->mutable_finding());
    CopyField(base, fd, m.mutable_base_body()->mutable_finding());
  }
  return m;
}

StatusOr<EditOutcome> EditFinding(const v1::Mutation& m, const EditTarget& target, MapLookup& lookup) {
  return ApplyEdit(Findings(), m, target, Writer{m.hlc(), m.client_id()}, lookup);
}

TEST(CollectionSpecTest, TheLifecycleFieldIsDeclaredBySchemaNotByName) {
  const FieldSpec* status = Findings().lifecycle_field();
  ASSERT_NE(status, nullptr);
  EXPECT_EQ(status->field->name(), "status");
  EXPECT_EQ(status->policy, v1::LIFECYCLE);
  // Collections without a finding lifecycle have none.
  EXPECT_EQ(FindCollection("sites")->lifecycle_field(), nullptr);
  EXPECT_EQ(FindCollection("notices")->lifecycle_field(), nullptr);
}

TEST(EditPipelineTest, TheMutationAloneIsCheckedBeforeTheRecordsRules) {
  // Both an over-long title and an illegal move: step 1 speaks first, on
  // the device as on the server.
  v1::Finding base = AFinding(v1::OPEN), incoming = base;
  incoming.set_status(v1::CLOSED);
  incoming.set_title(std::string(5000, 'x'));
  v1::Mutation m = Patch(base, incoming, {"status", "title"});
  Rejection alone = CheckMutation(m, {}, kT0);
  EXPECT_EQ(alone.code, v1::INVALID);
  EXPECT_NE(alone.reason.find("title"), std::string::npos) << alone.reason;
  EXPECT_EQ(RejectionStatus(alone, m.op()).code(), StatusCode::kInvalidArgument);
}

TEST(EditPipelineTest, AnIllegalMoveFromTheBaseIsRefusedInTheLifecyclesWords) {
  MapLookup lookup;
  v1::Finding current = AFinding(v1::OPEN), incoming = current;
  incoming.set_status(v1::CLOSED);
  v1::Mutation m = Patch(current, incoming, {"status"});
  ASSERT_TRUE(CheckMutation(m, {}, kT0).ok());
  EditTarget target;
  target.current = &current;
  auto out = EditFinding(m, target, lookup);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->rejection.code, v1::ILLEGAL_TRANSITION);
  EXPECT_EQ(out->rejection.reason, DescribeIllegalTransition(v1::OPEN, v1::CLOSED));
  EXPECT_EQ(RejectionStatus(out->rejection, m.op()).code(), StatusCode::kFailedPrecondition);
}

TEST(EditPipelineTest, ALegalMoveMustLeaveTheRecordWhole) {
  MapLookup lookup;
  v1::Finding current = AFinding(v1::OPEN), incoming = current;
  incoming.set_status(v1::NOTIFIED);  // legal, but NOTIFIED needs a deadline
  EditTarget target;
  target.current = &current;
  auto out = EditFinding(Patch(current, incoming, {"status"}), target, lookup);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->rejection.code, v1::INVALID);
  EXPECT_NE(out->rejection.reason.find("deadline"), std::string::npos) << out->rejection.reason;
}

TEST(EditPipelineTest, WorkflowRulesJudgeTheMergedChangeLast) {
  MapLookup lookup;
  v1::Finding current = AFinding(v1::OPEN), incoming = current;
  incoming.set_status(v1::NOTIFIED);
  incoming.set_deadline_ms(kT0 + 7 * kDay);  // whole, but no notice names it
  EditTarget target;
  target.current = &current;
  auto out = EditFinding(Patch(current, incoming, {"status", "deadline_ms"}), target, lookup);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->rejection.code, v1::WORKFLOW);
  EXPECT_EQ(RejectionStatus(out->rejection, v1::PATCH).code(), StatusCode::kFailedPrecondition);
  // A lookup failure (reading the notice it names) is an error, not a refusal.
  incoming.set_notice_id("01900000-0000-7000-8000-000000000002");
  lookup.fail = true;
  auto broken = EditFinding(Patch(current, incoming, {"status", "deadline_ms", "notice_id"}), target, lookup);
  EXPECT_FALSE(broken.ok());
  EXPECT_EQ(broken.status().code(), StatusCode::kInternal);
}

TEST(EditPipelineTest, APlainPatchMergesAndReportsWhatChanged) {
  MapLookup lookup;
  v1::Finding current = AFinding(v1::OPEN), incoming = current;
  incoming.set_title("Fire exit cleared, sign missing");
  EditTarget target;
  target.current = &current;
  auto out = EditFinding(Patch(current, incoming, {"title"}), target, lookup);
  ASSERT_TRUE(out.ok());
  ASSERT_TRUE(out->rejection.ok()) << out->rejection.reason;
  ASSERT_EQ(out->merge.changed.size(), 1u);
  EXPECT_EQ(out->merge.changed[0]->field->name(), "title");
  EXPECT_EQ(static_cast<const v1::Finding&>(*out->merge.merged).title(), "Fire exit cleared, sign missing");
  EXPECT_FALSE(out->restored);
  EXPECT_EQ(out->del, DeleteDecision::kNone);
}

TEST(EditPipelineTest, UpdateBeatsDeleteFromBothSides) {
  MapLookup lookup;
  const CollectionSpec& inspections = *FindCollection("inspections");
  v1::Inspection current;
  current.set_site_id("site-1");
  current.set_notes("before");
  v1::Mutation patch;
  patch.set_client_id(kClient);
  patch.set_mutation_id(1);
  patch.set_collection("inspections");
  patch.set_record_id(kFinding);
  patch.set_op(v1::PATCH);
  patch.set_hlc(Hlc::Pack(kT0, 0));
  patch.mutable_mask()->add_paths("notes");
  patch.mutable_body()->mutable_inspection()->set_notes("after");
  patch.mutable_base_body()->mutable_inspection()->set_notes("before");
  EditTarget tombstone;
  tombstone.current = &current;
  tombstone.deleted = true;
  auto patched = ApplyEdit(inspections, patch, tombstone, Writer{patch.hlc(), kClient}, lookup);
  ASSERT_TRUE(patched.ok());
  EXPECT_TRUE(patched->rejection.ok()) << patched->rejection.reason;
  EXPECT_TRUE(patched->restored) << "a patch of a deleted record brings it back";

  v1::Mutation del = patch;
  del.set_op(v1::DELETE);
  del.clear_mask();
  del.clear_body();
  del.clear_base_body();
  EditTarget live;
  live.current = &current;
  auto plain = ApplyEdit(inspections, del, live, Writer{}, lookup);
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->del, DeleteDecision::kTombstone);
  live.changed_by_others_since_base = true;
  auto loses = ApplyEdit(inspections, del, live, Writer{}, lookup);
  ASSERT_TRUE(loses.ok());
  EXPECT_EQ(loses->del, DeleteDecision::kLosesToUpdate);
  auto again = ApplyEdit(inspections, del, tombstone, Writer{}, lookup);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->del, DeleteDecision::kAlreadyDeleted);
}

TEST(EditPipelineTest, CreatesRunTheWorkflowRulesAndBadCallsAreNamed) {
  MapLookup lookup;
  const CollectionSpec& inspections = *FindCollection("inspections");
  v1::Mutation m;
  m.set_client_id(kClient);
  m.set_mutation_id(1);
  m.set_collection("inspections");
  m.set_record_id(kFinding);
  m.set_op(v1::CREATE);
  m.set_hlc(Hlc::Pack(kT0, 0));
  v1::Inspection* in = m.mutable_body()->mutable_inspection();
  in->set_site_id("site-1");
  auto ok = ApplyEdit(inspections, m, EditTarget{}, Writer{}, lookup);
  ASSERT_TRUE(ok.ok());
  EXPECT_TRUE(ok->rejection.ok()) << ok->rejection.reason;
  in->set_template_key("never-published");
  in->set_template_version(1);
  auto unpublished = ApplyEdit(inspections, m, EditTarget{}, Writer{}, lookup);
  ASSERT_TRUE(unpublished.ok());
  EXPECT_EQ(unpublished->rejection.code, v1::WORKFLOW);

  // A PATCH needs its record; an unknown op is refused, not guessed.
  v1::Mutation patch = Patch(AFinding(v1::OPEN), AFinding(v1::OPEN), {"title"});
  EXPECT_EQ(EditFinding(patch, EditTarget{}, lookup).status().code(), StatusCode::kInternal);
  patch.set_op(static_cast<v1::MutationOp>(99));
  auto odd = EditFinding(patch, EditTarget{}, lookup);
  ASSERT_TRUE(odd.ok());
  EXPECT_EQ(odd->rejection.code, v1::INVALID);
}

TEST(FoldMutationTest, PendingEditsFoldAsTheServerWouldApplyThem) {
  FoldedRecord rec;
  v1::Finding f = AFinding(v1::OPEN);
  v1::Finding retitled = f;
  retitled.set_title("new title");
  v1::Mutation patch = Patch(f, retitled, {"title"});
  EXPECT_FALSE(FoldMutation(patch, &rec)) << "a patch of a record the device never had cannot show";
  v1::Mutation del = patch;
  del.set_op(v1::DELETE);
  EXPECT_FALSE(FoldMutation(del, &rec));

  v1::Mutation create = patch;
  create.set_op(v1::CREATE);
  create.clear_mask();
  *create.mutable_body()->mutable_finding() = f;
  ASSERT_TRUE(FoldMutation(create, &rec));
  EXPECT_TRUE(rec.exists);
  ASSERT_TRUE(FoldMutation(patch, &rec));
  EXPECT_EQ(rec.body.finding().title(), "new title");
  EXPECT_EQ(rec.body.finding().status(), v1::OPEN) << "fields outside the mask stay";
  ASSERT_TRUE(FoldMutation(del, &rec));
  EXPECT_TRUE(rec.deleted);
  ASSERT_TRUE(FoldMutation(patch, &rec));
  EXPECT_FALSE(rec.deleted) << "update-vs-delete: the update wins";

  // Bad input cannot show: a body of another collection, a bad mask, an unknown op.
  v1::Mutation wrong_body = patch;
  wrong_body.mutable_body()->mutable_site()->set_name("x");
  EXPECT_FALSE(FoldMutation(wrong_body, &rec));
  v1::Mutation bad_mask = patch;
  bad_mask.mutable_mask()->add_paths("no_such_field");
  EXPECT_FALSE(FoldMutation(bad_mask, &rec));
  v1::Mutation odd = patch;
  odd.set_op(static_cast<v1::MutationOp>(99));
  EXPECT_FALSE(FoldMutation(odd, &rec));
}

TEST(RejectionTableTest, EveryCodeHasOneStatus) {
  struct Row {
    v1::RejectCode code;
    StatusCode patch, create;
  };
  const Row rows[] = {
      {v1::REJECT_CODE_UNSPECIFIED, StatusCode::kOk, StatusCode::kOk},
      {v1::INVALID, StatusCode::kInvalidArgument, StatusCode::kInvalidArgument},
      {v1::UNKNOWN_COLLECTION, StatusCode::kInvalidArgument, StatusCode::kInvalidArgument},
      {v1::NOT_FOUND, StatusCode::kNotFound, StatusCode::kNotFound},
      {v1::ALREADY_EXISTS, StatusCode::kAlreadyExists, StatusCode::kAlreadyExists},
      // A move from the current status depends on the state; a create's
      // initial status does not.
      {v1::ILLEGAL_TRANSITION, StatusCode::kFailedPrecondition, StatusCode::kInvalidArgument},
      {v1::CLOCK_DRIFT, StatusCode::kFailedPrecondition, StatusCode::kFailedPrecondition},
      {v1::BASE_AHEAD, StatusCode::kFailedPrecondition, StatusCode::kFailedPrecondition},
      {v1::NOT_DELETABLE, StatusCode::kInvalidArgument, StatusCode::kInvalidArgument},
      {v1::PERMISSION_DENIED, StatusCode::kPermissionDenied, StatusCode::kPermissionDenied},
      {v1::WORKFLOW, StatusCode::kFailedPrecondition, StatusCode::kFailedPrecondition},
      {v1::IMMUTABLE, StatusCode::kInvalidArgument, StatusCode::kInvalidArgument},
  };
  // Every code of the enum is in the table above.
  EXPECT_EQ(static_cast<int>(std::size(rows)), v1::RejectCode_descriptor()->value_count());
  for (const Row& r : rows) {
    EXPECT_EQ(RejectStatusCode(r.code, v1::PATCH), r.patch) << v1::RejectCode_Name(r.code);
    EXPECT_EQ(RejectStatusCode(r.code, v1::CREATE), r.create) << v1::RejectCode_Name(r.code);
  }
  // A code from a newer peer: do not retry as is.
  EXPECT_EQ(RejectStatusCode(static_cast<v1::RejectCode>(99), v1::PATCH), StatusCode::kFailedPrecondition);
  Status s = RejectionStatus(Rejection{v1::WORKFLOW, "no notice lists it"}, v1::PATCH);
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(s.message(), "no notice lists it");
  EXPECT_TRUE(RejectionStatus(Rejection{}, v1::DELETE).ok());
}

}  // namespace
}  // namespace inspectsync::core
