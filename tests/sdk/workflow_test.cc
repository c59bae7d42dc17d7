// The workflow on the device: atomic batches (Client::Apply), rectification
// notices and verifications (IssueNotice, Verify), the cross-record rules of
// core/workflow.h run locally, and the problem list over the device's own
// records. The last tests push what the SDK produced to the REAL sync engine
// (in-process, over SQLite) and check the server accepts all of it.
#include <gtest/gtest.h>

#include "core/hlc.h"
#include "core/workflow.h"
#include "server/sync_engine.h"
#include "storage/server_store.h"
#include "tests/sdk/sdk_test_util.h"

namespace inspectsync::testing {
namespace {

constexpr int64_t kDay = 86'400'000;

class ClientWorkflowTest : public SdkTest {
 protected:
  void SetUp() override {
    c_ = Open();
    ASSERT_NE(c_, nullptr);
  }
  std::string NewFinding(const std::string& site = "site-001", v1::FindingStatus status = v1::OPEN,
                         const std::string& title = "Gas alarm not serviced") {
    v1::Finding f = Finding(title);
    f.set_site_id(site);
    f.set_status(status);
    auto id = c_->CreateFinding(f);
    EXPECT_TRUE(id.ok()) << id.status().ToString();
    return id.ok() ? *id : "";
  }
  NoticeInput Notice(std::vector<std::string> findings, const std::string& site = "site-001") {
    NoticeInput n;
    n.site_id = site;
    n.finding_ids = std::move(findings);
    n.deadline_ms = clock_.NowMillis() + 14 * kDay;
    n.reference_no = "DEC-2026-017";
    n.text = "Replace the expired disinfectant within 14 days.";
    return n;
  }
  void Move(const std::string& id, v1::FindingStatus to) {
    v1::Finding v;
    v.set_status(to);
    ASSERT_OK(c_->UpdateFinding(id, v, {"status"}));
  }
  // OPEN -> NOTIFIED -> IN_RECTIFICATION -> RECTIFIED, the proper way.
  std::string RectifiedFinding() {
    std::string id = NewFinding();
    EXPECT_TRUE(c_->IssueNotice(Notice({id})).ok());
    Move(id, v1::IN_RECTIFICATION);
    Move(id, v1::RECTIFIED);
    return id;
  }
  VerificationInput Verification(const std::string& finding, v1::VerificationResult result) {
    VerificationInput v;
    v.finding_id = finding;
    v.method = v1::ON_SITE;
    v.result = result;
    v.verifier = "user-zhang";
    v.note = result == v1::PASSED ? "New disinfectant in stock." : "Still expired.";
    if (result == v1::FAILED) v.new_deadline_ms = clock_.NowMillis() + 30 * kDay;
    return v;
  }
  static Edit CreateEdit(const std::string& collection, v1::RecordBody body, const std::string& id = "") {
    Edit e;
    e.op = Edit::Op::kCreate;
    e.collection = collection;
    e.id = id;
    e.body = std::move(body);
    return e;
  }
  static Edit UpdateEdit(const std::string& id, v1::Finding values, std::vector<std::string> fields) {
    Edit e;
    e.op = Edit::Op::kUpdate;
    e.collection = "findings";
    e.id = id;
    *e.body.mutable_finding() = std::move(values);
    e.fields = std::move(fields);
    return e;
  }
  // Everything a refused call must leave as it was.
  std::string Snapshot() {
    std::string out = std::to_string(Pending(*c_));
    for (const char* coll : {"findings", "notices", "verifications", "inspections", "templates"}) {
      auto list = c_->List(coll);
      EXPECT_TRUE(list.ok());
      for (const LocalRecord& r : *list) out += "|" + r.id + ":" + r.body.SerializeAsString();
    }
    return out;
  }

  std::unique_ptr<Client> c_;
};

// ---------------------------------------------------------------- Apply

TEST_F(ClientWorkflowTest, ApplyStoresAMixedBatchInOrder) {
  std::string existing = NewFinding();
  std::string new_id = "01890a5d-ac96-774b-bcce-b302099a8057";
  v1::Finding renamed;
  renamed.set_title("Renamed in the batch");
  v1::Finding tagged;
  tagged.add_tags("kitchen");
  Edit del;
  del.op = Edit::Op::kDelete;
  del.collection = "inspections";
  del.id = "01890a5d-ac96-774b-bcce-b302099a8058";
  auto ids = c_->Apply({CreateEdit("findings", Body(Finding("made in the batch")), new_id),
                        UpdateEdit(new_id, renamed, {"title"}),  // sees the create before it
                        UpdateEdit(existing, tagged, {"tags"}),
                        CreateEdit("inspections", Body(Inspection()), del.id), del});
  ASSERT_OK(ids);
  EXPECT_EQ(*ids, (std::vector<std::string>{new_id, new_id, existing, del.id, del.id}));
  EXPECT_EQ(c_->GetFinding(new_id)->value.title(), "Renamed in the batch");
  EXPECT_EQ(c_->GetFinding(existing)->value.tags_size(), 1);
  EXPECT_EQ(c_->GetInspection(del.id).status().code(), StatusCode::kNotFound);  // created, then deleted
  EXPECT_EQ(Pending(*c_), 6u);

  ASSERT_OK(c_->Sync());
  const auto pushes = server_->pushes();
  const auto& ms = pushes.back().mutations();
  ASSERT_EQ(ms.size(), 6);
  std::vector<v1::MutationOp> ops;
  for (int i = 0; i < ms.size(); ++i) {
    EXPECT_EQ(ms[i].mutation_id(), static_cast<uint64_t>(i + 1));
    if (i > 0) {
      EXPECT_GT(ms[i].hlc(), ms[i - 1].hlc());
    }
    ops.push_back(ms[i].op());
  }
  EXPECT_EQ(ops, (std::vector<v1::MutationOp>{v1::CREATE, v1::CREATE, v1::PATCH, v1::PATCH, v1::CREATE, v1::DELETE}));
  // The patch of the record created in the batch carries the batch's view as its base.
  EXPECT_EQ(ms[2].base_body().finding().title(), "made in the batch");
  EXPECT_EQ(server_->Find("findings", new_id)->body().finding().title(), "Renamed in the batch");
}

TEST_F(ClientWorkflowTest, ApplyWithABadThirdEditStoresNothing) {
  std::string existing = NewFinding();
  const std::string before = Snapshot();
  v1::Finding renamed;
  renamed.set_title("Renamed");
  v1::Finding closed;
  closed.set_status(v1::CLOSED);  // OPEN -> CLOSED is illegal
  auto r = c_->Apply({CreateEdit("findings", Body(Finding("new"))), UpdateEdit(existing, renamed, {"title"}),
                      UpdateEdit(existing, closed, {"status"})});
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(r.status().message().rfind("edit 2: ", 0), 0u) << r.status().message();
  EXPECT_EQ(Snapshot(), before);

  v1::Finding too_long;
  too_long.set_title(std::string(201, 'x'));
  r = c_->Apply({CreateEdit("findings", Body(Finding("new"))), UpdateEdit(existing, renamed, {"title"}),
                 UpdateEdit(existing, too_long, {"title"})});
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Snapshot(), before);

  // Each kind of bad edit, third in the batch.
  Edit unknown_collection = CreateEdit("photos", Body(Finding()));
  Edit bad_id = UpdateEdit("not-a-uuid", renamed, {"title"});
  Edit missing = UpdateEdit("01890a5d-ac96-774b-bcce-b302099a8057", renamed, {"title"});
  Edit delete_finding;
  delete_finding.op = Edit::Op::kDelete;
  delete_finding.collection = "findings";
  delete_finding.id = existing;
  Edit duplicate_id = CreateEdit("findings", Body(Finding()), existing);
  for (const Edit& bad : {unknown_collection, bad_id, missing, delete_finding, duplicate_id}) {
    r = c_->Apply({CreateEdit("findings", Body(Finding("new"))), UpdateEdit(existing, renamed, {"title"}), bad});
    EXPECT_FALSE(r.ok());
    EXPECT_EQ(r.status().message().rfind("edit 2: ", 0), 0u) << r.status().message();
    EXPECT_EQ(Snapshot(), before);
  }
  EXPECT_EQ(c_->Apply({duplicate_id}).status().code(), StatusCode::kAlreadyExists);
  EXPECT_TRUE(c_->Apply({})->empty());
  EXPECT_EQ(Snapshot(), before);
  // Mutation ids were not burnt by the refused batches.
  ASSERT_OK(c_->Sync());
  ASSERT_EQ(server_->pushes().back().mutations_size(), 1);
  EXPECT_EQ(server_->pushes().back().mutations(0).mutation_id(), 1u);
}

TEST_F(ClientWorkflowTest, ApplyRunsTheWorkflowRulesOnTheBatchState) {
  std::string f = NewFinding();
  std::string notice_id = "01890a5d-ac96-774b-bcce-b302099a8057";
  v1::RecordBody notice;
  notice.mutable_notice()->set_site_id("site-001");
  notice.mutable_notice()->add_finding_ids(f);
  notice.mutable_notice()->set_deadline_ms(clock_.NowMillis() + kDay);
  v1::Finding notified;
  notified.set_status(v1::NOTIFIED);
  notified.set_deadline_ms(clock_.NowMillis() + kDay);
  notified.set_notice_id(notice_id);
  // The move alone names a notice that does not exist.
  Status alone = c_->UpdateFinding(f, notified, {"status", "deadline_ms", "notice_id"});
  EXPECT_EQ(alone.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(alone.message(), "notice " + notice_id + " does not exist");
  // With the notice created first in the same batch, it holds.
  ASSERT_OK(c_->Apply({CreateEdit("notices", notice, notice_id),
                       UpdateEdit(f, notified, {"status", "deadline_ms", "notice_id"})}));
  EXPECT_EQ(c_->GetFinding(f)->value.status(), v1::NOTIFIED);

  // A notice that does not list the finding does not notify it.
  std::string g = NewFinding();
  notified.set_notice_id(notice_id);
  Status unlisted = c_->UpdateFinding(g, notified, {"status", "deadline_ms", "notice_id"});
  EXPECT_EQ(unlisted.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(unlisted.message(), "notice " + notice_id + " does not list finding " + g);
}

TEST_F(ClientWorkflowTest, TemplatesAndInspectionsFollowTheRules) {
  v1::RecordBody t;
  auto* tmpl = t.mutable_checklist_template();
  tmpl->set_key("epidemic-prevention");
  tmpl->set_version(1);
  tmpl->set_title("Epidemic prevention");
  auto* item = tmpl->add_items();
  item->set_id("supplies");
  item->set_category("prevention-supplies");
  item->set_text("Prevention supplies sufficient and in date");
  const std::string tid = core::TemplateRecordId("epidemic-prevention", 1);

  v1::Inspection in = Inspection();
  in.set_template_key("epidemic-prevention");
  in.set_template_version(1);
  auto unpublished = c_->CreateInspection(in);
  EXPECT_EQ(unpublished.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(unpublished.status().message().find("not published"), std::string::npos);
  // A template under any other id than the derived one.
  auto wrong_id = c_->Apply({CreateEdit("templates", t, "01890a5d-ac96-774b-bcce-b302099a8057")});
  EXPECT_EQ(wrong_id.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Pending(*c_), 0u);

  ASSERT_OK(c_->Apply({CreateEdit("templates", t, tid)}));
  auto id = c_->CreateInspection(in);
  ASSERT_OK(id);
  v1::Inspection answers;
  auto* r = answers.add_responses();
  r->set_item_id("supplies");
  r->set_result(v1::FAIL);
  ASSERT_OK(c_->UpdateInspection(*id, answers, {"responses"}));
  r->set_item_id("no-such-item");
  Status bad = c_->UpdateInspection(*id, answers, {"responses"});
  EXPECT_EQ(bad.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.message().find("no-such-item"), std::string::npos) << bad.message();
  EXPECT_EQ(c_->GetInspection(*id)->value.responses(0).item_id(), "supplies");
}

// ---------------------------------------------------------------- IssueNotice

TEST_F(ClientWorkflowTest, IssueNoticeCreatesTheNoticeAndNotifiesItsFindings) {
  std::string a = NewFinding(), b = NewFinding();
  std::string other = NewFinding();
  NoticeInput in = Notice({a, b});
  auto id = c_->IssueNotice(in);
  ASSERT_OK(id);
  auto notice = c_->Get("notices", *id);
  ASSERT_OK(notice);
  const v1::RectificationNotice& n = notice->body.notice();
  EXPECT_EQ(n.site_id(), "site-001");
  EXPECT_EQ(std::vector<std::string>(n.finding_ids().begin(), n.finding_ids().end()),
            (std::vector<std::string>{a, b}));
  EXPECT_EQ(n.deadline_ms(), in.deadline_ms);
  EXPECT_EQ(n.issued_at_ms(), clock_.NowMillis());  // the device clock
  EXPECT_EQ(n.reference_no(), "DEC-2026-017");
  EXPECT_EQ(n.text(), in.text);
  for (const std::string& f : {a, b}) {
    auto got = c_->GetFinding(f);
    EXPECT_EQ(got->value.status(), v1::NOTIFIED);
    EXPECT_EQ(got->value.deadline_ms(), in.deadline_ms);
    EXPECT_EQ(got->value.notice_id(), *id);
  }
  EXPECT_EQ(c_->GetFinding(other)->value.status(), v1::OPEN);
  EXPECT_EQ(Pending(*c_), 3u + 3u);  // three creates, then the notice and two moves

  ASSERT_OK(c_->Sync());  // one batch on the wire, the notice first
  const auto pushes = server_->pushes();
  const auto& ms = pushes.back().mutations();
  ASSERT_EQ(ms.size(), 6);
  EXPECT_EQ(ms[3].collection(), "notices");
  EXPECT_EQ(ms[4].body().finding().notice_id(), *id);
}

TEST_F(ClientWorkflowTest, IssueNoticeRefusalsChangeNothing) {
  std::string open = NewFinding();
  std::string elsewhere = NewFinding("site-002");
  std::string draft = NewFinding("site-001", v1::DRAFT);
  std::string notified = NewFinding();
  ASSERT_OK(c_->IssueNotice(Notice({notified})));
  const std::string before = Snapshot();
  auto expect = [&](NoticeInput in, StatusCode code, const std::string& words) {
    auto r = c_->IssueNotice(in);
    EXPECT_EQ(r.status().code(), code) << r.status().ToString();
    EXPECT_NE(r.status().message().find(words), std::string::npos) << r.status().message();
    EXPECT_EQ(Snapshot(), before);
  };
  expect(Notice({open, "01890a5d-ac96-774b-bcce-b302099a8057"}), StatusCode::kNotFound, "on this device");
  expect(Notice({open, elsewhere}), StatusCode::kFailedPrecondition, "not at the notice's site site-001");
  expect(Notice({open, draft}), StatusCode::kFailedPrecondition, "DRAFT: a notice is issued for OPEN findings only");
  expect(Notice({notified}), StatusCode::kFailedPrecondition, "NOTIFIED");
  expect(Notice({open, open}), StatusCode::kInvalidArgument, "listed twice");
  expect(Notice({}), StatusCode::kInvalidArgument, "at least one finding");
  expect(Notice({"nope"}), StatusCode::kInvalidArgument, "not a lowercase UUID");
  NoticeInput no_deadline = Notice({open});
  no_deadline.deadline_ms = 0;
  expect(no_deadline, StatusCode::kInvalidArgument, "deadline");
  expect(Notice({open}, ""), StatusCode::kInvalidArgument, "site_id");
  NoticeInput long_text = Notice({open});
  long_text.text = std::string(4001, 'x');
  expect(long_text, StatusCode::kInvalidArgument, "text");
}

// ---------------------------------------------------------------- Verify

TEST_F(ClientWorkflowTest, VerifyFailedReopensAndPassedCloses) {
  std::string f = RectifiedFinding();
  int64_t first_deadline = c_->GetFinding(f)->value.deadline_ms();
  VerificationInput failed = Verification(f, v1::FAILED);
  auto v1_id = c_->Verify(failed);
  ASSERT_OK(v1_id);
  auto got = c_->GetFinding(f);
  EXPECT_EQ(got->value.status(), v1::REOPENED);
  EXPECT_EQ(got->value.deadline_ms(), failed.new_deadline_ms);
  EXPECT_GT(got->value.deadline_ms(), first_deadline);
  EXPECT_EQ(got->value.verification_id(), *v1_id);
  EXPECT_EQ(got->value.verification_note(), "Still expired.");
  auto rec = c_->Get("verifications", *v1_id);
  ASSERT_OK(rec);
  EXPECT_EQ(rec->body.verification().site_id(), "site-001");  // from the finding
  EXPECT_EQ(rec->body.verification().finding_id(), f);
  EXPECT_EQ(rec->body.verification().result(), v1::FAILED);
  EXPECT_EQ(rec->body.verification().verified_at_ms(), clock_.NowMillis());

  Move(f, v1::IN_RECTIFICATION);
  Move(f, v1::RECTIFIED);
  auto v2_id = c_->Verify(Verification(f, v1::PASSED));
  ASSERT_OK(v2_id);
  got = c_->GetFinding(f);
  EXPECT_EQ(got->value.status(), v1::CLOSED);
  EXPECT_EQ(got->value.verification_id(), *v2_id);
  EXPECT_EQ(got->value.verification_note(), "New disinfectant in stock.");
  EXPECT_EQ(got->value.deadline_ms(), failed.new_deadline_ms);  // a pass keeps the deadline
}

TEST_F(ClientWorkflowTest, VerifyRefusalsChangeNothing) {
  std::string open = NewFinding();
  std::string f = RectifiedFinding();
  const std::string before = Snapshot();
  auto expect = [&](VerificationInput in, StatusCode code, const std::string& words) {
    auto r = c_->Verify(in);
    EXPECT_EQ(r.status().code(), code) << r.status().ToString();
    EXPECT_NE(r.status().message().find(words), std::string::npos) << r.status().message();
    EXPECT_EQ(Snapshot(), before);
  };
  expect(Verification("01890a5d-ac96-774b-bcce-b302099a8057", v1::PASSED), StatusCode::kNotFound, "on this device");
  expect(Verification(open, v1::PASSED), StatusCode::kFailedPrecondition,
         "OPEN: only a RECTIFIED finding is verified");
  expect(Verification("", v1::PASSED), StatusCode::kInvalidArgument, "names the finding");
  expect(Verification(f, v1::VERIFICATION_RESULT_UNSPECIFIED), StatusCode::kInvalidArgument, "PASSED or FAILED");
  VerificationInput no_method = Verification(f, v1::PASSED);
  no_method.method = v1::VERIFICATION_METHOD_UNSPECIFIED;
  expect(no_method, StatusCode::kInvalidArgument, "method");
  VerificationInput no_verifier = Verification(f, v1::PASSED);
  no_verifier.verifier.clear();
  expect(no_verifier, StatusCode::kInvalidArgument, "verifier");
  VerificationInput no_deadline = Verification(f, v1::FAILED);
  no_deadline.new_deadline_ms = 0;
  expect(no_deadline, StatusCode::kInvalidArgument, "new_deadline_ms");
  VerificationInput earlier = Verification(f, v1::FAILED);
  earlier.new_deadline_ms = c_->GetFinding(f)->value.deadline_ms() - kDay;  // not later than the old one
  expect(earlier, StatusCode::kFailedPrecondition, "later than the previous one");
}

TEST_F(ClientWorkflowTest, CloseAndReopenOnlyThroughAMatchingVerification) {
  std::string f = RectifiedFinding();
  std::string g = RectifiedFinding();
  auto pass_g = c_->Verify(Verification(g, v1::PASSED));
  ASSERT_OK(pass_g);
  v1::Finding closed;
  closed.set_status(v1::CLOSED);
  Status bare = c_->UpdateFinding(f, closed, {"status"});
  EXPECT_EQ(bare.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(bare.message().find("verification_id"), std::string::npos) << bare.message();
  closed.set_verification_id(*pass_g);  // a verification of another finding
  Status other = c_->UpdateFinding(f, closed, {"status", "verification_id"});
  EXPECT_EQ(other.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(other.message(), "verification " + *pass_g + " is of finding " + g);
  EXPECT_EQ(c_->GetFinding(f)->value.status(), v1::RECTIFIED);
}

// A finding names only records of its own site (the (references) fields),
// checked on the device as on the server: at create and on any patch, not
// only on a status move. Nothing is stored when refused.
TEST_F(ClientWorkflowTest, AFindingNamesOnlyRecordsOfItsOwnSite) {
  std::string elsewhere = NewFinding("site-002");
  auto notice = c_->IssueNotice(Notice({elsewhere}, "site-002"));
  ASSERT_OK(notice);
  auto inspection = c_->Create("inspections", Body(Inspection("site-002")));
  ASSERT_OK(inspection);
  std::string before = Snapshot();

  v1::Finding f = Finding("at site 1");
  f.set_site_id("site-001");
  f.set_inspection_id(*inspection);
  auto created = c_->CreateFinding(f);
  EXPECT_EQ(created.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(created.status().message().find("inspection_id names inspections record " + *inspection + " of site site-002"),
            std::string::npos)
      << created.status().message();
  std::string mine = NewFinding("site-001");
  before = Snapshot();
  v1::Finding v;
  v.set_notice_id(*notice);
  Status patched = c_->UpdateFinding(mine, v, {"notice_id"});
  EXPECT_EQ(patched.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(patched.message().find("of site site-002"), std::string::npos) << patched.message();
  EXPECT_EQ(Snapshot(), before) << "a refused edit stores nothing";
  // An inspection this device does not hold may be a teammate's, not yet
  // synced: accepted.
  v.Clear();
  v.set_inspection_id("01890a5d-ac96-774b-bcce-b30209900001");
  ASSERT_OK(c_->UpdateFinding(mine, v, {"inspection_id"}));
}

// ---------------------------------------------------------------- Problems

class ClientProblemsTest : public ClientWorkflowTest {
 protected:
  void SetUp() override {
    ClientWorkflowTest::SetUp();
    north_a_ = Site("North A", "zone-north");
    north_b_ = Site("North B", "zone-north");
    south_ = Site("South", "zone-south");
  }
  std::string Site(const std::string& name, const std::string& zone) {
    v1::RecordBody b;
    b.mutable_site()->set_name(name);
    b.mutable_site()->set_zone_id(zone);
    auto id = c_->Create("sites", b);
    EXPECT_TRUE(id.ok());
    return *id;
  }
  std::string At(const std::string& site, const std::string& category, v1::Severity sev) {
    v1::Finding f = Finding(category + " problem");
    f.set_site_id(site);
    f.set_category(category);
    f.set_severity(sev);
    auto id = c_->CreateFinding(f);
    EXPECT_TRUE(id.ok());
    return *id;
  }
  std::vector<std::string> Ids(const v1::ProblemPage& p) {
    std::vector<std::string> out;
    for (const auto& x : p.problems()) out.push_back(x.finding_id());
    return out;
  }
  std::string north_a_, north_b_, south_;
};

TEST_F(ClientProblemsTest, FiltersOrdersAndPages) {
  std::string late = At(north_a_, "fire-safety", v1::LOW);
  std::string soon = At(north_a_, "fire-safety", v1::MEDIUM);
  std::string none_high = At(north_b_, "supplies", v1::HIGH);
  std::string none_low = At(south_, "supplies", v1::LOW);
  std::string draft_id;
  {
    v1::Finding d = Finding("draft");
    d.set_site_id(south_);
    d.set_status(v1::DRAFT);
    draft_id = *c_->CreateFinding(d);
  }
  std::string voided = At(south_, "supplies", v1::CRITICAL);
  ASSERT_OK(c_->VoidFinding(voided, "recorded twice"));
  NoticeInput n1 = Notice({late}, north_a_);
  n1.deadline_ms = clock_.NowMillis() + 20 * kDay;
  ASSERT_OK(c_->IssueNotice(n1));
  NoticeInput n2 = Notice({soon}, north_a_);
  n2.deadline_ms = clock_.NowMillis() + 2 * kDay;
  ASSERT_OK(c_->IssueNotice(n2));

  // Default: every followed status (not DRAFT, CLOSED, VOIDED); deadline
  // first (none last), then severity highest first.
  v1::ProblemQuery q;
  auto page = c_->Problems(q);
  ASSERT_OK(page);
  EXPECT_EQ(Ids(*page), (std::vector<std::string>{soon, late, none_high, none_low}));
  EXPECT_TRUE(page->next_page_token().empty());
  EXPECT_EQ(page->as_of_ms(), clock_.NowMillis());
  EXPECT_EQ(page->problems(0).zone_id(), "zone-north");
  EXPECT_EQ(page->problems(0).site_name(), "North A");
  EXPECT_TRUE(page->problems(0).finding().notice_id().size() > 0);

  // Pages of 3 then 1, the token carrying on where the first stopped.
  q.set_page_size(3);
  page = c_->Problems(q);
  EXPECT_EQ(Ids(*page), (std::vector<std::string>{soon, late, none_high}));
  ASSERT_FALSE(page->next_page_token().empty());
  q.set_page_token(page->next_page_token());
  page = c_->Problems(q);
  EXPECT_EQ(Ids(*page), (std::vector<std::string>{none_low}));
  EXPECT_TRUE(page->next_page_token().empty());

  v1::ProblemQuery zone;
  zone.add_zone_ids("zone-south");
  zone.add_statuses(v1::DRAFT);
  zone.add_statuses(v1::OPEN);
  // Neither has a deadline: the draft's MEDIUM comes before the LOW.
  EXPECT_EQ(Ids(*c_->Problems(zone)), (std::vector<std::string>{draft_id, none_low}));
  v1::ProblemQuery cat;
  cat.add_categories("supplies");
  cat.add_severities(v1::HIGH);
  EXPECT_EQ(Ids(*c_->Problems(cat)), (std::vector<std::string>{none_high}));

  // Overdue by the device clock.
  clock_.Advance(3 * kDay);
  v1::ProblemQuery overdue;
  overdue.set_overdue_only(true);
  page = c_->Problems(overdue);
  ASSERT_OK(page);
  EXPECT_EQ(Ids(*page), (std::vector<std::string>{soon}));
  EXPECT_TRUE(page->problems(0).overdue());
  EXPECT_EQ(page->problems(0).overdue_days(), 1);

  // Pending edits count: the view, not only what the server acknowledged.
  Move(soon, v1::IN_RECTIFICATION);
  v1::ProblemQuery in_rect;
  in_rect.add_statuses(v1::IN_RECTIFICATION);
  EXPECT_EQ(Ids(*c_->Problems(in_rect)), (std::vector<std::string>{soon}));
}

TEST_F(ClientProblemsTest, BadQueriesAreRefused) {
  v1::ProblemQuery big;
  big.set_page_size(5000);
  EXPECT_EQ(c_->Problems(big).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(c_->CountProblems(big).status().code(), StatusCode::kInvalidArgument);  // the same check as the server
  v1::ProblemQuery token;
  token.set_page_token("garbage");
  EXPECT_EQ(c_->Problems(token).status().code(), StatusCode::kInvalidArgument);
  v1::ProblemQuery status;
  status.add_statuses(static_cast<v1::FindingStatus>(42));
  EXPECT_EQ(c_->Problems(status).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(c_->CountProblems(status).status().code(), StatusCode::kInvalidArgument);
  v1::ProblemQuery sev;
  sev.add_severities(v1::SEVERITY_UNSPECIFIED);
  EXPECT_EQ(c_->Problems(sev).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(ClientProblemsTest, CountsByZoneCategoryAndStatus) {
  std::string a = At(north_a_, "fire-safety", v1::LOW);
  At(north_b_, "fire-safety", v1::HIGH);
  At(north_b_, "supplies", v1::HIGH);
  At(south_, "supplies", v1::LOW);
  std::string unknown_site = At("01890a5d-ac96-774b-bcce-b302099a8057", "supplies", v1::LOW);
  NoticeInput n = Notice({a}, north_a_);
  n.deadline_ms = clock_.NowMillis() + kDay;
  ASSERT_OK(c_->IssueNotice(n));
  clock_.Advance(2 * kDay);

  auto report = c_->CountProblems(v1::ProblemQuery());
  ASSERT_OK(report);
  EXPECT_EQ(report->findings(), 5u);
  EXPECT_EQ(report->overdue(), 1u);
  std::map<std::tuple<std::string, std::string, int>, std::pair<uint64_t, uint64_t>> got;
  for (const auto& c : report->counts()) got[{c.zone_id(), c.category(), c.status()}] = {c.findings(), c.overdue()};
  using K = std::tuple<std::string, std::string, int>;
  std::map<K, std::pair<uint64_t, uint64_t>> want = {
      {K{"", "supplies", v1::OPEN}, {1, 0}},  // a site this device does not hold
      {K{"zone-north", "fire-safety", v1::NOTIFIED}, {1, 1}},
      {K{"zone-north", "fire-safety", v1::OPEN}, {1, 0}},
      {K{"zone-north", "supplies", v1::OPEN}, {1, 0}},
      {K{"zone-south", "supplies", v1::OPEN}, {1, 0}},
  };
  EXPECT_EQ(got, want);
  v1::ProblemQuery north;
  north.add_zone_ids("zone-north");
  EXPECT_EQ(c_->CountProblems(north)->findings(), 3u);
  (void)unknown_site;
}

// ---------------------------------------------------------------- the real server

// A Transport straight into an in-process SyncEngine over a SQLite store.
class EngineTransport : public Transport {
 public:
  EngineTransport(server::SyncEngine* engine, server::Caller caller) : engine_(engine), caller_(std::move(caller)) {}
  Status Push(const v1::PushRequest& request, v1::PushResponse* response) override {
    auto r = engine_->Push(request, caller_);
    if (!r.ok()) return r.status();
    *response = std::move(*r);
    return Status::Ok();
  }
  Status Pull(const v1::PullRequest& request,
              const std::function<Status(const v1::PullResponse&)>& on_page) override {
    auto plan = engine_->StartPull(request, caller_);
    if (!plan.ok()) return plan.status();
    while (true) {
      auto page = engine_->NextPage(request, &*plan);
      if (!page.ok()) return page.status();
      INSPECTSYNC_RETURN_IF_ERROR(on_page(*page));
      if (plan->done) return Status::Ok();
    }
  }

 private:
  server::SyncEngine* engine_;
  server::Caller caller_;
};

class ClientEngineRoundTripTest : public SdkTest {
 protected:
  void SetUp() override {
    clock_.Set(1'767'225'600'000);
    auto store = storage::OpenSqliteServerStore(dir_.File("server.db"));
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(*store);
    server::EngineOptions eo;
    eo.clock = &clock_;
    engine_ = std::make_unique<server::SyncEngine>(store_.get(), eo);
  }
  std::unique_ptr<Client> Tablet(const std::string& name, server::Caller caller) {
    ClientOptions o = Options(name + ".db", std::hash<std::string>()(name));
    o.transport = std::make_shared<EngineTransport>(engine_.get(), std::move(caller));
    return Open(o);
  }
  v1::Record ServerRecord(const std::string& collection, const std::string& id) {
    auto rec = store_->GetRecord(collection, id);
    EXPECT_TRUE(rec.ok() && rec->has_value()) << collection << "/" << id;
    v1::Record out;
    if (!rec.ok() || !rec->has_value()) return out;
    const core::CollectionSpec* spec = core::FindCollection(collection);
    spec->Mutable(out.mutable_body())->ParseFromString((*rec)->body);
    out.set_version((*rec)->version);
    return out;
  }
  SyncReport MustSync(Client& c) {
    auto r = c.Sync();
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (!r.ok()) return {};
    EXPECT_EQ(r->rejected, 0u);
    auto rejected = c.Rejected();
    for (const auto& d : *rejected) ADD_FAILURE() << "rejected: " << d.reason << " {" << d.mutation.ShortDebugString() << "}";
    return *r;
  }

  std::unique_ptr<storage::ServerStore> store_;
  std::unique_ptr<server::SyncEngine> engine_;
};

TEST_F(ClientEngineRoundTripTest, TheServerAcceptsTheWholeWorkflowTheSdkProduced) {
  auto office = Tablet("office", server::Caller("office-1", "office", "office-pc"));
  ASSERT_NE(office, nullptr);
  v1::RecordBody zone;
  zone.mutable_zone()->set_name("North");
  auto zone_id = office->Create("zones", zone);
  ASSERT_OK(zone_id);
  v1::RecordBody site;
  site.mutable_site()->set_name("Kindergarten No. 7");
  site.mutable_site()->set_zone_id(*zone_id);
  auto site_id = office->Create("sites", site);
  ASSERT_OK(site_id);
  v1::RecordBody user;
  user.mutable_user()->set_name("Li Na");
  user.mutable_user()->set_role(v1::INSPECTOR);
  v1::RecordBody assignment;
  assignment.mutable_assignment()->set_user_id("inspector-1");
  assignment.mutable_assignment()->set_site_id(*site_id);
  ASSERT_OK(office->Create("assignments", assignment));
  // The checklist, published once under its derived id.
  v1::RecordBody t;
  t.mutable_checklist_template()->set_key("epidemic-prevention");
  t.mutable_checklist_template()->set_version(1);
  for (const char* item : {"supplies", "signage"}) {
    auto* it = t.mutable_checklist_template()->add_items();
    it->set_id(item);
    it->set_category("prevention");
    it->set_text(std::string("Check ") + item);
  }
  Edit publish;
  publish.op = Edit::Op::kCreate;
  publish.collection = "templates";
  publish.id = core::TemplateRecordId("epidemic-prevention", 1);
  publish.body = t;
  ASSERT_OK(office->Apply({publish}));
  MustSync(*office);

  // The inspector captures offline: an inspection on the template, answers, findings.
  auto inspector = Tablet("inspector", server::Caller("inspector-1", "inspector", "tablet-li"));
  ASSERT_NE(inspector, nullptr);
  MustSync(*inspector);
  ASSERT_EQ(inspector->List("templates")->size(), 1u);
  v1::Inspection in;
  in.set_site_id(*site_id);
  in.set_kind(v1::SPECIAL_CAMPAIGN);
  in.set_template_key("epidemic-prevention");
  in.set_template_version(1);
  auto in_id = inspector->CreateInspection(in);
  ASSERT_OK(in_id);
  v1::Inspection answers;
  auto* r = answers.add_responses();
  r->set_item_id("supplies");
  r->set_result(v1::FAIL);
  r->set_inspector("inspector-1");
  ASSERT_OK(inspector->UpdateInspection(*in_id, answers, {"responses"}));
  std::vector<std::string> findings;
  for (const char* title : {"Disinfectant expired", "Signage not visible"}) {
    v1::Finding f;
    f.set_site_id(*site_id);
    f.set_inspection_id(*in_id);
    f.set_category("prevention");
    f.set_title(title);
    f.set_severity(v1::HIGH);
    findings.push_back(*inspector->CreateFinding(f));
  }
  MustSync(*inspector);
  MustSync(*office);

  // The office issues the notice; the inspector reports the rectification.
  NoticeInput n;
  n.site_id = *site_id;
  n.finding_ids = findings;
  n.deadline_ms = clock_.NowMillis() + 14 * kDay;
  n.reference_no = "DEC-2026-017";
  auto notice_id = office->IssueNotice(n);
  ASSERT_OK(notice_id);
  MustSync(*office);
  MustSync(*inspector);
  for (const std::string& f : findings) {
    for (v1::FindingStatus s : {v1::IN_RECTIFICATION, v1::RECTIFIED}) {
      v1::Finding v;
      v.set_status(s);
      ASSERT_OK(inspector->UpdateFinding(f, v, {"status"}));
    }
  }
  MustSync(*inspector);
  MustSync(*office);

  // One fails verification, one passes; the failed one goes round again.
  VerificationInput fail;
  fail.finding_id = findings[0];
  fail.method = v1::ON_SITE;
  fail.result = v1::FAILED;
  fail.verifier = "office-1";
  fail.new_deadline_ms = clock_.NowMillis() + 30 * kDay;
  auto failed_id = office->Verify(fail);
  ASSERT_OK(failed_id);
  VerificationInput pass = fail;
  pass.finding_id = findings[1];
  pass.result = v1::PASSED;
  pass.new_deadline_ms = 0;
  pass.note = "Signs replaced";
  auto passed_id = office->Verify(pass);
  ASSERT_OK(passed_id);
  MustSync(*office);
  MustSync(*inspector);
  for (v1::FindingStatus s : {v1::IN_RECTIFICATION, v1::RECTIFIED}) {
    v1::Finding v;
    v.set_status(s);
    ASSERT_OK(inspector->UpdateFinding(findings[0], v, {"status"}));
  }
  MustSync(*inspector);
  MustSync(*office);
  pass.finding_id = findings[0];
  auto second_pass = office->Verify(pass);
  ASSERT_OK(second_pass);
  MustSync(*office);
  MustSync(*inspector);

  // The server holds what the SDK made.
  v1::Record f0 = ServerRecord("findings", findings[0]);
  EXPECT_EQ(f0.body().finding().status(), v1::CLOSED);
  EXPECT_EQ(f0.body().finding().verification_id(), *second_pass);
  EXPECT_EQ(f0.body().finding().notice_id(), *notice_id);
  EXPECT_EQ(f0.body().finding().deadline_ms(), fail.new_deadline_ms);
  v1::Record f1 = ServerRecord("findings", findings[1]);
  EXPECT_EQ(f1.body().finding().status(), v1::CLOSED);
  EXPECT_EQ(f1.body().finding().verification_id(), *passed_id);
  EXPECT_EQ(f1.body().finding().verification_note(), "Signs replaced");
  EXPECT_EQ(ServerRecord("verifications", *failed_id).body().verification().result(), v1::FAILED);
  EXPECT_EQ(ServerRecord("notices", *notice_id).body().notice().finding_ids_size(), 2);
  EXPECT_EQ(ServerRecord("inspections", *in_id).body().inspection().responses_size(), 1);

  // And the inspector's tablet agrees with it, down to the problem list.
  for (const std::string& f : findings) {
    auto local = inspector->GetFinding(f);
    ASSERT_OK(local);
    EXPECT_FALSE(local->pending);
    EXPECT_EQ(local->value.SerializeAsString(), ServerRecord("findings", f).body().finding().SerializeAsString());
  }
  EXPECT_TRUE(inspector->Problems(v1::ProblemQuery())->problems().empty());  // all closed
  v1::ProblemQuery closed;
  closed.add_statuses(v1::CLOSED);
  EXPECT_EQ(inspector->CountProblems(closed)->findings(), 2u);
  EXPECT_EQ(inspector->Problems(closed)->problems(0).zone_id(), *zone_id);
}

TEST_F(ClientEngineRoundTripTest, TheServerRefusesWhatTheSdkRefusesInTheSameWords) {
  // A tablet that still writes a bare move (an older app) meets the server's
  // rule; the SDK's local refusal uses the same sentence.
  auto a = Tablet("a", server::Caller("u"));
  auto f = a->CreateFinding(Finding());
  ASSERT_OK(f);
  MustSync(*a);
  v1::Finding v;
  v.set_status(v1::NOTIFIED);
  v.set_deadline_ms(clock_.NowMillis() + kDay);
  Status local = a->UpdateFinding(*f, v, {"status", "deadline_ms"});
  ASSERT_EQ(local.code(), StatusCode::kFailedPrecondition);

  v1::PushRequest req;
  req.set_protocol_version(1);
  v1::Mutation* m = req.add_mutations();
  m->set_client_id("01900000-0000-7000-8000-00000000abcd");
  m->set_mutation_id(1);
  m->set_collection("findings");
  m->set_record_id(*f);
  m->set_op(v1::PATCH);
  m->set_base_version(ServerRecord("findings", *f).version());
  m->set_hlc(core::Hlc::Pack(clock_.NowMillis(), 0));
  m->mutable_mask()->add_paths("status");
  m->mutable_mask()->add_paths("deadline_ms");
  *m->mutable_body()->mutable_finding() = v;
  m->mutable_base_body()->mutable_finding()->set_status(v1::OPEN);
  auto res = engine_->Push(req, server::Caller("u"));
  ASSERT_OK(res);
  EXPECT_EQ(res->results(0).outcome(), v1::REJECTED);
  EXPECT_EQ(res->results(0).reject_code(), v1::WORKFLOW);
  EXPECT_EQ(res->results(0).reason(), local.message());
}

}  // namespace
}  // namespace inspectsync::testing
