// Conflict review at engine level (server/integration_conflicts.h) and the
// server-side write it rests on (SyncEngine::WriteAll), over a real SQLite
// store in a temp dir and a manual clock.
#include <gtest/gtest.h>

#include <set>

#include "core/ids.h"
#include "server/integration_conflicts.h"
#include "tests/testing/mutations.h"
#include "tests/testing/temp_dir.h"

namespace inspectsync::server {
namespace {

using testing::Batch;
using testing::CreateFinding;
using testing::CreateRecord;
using testing::FindingAt;
using testing::PatchFinding;

const std::string kA = "0190a000-0000-7000-8000-00000000000a";
const std::string kB = "0190a000-0000-7000-8000-00000000000b";
const std::string kOffice = "0190a000-0000-7000-8000-0000000000ff";
const std::string kSite1 = "0190a000-0000-7000-8000-0000000051e1";
const std::string kSite2 = "0190a000-0000-7000-8000-0000000051e2";
constexpr int64_t kDay = 24LL * 60 * 60 * 1000;

const Caller kAlice("alice", "", "tab-a");
const Caller kBob("bob", "", "tab-b");
const Caller kOfficeUser("olga", "office", "office-pc");

class ConflictsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = storage::OpenSqliteServerStore(dir_.File("server.db"));
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
    EngineOptions o;
    o.clock = &clock_;
    o.id_seed = 42;
    engine_ = std::make_unique<SyncEngine>(store_.get(), o);
    // Two sites in zones z-north and z-south.
    Push(kOffice, Caller{}, CreateRecord(kOffice, office_mid_++, "sites", kSite1, testing::SiteBody("z-north")));
    Push(kOffice, Caller{}, CreateRecord(kOffice, office_mid_++, "sites", kSite2, testing::SiteBody("z-south")));
  }

  v1::MutationResult Push(const std::string&, const Caller& who, const v1::Mutation& m) {
    auto r = engine_->Push(Batch({m}), who);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (!r.ok() || r->results_size() != 1) return {};
    return r->results(0);
  }

  // A finding at `site` by alice whose description alice and bob then both
  // edit from the same base: an OPEN (REVIEW) conflict. Returns the finding id.
  std::string MakeReviewConflict(const std::string& site, const std::string& alice_text = "alice's text",
                                 const std::string& bob_text = "bob's text") {
    std::string id = ids_.NewUuidV7();
    v1::Finding f = FindingAt(site);
    auto created = Push(kA, kAlice, CreateFinding(kA, a_mid_++, id, f));
    EXPECT_EQ(created.outcome(), v1::APPLIED) << created.reason();
    uint64_t v = created.record().version();
    v1::Finding a = f, b = f;
    a.set_description(alice_text);
    b.set_description(bob_text);
    Push(kA, kAlice, PatchFinding(kA, a_mid_++, id, v, f, a, {"description"}, testing::kTestNowMs + 1000));
    auto r = Push(kB, kBob, PatchFinding(kB, b_mid_++, id, v, f, b, {"description"}, testing::kTestNowMs + 500));
    EXPECT_EQ(r.outcome(), v1::CONFLICT);
    return id;
  }

  v1::ConflictPage List(v1::ConflictQuery q = {}) {
    auto page = ListConflicts(engine_.get(), kOfficeUser, q);
    EXPECT_TRUE(page.ok()) << page.status().ToString();
    return page.ok() ? *page : v1::ConflictPage{};
  }

  v1::Conflict OnlyOpen() {
    auto page = List();
    EXPECT_EQ(page.conflicts_size(), 1);
    return page.conflicts_size() ? page.conflicts(0).conflict() : v1::Conflict{};
  }

  v1::Finding Current(const std::string& id) {
    auto rec = store_->GetRecord("findings", id);
    v1::Finding f;
    if (rec.ok() && rec->has_value()) f.ParseFromString((*rec)->body);
    return f;
  }

  testing::TempDir dir_;
  core::ManualClock clock_;
  std::unique_ptr<storage::ServerStore> store_;
  std::unique_ptr<SyncEngine> engine_;
  core::IdGenerator ids_{&clock_, 7};
  uint64_t a_mid_ = 1, b_mid_ = 1, office_mid_ = 1;
};

TEST_F(ConflictsTest, ListsAnOpenConflictWithItsSiteZoneAgeAndAuthors) {
  std::string id = MakeReviewConflict(kSite1);
  int64_t opened = clock_.NowMillis();
  clock_.Advance(3 * kDay + 1000);
  auto page = List();
  ASSERT_EQ(page.conflicts_size(), 1);
  const v1::ConflictRow& row = page.conflicts(0);
  EXPECT_EQ(row.conflict().record_id(), id);
  EXPECT_EQ(row.conflict().field(), "description");
  EXPECT_EQ(row.conflict().state(), v1::CONFLICT_OPEN);
  EXPECT_EQ(row.site_id(), kSite1);
  EXPECT_EQ(row.zone_id(), "z-north");
  EXPECT_EQ(row.opened_ms(), opened);
  EXPECT_EQ(row.age_days(), 3);
  EXPECT_EQ(page.as_of_ms(), clock_.NowMillis());
  // Alice's later edit won; bob's is the loser; both authors are named.
  EXPECT_EQ(row.conflict().winner().author(), "alice");
  EXPECT_EQ(row.conflict().loser().author(), "bob");
  EXPECT_EQ(row.conflict().winner_value().finding().description(), "alice's text");
  EXPECT_EQ(row.conflict().loser_value().finding().description(), "bob's text");

  auto count = [&](auto set) {
    v1::ConflictQuery q;
    set(q);
    return List(q).conflicts_size();
  };
  EXPECT_EQ(count([](v1::ConflictQuery& q) { q.set_inspector("alice"); }), 1);
  EXPECT_EQ(count([](v1::ConflictQuery& q) { q.set_inspector("bob"); }), 1);
  EXPECT_EQ(count([](v1::ConflictQuery& q) { q.set_inspector("carol"); }), 0);
  EXPECT_EQ(count([](v1::ConflictQuery& q) { q.add_zone_ids("z-north"); }), 1);
  EXPECT_EQ(count([](v1::ConflictQuery& q) { q.add_zone_ids("z-south"); }), 0);
  EXPECT_EQ(count([](v1::ConflictQuery& q) { q.add_site_ids(kSite1); }), 1);
  EXPECT_EQ(count([](v1::ConflictQuery& q) { q.add_site_ids(kSite2); }), 0);
  EXPECT_EQ(count([](v1::ConflictQuery& q) { q.add_site_ids(kSite1), q.add_zone_ids("z-south"); }), 0);
  EXPECT_EQ(count([](v1::ConflictQuery& q) { q.set_opened_before_ms(testing::kTestNowMs + kDay); }), 1);
  EXPECT_EQ(count([&](v1::ConflictQuery& q) { q.set_opened_before_ms(opened); }), 0);
  EXPECT_EQ(count([&](v1::ConflictQuery& q) { q.set_collection("findings"), q.set_record_id(id); }), 1);
  EXPECT_EQ(count([](v1::ConflictQuery& q) { q.set_collection("inspections"); }), 0);
}

TEST_F(ConflictsTest, AutoResolvedConflictsAreListedOnlyWhenAskedFor) {
  std::string id = ids_.NewUuidV7();
  v1::Finding f = FindingAt(kSite2);
  uint64_t v = Push(kA, kAlice, CreateFinding(kA, a_mid_++, id, f)).record().version();
  v1::Finding a = f, b = f;
  a.set_title("Title by alice");
  b.set_title("Title by bob");
  Push(kA, kAlice, PatchFinding(kA, a_mid_++, id, v, f, a, {"title"}, testing::kTestNowMs + 1000));
  Push(kB, kBob, PatchFinding(kB, b_mid_++, id, v, f, b, {"title"}, testing::kTestNowMs + 500));
  EXPECT_EQ(List().conflicts_size(), 0);  // default: OPEN only
  v1::ConflictQuery q;
  q.add_states(v1::CONFLICT_AUTO_RESOLVED);
  auto page = List(q);
  ASSERT_EQ(page.conflicts_size(), 1);
  EXPECT_EQ(page.conflicts(0).conflict().field(), "title");
  EXPECT_EQ(page.conflicts(0).zone_id(), "z-south");
}

TEST_F(ConflictsTest, PagesOldestFirstWithTokens) {
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    ids.push_back(MakeReviewConflict(i % 2 ? kSite2 : kSite1));
    clock_.Advance(1000);
  }
  v1::ConflictQuery q;
  q.set_page_size(2);
  std::vector<std::string> seen;
  int pages = 0;
  for (;;) {
    auto page = List(q);
    ++pages;
    for (const auto& r : page.conflicts()) seen.push_back(r.conflict().record_id());
    if (page.next_page_token().empty()) break;
    q.set_page_token(page.next_page_token());
    ASSERT_LT(pages, 10);
  }
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(seen, ids);

  // Inspector-filtered pages read past non-matching rows.
  v1::ConflictQuery by_bob;
  by_bob.set_inspector("bob");
  by_bob.set_page_size(4);
  auto first = List(by_bob);
  EXPECT_EQ(first.conflicts_size(), 4);
  by_bob.set_page_token(first.next_page_token());
  EXPECT_EQ(List(by_bob).conflicts_size(), 1);
}

// Conflicts carry their values (here 4,000-byte descriptions, three each):
// a page of the largest count stays within the byte budget, and the pages
// chain to the end with every conflict once.
TEST_F(ConflictsTest, PagesStayWithinTheByteBudget) {
  std::set<std::string> made;
  for (int i = 0; i < 12; ++i) {
    made.insert(MakeReviewConflict(kSite1, std::string(4000, 'a' + i % 26), std::string(4000, 'A' + i % 26)));
    clock_.Advance(1000);
  }
  EngineOptions o;
  o.clock = &clock_;
  o.max_page_bytes = 32 << 10;
  engine_ = std::make_unique<SyncEngine>(store_.get(), o);
  v1::ConflictQuery q;
  q.set_page_size(1000);
  std::set<std::string> seen;
  int pages = 0;
  for (;;) {
    auto page = List(q);
    ++pages;
    EXPECT_LE(page.ByteSizeLong(), size_t{32} << 10) << "page " << pages << " of " << page.conflicts_size();
    for (const auto& r : page.conflicts()) EXPECT_TRUE(seen.insert(r.conflict().record_id()).second);
    if (page.next_page_token().empty()) break;
    q.set_page_token(page.next_page_token());
    ASSERT_LT(pages, 20);
  }
  EXPECT_EQ(seen, made);
  EXPECT_GE(pages, 4);
}

TEST_F(ConflictsTest, BadQueriesAreRefusedInWords) {
  auto refused = [&](v1::ConflictQuery q, const std::string& words) {
    auto page = ListConflicts(engine_.get(), kOfficeUser, q);
    ASSERT_FALSE(page.ok());
    EXPECT_EQ(page.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(page.status().message().find(words), std::string::npos) << page.status().message();
  };
  v1::ConflictQuery q;
  q.set_page_token("not-a-token");
  refused(q, "not a token this list gave out");
  q.set_page_token("c1.12.not-a-uuid");
  refused(q, "not a token");
  q = {};
  q.set_page_size(5000);
  refused(q, "page_size 5000 exceeds the limit of 1000");
  q = {};
  q.add_states(static_cast<v1::ConflictState>(77));
  refused(q, "not a conflict state");
  q = {};
  q.set_collection("gossip");
  refused(q, "unknown collection 'gossip'");
  // An inspector lists only within their scope (ivan has none: nothing), and
  // never resolves.
  MakeReviewConflict(kSite1);
  auto own = ListConflicts(engine_.get(), Caller("ivan", "inspector"), {});
  ASSERT_TRUE(own.ok()) << own.status().ToString();
  EXPECT_EQ(own->conflicts_size(), 0);
  v1::ResolveConflictRequest req;
  req.set_conflict_id(OnlyOpen().id());
  req.set_keep_winner(true);
  auto denied = ResolveConflict(engine_.get(), Caller("ivan", "inspector"), req);
  EXPECT_EQ(denied.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(denied.status().message().find("may list the conflicts of its own sites"), std::string::npos)
      << denied.status().message();
}

TEST_F(ConflictsTest, TakingTheLoserWritesANewVersionByTheOfficeAndResolves) {
  std::string id = MakeReviewConflict(kSite1);
  v1::Conflict c = OnlyOpen();
  uint64_t head = *store_->Head();
  clock_.Advance(kDay);
  v1::ResolveConflictRequest req;
  req.set_conflict_id(c.id());
  req.set_take_loser(true);
  req.set_note("Bob was on site; his text is right");
  auto out = ResolveConflict(engine_.get(), kOfficeUser, req);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->record().version(), head + 1);
  EXPECT_EQ(out->record().body().finding().description(), "bob's text");
  EXPECT_EQ(out->record().meta().author(), "olga");
  EXPECT_EQ(Current(id).description(), "bob's text");
  const v1::ConflictRow& row = out->conflict();
  EXPECT_EQ(row.conflict().state(), v1::CONFLICT_RESOLVED);
  EXPECT_EQ(row.resolved_by(), "olga");
  EXPECT_EQ(row.resolved_ms(), clock_.NowMillis());
  EXPECT_EQ(row.resolved_version(), head + 1);
  EXPECT_EQ(row.resolution_note(), "Bob was on site; his text is right");
  EXPECT_EQ(row.site_id(), kSite1);
  EXPECT_EQ(row.age_days(), 1);

  // In history, by the office user; no longer listed as open; listed as resolved.
  std::vector<storage::VersionRow> hist;
  ASSERT_TRUE(store_->History("findings", id, &hist).ok());
  ASSERT_FALSE(hist.empty());
  EXPECT_EQ(hist.back().seq, head + 1);
  EXPECT_EQ(hist.back().meta.author(), "olga");
  EXPECT_EQ(hist.back().op, v1::PATCH);
  EXPECT_EQ(List().conflicts_size(), 0);
  v1::ConflictQuery q;
  q.add_states(v1::CONFLICT_RESOLVED);
  auto resolved = List(q);
  ASSERT_EQ(resolved.conflicts_size(), 1);
  EXPECT_EQ(resolved.conflicts(0).resolved_by(), "olga");

  // Twice: refused, naming who and when; nothing written.
  auto again = ResolveConflict(engine_.get(), kOfficeUser, req);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(again.status().message().find("already resolved by olga at 2026-01-02"), std::string::npos)
      << again.status().message();
  EXPECT_EQ(*store_->Head(), head + 1);
}

TEST_F(ConflictsTest, KeepingTheWinnerRecordsTheDecisionAsAVersion) {
  std::string id = MakeReviewConflict(kSite1);
  v1::Conflict c = OnlyOpen();
  uint64_t head = *store_->Head();
  v1::ResolveConflictRequest req;
  req.set_conflict_id(c.id());
  req.set_keep_winner(true);
  auto out = ResolveConflict(engine_.get(), Caller("iris", "integration"), req);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->record().version(), head + 1);
  EXPECT_EQ(out->record().body().finding().description(), "alice's text");
  EXPECT_EQ(out->record().meta().author(), "iris");
  EXPECT_EQ(out->conflict().resolved_version(), head + 1);
  EXPECT_EQ(*store_->Head(), head + 1);
}

TEST_F(ConflictsTest, ANewValueMustBeOneValidFieldOfTheCollection) {
  std::string id = MakeReviewConflict(kSite1);
  v1::Conflict c = OnlyOpen();
  uint64_t head = *store_->Head();
  auto refused = [&](const v1::ResolveConflictRequest& req, StatusCode code, const std::string& words) {
    auto out = ResolveConflict(engine_.get(), kOfficeUser, req);
    ASSERT_FALSE(out.ok());
    EXPECT_EQ(out.status().code(), code) << out.status().ToString();
    EXPECT_NE(out.status().message().find(words), std::string::npos) << out.status().message();
    EXPECT_EQ(*store_->Head(), head);  // nothing changed
    EXPECT_EQ(OnlyOpen().state(), v1::CONFLICT_OPEN);
  };
  v1::ResolveConflictRequest req;
  req.set_conflict_id(c.id());
  req.mutable_value()->mutable_inspection()->set_notes("x");
  refused(req, StatusCode::kInvalidArgument, "value must be a Finding (collection findings) with only 'description'");
  req.mutable_value()->mutable_finding()->set_description("both");
  req.mutable_value()->mutable_finding()->set_title("and a title");
  refused(req, StatusCode::kInvalidArgument, "value sets 'title'");
  req.mutable_value()->mutable_finding()->clear_title();
  req.mutable_value()->mutable_finding()->set_description(std::string(4001, 'x'));
  refused(req, StatusCode::kInvalidArgument, "the limit is 4000");
  req.mutable_value()->mutable_finding()->set_description("fine");
  req.set_note(std::string(1001, 'n'));
  refused(req, StatusCode::kInvalidArgument, "note is 1001 characters");
  req.clear_note();
  v1::ResolveConflictRequest none;
  none.set_conflict_id(c.id());
  refused(none, StatusCode::kInvalidArgument, "keep_winner, take_loser or a new value");
  none.set_keep_winner(false);
  refused(none, StatusCode::kInvalidArgument, "keep_winner, take_loser or a new value");
  v1::ResolveConflictRequest unknown;
  unknown.set_conflict_id(ids_.NewUuidV7());
  unknown.set_keep_winner(true);
  refused(unknown, StatusCode::kNotFound, "no conflict with id");
  unknown.set_conflict_id("42");
  refused(unknown, StatusCode::kInvalidArgument, "not a conflict id");
  auto denied = ResolveConflict(engine_.get(), Caller("ivan", "inspector"), req);
  EXPECT_EQ(denied.status().code(), StatusCode::kPermissionDenied);

  // 中文 round-trips as a new value.
  req.mutable_value()->mutable_finding()->set_description("燃气报警器已更换，附照片。");
  req.set_note("办公室核实");
  auto out = ResolveConflict(engine_.get(), kOfficeUser, req);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(Current(id).description(), "燃气报警器已更换，附照片。");
  EXPECT_EQ(out->conflict().resolution_note(), "办公室核实");
}

TEST_F(ConflictsTest, AResolutionMustPassTheLifecycleRules) {
  // DRAFT -> OPEN (alice) races DRAFT -> VOIDED (bob): VOIDED wins by
  // precedence (AUTO_RESOLVED, LIFECYCLE); taking the loser would move a
  // VOIDED finding back to OPEN, which no push may do either.
  std::string id = ids_.NewUuidV7();
  v1::Finding f = FindingAt(kSite1);
  f.set_status(v1::DRAFT);
  uint64_t v = Push(kA, kAlice, CreateFinding(kA, a_mid_++, id, f)).record().version();
  v1::Finding a = f, b = f;
  a.set_status(v1::OPEN);
  b.set_status(v1::VOIDED);
  b.set_void_reason("Duplicate of another finding");
  Push(kA, kAlice, PatchFinding(kA, a_mid_++, id, v, f, a, {"status"}));
  Push(kB, kBob, PatchFinding(kB, b_mid_++, id, v, f, b, {"status", "void_reason"}));
  v1::ConflictQuery q;
  q.add_states(v1::CONFLICT_AUTO_RESOLVED);
  auto page = List(q);
  ASSERT_EQ(page.conflicts_size(), 1);
  ASSERT_EQ(page.conflicts(0).conflict().winner_value().finding().status(), v1::VOIDED);
  uint64_t head = *store_->Head();
  v1::ResolveConflictRequest req;
  req.set_conflict_id(page.conflicts(0).conflict().id());
  req.set_take_loser(true);
  auto out = ResolveConflict(engine_.get(), kOfficeUser, req);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(out.status().message().find("ILLEGAL_TRANSITION"), std::string::npos) << out.status().message();
  EXPECT_EQ(*store_->Head(), head);
  EXPECT_EQ(List(q).conflicts_size(), 1);  // still AUTO_RESOLVED, not RESOLVED
}

TEST_F(ConflictsTest, ADeletedRecordCannotBeResolved) {
  // Inspection notes are REVIEW too; inspections can be deleted.
  std::string id = ids_.NewUuidV7();
  v1::RecordBody body;
  body.mutable_inspection()->set_site_id(kSite1);
  body.mutable_inspection()->set_kind(v1::ROUTINE_VISIT);
  body.mutable_inspection()->set_notes("base");
  auto created = Push(kA, kAlice, CreateRecord(kA, a_mid_++, "inspections", id, body));
  ASSERT_EQ(created.outcome(), v1::APPLIED) << created.reason();
  uint64_t v = created.record().version();
  auto patch = [&](const std::string& client, uint64_t mid, const std::string& notes, int64_t at) {
    v1::Mutation m;
    m.set_client_id(client);
    m.set_mutation_id(mid);
    m.set_collection("inspections");
    m.set_record_id(id);
    m.set_op(v1::PATCH);
    m.set_base_version(v);
    m.mutable_mask()->add_paths("notes");
    m.mutable_body()->mutable_inspection()->set_notes(notes);
    m.mutable_base_body()->mutable_inspection()->set_notes("base");
    m.set_hlc(core::Hlc::Pack(at, static_cast<uint32_t>(mid)));
    return m;
  };
  Push(kA, kAlice, patch(kA, a_mid_++, "alice", testing::kTestNowMs + 1000));
  EXPECT_EQ(Push(kB, kBob, patch(kB, b_mid_++, "bob", testing::kTestNowMs + 500)).outcome(), v1::CONFLICT);
  v1::Conflict c = OnlyOpen();
  v1::Mutation del;
  del.set_client_id(kA);
  del.set_mutation_id(a_mid_++);
  del.set_collection("inspections");
  del.set_record_id(id);
  del.set_op(v1::DELETE);
  del.set_base_version(*store_->Head());
  del.set_hlc(core::Hlc::Pack(testing::kTestNowMs + 2000, 1));
  ASSERT_EQ(Push(kA, kAlice, del).outcome(), v1::APPLIED);
  v1::ResolveConflictRequest req;
  req.set_conflict_id(c.id());
  req.set_take_loser(true);
  auto out = ResolveConflict(engine_.get(), kOfficeUser, req);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(out.status().message().find("is deleted"), std::string::npos) << out.status().message();
}

// ---- SyncEngine::WriteAll ----

TEST_F(ConflictsTest, WriteAllIsAllOrNothing) {
  std::string id1 = ids_.NewUuidV7(), id2 = ids_.NewUuidV7();
  Push(kA, kAlice, CreateFinding(kA, a_mid_++, id1, FindingAt(kSite1)));
  Push(kA, kAlice, CreateFinding(kA, a_mid_++, id2, FindingAt(kSite1)));
  uint64_t head = *store_->Head();
  auto patch = [](const std::string& id, const std::string& field, const v1::Finding& value) {
    v1::Mutation m;
    m.set_collection("findings");
    m.set_record_id(id);
    m.set_op(v1::PATCH);
    m.mutable_mask()->add_paths(field);
    core::CopyField(value, v1::Finding::descriptor()->FindFieldByName(field), m.mutable_body()->mutable_finding());
    return m;
  };
  v1::Finding title, closed;
  title.set_title("New title");
  closed.set_status(v1::CLOSED);  // OPEN -> CLOSED is not a move
  auto r = engine_->WriteAll({patch(id1, "title", title), patch(id2, "status", closed)}, kOfficeUser);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(r.status().message().find("change 2 of 2 (PATCH findings/" + id2 + ") was refused (ILLEGAL_TRANSITION"),
            std::string::npos)
      << r.status().message();
  EXPECT_NE(r.status().message().find("nothing was written"), std::string::npos);
  EXPECT_EQ(*store_->Head(), head);
  EXPECT_NE(Current(id1).title(), "New title");

  // An error from `extra` rolls back the applied mutations too.
  auto failed = engine_->WriteAll({patch(id1, "title", title)}, kOfficeUser,
                                  [](storage::ServerWriteTxn&, const std::vector<v1::MutationResult>&) {
                                    return FailedPrecondition("extra says no");
                                  });
  EXPECT_EQ(failed.status().message(), "extra says no");
  EXPECT_EQ(*store_->Head(), head);

  // Both valid: both written, under one client id of the server's, by olga.
  v1::Finding sev;
  sev.set_severity(v1::HIGH);
  auto ok = engine_->WriteAll({patch(id1, "title", title), patch(id2, "severity", sev)}, kOfficeUser);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  ASSERT_EQ(ok->size(), 2u);
  EXPECT_EQ((*ok)[0].outcome(), v1::APPLIED);
  EXPECT_EQ(*store_->Head(), head + 2);
  std::vector<storage::VersionRow> rows;
  ASSERT_TRUE(store_->ReadHistory(head, 10, &rows).ok());
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].client_id, rows[1].client_id);
  EXPECT_TRUE(core::IsUuid(rows[0].client_id));
  EXPECT_EQ(rows[0].mutation_id, 1u);
  EXPECT_EQ(rows[1].mutation_id, 2u);
  EXPECT_EQ(rows[1].meta.author(), "olga");
  EXPECT_EQ(Current(id1).title(), "New title");
  EXPECT_EQ(Current(id2).severity(), v1::HIGH);

  // Inspectors' limits hold for them: a reference collection is refused.
  v1::Mutation zone;
  zone.set_collection("zones");
  zone.set_record_id(ids_.NewUuidV7());
  zone.set_op(v1::CREATE);
  zone.mutable_body()->mutable_zone()->set_name("East");
  auto denied = engine_->WriteAll({zone}, Caller("ivan", "inspector"));
  EXPECT_EQ(denied.status().code(), StatusCode::kPermissionDenied);
}

}  // namespace
}  // namespace inspectsync::server
