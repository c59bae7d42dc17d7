// Tablets see the conflicts of their own records (issue 17 item 8), over a
// real server on 127.0.0.1 port 0 with TLS and signed tokens: inspectors and
// zone directors list through IntegrationService.ListConflicts, narrowed to
// their scope (another zone's conflicts never show; naming a site or zone
// outside it is PERMISSION_DENIED); resolving stays the office's. The SDK's
// Client::Conflicts reads the same list with both values as text, who wrote
// each (by name), why the winner won, and says UNAVAILABLE when the server
// is gone. Beside it, the same item's scope detail: a deactivated site takes
// no new work on a tablet that knows (SDK and command line), and work
// recorded before the tablet knew still syncs.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "core/clock.h"
#include "core/ids.h"
#include "inspectsync/client.h"
#include "inspectsync/v1/integration.grpc.pb.h"
#include "server/office_writes.h"
#include "server/server.h"
#include "tests/testing/auth.h"
#include "tests/testing/mutations.h"
#include "tests/testing/run_binary.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/test_server.h"

namespace inspectsync {
namespace {

const std::string kSetup = "0190a000-0000-7000-8000-00000000e2e1";
const std::string kNorth = "0190a000-0000-7000-8000-0000000020a1";
const std::string kSouth = "0190a000-0000-7000-8000-0000000020a2";
const std::string kSiteA = "0190a000-0000-7000-8000-0000000051a1";  // north
const std::string kSiteB = "0190a000-0000-7000-8000-0000000051b1";  // south
// User ids are record ids of the users directory, so UUIDs.
const std::string kAlice = "0190a000-0000-7000-8000-00000000a001";
const std::string kBob = "0190a000-0000-7000-8000-00000000a002";
const std::string kCarol = "0190a000-0000-7000-8000-00000000a003";
const std::string kDave = "0190a000-0000-7000-8000-00000000a004";
const std::string kDora = "0190a000-0000-7000-8000-00000000a005";

v1::RecordBody Zone(const std::string& name) {
  v1::RecordBody b;
  b.mutable_zone()->set_name(name);
  return b;
}

v1::RecordBody Site(const std::string& zone, const std::string& code, const std::string& name) {
  v1::RecordBody b = testing::SiteBody(zone, name);
  b.mutable_site()->set_code(code);
  return b;
}

v1::RecordBody User(const std::string& name, v1::Role role) {
  v1::RecordBody b;
  b.mutable_user()->set_name(name);
  b.mutable_user()->set_role(role);
  b.mutable_user()->set_active(true);
  return b;
}

class TabletConflictsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = server::Server::Start(testing::TlsServerOptions(auth_, dir_.File("server.db")));
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    server_ = std::move(*s);
    // Two zones, a school in each; alice and bob at 阳光小学 (north), carol
    // and dave at 河西幼儿园 (south); dora directs the north zone.
    std::vector<v1::Mutation> ms;
    uint64_t mid = 0;
    auto add = [&](const char* collection, const std::string& id, const v1::RecordBody& b) {
      ms.push_back(testing::CreateRecord(kSetup, ++mid, collection, id, b));
    };
    add("zones", kNorth, Zone("城北片区"));
    add("zones", kSouth, Zone("城南片区"));
    add("sites", kSiteA, Site(kNorth, "PS-1", "阳光小学"));
    add("sites", kSiteB, Site(kSouth, "KG-7", "河西幼儿园"));
    add("users", kAlice, User("李明", v1::INSPECTOR));
    add("users", kBob, User("王芳", v1::INSPECTOR));
    add("users", kCarol, User("张伟", v1::INSPECTOR));
    add("users", kDora, User("赵敏", v1::ZONE_DIRECTOR));  // dave is not in the directory
    for (const std::string& u : {kAlice, kBob}) add("assignments", ids_.NewUuidV7(), testing::AssignmentBody(u, kSiteA));
    for (const std::string& u : {kCarol, kDave}) add("assignments", ids_.NewUuidV7(), testing::AssignmentBody(u, kSiteB));
    add("assignments", ids_.NewUuidV7(), testing::AssignmentBody(kDora, kNorth, /*zone=*/true));
    auto r = server_->engine()->Push(testing::Batch(std::move(ms)), server::Caller{});
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    for (const auto& res : r->results()) ASSERT_EQ(res.outcome(), v1::APPLIED) << res.reason();
    integration_ = v1::IntegrationService::NewStub(grpc::CreateChannel(server_->address(), auth_.ChannelCredentials()));
  }

  std::string Token(const std::string& user, const std::string& role) {
    return auth_.Token(user, role, "dev-" + user, core::SystemClock()->NowMillis() / 1000);
  }

  // `name` names the device database, `user` is the token's user id.
  std::unique_ptr<Client> Tablet(const std::string& name, const std::string& user) {
    ClientOptions o;
    o.db_path = dir_.File(name + ".db");
    o.server_address = server_->address();
    o.grpc.ca_cert_file = auth_.ca_file();
    o.grpc.token = Token(user, "inspector");
    o.grpc.call_deadline = std::chrono::seconds(10);
    auto c = Client::Open(o);
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return c.ok() ? std::move(*c) : nullptr;
  }

  static void MustSync(Client& c) {
    auto r = c.Sync();
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }

  // `first` records a finding at `site`; both edit its description offline,
  // `first` then `second`, so second's later edit stands and first's is lost.
  std::string MakeConflict(Client& first, Client& second, const std::string& site, const std::string& title,
                           const std::string& first_text, const std::string& second_text) {
    auto id = first.CreateFinding(testing::FindingAt(site, title));
    EXPECT_TRUE(id.ok()) << id.status().ToString();
    MustSync(first);
    MustSync(second);
    v1::Finding a, b;
    a.set_description(first_text);
    b.set_description(second_text);
    EXPECT_TRUE(first.UpdateFinding(*id, a, {"description"}).ok());
    EXPECT_TRUE(second.UpdateFinding(*id, b, {"description"}).ok());
    MustSync(first);
    MustSync(second);
    return *id;
  }

  grpc::Status List(const std::string& token, const v1::ConflictQuery& q, v1::ConflictPage* page) {
    return integration_->ListConflicts(testing::BearerContext(token, 20).get(), q, page);
  }

  // Two conflicts, one per zone: alice lost to bob at PS-1, carol to dave at KG-7.
  void TwoConflicts() {
    alice_ = Tablet("alice", kAlice);
    bob_ = Tablet("bob", kBob);
    carol_ = Tablet("carol", kCarol);
    dave_ = Tablet("dave", kDave);
    ASSERT_TRUE(alice_ && bob_ && carol_ && dave_);
    finding_a_ = MakeConflict(*alice_, *bob_, kSiteA, "灭火器过期", "灭火器已更换", "灭火器仍未更换");
    finding_b_ = MakeConflict(*carol_, *dave_, kSiteB, "燃气报警器未检修", "已检修", "未检修");
  }

  testing::TempDir dir_;
  testing::TestAuth auth_{dir_.path()};
  std::unique_ptr<server::Server> server_;
  std::unique_ptr<v1::IntegrationService::Stub> integration_;
  core::IdGenerator ids_;
  std::unique_ptr<Client> alice_, bob_, carol_, dave_;
  std::string finding_a_, finding_b_;
};

TEST_F(TabletConflictsTest, AnInspectorListsTheConflictsOfTheirSitesOnlyWithNames) {
  TwoConflicts();
  v1::ConflictPage page;
  ASSERT_TRUE(List(Token(kAlice, "inspector"), {}, &page).ok());
  ASSERT_EQ(page.conflicts_size(), 1);
  const v1::ConflictRow& row = page.conflicts(0);
  EXPECT_EQ(row.conflict().record_id(), finding_a_);
  EXPECT_EQ(row.conflict().field(), "description");
  EXPECT_EQ(row.conflict().policy(), v1::REVIEW);
  EXPECT_EQ(row.conflict().winner_value().finding().description(), "灭火器仍未更换");
  EXPECT_EQ(row.conflict().loser_value().finding().description(), "灭火器已更换");
  EXPECT_EQ(row.conflict().winner().author(), kBob);
  EXPECT_EQ(row.conflict().loser().author(), kAlice);
  EXPECT_EQ(row.winner_name(), "王芳");
  EXPECT_EQ(row.loser_name(), "李明");
  EXPECT_EQ(row.site_code(), "PS-1");
  EXPECT_EQ(row.site_name(), "阳光小学");
  EXPECT_EQ(row.zone_name(), "城北片区");
  EXPECT_EQ(row.record_title(), "灭火器过期");

  // Carol, in the south, sees hers only; dora, director of the north, the north's.
  ASSERT_TRUE(List(Token(kCarol, "inspector"), {}, &page).ok());
  ASSERT_EQ(page.conflicts_size(), 1);
  EXPECT_EQ(page.conflicts(0).conflict().record_id(), finding_b_);
  EXPECT_EQ(page.conflicts(0).winner_name(), "") << "dave is not in the directory: no name made up";
  EXPECT_EQ(page.conflicts(0).conflict().winner().author(), kDave);
  EXPECT_EQ(page.conflicts(0).loser_name(), "张伟");
  ASSERT_TRUE(List(Token(kDora, "zone_director"), {}, &page).ok());
  ASSERT_EQ(page.conflicts_size(), 1);
  EXPECT_EQ(page.conflicts(0).conflict().record_id(), finding_a_);
  // An inspector without assignments sees none (not all); the office sees both.
  ASSERT_TRUE(List(Token("erin", "inspector"), {}, &page).ok());
  EXPECT_EQ(page.conflicts_size(), 0);
  ASSERT_TRUE(List(Token("u-office", "office"), {}, &page).ok());
  EXPECT_EQ(page.conflicts_size(), 2);
}

TEST_F(TabletConflictsTest, AScopedCallerNamingSitesOrZonesOutsideTheirScopeIsRefused) {
  TwoConflicts();
  const std::string alice = Token(kAlice, "inspector");
  v1::ConflictPage page;
  v1::ConflictQuery q;
  q.add_site_ids(kSiteB);
  grpc::Status st = List(alice, q, &page);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_NE(st.error_message().find("site '" + kSiteB + "' is not one of your sites"), std::string::npos)
      << st.error_message();
  EXPECT_EQ(st.error_message().find("河西"), std::string::npos) << "names a site alice cannot see";
  q.Clear();
  q.add_zone_ids(kSouth);
  st = List(alice, q, &page);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_NE(st.error_message().find("zone '" + kSouth + "' holds none of your sites"), std::string::npos)
      << st.error_message();
  // A site and a zone of her own narrow as for the office.
  q.Clear();
  q.add_zone_ids(kNorth);
  ASSERT_TRUE(List(alice, q, &page).ok());
  ASSERT_EQ(page.conflicts_size(), 1);
  EXPECT_EQ(page.conflicts(0).conflict().record_id(), finding_a_);
  q.Clear();
  q.add_site_ids(kSiteA);
  q.add_site_ids(kSiteB);  // one outside: refused as a whole, not silently dropped
  EXPECT_EQ(List(alice, q, &page).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  // Bad input is still bad input for a tablet.
  q.Clear();
  q.set_page_token("garbage");
  EXPECT_EQ(List(alice, q, &page).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(TabletConflictsTest, ResolvingStaysTheOfficesAndATabletsAttemptChangesNothing) {
  TwoConflicts();
  v1::ConflictPage page;
  ASSERT_TRUE(List(Token(kAlice, "inspector"), {}, &page).ok());
  ASSERT_EQ(page.conflicts_size(), 1);
  const std::string cid = page.conflicts(0).conflict().id();
  uint64_t head = *server_->engine()->store()->Head();
  for (const auto& [user, role] : std::vector<std::pair<std::string, std::string>>{
           {kAlice, "inspector"}, {kDora, "zone_director"}}) {
    v1::ResolveConflictRequest req;
    req.set_conflict_id(cid);
    req.set_take_loser(true);
    v1::ResolveConflictResponse resp;
    grpc::Status st = integration_->ResolveConflict(testing::BearerContext(Token(user, role), 20).get(), req, &resp);
    EXPECT_EQ(st.error_code(), grpc::StatusCode::PERMISSION_DENIED) << user;
    EXPECT_NE(st.error_message().find("roles office and integration"), std::string::npos) << st.error_message();
  }
  EXPECT_EQ(*server_->engine()->store()->Head(), head);
  ASSERT_TRUE(List(Token("u-office", "office"), {}, &page).ok());
  EXPECT_EQ(page.conflicts_size(), 2);  // both still open
}

TEST_F(TabletConflictsTest, TheSdkListsTheTabletsConflictsWithBothValuesWhoAndWhy) {
  TwoConflicts();
  auto mine = alice_->Conflicts();
  ASSERT_TRUE(mine.ok()) << mine.status().ToString();
  ASSERT_EQ(mine->size(), 1u);
  const ConflictInfo& c = mine->front();
  EXPECT_EQ(c.collection, "findings");
  EXPECT_EQ(c.record_id, finding_a_);
  EXPECT_EQ(c.record_title, "灭火器过期");
  EXPECT_EQ(c.site_code, "PS-1");
  EXPECT_EQ(c.site_name, "阳光小学");
  EXPECT_EQ(c.zone_name, "城北片区");
  EXPECT_EQ(c.field, "description");
  EXPECT_EQ(c.kept.value, "灭火器仍未更换");
  EXPECT_EQ(c.kept.user_name, "王芳");
  EXPECT_EQ(c.kept.device_id, "dev-" + kBob);
  EXPECT_EQ(c.lost.value, "灭火器已更换");
  EXPECT_EQ(c.lost.user_name, "李明");
  EXPECT_EQ(c.policy, v1::REVIEW);
  EXPECT_NE(c.why.find("later edit"), std::string::npos) << c.why;
  EXPECT_EQ(c.state, v1::CONFLICT_OPEN);
  EXPECT_GT(c.kept.written_ms, 0);

  // Carol's tablet never sees the north's conflict.
  auto hers = carol_->Conflicts();
  ASSERT_TRUE(hers.ok()) << hers.status().ToString();
  ASSERT_EQ(hers->size(), 1u);
  EXPECT_EQ(hers->front().record_id, finding_b_);

  // Once the office resolves it, it is gone from the default list and shown with --all.
  v1::ResolveConflictRequest req;
  req.set_conflict_id(c.id);
  req.set_take_loser(true);
  req.set_note("复查确认已更换");
  v1::ResolveConflictResponse resp;
  ASSERT_TRUE(
      integration_->ResolveConflict(testing::BearerContext(Token("u-office", "office"), 20).get(), req, &resp).ok());
  mine = alice_->Conflicts();
  ASSERT_TRUE(mine.ok());
  EXPECT_TRUE(mine->empty());
  ConflictsOptions all;
  all.include_resolved = true;
  mine = alice_->Conflicts(all);
  ASSERT_TRUE(mine.ok());
  ASSERT_EQ(mine->size(), 1u);
  EXPECT_EQ(mine->front().state, v1::CONFLICT_RESOLVED);
  EXPECT_EQ(mine->front().resolved_by, "u-office");
  EXPECT_EQ(mine->front().resolution_note, "复查确认已更换");
}

TEST_F(TabletConflictsTest, OfflineTheSdkSaysUnavailableAndWithoutAServerFailedPrecondition) {
  auto alice = Tablet("alice", kAlice);
  ASSERT_TRUE(alice);
  server_->Shutdown(std::chrono::milliseconds(100));
  auto got = alice->Conflicts();
  EXPECT_EQ(got.status().code(), StatusCode::kUnavailable) << got.status().ToString();
  EXPECT_NE(got.status().message().find("cannot reach the sync server"), std::string::npos) << got.status().message();

  ClientOptions o;
  o.db_path = dir_.File("offline.db");
  auto lone = Client::Open(o);
  ASSERT_TRUE(lone.ok());
  EXPECT_EQ((*lone)->Conflicts().status().code(), StatusCode::kFailedPrecondition);
}

// Issue 17: a deactivated site takes no new work on a tablet that knows it
// (refused locally, naming the site; `tablet site list` hides it unless
// --all), while work a tablet recorded before it knew still syncs.
TEST_F(TabletConflictsTest, ADeactivatedSiteTakesNoNewWorkButLateWorkIsKept) {
  alice_ = Tablet("alice", kAlice);
  bob_ = Tablet("bob", kBob);
  ASSERT_TRUE(alice_ && bob_);
  MustSync(*alice_);
  MustSync(*bob_);
  auto late = alice_->CreateFinding(testing::FindingAt(kSiteA, "消防通道堵塞"));  // offline, before she knows
  ASSERT_TRUE(late.ok()) << late.status().ToString();

  v1::CorrectSiteRequest close;
  close.set_site(kSiteA);
  close.set_deactivate(true);
  auto closed = server::CorrectSite(server_->engine(), server::Caller("u-office", "office"), close);
  ASSERT_TRUE(closed.ok()) << closed.status().ToString();

  MustSync(*bob_);
  uint64_t pending = *bob_->PendingCount();
  auto refused = bob_->CreateFinding(testing::FindingAt(kSiteA, "新问题"));
  EXPECT_EQ(refused.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(refused.status().message().find("site 'PS-1 阳光小学' is deactivated"), std::string::npos)
      << refused.status().message();
  v1::Inspection in;
  in.set_site_id(kSiteA);
  in.set_kind(v1::ROUTINE_VISIT);
  EXPECT_EQ(bob_->CreateInspection(in).status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(*bob_->PendingCount(), pending);  // nothing queued

  // Alice's finding, recorded before she could know, is kept by the server.
  auto rep = alice_->Sync();
  ASSERT_TRUE(rep.ok()) << rep.status().ToString();
  EXPECT_EQ(rep->rejected, 0u);
  auto stored = server_->engine()->store()->GetRecord("findings", *late);
  ASSERT_TRUE(stored.ok() && stored->has_value());

  // The command line on bob's tablet: hidden from the list unless --all; refused by name.
  bob_.reset();
  const std::string db = dir_.File("bob.db");
  auto list = testing::RunBinary({INSPECTSYNC_BINARY, "tablet", "--db", db, "site", "list"});
  EXPECT_EQ(list.exit_code, 0) << list.output;
  EXPECT_EQ(list.output.find("阳光小学"), std::string::npos) << list.output;
  list = testing::RunBinary({INSPECTSYNC_BINARY, "tablet", "--db", db, "site", "list", "--all"});
  EXPECT_NE(list.output.find("阳光小学"), std::string::npos) << list.output;
  EXPECT_NE(list.output.find("已停用/deactivated"), std::string::npos) << list.output;
  auto add = testing::RunBinary(
      {INSPECTSYNC_BINARY, "tablet", "--db", db, "finding", "add", "--site", kSiteA, "--title", "新问题"});
  EXPECT_NE(add.exit_code, 0) << add.output;
  EXPECT_NE(add.output.find("site 'PS-1 阳光小学' is deactivated"), std::string::npos) << add.output;
}

}  // namespace
}  // namespace inspectsync
