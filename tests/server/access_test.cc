// Roles and scope in the engine over a real SQLite store: what each role may
// change, what each caller may pull, backfill when a site is gained, and that
// nothing of a record outside a caller's scope leaks — by id, by cursor, by a
// claimed synced scope, or by guessing ids.
#include <SQLiteCpp/SQLiteCpp.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "core/ids.h"
#include "server/sync_engine.h"
#include "tests/testing/mutations.h"
#include "tests/testing/temp_dir.h"

namespace inspectsync::server {
namespace {

using ::testing::HasSubstr;
using testing::AssignmentBody;
using testing::Batch;
using testing::CreateFinding;
using testing::CreateRecord;
using testing::FindingAt;
using testing::PatchFinding;
using testing::SiteBody;

const std::string kOfficeClient = "0190a000-0000-7000-8000-0000000000f0";
const std::string kLiClient = "0190a000-0000-7000-8000-0000000000a1";
const std::string kWangClient = "0190a000-0000-7000-8000-0000000000b2";

class AccessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = storage::OpenSqliteServerStore(dir_.File("server.db"));
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
    EngineOptions o;
    o.clock = &clock_;
    o.id_seed = 7;
    engine_ = std::make_unique<SyncEngine>(store_.get(), o);

    // Zone north: sites A, B; zone south: site C. Li inspects A; Wang
    // inspects C; Zhao directs zone north.
    north_ = OfficeCreate("zones", ZoneBody("North"));
    south_ = OfficeCreate("zones", ZoneBody("South"));
    a_ = OfficeCreate("sites", SiteBody(north_, "A"));
    b_ = OfficeCreate("sites", SiteBody(north_, "B"));
    c_ = OfficeCreate("sites", SiteBody(south_, "C"));
    li_a_ = OfficeCreate("assignments", AssignmentBody("u-li", a_));
    OfficeCreate("assignments", AssignmentBody("u-wang", c_));
    OfficeCreate("assignments", AssignmentBody("u-zhao", north_, /*zone=*/true));
    finding_a_ = OfficeCreate("findings", Body(FindingAt(a_, "at A")));
    finding_b_ = OfficeCreate("findings", Body(FindingAt(b_, "at B")));
    finding_c_ = OfficeCreate("findings", Body(FindingAt(c_, "at C")));
  }

  static v1::RecordBody ZoneBody(const std::string& name) {
    v1::RecordBody b;
    b.mutable_zone()->set_name(name);
    return b;
  }
  static v1::RecordBody Body(const v1::Finding& f) {
    v1::RecordBody b;
    *b.mutable_finding() = f;
    return b;
  }

  std::string OfficeCreate(const std::string& collection, const v1::RecordBody& body) {
    std::string id = ids_.NewUuidV7();
    v1::MutationResult r = Push(office_, CreateRecord(kOfficeClient, office_mid_++, collection, id, body));
    EXPECT_EQ(r.outcome(), v1::APPLIED) << r.reason();
    return id;
  }

  v1::MutationResult Push(const Caller& caller, const v1::Mutation& m) {
    auto r = engine_->Push(Batch({m}), caller);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (!r.ok() || r->results_size() != 1) return {};
    return r->results(0);
  }

  struct Pulled {
    std::vector<v1::Record> records;
    v1::ScopeSet scope;
    uint64_t cursor = 0;
  };
  Pulled Pull(const Caller& caller, uint64_t cursor = 0, const v1::ScopeSet* synced = nullptr,
              std::vector<std::string> collections = {}) {
    v1::PullRequest req;
    req.set_protocol_version(1);
    req.set_cursor(cursor);
    req.set_page_size(2);  // several pages, so paging cannot hide a leak
    if (synced) *req.mutable_synced_scope() = *synced;
    for (auto& c : collections) req.add_collections(c);
    auto plan = engine_->StartPull(req, caller);
    EXPECT_TRUE(plan.ok()) << plan.status().ToString();
    Pulled out;
    int scopes = 0;
    for (int guard = 0; plan.ok() && !plan->done && guard < 1000; ++guard) {
      auto page = engine_->NextPage(req, &*plan);
      EXPECT_TRUE(page.ok()) << page.status().ToString();
      if (!page.ok()) break;
      for (const auto& r : page->records()) out.records.push_back(r);
      if (page->has_scope()) {
        out.scope = page->scope();
        ++scopes;
      }
      out.cursor = page->next_cursor();
    }
    EXPECT_EQ(scopes, 1) << "the scope comes on exactly one page";
    return out;
  }

  static std::set<std::string> Ids(const Pulled& p, const std::string& collection) {
    std::set<std::string> out;
    for (const auto& r : p.records)
      if (r.collection() == collection) out.insert(r.id());
    return out;
  }

  testing::TempDir dir_;
  core::ManualClock clock_;
  core::IdGenerator ids_{&clock_, 99};
  std::unique_ptr<storage::ServerStore> store_;
  std::unique_ptr<SyncEngine> engine_;
  Caller office_{"u-office", "office", "office-pc"};
  Caller li_{"u-li", "inspector", "tablet-li"};
  Caller wang_{"u-wang", "inspector", "tablet-wang"};
  Caller zhao_{"u-zhao", "zone_director", "tablet-zhao"};
  Caller feed_{"u-feed", "integration", "erp"};
  uint64_t office_mid_ = 1;
  std::string north_, south_, a_, b_, c_, li_a_, finding_a_, finding_b_, finding_c_;
};

TEST_F(AccessTest, InspectorChangesFindingsAtAssignedSitesOnly) {
  v1::MutationResult ok = Push(li_, CreateFinding(kLiClient, 1, ids_.NewUuidV7(), FindingAt(a_)));
  EXPECT_EQ(ok.outcome(), v1::APPLIED) << ok.reason();

  uint64_t head = *store_->Head();
  v1::MutationResult away = Push(li_, CreateFinding(kLiClient, 2, ids_.NewUuidV7(), FindingAt(c_)));
  EXPECT_EQ(away.outcome(), v1::REJECTED);
  EXPECT_EQ(away.reject_code(), v1::PERMISSION_DENIED);
  EXPECT_THAT(away.reason(), HasSubstr("not assigned"));
  EXPECT_EQ(*store_->Head(), head) << "a rejected mutation changes nothing";

  // Someone else's finding: a patch is refused and reveals nothing of it.
  auto cur = store_->GetRecord("findings", finding_c_);
  ASSERT_TRUE(cur.ok() && cur->has_value());
  v1::Finding before, after;
  after.set_severity(v1::CRITICAL);
  v1::MutationResult patch =
      Push(li_, PatchFinding(kLiClient, 3, finding_c_, (*cur)->version, before, after, {"severity"}));
  EXPECT_EQ(patch.reject_code(), v1::PERMISSION_DENIED);
  EXPECT_FALSE(patch.has_record());
  EXPECT_THAT(patch.reason(), ::testing::Not(HasSubstr("at C")));
  EXPECT_EQ(*store_->Head(), head);
}

TEST_F(AccessTest, OnlyTheOfficeChangesReferenceData) {
  uint64_t mid = 1;
  for (const Caller* c : {&li_, &zhao_}) {
    for (auto [collection, body] : std::vector<std::pair<std::string, v1::RecordBody>>{
             {"sites", SiteBody(north_, "new school")},
             {"zones", ZoneBody("East")},
             {"assignments", AssignmentBody(c->user, b_)},
             {"users", [] {
                v1::RecordBody b;
                b.mutable_user()->set_name("Mallory");
                b.mutable_user()->set_role(v1::OFFICE);
                return b;
              }()}}) {
      v1::MutationResult r =
          Push(*c, CreateRecord(c == &li_ ? kLiClient : kWangClient, mid++, collection, ids_.NewUuidV7(), body));
      EXPECT_EQ(r.reject_code(), v1::PERMISSION_DENIED) << c->role << " " << collection;
      EXPECT_THAT(r.reason(), HasSubstr("only the office changes " + collection));
    }
  }
  // The office may, and a new assignment counts from the next push.
  EXPECT_EQ(Push(office_, CreateRecord(kOfficeClient, office_mid_++, "assignments", ids_.NewUuidV7(),
                                       AssignmentBody("u-li", b_)))
                .outcome(),
            v1::APPLIED);
  EXPECT_EQ(Push(li_, CreateFinding(kLiClient, mid++, ids_.NewUuidV7(), FindingAt(b_))).outcome(), v1::APPLIED);
}

TEST_F(AccessTest, ZoneDirectorCoversEverySiteOfTheZone) {
  EXPECT_EQ(Push(zhao_, CreateFinding(kWangClient, 1, ids_.NewUuidV7(), FindingAt(a_))).outcome(), v1::APPLIED);
  EXPECT_EQ(Push(zhao_, CreateFinding(kWangClient, 2, ids_.NewUuidV7(), FindingAt(b_))).outcome(), v1::APPLIED);
  EXPECT_EQ(Push(zhao_, CreateFinding(kWangClient, 3, ids_.NewUuidV7(), FindingAt(c_))).reject_code(),
            v1::PERMISSION_DENIED);
  Pulled p = Pull(zhao_);
  EXPECT_EQ(Ids(p, "sites"), (std::set<std::string>{a_, b_}));
  EXPECT_EQ(Ids(p, "zones").size(), 2u) << "zones are reference data everyone sees";
  EXPECT_FALSE(p.scope.all());
  std::set<std::string> keys(p.scope.keys().begin(), p.scope.keys().end());
  EXPECT_EQ(keys, (std::set<std::string>{north_, a_, b_}));
  for (const auto& r : p.records) EXPECT_NE(r.body().finding().site_id(), c_);
}

TEST_F(AccessTest, IntegrationReadsEverythingAndPushesNothing) {
  Pulled p = Pull(feed_);
  EXPECT_TRUE(p.scope.all());
  EXPECT_EQ(Ids(p, "findings"), (std::set<std::string>{finding_a_, finding_b_, finding_c_}));
  v1::MutationResult r = Push(feed_, CreateFinding(kLiClient, 1, ids_.NewUuidV7(), FindingAt(a_)));
  EXPECT_EQ(r.reject_code(), v1::PERMISSION_DENIED);
  EXPECT_THAT(r.reason(), HasSubstr("integration"));
}

TEST_F(AccessTest, AnUnknownRoleIsRefusedBeforeAnything) {
  Caller mallory{"u-m", "superuser", "t"};
  auto r = engine_->Push(Batch({CreateFinding(kLiClient, 1, ids_.NewUuidV7(), FindingAt(a_))}), mallory);
  EXPECT_EQ(r.status().code(), StatusCode::kPermissionDenied);
  EXPECT_THAT(r.status().message(), HasSubstr("inspector, zone_director, office, integration"));
  v1::PullRequest req;
  req.set_protocol_version(1);
  EXPECT_EQ(engine_->StartPull(req, mallory).status().code(), StatusCode::kPermissionDenied);
}

TEST_F(AccessTest, InspectorPullsOnlyItsSitesWhateverItClaims) {
  Pulled p = Pull(li_);
  EXPECT_EQ(Ids(p, "findings"), (std::set<std::string>{finding_a_}));
  EXPECT_EQ(Ids(p, "sites"), (std::set<std::string>{a_}));
  EXPECT_EQ(Ids(p, "assignments"), (std::set<std::string>{li_a_}));
  std::set<std::string> keys(p.scope.keys().begin(), p.scope.keys().end());
  EXPECT_EQ(keys, (std::set<std::string>{a_}));

  // Cursor tricks: claiming to have synced other sites, asking for one
  // collection, resuming from any cursor — never a record of site C or B.
  v1::ScopeSet claim;
  claim.add_keys(c_);
  claim.add_keys(b_);
  for (uint64_t cursor : {uint64_t{0}, uint64_t{1}, uint64_t{5}, *store_->Head()}) {
    for (const v1::ScopeSet* synced : {static_cast<const v1::ScopeSet*>(nullptr), static_cast<const v1::ScopeSet*>(&claim)}) {
      Pulled q = Pull(li_, cursor, synced, {"findings"});
      for (const auto& r : q.records) EXPECT_EQ(r.body().finding().site_id(), a_) << "cursor " << cursor;
    }
  }
  v1::ScopeSet everything;
  everything.set_all(true);
  Pulled q = Pull(li_, 3, &everything);
  for (const auto& r : q.records) EXPECT_NE(r.body().finding().site_id(), c_);
}

TEST_F(AccessTest, GuessingAnIdRevealsNothing) {
  // A create that reuses the id of a finding at another site: refused, and
  // the answer carries none of it.
  v1::MutationResult r = Push(li_, CreateFinding(kLiClient, 1, finding_c_, FindingAt(a_, "mine")));
  EXPECT_EQ(r.reject_code(), v1::ALREADY_EXISTS);
  EXPECT_FALSE(r.has_record());
  // A delete or patch of it: refused without content.
  v1::Finding none, some;
  some.set_title("x");
  r = Push(li_, PatchFinding(kLiClient, 2, finding_c_, 0, none, some, {"title"}));
  EXPECT_EQ(r.reject_code(), v1::PERMISSION_DENIED);
  EXPECT_FALSE(r.has_record());
  // The office's same create gets the record back (it may see it).
  r = Push(office_, CreateFinding(kOfficeClient, office_mid_++, finding_c_, FindingAt(c_)));
  EXPECT_EQ(r.reject_code(), v1::ALREADY_EXISTS);
  EXPECT_TRUE(r.has_record());
}

// No existence oracle: a patch or delete of a record at a site the caller
// may not see gets exactly the answer a made-up id gets (code and words, the
// id aside), so probing ids tells nothing. A caller who sees everything is
// told which it is.
TEST_F(AccessTest, APatchOrDeleteOfAnotherSitesRecordReadsLikeAnUnknownId) {
  v1::RecordBody at_c;
  at_c.mutable_inspection()->set_site_id(c_);
  std::string inspection_c = OfficeCreate("inspections", at_c);
  uint64_t head = *store_->Head();
  const std::string unknown = ids_.NewUuidV7();
  auto without = [](std::string reason, const std::string& id) {
    for (size_t at; (at = reason.find(id)) != std::string::npos;) reason.replace(at, id.size(), "<id>");
    return reason;
  };
  v1::Finding none, some;
  some.set_title("x");
  uint64_t mid = 1;
  v1::MutationResult there = Push(li_, PatchFinding(kLiClient, mid++, finding_c_, 1, none, some, {"title"}));
  v1::MutationResult nowhere = Push(li_, PatchFinding(kLiClient, mid++, unknown, 1, none, some, {"title"}));
  EXPECT_EQ(there.outcome(), v1::REJECTED);
  EXPECT_EQ(there.reject_code(), nowhere.reject_code());
  EXPECT_EQ(there.reject_code(), v1::PERMISSION_DENIED);
  EXPECT_EQ(without(there.reason(), finding_c_), without(nowhere.reason(), unknown));
  EXPECT_THAT(there.reason(), HasSubstr("not assigned"));
  EXPECT_FALSE(there.has_record());

  auto del = [&](const std::string& id) {
    v1::Mutation m = CreateRecord(kLiClient, mid++, "inspections", id, v1::RecordBody());
    m.set_op(v1::DELETE);
    m.clear_body();
    m.set_base_version(1);
    return Push(li_, m);
  };
  v1::MutationResult del_there = del(inspection_c), del_nowhere = del(unknown);
  EXPECT_EQ(del_there.reject_code(), del_nowhere.reject_code());
  EXPECT_EQ(without(del_there.reason(), inspection_c), without(del_nowhere.reason(), unknown));
  EXPECT_FALSE(del_there.has_record());
  EXPECT_EQ(*store_->Head(), head);

  // The office sees every site: an unknown id is plainly NOT_FOUND.
  v1::MutationResult office = Push(office_, PatchFinding(kOfficeClient, office_mid_++, unknown, 1, none, some, {"title"}));
  EXPECT_EQ(office.reject_code(), v1::NOT_FOUND);
  EXPECT_THAT(office.reason(), HasSubstr("was the create of it rejected?"));
}

// A finding names (inspection_id, notice_id, verification_id) only records
// of its own site, at create and on any patch; a record the caller may not
// see reads as one that does not exist, in the same words.
TEST_F(AccessTest, AFindingCannotNameARecordOfAnotherSite) {
  v1::RecordBody ib;
  ib.mutable_inspection()->set_site_id(c_);
  std::string inspection_c = OfficeCreate("inspections", ib);
  ib.mutable_inspection()->set_site_id(a_);
  std::string inspection_a = OfficeCreate("inspections", ib);
  v1::RecordBody nb;
  nb.mutable_notice()->set_site_id(c_);
  nb.mutable_notice()->add_finding_ids(finding_c_);
  nb.mutable_notice()->set_deadline_ms(testing::kTestNowMs + 14 * 86'400'000LL);
  std::string notice_c = OfficeCreate("notices", nb);
  v1::RecordBody vb;
  v1::Verification* v = vb.mutable_verification();
  v->set_site_id(b_);
  v->set_finding_id(finding_b_);
  v->set_method(v1::ON_SITE);
  v->set_result(v1::PASSED);
  v->set_verifier("u-zhao");
  std::string verification_b = OfficeCreate("verifications", vb);
  uint64_t head = *store_->Head();
  uint64_t li_mid = 1, zhao_mid = 1;

  // Li (site A) creates a finding naming another site's notice: refused in
  // the words an unknown notice gets.
  v1::Finding f = FindingAt(a_, "mine");
  f.set_notice_id(notice_c);
  v1::MutationResult r = Push(li_, CreateFinding(kLiClient, li_mid++, ids_.NewUuidV7(), f));
  EXPECT_EQ(r.reject_code(), v1::WORKFLOW) << r.reason();
  EXPECT_THAT(r.reason(), HasSubstr("does not exist where you can see it"));
  EXPECT_THAT(r.reason(), ::testing::Not(HasSubstr(c_)));
  f.set_notice_id(ids_.NewUuidV7());
  v1::MutationResult unknown = Push(li_, CreateFinding(kLiClient, li_mid++, ids_.NewUuidV7(), f));
  EXPECT_EQ(unknown.reject_code(), r.reject_code());
  EXPECT_EQ(unknown.reason().substr(unknown.reason().find(", which")), r.reason().substr(r.reason().find(", which")));

  // The office sees both sites, and is told the sites differ.
  v1::Finding before = FindingAt(a_, "at A"), after = before;
  after.set_notice_id(notice_c);
  r = Push(office_, PatchFinding(kOfficeClient, office_mid_++, finding_a_, 0, before, after, {"notice_id"}));
  EXPECT_EQ(r.reject_code(), v1::WORKFLOW);
  EXPECT_THAT(r.reason(), HasSubstr("notice_id names notices record " + notice_c + " of site " + c_));
  after = before;
  after.set_inspection_id(inspection_c);
  r = Push(office_, PatchFinding(kOfficeClient, office_mid_++, finding_a_, 0, before, after, {"inspection_id"}));
  EXPECT_EQ(r.reject_code(), v1::WORKFLOW);
  EXPECT_THAT(r.reason(), HasSubstr("inspection_id names inspections record " + inspection_c));

  // Zhao directs zone North (A and B): a verification of B named by a
  // finding of A is refused, even though Zhao may see both.
  after = before;
  after.set_verification_id(verification_b);
  r = Push(zhao_, PatchFinding(kWangClient, zhao_mid++, finding_a_, 0, before, after, {"verification_id"}));
  EXPECT_EQ(r.reject_code(), v1::WORKFLOW);
  EXPECT_THAT(r.reason(), HasSubstr("of site " + b_));
  EXPECT_EQ(*store_->Head(), head) << "refusals change nothing";

  // The inspection of the finding's own site is fine. One the caller cannot
  // see reads as one not pushed yet (a teammate's offline capture), which a
  // finding may name: telling them apart would reveal the other site's.
  after = before;
  after.set_inspection_id(inspection_a);
  v1::MutationResult ok = Push(li_, PatchFinding(kLiClient, li_mid++, finding_a_, 0, before, after, {"inspection_id"}));
  EXPECT_NE(ok.outcome(), v1::REJECTED) << ok.reason();
}

TEST_F(AccessTest, ANewlyAssignedSiteIsBackfilledAndALostOneLeavesTheScope) {
  Pulled first = Pull(li_);
  ASSERT_EQ(Ids(first, "findings"), (std::set<std::string>{finding_a_}));

  // The office assigns Li to B and ends Li's assignment to A.
  std::string li_b = OfficeCreate("assignments", AssignmentBody("u-li", b_));
  v1::Mutation end;
  end.set_client_id(kOfficeClient);
  end.set_mutation_id(office_mid_++);
  end.set_collection("assignments");
  end.set_record_id(li_a_);
  end.set_op(v1::PATCH);
  end.set_base_version(0);
  end.mutable_mask()->add_paths("ends_at_ms");
  end.mutable_body()->mutable_assignment()->set_ends_at_ms(testing::kTestNowMs - 1);
  end.mutable_base_body()->mutable_assignment();
  end.set_hlc(core::Hlc::Pack(testing::kTestNowMs, 1));
  ASSERT_EQ(Push(office_, end).outcome(), v1::APPLIED);

  // The next pull, from where the first one stopped and with the scope it
  // received: B's older records are backfilled, the new scope leaves A out.
  Pulled next = Pull(li_, first.cursor, &first.scope);
  EXPECT_EQ(Ids(next, "findings"), (std::set<std::string>{finding_b_}));
  EXPECT_EQ(Ids(next, "sites"), (std::set<std::string>{b_}));
  EXPECT_TRUE(Ids(next, "assignments").count(li_b));
  std::set<std::string> keys(next.scope.keys().begin(), next.scope.keys().end());
  EXPECT_EQ(keys, (std::set<std::string>{b_}));
  EXPECT_EQ(next.cursor, *store_->Head());

  // Nothing is backfilled twice once the device holds the new scope.
  Pulled again = Pull(li_, next.cursor, &next.scope);
  EXPECT_TRUE(again.records.empty());
}

TEST_F(AccessTest, AssignmentsCountOnlyWithinTheirWindow) {
  int64_t now = clock_.NowMillis();
  OfficeCreate("assignments", AssignmentBody("u-wang", b_, false, now + 60'000, 0));  // starts in a minute
  OfficeCreate("assignments", AssignmentBody("u-wang", a_, false, 0, now - 1));       // ended
  std::set<std::string> keys;
  Pulled p = Pull(wang_);
  keys.insert(p.scope.keys().begin(), p.scope.keys().end());
  EXPECT_EQ(keys, (std::set<std::string>{c_}));
  clock_.Advance(60'000);
  p = Pull(wang_);
  keys = std::set<std::string>(p.scope.keys().begin(), p.scope.keys().end());
  EXPECT_EQ(keys, (std::set<std::string>{b_, c_}));
}

TEST_F(AccessTest, ARecordKeepsTheScopeItWasCreatedIn) {
  // The scope key cannot be patched: a finding cannot be moved to another
  // site (out of the sight of those who saw it).
  auto cur = store_->GetRecord("findings", finding_a_);
  ASSERT_TRUE(cur.ok() && cur->has_value());
  v1::Finding before = FindingAt(a_), after = FindingAt(c_);
  v1::MutationResult r =
      Push(office_, PatchFinding(kOfficeClient, office_mid_++, finding_a_, (*cur)->version, before, after, {"site_id"}));
  EXPECT_EQ(r.reject_code(), v1::INVALID);
  EXPECT_THAT(r.reason(), HasSubstr("fixed when it is created"));
  EXPECT_EQ((*store_->GetRecord("findings", finding_a_))->scope, a_);
}

TEST_F(AccessTest, APullPastTheServersCallLimitEndsAndResumes) {
  v1::PullRequest req;
  req.set_protocol_version(1);
  req.set_page_size(1);
  auto plan = engine_->StartPull(req, office_);
  ASSERT_TRUE(plan.ok());
  auto page = engine_->NextPage(req, &*plan);
  ASSERT_TRUE(page.ok());
  uint64_t resume = page->next_cursor();
  clock_.Advance(engine_->options().max_call_ms + 1);  // a stalled reader
  auto late = engine_->NextPage(req, &*plan);
  EXPECT_EQ(late.status().code(), StatusCode::kDeadlineExceeded);
  EXPECT_THAT(late.status().message(), HasSubstr("max_call_ms"));
  req.set_cursor(resume);
  req.set_page_size(0);
  Pulled rest = Pull(office_, resume);
  EXPECT_FALSE(rest.records.empty());
  EXPECT_EQ(rest.cursor, *store_->Head());
}

// The scope index's freshness check: the newest version per collection
// follows commits, ignores rolled-back writes, and survives a reopen.
TEST(CollectionsHeadTest, FollowsCommitsNotRollbacks) {
  testing::TempDir dir;
  std::string path = dir.File("heads.db");
  auto append = [](storage::ServerWriteTxn& t, const std::string& collection, const std::string& id) {
    storage::StoredRecord r;
    r.collection = collection;
    r.id = id;
    r.body = "";
    return t.AppendVersion(&r, kOfficeClient, 1, v1::CREATE);
  };
  uint64_t sites_head = 0;
  {
    auto s = storage::OpenSqliteServerStore(path);
    ASSERT_TRUE(s.ok());
    EXPECT_EQ(*(*s)->CollectionsHead({"sites", "assignments"}), 0u);
    ASSERT_TRUE((*s)->Write([&](storage::ServerWriteTxn& t) { return append(t, "sites", "s1"); }).ok());
    ASSERT_TRUE((*s)->Write([&](storage::ServerWriteTxn& t) { return append(t, "findings", "f1"); }).ok());
    sites_head = *(*s)->CollectionsHead({"sites"});
    EXPECT_EQ(sites_head, 1u);
    EXPECT_EQ(*(*s)->CollectionsHead({"sites", "findings"}), 2u);
    // A write that fails leaves nothing, not even its head.
    Status failed = (*s)->Write([&](storage::ServerWriteTxn& t) -> Status {
      INSPECTSYNC_RETURN_IF_ERROR(append(t, "sites", "s2"));
      return Internal("changed my mind");
    });
    EXPECT_FALSE(failed.ok());
    EXPECT_EQ(*(*s)->CollectionsHead({"sites"}), sites_head);
    ASSERT_TRUE((*s)->Write([&](storage::ServerWriteTxn& t) { return append(t, "assignments", "a1"); }).ok());
    EXPECT_EQ(*(*s)->CollectionsHead({"sites", "assignments"}), *(*s)->Head());
  }
  auto s = storage::OpenSqliteServerStore(path);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(*(*s)->CollectionsHead({"sites"}), sites_head) << "learned again from the file";
  EXPECT_EQ(*(*s)->CollectionsHead({"assignments"}), *(*s)->Head());
}

TEST(ScopeMigrationTest, AnOlderStoreGetsTheScopeOfItsRecordsFromTheirBodies) {
  testing::TempDir dir;
  std::string path = dir.File("old.db");
  {
    auto s = storage::OpenSqliteServerStore(path);
    ASSERT_TRUE(s.ok());
    SyncEngine engine(s->get(), EngineOptions{});
    core::IdGenerator ids(core::SystemClock(), 1);
    ASSERT_TRUE(engine
                    .Push(Batch({CreateFinding(kOfficeClient, 1, ids.NewUuidV7(), FindingAt("site-x")),
                                 CreateRecord(kOfficeClient, 2, "sites", "0190a000-0000-7000-8000-00000000c1c1",
                                              SiteBody("zone-1"))}),
                          Caller{})
                    .ok());
  }
  {
    // Turn it back into a version-3 store: no scope column.
    SQLite::Database db(path, SQLite::OPEN_READWRITE);
    db.exec("DROP INDEX records_by_scope; DROP INDEX IF EXISTS records_by_collection; ALTER TABLE records DROP COLUMN scope;"
            // The ledger as it was then (migration 11 converts it).
            "DROP TABLE push_results; CREATE TABLE mutation_results (client_id TEXT NOT NULL, mutation_id INTEGER "
            "NOT NULL, result BLOB NOT NULL, PRIMARY KEY (client_id, mutation_id)) WITHOUT ROWID;"
            "ALTER TABLE clients DROP COLUMN resend_from;"    // migration 12
            "ALTER TABLE clients DROP COLUMN acked_through;"  // migration 13
            // migration 14: what the office's device list shows
            "ALTER TABLE clients DROP COLUMN user_id; ALTER TABLE clients DROP COLUMN last_push_ms;"
            "ALTER TABLE clients DROP COLUMN last_pull_ms; ALTER TABLE clients DROP COLUMN accepted;"
            "ALTER TABLE clients DROP COLUMN rejected; ALTER TABLE clients DROP COLUMN last_reject_code;"
            "ALTER TABLE clients DROP COLUMN last_reject_reason; ALTER TABLE clients DROP COLUMN last_reject_ms;"
            "PRAGMA user_version=3");
  }
  auto s = storage::OpenSqliteServerStore(path);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  std::set<std::string> scopes;
  ASSERT_TRUE((*s)->ScanCollection("findings", [&](const storage::StoredRecord& r) {
                  scopes.insert(r.scope);
                  return Status::Ok();
                }).ok());
  ASSERT_TRUE((*s)->ScanCollection("sites", [&](const storage::StoredRecord& r) {
                  scopes.insert(r.scope);
                  return Status::Ok();
                }).ok());
  EXPECT_EQ(scopes, (std::set<std::string>{"site-x", "0190a000-0000-7000-8000-00000000c1c1"}));
}

}  // namespace
}  // namespace inspectsync::server
