// The inspection workflow enforced by the engine over a real SQLite store:
// a finding's whole life (notice, rectification, a failed and a passed
// verification) as the roles would push it, the rules refusing shortcuts
// and changing nothing, immutable templates whose versions past inspections
// keep, team assignments in scopes, per-item answers merged as a set.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "core/ids.h"
#include "core/lifecycle.h"
#include "core/patch.h"
#include "core/workflow.h"
#include "core/workflow_moves.h"
#include "server/office_writes.h"
#include "server/sync_engine.h"
#include "tests/testing/mutations.h"
#include "tests/testing/temp_dir.h"

namespace inspectsync::server {
namespace {

namespace pb = google::protobuf;
using ::testing::HasSubstr;
using testing::Batch;
using testing::CreateRecord;
using testing::FindingAt;
using testing::SiteBody;

constexpr int64_t kDay = 86'400'000;
const std::string kOfficeClient = "0190a000-0000-7000-8000-0000000000f0";
const std::string kLiClient = "0190a000-0000-7000-8000-0000000000a1";
const std::string kWangClient = "0190a000-0000-7000-8000-0000000000b2";

// A PATCH of `fields` of any collection: new values from `after`, base values from `before`.
v1::Mutation PatchRecord(const std::string& client, uint64_t mid, const std::string& collection, const std::string& id,
                         uint64_t base_version, const v1::RecordBody& before, const v1::RecordBody& after,
                         const std::vector<std::string>& fields) {
  const core::CollectionSpec& spec = *core::FindCollection(collection);
  v1::Mutation m;
  m.set_client_id(client);
  m.set_mutation_id(mid);
  m.set_collection(collection);
  m.set_record_id(id);
  m.set_op(v1::PATCH);
  m.set_base_version(base_version);
  pb::Message* body = spec.Mutable(m.mutable_body());
  pb::Message* base = spec.Mutable(m.mutable_base_body());
  for (const auto& name : fields) {
    m.mutable_mask()->add_paths(name);
    const pb::FieldDescriptor* f = spec.descriptor()->FindFieldByName(name);
    core::CopyField(spec.Get(after), f, body);
    core::CopyField(spec.Get(before), f, base);
  }
  m.set_hlc(core::Hlc::Pack(testing::kTestNowMs, static_cast<uint32_t>(mid)));
  return m;
}

class WorkflowEngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = storage::OpenSqliteServerStore(dir_.File("server.db"));
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
    EngineOptions o;
    o.clock = &clock_;
    o.id_seed = 11;
    engine_ = std::make_unique<SyncEngine>(store_.get(), o);
    v1::RecordBody zone;
    zone.mutable_zone()->set_name("North");
    zone_ = OfficeCreate("zones", zone);
    a_ = OfficeCreate("sites", SiteBody(zone_, "No. 3 Kindergarten"));
    b_ = OfficeCreate("sites", SiteBody(zone_, "No. 8 Middle School"));
    // Team 2 of the special campaign (Li and Wang) covers site A; Wang alone covers B.
    v1::RecordBody team;
    team.mutable_team()->set_name("Special inspection team 2");
    team.mutable_team()->add_members("u-li");
    team.mutable_team()->add_members("u-wang");
    team_ = OfficeCreate("teams", team);
    v1::RecordBody assign;
    assign.mutable_assignment()->set_team_id(team_);
    assign.mutable_assignment()->set_site_id(a_);
    OfficeCreate("assignments", assign);
    assign.mutable_assignment()->clear_team_id();
    assign.mutable_assignment()->set_user_id("u-wang");
    assign.mutable_assignment()->set_site_id(b_);
    OfficeCreate("assignments", assign);
  }

  std::string OfficeCreate(const std::string& collection, const v1::RecordBody& body, std::string id = "") {
    if (id.empty()) id = ids_.NewUuidV7();
    v1::MutationResult r = Push(office_, CreateRecord(kOfficeClient, office_mid_++, collection, id, body));
    EXPECT_EQ(r.outcome(), v1::APPLIED) << collection << ": " << r.reason();
    return id;
  }

  v1::MutationResult Push(const Caller& caller, const v1::Mutation& m) {
    auto r = engine_->Push(Batch({m}), caller);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (!r.ok() || r->results_size() != 1) return {};
    return r->results(0);
  }

  v1::Record Get(const std::string& collection, const std::string& id) {
    auto r = store_->GetRecord(collection, id);
    EXPECT_TRUE(r.ok() && r->has_value());
    v1::Record out;
    EXPECT_TRUE(ToWireRecord(**r, &out).ok());
    return out;
  }

  // Moves finding `id` by `caller`, setting `fields` from `to`.
  v1::MutationResult Move(const Caller& caller, const std::string& client, uint64_t* mid, const std::string& id,
                          const v1::Finding& to, const std::vector<std::string>& fields) {
    v1::Record cur = Get("findings", id);
    v1::RecordBody after;
    *after.mutable_finding() = to;
    return Push(caller, PatchRecord(client, (*mid)++, "findings", id, cur.version(), cur.body(), after, fields));
  }

  std::string Verification(const Caller& c, const std::string& client, uint64_t* mid, const std::string& finding,
                           v1::VerificationResult result, int64_t new_deadline = 0) {
    v1::RecordBody v;
    auto* ver = v.mutable_verification();
    ver->set_site_id(a_);
    ver->set_finding_id(finding);
    ver->set_method(v1::ON_SITE);
    ver->set_result(result);
    ver->set_verifier(c.user);
    ver->set_new_deadline_ms(new_deadline);
    std::string id = ids_.NewUuidV7();
    v1::MutationResult r = Push(c, CreateRecord(client, (*mid)++, "verifications", id, v));
    EXPECT_EQ(r.outcome(), v1::APPLIED) << r.reason();
    return id;
  }

  testing::TempDir dir_;
  core::ManualClock clock_;
  core::IdGenerator ids_{&clock_, 5};
  std::unique_ptr<storage::ServerStore> store_;
  std::unique_ptr<SyncEngine> engine_;
  Caller office_{"u-office", "office", "office-pc"};
  Caller li_{"u-li", "inspector", "tablet-li"};
  Caller wang_{"u-wang", "inspector", "tablet-wang"};
  uint64_t office_mid_ = 1;
  std::string zone_, a_, b_, team_;
};

TEST_F(WorkflowEngineTest, AFindingsWholeLifeThroughNoticeRectificationAndTwoVerifications) {
  uint64_t li_mid = 1;
  std::string f = ids_.NewUuidV7();
  ASSERT_EQ(Push(li_, testing::CreateFinding(kLiClient, li_mid++, f, FindingAt(a_, "Expired hand sanitiser"))).outcome(),
            v1::APPLIED)
      << "a team member inspects the team's site";

  // A shortcut is refused with the rule's reason and changes nothing.
  uint64_t head = *store_->Head();
  v1::Finding to = Get("findings", f).body().finding();
  to.set_status(v1::NOTIFIED);
  to.set_deadline_ms(testing::kTestNowMs + 14 * kDay);
  v1::MutationResult bad = Move(office_, kOfficeClient, &office_mid_, f, to, {"status", "deadline_ms"});
  EXPECT_EQ(bad.reject_code(), v1::WORKFLOW);
  EXPECT_THAT(bad.reason(), HasSubstr("through a rectification notice"));
  EXPECT_EQ(*store_->Head(), head);

  // The office's notice, then the move naming it (one push, in order).
  std::string notice = ids_.NewUuidV7();
  v1::RecordBody nb;
  nb.mutable_notice()->set_site_id(a_);
  nb.mutable_notice()->add_finding_ids(f);
  nb.mutable_notice()->set_deadline_ms(testing::kTestNowMs + 14 * kDay);
  nb.mutable_notice()->set_reference_no("Edu-Safety [2026] 17");
  OfficeCreate("notices", nb, notice);
  to.set_notice_id(notice);
  EXPECT_EQ(Move(office_, kOfficeClient, &office_mid_, f, to, {"status", "deadline_ms", "notice_id"}).outcome(),
            v1::APPLIED);

  for (v1::FindingStatus s : {v1::IN_RECTIFICATION, v1::RECTIFIED}) {
    to.set_status(s);
    EXPECT_EQ(Move(li_, kLiClient, &li_mid, f, to, {"status"}).outcome(), v1::APPLIED) << core::StatusName(s);
  }
  // Closing without a verification: refused.
  to.set_status(v1::CLOSED);
  EXPECT_EQ(Move(li_, kLiClient, &li_mid, f, to, {"status"}).reject_code(), v1::WORKFLOW);

  // Wang's on-site check fails: REOPENED with a later deadline.
  uint64_t wang_mid = 1;
  std::string failed = Verification(wang_, kWangClient, &wang_mid, f, v1::FAILED, testing::kTestNowMs + 30 * kDay);
  to.set_status(v1::REOPENED);
  to.set_verification_id(failed);
  EXPECT_EQ(Move(wang_, kWangClient, &wang_mid, f, to, {"status", "verification_id"}).reject_code(), v1::WORKFLOW)
      << "reopening keeps the old deadline";
  to.set_deadline_ms(testing::kTestNowMs + 30 * kDay);
  EXPECT_EQ(Move(wang_, kWangClient, &wang_mid, f, to, {"status", "verification_id", "deadline_ms"}).outcome(),
            v1::APPLIED);
  for (v1::FindingStatus s : {v1::IN_RECTIFICATION, v1::RECTIFIED}) {
    to.set_status(s);
    EXPECT_EQ(Move(li_, kLiClient, &li_mid, f, to, {"status"}).outcome(), v1::APPLIED);
  }
  // The failed verification cannot close it; a passed one does.
  to.set_status(v1::CLOSED);
  EXPECT_EQ(Move(wang_, kWangClient, &wang_mid, f, to, {"status"}).reject_code(), v1::WORKFLOW);
  std::string passed = Verification(wang_, kWangClient, &wang_mid, f, v1::PASSED);
  to.set_verification_id(passed);
  EXPECT_EQ(Move(wang_, kWangClient, &wang_mid, f, to, {"status", "verification_id"}).outcome(), v1::APPLIED);
  v1::Finding closed = Get("findings", f).body().finding();
  EXPECT_EQ(closed.status(), v1::CLOSED);
  EXPECT_EQ(closed.verification_id(), passed);
  EXPECT_EQ(closed.notice_id(), notice);

  // Every move is a version in history: created, notified, 2 x rectification,
  // reopened, 2 x rectification, closed.
  std::vector<storage::VersionRow> history;
  ASSERT_TRUE(store_->History("findings", f, &history).ok());
  EXPECT_EQ(history.size(), 8u);
}

// A deactivated site: a server-side create (which knows the site as it is)
// is refused naming it and writes nothing; a tablet's push of work recorded
// offline, perhaps before it learned, is kept (core::CheckNewWorkSite).
TEST_F(WorkflowEngineTest, ServerSideCreatesAtADeactivatedSiteAreRefusedPushesAreKept) {
  v1::RecordBody closed;
  closed.mutable_site()->set_deactivated(true);
  v1::Record site = Get("sites", a_);
  v1::MutationResult r = Push(office_, PatchRecord(kOfficeClient, office_mid_++, "sites", a_, site.version(),
                                                   site.body(), closed, {"deactivated"}));
  ASSERT_EQ(r.outcome(), v1::APPLIED) << r.reason();
  uint64_t head = *store_->Head();

  v1::Mutation create = CreateRecord("", 0, "findings", ids_.NewUuidV7(), {});
  *create.mutable_body()->mutable_finding() = FindingAt(a_);
  auto written = engine_->WriteAll({create}, office_);
  EXPECT_EQ(written.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(written.status().message(), HasSubstr("'No. 3 Kindergarten' is deactivated"));
  EXPECT_EQ(*store_->Head(), head);

  v1::RecordBody late;
  *late.mutable_finding() = FindingAt(a_);
  r = Push(li_, CreateRecord(kLiClient, 1, "findings", ids_.NewUuidV7(), late));
  EXPECT_EQ(r.outcome(), v1::APPLIED) << r.reason();
}

TEST_F(WorkflowEngineTest, RulesReadOnlyWhatTheCallerMaySee) {
  // A finding at B (Wang's site only). Li names it from a verification at A.
  uint64_t wang_mid = 1, li_mid = 1;
  std::string at_b = ids_.NewUuidV7();
  ASSERT_EQ(Push(wang_, testing::CreateFinding(kWangClient, wang_mid++, at_b, FindingAt(b_))).outcome(), v1::APPLIED);
  v1::RecordBody v;
  v.mutable_verification()->set_site_id(a_);
  v.mutable_verification()->set_finding_id(at_b);
  v.mutable_verification()->set_method(v1::DESK);
  v.mutable_verification()->set_result(v1::PASSED);
  v.mutable_verification()->set_verifier("u-li");
  v1::MutationResult r = Push(li_, CreateRecord(kLiClient, li_mid++, "verifications", ids_.NewUuidV7(), v));
  EXPECT_EQ(r.reject_code(), v1::WORKFLOW);
  EXPECT_THAT(r.reason(), HasSubstr("does not exist"));
  EXPECT_THAT(r.reason(), ::testing::Not(HasSubstr(b_))) << "the site of a record Li may not see stays hidden";
}

TEST_F(WorkflowEngineTest, TemplatesArePublishedOnceAndInspectionsKeepTheirVersion) {
  v1::RecordBody t;
  auto* tmpl = t.mutable_checklist_template();
  tmpl->set_key("epidemic-prevention");
  tmpl->set_version(1);
  tmpl->set_title("Epidemic prevention");
  auto* item = tmpl->add_items();
  item->set_id("supplies");
  item->set_category("prevention-supplies");
  item->set_text("Supplies within their expiry date");
  item->set_default_severity(v1::MEDIUM);
  std::string v1_id = core::TemplateRecordId("epidemic-prevention", 1);
  uint64_t li_mid = 1;
  EXPECT_EQ(Push(li_, CreateRecord(kLiClient, li_mid++, "templates", v1_id, t)).reject_code(), v1::PERMISSION_DENIED)
      << "only the office publishes";
  OfficeCreate("templates", t, v1_id);
  EXPECT_EQ(Push(office_, CreateRecord(kOfficeClient, office_mid_++, "templates", v1_id, t)).reject_code(),
            v1::ALREADY_EXISTS);

  // Li starts an inspection on version 1 and answers an item.
  v1::RecordBody in;
  in.mutable_inspection()->set_site_id(a_);
  in.mutable_inspection()->set_kind(v1::SPECIAL_CAMPAIGN);
  in.mutable_inspection()->set_template_key("epidemic-prevention");
  in.mutable_inspection()->set_template_version(1);
  std::string insp = ids_.NewUuidV7();
  ASSERT_EQ(Push(li_, CreateRecord(kLiClient, li_mid++, "inspections", insp, in)).outcome(), v1::APPLIED);

  // Version 2 adds an item; version 1 and the inspection are untouched.
  tmpl->set_version(2);
  auto* gas = tmpl->add_items();
  gas->set_id("gas-alarm");
  gas->set_category("fire-safety");
  gas->set_text("Gas alarm serviced");
  gas->set_default_severity(v1::HIGH);
  OfficeCreate("templates", t, core::TemplateRecordId("epidemic-prevention", 2));
  EXPECT_EQ(Get("templates", v1_id).body().checklist_template().items_size(), 1);
  EXPECT_EQ(Get("inspections", insp).body().inspection().template_version(), 1u);

  // Nobody edits a published version, and an inspection's version is fixed.
  v1::RecordBody retitle;
  retitle.mutable_checklist_template()->set_title("changed");
  v1::MutationResult imm = Push(office_, PatchRecord(kOfficeClient, office_mid_++, "templates", v1_id,
                                                     Get("templates", v1_id).version(), t, retitle, {"title"}));
  EXPECT_EQ(imm.reject_code(), v1::IMMUTABLE);
  v1::RecordBody bump = in;
  bump.mutable_inspection()->set_template_version(2);
  v1::MutationResult fixed = Push(li_, PatchRecord(kLiClient, li_mid++, "inspections", insp,
                                                   Get("inspections", insp).version(), in, bump, {"template_version"}));
  EXPECT_EQ(fixed.reject_code(), v1::INVALID);
  EXPECT_THAT(fixed.reason(), HasSubstr("fixed when it is created"));
  // An answer to an item of version 2 only is not an answer to version 1.
  v1::RecordBody answer = in;
  auto* resp = answer.mutable_inspection()->add_responses();
  resp->set_item_id("gas-alarm");
  resp->set_result(v1::FAIL);
  v1::MutationResult wrong = Push(li_, PatchRecord(kLiClient, li_mid++, "inspections", insp,
                                                   Get("inspections", insp).version(), in, answer, {"responses"}));
  EXPECT_EQ(wrong.reject_code(), v1::INVALID);
  EXPECT_THAT(wrong.reason(), HasSubstr("not an item of template epidemic-prevention version 1"));
}

TEST_F(WorkflowEngineTest, TwoTeamMembersAnswersOfflineAreBothKept) {
  v1::RecordBody t;
  auto* tmpl = t.mutable_checklist_template();
  tmpl->set_key("daily");
  tmpl->set_version(1);
  tmpl->set_title("Daily checks");
  for (const char* id : {"gate", "temperature", "visitors"}) {
    auto* it = tmpl->add_items();
    it->set_id(id);
    it->set_category("access-control");
    it->set_text(id);
  }
  OfficeCreate("templates", t, core::TemplateRecordId("daily", 1));
  v1::RecordBody in;
  in.mutable_inspection()->set_site_id(a_);
  in.mutable_inspection()->set_template_key("daily");
  in.mutable_inspection()->set_template_version(1);
  std::string insp = ids_.NewUuidV7();
  uint64_t li_mid = 1, wang_mid = 1;
  ASSERT_EQ(Push(li_, CreateRecord(kLiClient, li_mid++, "inspections", insp, in)).outcome(), v1::APPLIED);
  uint64_t base = Get("inspections", insp).version();

  // Both edit from the same base, offline: Li answers the gate, Wang the temperature checks.
  auto answered = [&](const char* item, v1::ItemResult result, const char* who) {
    v1::RecordBody b = in;
    auto* r = b.mutable_inspection()->add_responses();
    r->set_item_id(item);
    r->set_result(result);
    r->set_inspector(who);
    return b;
  };
  EXPECT_EQ(Push(li_, PatchRecord(kLiClient, li_mid++, "inspections", insp, base, in,
                                  answered("gate", v1::PASS, "u-li"), {"responses"}))
                .outcome(),
            v1::APPLIED);
  v1::MutationResult w = Push(wang_, PatchRecord(kWangClient, wang_mid++, "inspections", insp, base, in,
                                                 answered("temperature", v1::FAIL, "u-wang"), {"responses"}));
  EXPECT_EQ(w.outcome(), v1::MERGED) << w.reason();
  std::set<std::string> items;
  v1::Record merged = Get("inspections", insp);
  for (const auto& r : merged.body().inspection().responses()) items.insert(r.item_id());
  EXPECT_EQ(items, (std::set<std::string>{"gate", "temperature"}));
}

TEST_F(WorkflowEngineTest, TeamMembershipDecidesScope) {
  uint64_t li_mid = 1;
  EXPECT_EQ(Push(li_, testing::CreateFinding(kLiClient, li_mid++, ids_.NewUuidV7(), FindingAt(a_))).outcome(),
            v1::APPLIED);
  // Li leaves the team: site A is no longer Li's.
  v1::Record team = Get("teams", team_);
  v1::RecordBody after = team.body();
  after.mutable_team()->clear_members();
  after.mutable_team()->add_members("u-wang");
  ASSERT_EQ(Push(office_, PatchRecord(kOfficeClient, office_mid_++, "teams", team_, team.version(), team.body(), after,
                                      {"members"}))
                .outcome(),
            v1::APPLIED);
  v1::MutationResult r = Push(li_, testing::CreateFinding(kLiClient, li_mid++, ids_.NewUuidV7(), FindingAt(a_)));
  EXPECT_EQ(r.reject_code(), v1::PERMISSION_DENIED);
  auto scope = engine_->ScopeOf(wang_);
  ASSERT_TRUE(scope.ok());
  EXPECT_TRUE(scope->Contains(a_) && scope->Contains(b_));
}


TEST_F(WorkflowEngineTest, AStalePassNeverClosesAFindingALaterVerificationReopened) {
  // To RECTIFIED through a notice.
  uint64_t li_mid = 1, wang_mid = 1;
  std::string f = ids_.NewUuidV7();
  ASSERT_EQ(Push(li_, testing::CreateFinding(kLiClient, li_mid++, f, FindingAt(a_))).outcome(), v1::APPLIED);
  std::string notice = ids_.NewUuidV7();
  v1::RecordBody nb;
  nb.mutable_notice()->set_site_id(a_);
  nb.mutable_notice()->add_finding_ids(f);
  nb.mutable_notice()->set_deadline_ms(testing::kTestNowMs + 14 * kDay);
  OfficeCreate("notices", nb, notice);
  v1::Finding to = Get("findings", f).body().finding();
  to.set_status(v1::NOTIFIED);
  to.set_deadline_ms(testing::kTestNowMs + 14 * kDay);
  to.set_notice_id(notice);
  ASSERT_EQ(Move(office_, kOfficeClient, &office_mid_, f, to, {"status", "deadline_ms", "notice_id"}).outcome(),
            v1::APPLIED);
  for (v1::FindingStatus s : {v1::IN_RECTIFICATION, v1::RECTIFIED}) {
    to.set_status(s);
    ASSERT_EQ(Move(office_, kOfficeClient, &office_mid_, f, to, {"status"}).outcome(), v1::APPLIED);
  }
  v1::Record rectified = Get("findings", f);

  // Li checks and passes it, offline; meanwhile Wang's check fails it, the
  // school starts over and reports it fixed again.
  std::string pass = Verification(li_, kLiClient, &li_mid, f, v1::PASSED);
  std::string fail = Verification(wang_, kWangClient, &wang_mid, f, v1::FAILED, testing::kTestNowMs + 30 * kDay);
  to.set_status(v1::REOPENED);
  to.set_verification_id(fail);
  to.set_deadline_ms(testing::kTestNowMs + 30 * kDay);
  ASSERT_EQ(Move(wang_, kWangClient, &wang_mid, f, to, {"status", "verification_id", "deadline_ms"}).outcome(),
            v1::APPLIED);
  for (v1::FindingStatus s : {v1::IN_RECTIFICATION, v1::RECTIFIED}) {
    to.set_status(s);
    ASSERT_EQ(Move(office_, kOfficeClient, &office_mid_, f, to, {"status"}).outcome(), v1::APPLIED);
  }

  // Li's pass, made on the first round's RECTIFIED, arrives: the status is
  // RECTIFIED again, but the second round has not been verified.
  v1::RecordBody closed = rectified.body();
  closed.mutable_finding()->set_status(v1::CLOSED);
  closed.mutable_finding()->set_verification_id(pass);
  v1::MutationResult r = Push(li_, PatchRecord(kLiClient, li_mid++, "findings", f, rectified.version(),
                                               rectified.body(), closed, {"status", "verification_id"}));
  EXPECT_EQ(r.outcome(), v1::CONFLICT) << r.reason();
  EXPECT_EQ(Get("findings", f).body().finding().status(), v1::RECTIFIED);
  bool kept = false;
  for (const auto& c : r.conflicts())
    if (c.field() == "status") {
      kept = true;
      EXPECT_EQ(c.loser_value().finding().status(), v1::CLOSED);
      EXPECT_EQ(c.winner_value().finding().status(), v1::RECTIFIED);
    }
  EXPECT_TRUE(kept) << "the stale pass is kept as the conflict's loser";

  // A verification of the second round closes it.
  std::string second = Verification(wang_, kWangClient, &wang_mid, f, v1::PASSED);
  v1::Finding now = Get("findings", f).body().finding();
  now.set_status(v1::CLOSED);
  now.set_verification_id(second);
  EXPECT_EQ(Move(wang_, kWangClient, &wang_mid, f, now, {"status", "verification_id"}).outcome(), v1::APPLIED);
}

// Two verifiers of one RECTIFIED finding at once: the office on the server
// (OfficeService.RecordVerification) and Wang offline on his tablet, whose
// push arrives later with a later HLC. The status is settled by the
// precedence (REOPENED over CLOSED), and what the winning move wrote with it
// (the verification it names, the deadline, the note) stays with it; the
// other move's values are kept as conflicts, and both verifications exist.
class ConcurrentVerificationTest : public WorkflowEngineTest {
 protected:
  // A finding of site A through a notice to RECTIFIED.
  std::string RectifiedFinding() {
    uint64_t li_mid = 1;
    std::string f = ids_.NewUuidV7();
    EXPECT_EQ(Push(li_, testing::CreateFinding(kLiClient, li_mid++, f, FindingAt(a_))).outcome(), v1::APPLIED);
    v1::IssueNoticeRequest notice;
    notice.set_site(a_);
    notice.add_finding_ids(f);
    notice.set_reference_no("Edu-Safety [2026] 21");
    notice.set_deadline_ms(testing::kTestNowMs + 14 * kDay);
    auto issued = IssueNotice(engine_.get(), office_, notice);
    EXPECT_TRUE(issued.ok()) << issued.status().ToString();
    v1::Finding to = Get("findings", f).body().finding();
    for (v1::FindingStatus s : {v1::IN_RECTIFICATION, v1::RECTIFIED}) {
      to.set_status(s);
      EXPECT_EQ(Move(li_, kLiClient, &li_mid, f, to, {"status"}).outcome(), v1::APPLIED);
    }
    return f;
  }
  // Wang's verification of `rectified` (the finding as his tablet saw it),
  // pushed an hour after the office's: the verification and the finding's
  // move, built as Client::Verify builds them.
  v1::PushResponse WangVerifies(const v1::Record& rectified, v1::VerificationResult result, std::string* id) {
    core::VerificationSpec in;
    in.finding_id = rectified.id();
    in.site_id = a_;
    in.method = v1::ON_SITE;
    in.result = result;
    in.verifier = wang_.user;
    in.note = result == v1::PASSED ? "Sanitiser replaced." : "Still expired.";
    if (result == v1::FAILED) in.new_deadline_ms = testing::kTestNowMs + 40 * kDay;
    *id = ids_.NewUuidV7();
    clock_.Advance(3'600'000);
    const int64_t hlc_ms = clock_.NowMillis();
    v1::RecordBody verification;
    *verification.mutable_verification() = core::MakeVerification(in, hlc_ms);
    core::FindingMove move = core::VerificationMove(*id, in);
    v1::RecordBody after = rectified.body();
    for (const std::string& name : move.fields)
      core::CopyField(move.values, v1::Finding::descriptor()->FindFieldByName(name), after.mutable_finding());
    v1::Mutation patch = PatchRecord(kWangClient, 2, "findings", rectified.id(), rectified.version(), rectified.body(),
                                     after, move.fields);
    patch.set_hlc(core::Hlc::Pack(hlc_ms, 0));
    auto r = engine_->Push(
        Batch({testing::CreateRecord(kWangClient, 1, "verifications", *id, verification, hlc_ms), patch}), wang_);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : v1::PushResponse{};
  }
  // The office's verification on the server, now.
  std::string OfficeVerifies(const std::string& finding, v1::VerificationResult result) {
    v1::RecordVerificationRequest req;
    req.set_finding_id(finding);
    req.set_result(result);
    req.set_note(result == v1::PASSED ? "Checked by phone." : "Still blocked.");
    if (result == v1::FAILED) req.set_new_deadline_ms(testing::kTestNowMs + 30 * kDay);
    auto out = RecordVerification(engine_.get(), office_, req);
    EXPECT_TRUE(out.ok()) << out.status().ToString();
    return out.ok() ? out->verification_id() : "";
  }
  static const v1::Conflict* On(const v1::MutationResult& r, const std::string& field) {
    for (const auto& c : r.conflicts())
      if (c.field() == field) return &c;
    return nullptr;
  }
};

TEST_F(ConcurrentVerificationTest, AnOfflinePassAgainstTheOfficesFailKeepsTheFailedVerification) {
  std::string f = RectifiedFinding();
  v1::Record rectified = Get("findings", f);
  std::string failed = OfficeVerifies(f, v1::FAILED);
  std::string passed;
  v1::PushResponse pushed = WangVerifies(rectified, v1::PASSED, &passed);
  ASSERT_EQ(pushed.results_size(), 2);
  EXPECT_EQ(pushed.results(0).outcome(), v1::APPLIED) << "the verification itself is kept";
  const v1::MutationResult& move = pushed.results(1);
  EXPECT_EQ(move.outcome(), v1::CONFLICT) << move.reason();

  v1::Finding now = Get("findings", f).body().finding();
  EXPECT_EQ(now.status(), v1::REOPENED);
  EXPECT_EQ(now.verification_id(), failed) << "a REOPENED finding names the FAILED verification";
  EXPECT_EQ(now.deadline_ms(), testing::kTestNowMs + 30 * kDay);
  EXPECT_EQ(now.verification_note(), "Still blocked.");
  for (const char* field : {"status", "verification_id", "verification_note"}) {
    const v1::Conflict* c = On(move, field);
    ASSERT_NE(c, nullptr) << field << " lost without a conflict";
    EXPECT_EQ(c->loser().author(), wang_.user) << field;
  }
  EXPECT_EQ(On(move, "verification_id")->loser_value().finding().verification_id(), passed);
  EXPECT_EQ(On(move, "verification_note")->state(), v1::CONFLICT_OPEN);
  EXPECT_EQ(Get("verifications", passed).body().verification().result(), v1::PASSED);
}

TEST_F(ConcurrentVerificationTest, AnOfflineFailAgainstTheOfficesPassReopensWithTheFailedVerification) {
  std::string f = RectifiedFinding();
  v1::Record rectified = Get("findings", f);
  std::string passed = OfficeVerifies(f, v1::PASSED);
  ASSERT_EQ(Get("findings", f).body().finding().status(), v1::CLOSED);
  std::string failed;
  v1::PushResponse pushed = WangVerifies(rectified, v1::FAILED, &failed);
  ASSERT_EQ(pushed.results_size(), 2);
  EXPECT_EQ(pushed.results(1).outcome(), v1::CONFLICT) << pushed.results(1).reason();
  v1::Finding now = Get("findings", f).body().finding();
  EXPECT_EQ(now.status(), v1::REOPENED);
  EXPECT_EQ(now.verification_id(), failed);
  EXPECT_EQ(now.deadline_ms(), testing::kTestNowMs + 40 * kDay);
  EXPECT_EQ(now.verification_note(), "Still expired.");
  const v1::Conflict* id = On(pushed.results(1), "verification_id");
  ASSERT_NE(id, nullptr);
  EXPECT_EQ(id->loser_value().finding().verification_id(), passed);
}

}  // namespace
}  // namespace inspectsync::server
