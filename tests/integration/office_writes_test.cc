// The office's writes (OfficeService: teams, notices, verifications,
// corrections) over a real server on 127.0.0.1 port 0, with TLS and signed
// tokens, called through the SDK's OfficeClient: each operation's effect,
// its bad inputs (the right code, the bad value named, nothing written), who
// may call it, a tablet seeing the change at its next sync, and the change in
// the integration feed attributed to the office's user.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <set>

#include "core/ids.h"
#include "inspectsync/client.h"
#include "inspectsync/office.h"
#include "inspectsync/v1/integration.grpc.pb.h"
#include "server/server.h"
#include "tests/testing/auth.h"
#include "tests/testing/mutations.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/test_server.h"

namespace inspectsync {
namespace {

constexpr int64_t kDayMs = 86'400'000;

std::string Zone(const std::string& code) { return core::ImportRecordId("zones", code); }
std::string Site(const std::string& code) { return core::ImportRecordId("sites", code); }
std::string User(const std::string& code) { return core::ImportRecordId("users", code); }

class OfficeWritesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server::ServerOptions o = testing::TlsServerOptions(auth_, dir_.File("server.db"));
    o.engine.clock = &clock_;
    auto s = server::Server::Start(o);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    server_ = std::move(*s);
    Seed();
    office_ = Office("u-office", "office");
    ASSERT_TRUE(office_);
  }

  // Zones N (north) and S (south); sites PS-1, PS-2 in N, KG-1 in S; users li
  // and wang (inspectors), zhao (zone director of N); li covers PS-1. Findings
  // f1, f2 at PS-1 and f3 at KG-1, all OPEN; campaign C.
  void Seed() {
    std::vector<v1::Mutation> ms;
    auto add = [&](const std::string& collection, const std::string& id, v1::RecordBody body) {
      v1::Mutation m;
      m.set_collection(collection);
      m.set_record_id(id);
      m.set_op(v1::CREATE);
      *m.mutable_body() = std::move(body);
      ms.push_back(std::move(m));
    };
    for (auto [code, name] : {std::pair{"N", "North"}, {"S", "South"}}) {
      v1::RecordBody b;
      b.mutable_zone()->set_name(name);
      b.mutable_zone()->set_code(code);
      add("zones", Zone(code), b);
    }
    add("sites", Site("PS-1"), testing::SiteBody(Zone("N"), "No. 1 Primary"));
    add("sites", Site("PS-2"), testing::SiteBody(Zone("N"), "No. 2 Primary"));
    add("sites", Site("KG-1"), testing::SiteBody(Zone("S"), "Sunflower Kindergarten"));
    for (auto [code, role] : {std::pair{"li", v1::INSPECTOR}, {"wang", v1::INSPECTOR}, {"zhao", v1::ZONE_DIRECTOR}}) {
      v1::RecordBody b;
      b.mutable_user()->set_name(std::string("Teacher ") + code);
      b.mutable_user()->set_role(role);
      b.mutable_user()->set_active(true);
      add("users", User(code), b);
    }
    li_assignment_ = ids_.NewUuidV7();
    add("assignments", li_assignment_, testing::AssignmentBody(User("li"), Site("PS-1")));
    add("assignments", ids_.NewUuidV7(), testing::AssignmentBody(User("zhao"), Zone("N"), /*zone=*/true));
    v1::RecordBody c;
    c.mutable_campaign()->set_name("Winter campaign");
    c.mutable_campaign()->set_kind(v1::SPECIAL_CAMPAIGN);
    c.mutable_campaign()->set_starts_at_ms(clock_.NowMillis());
    c.mutable_campaign()->set_ends_at_ms(clock_.NowMillis() + 30 * kDayMs);
    add("campaigns", campaign_, c);
    for (auto [id, site] : {std::pair{f1_, Site("PS-1")}, {f2_, Site("PS-1")}, {f3_, Site("KG-1")}}) {
      v1::RecordBody b;
      *b.mutable_finding() = testing::FindingAt(site);
      add("findings", id, b);
    }
    auto w = server_->engine()->WriteAll(std::move(ms), server::Caller{});
    ASSERT_TRUE(w.ok()) << w.status().ToString();
  }

  // `user`: a seeded user's code (li, wang, zhao), or a user without a
  // directory entry ("u-office").
  std::string Token(const std::string& user, const std::string& role) {
    const std::string id = user.rfind("u-", 0) == 0 ? user : User(user);
    return auth_.Token(id, role, "dev-" + user, clock_.NowMillis() / 1000);
  }

  std::unique_ptr<OfficeClient> Office(const std::string& user, const std::string& role) {
    GrpcTransportOptions g;
    g.ca_cert_file = auth_.ca_file();
    g.token = Token(user, role);
    auto c = OfficeClient::Connect(server_->address(), g);
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return c.ok() ? std::move(*c) : nullptr;
  }

  std::unique_ptr<Client> Tablet(const std::string& user, const std::string& role = "inspector") {
    ClientOptions o;
    o.db_path = dir_.File(user + ".db");
    o.server_address = server_->address();
    o.grpc.ca_cert_file = auth_.ca_file();
    o.grpc.token = Token(user, role);
    o.now_ms = [this] { return clock_.NowMillis(); };
    auto c = Client::Open(o);
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return c.ok() ? std::move(*c) : nullptr;
  }

  static std::set<std::string> Ids(Client& c, const std::string& collection) {
    std::set<std::string> out;
    auto list = c.List(collection);
    EXPECT_TRUE(list.ok()) << list.status().ToString();
    if (list.ok())
      for (const auto& r : *list) out.insert(r.id);
    return out;
  }

  // A status move by the system (the school reporting progress).
  void Move(const std::string& finding, v1::FindingStatus status) {
    v1::Mutation m;
    m.set_collection("findings");
    m.set_record_id(finding);
    m.set_op(v1::PATCH);
    m.mutable_mask()->add_paths("status");
    m.mutable_body()->mutable_finding()->set_status(status);
    auto w = server_->engine()->WriteAll({m}, server::Caller{});
    ASSERT_TRUE(w.ok()) << w.status().ToString();
  }

  v1::IssueNoticeRequest NoticeFor(const std::string& site, std::vector<std::string> findings, const std::string& ref) {
    v1::IssueNoticeRequest r;
    r.set_site(site);
    for (auto& f : findings) r.add_finding_ids(f);
    r.set_reference_no(ref);
    r.set_deadline_ms(clock_.NowMillis() + 14 * kDayMs);
    r.set_text("请限期整改。");
    return r;
  }

  // Every change of the feed, read with an integration token.
  std::vector<v1::Change> Feed() {
    auto channel = grpc::CreateChannel(server_->address(), auth_.ChannelCredentials());
    auto stub = v1::IntegrationService::NewStub(channel);
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
    ctx.AddMetadata("authorization", "Bearer " + Token("u-archive", "integration"));
    v1::WatchRequest req;
    req.set_protocol_version(1);
    req.set_stop_at_head(true);
    auto reader = stub->WatchChanges(&ctx, req);
    std::vector<v1::Change> out;
    v1::ChangeBatch b;
    while (reader->Read(&b))
      for (const auto& c : b.changes()) out.push_back(c);
    grpc::Status st = reader->Finish();
    EXPECT_TRUE(st.ok()) << st.error_message();
    return out;
  }

  static void ExpectError(const Status& st, StatusCode code, const std::string& names) {
    EXPECT_EQ(st.code(), code) << st.ToString();
    EXPECT_NE(st.message().find(names), std::string::npos) << "'" << names << "' not in: " << st.message();
  }

  testing::TempDir dir_;
  testing::TestAuth auth_{dir_.path()};
  core::ManualClock clock_{core::SystemClock()->NowMillis()};  // tablets' HLCs stay within the drift limit
  core::IdGenerator ids_{&clock_, 17};
  std::string campaign_ = ids_.NewUuidV7(), li_assignment_;
  std::string f1_ = ids_.NewUuidV7(), f2_ = ids_.NewUuidV7(), f3_ = ids_.NewUuidV7();
  std::unique_ptr<server::Server> server_;
  std::unique_ptr<OfficeClient> office_;
};

TEST_F(OfficeWritesTest, TeamsAreCreatedEditedAndGivenSitesThatReachTheirMembers) {
  v1::CreateTeamRequest create;
  create.set_name("第一检查组");
  create.set_leader("li");  // a code
  create.add_members(User("wang"));  // an id
  auto team = office_->CreateTeam(create);
  ASSERT_TRUE(team.ok()) << team.status().ToString();
  EXPECT_EQ(team->team().leader(), User("li"));
  EXPECT_EQ(std::set<std::string>(team->team().members().begin(), team->team().members().end()),
            (std::set<std::string>{User("li"), User("wang")}));

  ExpectError(office_->CreateTeam(create).status(), StatusCode::kAlreadyExists, "第一检查组");
  create.set_name("Team 2");
  create.set_leader("nobody");
  ExpectError(office_->CreateTeam(create).status(), StatusCode::kNotFound, "'nobody'");
  create.set_leader("li");
  create.add_members("ghost");
  ExpectError(office_->CreateTeam(create).status(), StatusCode::kNotFound, "'ghost'");
  create.clear_members();
  create.set_campaign_id(ids_.NewUuidV7());
  ExpectError(office_->CreateTeam(create).status(), StatusCode::kNotFound, create.campaign_id());

  v1::UpdateTeamRequest update;
  update.set_team_id(team->team_id());
  update.add_remove_members("li");
  ExpectError(office_->UpdateTeam(update).status(), StatusCode::kFailedPrecondition, "leads team");
  update.clear_remove_members();
  update.set_leader("wang");
  update.add_add_members("zhao");
  auto updated = office_->UpdateTeam(update);
  ASSERT_TRUE(updated.ok()) << updated.status().ToString();
  EXPECT_EQ(updated->team().leader(), User("wang"));
  EXPECT_EQ(updated->team().members_size(), 3);
  EXPECT_GT(updated->version(), team->version());

  v1::AssignCampaignRequest ac;
  ac.set_campaign_id(campaign_);
  ac.add_team_ids(team->team_id());
  auto assigned = office_->AssignCampaign(ac);
  ASSERT_TRUE(assigned.ok()) << assigned.status().ToString();
  EXPECT_EQ(assigned->teams(0).team().campaign_id(), campaign_);
  ac.add_team_ids("0190a000-0000-7000-8000-00000000dead");
  ExpectError(office_->AssignCampaign(ac).status(), StatusCode::kNotFound, "00000000dead");

  // wang's tablet does not hold KG-1 until the team is given it.
  auto wang = Tablet("wang");
  ASSERT_TRUE(wang && wang->Sync().ok());
  EXPECT_EQ(Ids(*wang, "findings").count(f3_), 0u);
  v1::AssignSitesRequest as;
  as.set_team_id(team->team_id());
  as.set_campaign_id(campaign_);
  as.add_sites("KG-1");
  auto sites = office_->AssignSites(as);
  ASSERT_TRUE(sites.ok()) << sites.status().ToString();
  ASSERT_EQ(sites->assignment_ids_size(), 1);
  ExpectError(office_->AssignSites(as).status(), StatusCode::kAlreadyExists, "already covers");
  as.set_sites(0, "NOPE");
  ExpectError(office_->AssignSites(as).status(), StatusCode::kNotFound, "'NOPE'");
  ASSERT_TRUE(wang->Sync().ok());
  EXPECT_EQ(Ids(*wang, "findings").count(f3_), 1u);
  EXPECT_EQ(Ids(*wang, "teams").count(team->team_id()), 1u);
}

TEST_F(OfficeWritesTest, TeamsAndCampaignsAreNamedByTheirExactName) {
  v1::CreateTeamRequest create;
  create.set_name("第一督导组");
  create.set_leader("li");
  create.set_campaign_id("Winter campaign");  // the campaign's name
  auto team = office_->CreateTeam(create);
  ASSERT_TRUE(team.ok()) << team.status().ToString();
  EXPECT_EQ(team->team().campaign_id(), campaign_);
  EXPECT_EQ(team->campaign_name(), "Winter campaign");
  EXPECT_EQ(team->leader_name(), "Teacher li");

  v1::UpdateTeamRequest update;
  update.set_team_id("第一督导组");  // the team's name
  update.add_add_members("wang");
  auto updated = office_->UpdateTeam(update);
  ASSERT_TRUE(updated.ok()) << updated.status().ToString();
  EXPECT_EQ(updated->team_id(), team->team_id());
  EXPECT_EQ(std::vector<std::string>(updated->member_names().begin(), updated->member_names().end()),
            (std::vector<std::string>{"Teacher li", "Teacher wang"}));

  v1::AssignSitesRequest as;
  as.set_team_id("第一督导组");
  as.set_campaign_id("Winter campaign");
  as.add_sites("KG-1");
  auto sites = office_->AssignSites(as);
  ASSERT_TRUE(sites.ok()) << sites.status().ToString();
  EXPECT_EQ(sites->team_name(), "第一督导组");
  EXPECT_EQ(sites->campaign_name(), "Winter campaign");

  // Unknown names: NOT_FOUND naming the value, nothing written.
  const size_t changes = Feed().size();
  update.set_team_id("第九督导组");
  ExpectError(office_->UpdateTeam(update).status(), StatusCode::kNotFound, "'第九督导组' (neither a name nor an id");
  v1::AssignCampaignRequest ac;
  ac.set_campaign_id("Summer campaign");
  ac.add_team_ids("第一督导组");
  ExpectError(office_->AssignCampaign(ac).status(), StatusCode::kNotFound, "'Summer campaign'");
  ac.set_campaign_id("Winter campaign");
  ac.add_team_ids("第九督导组");
  ExpectError(office_->AssignCampaign(ac).status(), StatusCode::kNotFound, "team_ids: no Team '第九督导组'");

  // Two live campaigns with one name cannot be told apart: the id is asked for.
  const std::string twin = ids_.NewUuidV7();
  v1::Mutation m;
  m.set_collection("campaigns");
  m.set_record_id(twin);
  m.set_op(v1::CREATE);
  m.mutable_body()->mutable_campaign()->set_name("Winter campaign");
  m.mutable_body()->mutable_campaign()->set_kind(v1::ROUTINE_VISIT);
  ASSERT_TRUE(server_->engine()->WriteAll({m}, server::Caller{}).ok());
  const size_t with_twin = Feed().size();
  EXPECT_EQ(with_twin, changes + 1);
  as.set_sites(0, "PS-2");
  ExpectError(office_->AssignSites(as).status(), StatusCode::kInvalidArgument,
              "two campaigns are called 'Winter campaign'");
  ac.clear_team_ids();
  ac.add_team_ids("第一督导组");
  ExpectError(office_->AssignCampaign(ac).status(), StatusCode::kInvalidArgument, "give the campaign's id");
  EXPECT_EQ(Feed().size(), with_twin);  // no refused call wrote anything
  as.set_campaign_id(twin);  // by id it is unambiguous
  EXPECT_TRUE(office_->AssignSites(as).ok());
}

TEST_F(OfficeWritesTest, ListTeamsNamesPeopleAndCountsTheSitesEachCovers) {
  for (auto [name, leader] : {std::pair{"Team B", "wang"}, {"Team A", "li"}}) {
    v1::CreateTeamRequest create;
    create.set_name(name);
    create.set_leader(leader);
    ASSERT_TRUE(office_->CreateTeam(create).ok());
  }
  v1::AssignSitesRequest as;
  as.set_team_id("Team A");
  as.set_campaign_id(campaign_);
  as.add_sites("PS-1");
  as.add_sites("KG-1");
  auto assigned = office_->AssignSites(as);
  ASSERT_TRUE(assigned.ok()) << assigned.status().ToString();
  v1::AssignCampaignRequest ac;
  ac.set_campaign_id(campaign_);
  ac.add_team_ids("Team A");
  ASSERT_TRUE(office_->AssignCampaign(ac).ok());

  auto list = office_->ListTeams();
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  ASSERT_EQ(list->teams_size(), 2);
  const v1::TeamReply& a = list->teams(0);  // sorted by name
  EXPECT_EQ(a.team().name(), "Team A");
  EXPECT_EQ(a.leader_name(), "Teacher li");
  EXPECT_EQ(a.campaign_name(), "Winter campaign");
  EXPECT_EQ(a.sites_assigned(), 2u);
  EXPECT_EQ(list->teams(1).team().name(), "Team B");
  EXPECT_EQ(list->teams(1).leader_name(), "Teacher wang");
  EXPECT_EQ(list->teams(1).campaign_name(), "");
  EXPECT_EQ(list->teams(1).sites_assigned(), 0u);

  // An ended assignment no longer counts. It cannot end when it starts.
  v1::EndAssignmentRequest end;
  end.set_assignment_id(assigned->assignment_ids(0));
  ExpectError(office_->EndAssignment(end).status(), StatusCode::kInvalidArgument, "is not after the assignment starts");
  clock_.Advance(60'000);
  auto ended = office_->EndAssignment(end);
  ASSERT_TRUE(ended.ok()) << ended.status().ToString();
  EXPECT_EQ(ended->record_name(), "assignment of team Team A at site 'No. 1 Primary'");
  list = office_->ListTeams();
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->teams(0).sites_assigned(), 1u);

  // Zone directors plan visits with it; inspectors and integrations may not.
  EXPECT_TRUE(Office("zhao", "zone_director")->ListTeams().ok());
  ExpectError(Office("li", "inspector")->ListTeams().status(), StatusCode::kPermissionDenied, "inspector");
  ExpectError(Office("u-archive", "integration")->ListTeams().status(), StatusCode::kPermissionDenied,
              "integration");
}

TEST_F(OfficeWritesTest, OnlyTheOfficeManagesTeams) {
  v1::CreateTeamRequest create;
  create.set_name("Team X");
  create.set_leader("li");
  for (auto [user, role] : {std::pair{"li", "inspector"}, {"zhao", "zone_director"}, {"u-archive", "integration"}}) {
    auto c = Office(user, role);
    ASSERT_TRUE(c);
    ExpectError(c->CreateTeam(create).status(), StatusCode::kPermissionDenied, role);
  }
}

TEST_F(OfficeWritesTest, NoticesMoveFindingsAndAreListedAndShown) {
  auto li = Tablet("li");
  ASSERT_TRUE(li && li->Sync().ok());
  auto notice = office_->IssueNotice(NoticeFor("PS-1", {f1_}, "EDU-2026-07"));
  ASSERT_TRUE(notice.ok()) << notice.status().ToString();
  EXPECT_EQ(notice->site_name(), "No. 1 Primary");
  EXPECT_EQ(notice->zone_name(), "North");
  EXPECT_EQ(notice->status(), v1::NOTICE_OPEN);
  ASSERT_EQ(notice->findings_size(), 1);
  EXPECT_EQ(notice->findings(0).status(), v1::NOTIFIED);

  // The tablet sees the move at its next sync.
  ASSERT_TRUE(li->Sync().ok());
  auto f1 = li->GetFinding(f1_);
  ASSERT_TRUE(f1.ok()) << f1.status().ToString();
  EXPECT_EQ(f1->value.status(), v1::NOTIFIED);
  EXPECT_EQ(f1->value.notice_id(), notice->notice_id());

  // Bad inputs: each named, nothing written.
  ExpectError(office_->IssueNotice(NoticeFor("PS-1", {f2_}, "EDU-2026-07")).status(), StatusCode::kAlreadyExists,
              "EDU-2026-07");
  ExpectError(office_->IssueNotice(NoticeFor("PS-1", {f1_}, "EDU-2")).status(), StatusCode::kFailedPrecondition,
              "NOTIFIED");
  ExpectError(office_->IssueNotice(NoticeFor("PS-1", {f3_}, "EDU-2")).status(), StatusCode::kFailedPrecondition,
              "not at the notice's site");
  ExpectError(office_->IssueNotice(NoticeFor("NOPE", {f2_}, "EDU-2")).status(), StatusCode::kNotFound, "'NOPE'");
  std::string ghost = ids_.NewUuidV7();
  ExpectError(office_->IssueNotice(NoticeFor("PS-1", {ghost}, "EDU-2")).status(), StatusCode::kNotFound, ghost);
  auto past = NoticeFor("PS-1", {f2_}, "EDU-2");
  past.set_deadline_ms(clock_.NowMillis() - kDayMs);
  ExpectError(office_->IssueNotice(past).status(), StatusCode::kInvalidArgument, "in the past");
  past.set_deadline_ms(5);
  ExpectError(office_->IssueNotice(past).status(), StatusCode::kInvalidArgument, "2000-01-01");
  auto no_ref = NoticeFor("PS-1", {f2_}, "");
  ExpectError(office_->IssueNotice(no_ref).status(), StatusCode::kInvalidArgument, "reference_no");
  auto inspector = Office("li", "inspector");
  ExpectError(inspector->IssueNotice(NoticeFor("PS-1", {f2_}, "EDU-2")).status(), StatusCode::kPermissionDenied,
              "inspector");
  ASSERT_TRUE(li->Sync().ok());
  EXPECT_EQ(li->GetFinding(f2_)->value.status(), v1::OPEN);

  // A whole site: every OPEN finding; the integration role may issue.
  auto whole = NoticeFor("KG-1", {}, "EDU-3");
  whole.set_all_open(true);
  auto integration = Office("u-archive", "integration");
  auto n2 = integration->IssueNotice(whole);
  ASSERT_TRUE(n2.ok()) << n2.status().ToString();
  ASSERT_EQ(n2->findings_size(), 1);
  EXPECT_EQ(n2->findings(0).finding_id(), f3_);
  ExpectError(integration->IssueNotice(whole).status(), StatusCode::kAlreadyExists, "EDU-3");

  v1::NoticeQuery q;
  auto all = office_->ListNotices(q);
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  EXPECT_EQ(all->notices_size(), 2);
  q.add_zones("S");
  auto south = office_->ListNotices(q);
  ASSERT_TRUE(south.ok());
  ASSERT_EQ(south->notices_size(), 1);
  EXPECT_EQ(south->notices(0).notice().reference_no(), "EDU-3");
  q.set_zones(0, "Nowhere");
  ExpectError(office_->ListNotices(q).status(), StatusCode::kNotFound, "'Nowhere'");
  // A zone director sees the notices of their zone only.
  auto director = Office("zhao", "zone_director");
  auto mine = director->ListNotices(v1::NoticeQuery());
  ASSERT_TRUE(mine.ok()) << mine.status().ToString();
  ASSERT_EQ(mine->notices_size(), 1);
  EXPECT_EQ(mine->notices(0).notice_id(), notice->notice_id());
  ExpectError(director->GetNotice(n2->notice_id()).status(), StatusCode::kNotFound, n2->notice_id());
  ExpectError(inspector->ListNotices(v1::NoticeQuery()).status(), StatusCode::kPermissionDenied, "inspector");

  // Past the deadline the notice is overdue.
  clock_.Advance(15 * kDayMs);
  office_ = Office("u-office", "office");  // a token of the new day
  v1::NoticeQuery overdue;
  overdue.add_statuses(v1::NOTICE_OVERDUE);
  auto late = office_->ListNotices(overdue);
  ASSERT_TRUE(late.ok()) << late.status().ToString();
  EXPECT_EQ(late->notices_size(), 2);
  auto shown = office_->GetNotice(notice->notice_id());
  ASSERT_TRUE(shown.ok());
  EXPECT_TRUE(shown->findings(0).overdue());

  // In the feed, by the office's user.
  bool seen = false;
  for (const auto& c : Feed())
    if (c.record_id() == notice->notice_id()) {
      seen = true;
      EXPECT_EQ(c.meta().author(), "u-office");
    }
  EXPECT_TRUE(seen);
}

TEST_F(OfficeWritesTest, AFailedVerificationReopensAndAPassedOneCloses) {
  v1::RecordVerificationRequest v;
  v.set_finding_id(f3_);
  v.set_result(v1::PASSED);
  ExpectError(office_->RecordVerification(v).status(), StatusCode::kFailedPrecondition, "no rectification notice");

  ASSERT_TRUE(office_->IssueNotice(NoticeFor("PS-1", {f1_}, "EDU-1")).ok());
  Move(f1_, v1::IN_RECTIFICATION);
  Move(f1_, v1::RECTIFIED);

  v.set_finding_id(f1_);
  v.set_result(v1::FAILED);
  v.set_note("灭火器仍已过期。");
  v.set_new_deadline_ms(clock_.NowMillis() - kDayMs);
  ExpectError(office_->RecordVerification(v).status(), StatusCode::kInvalidArgument, "new_deadline_ms");
  v.set_new_deadline_ms(clock_.NowMillis() + 30 * kDayMs);
  v.add_evidence("not-a-hash");
  ExpectError(office_->RecordVerification(v).status(), StatusCode::kInvalidArgument, "'not-a-hash'");
  v.clear_evidence();
  v.add_evidence(std::string(64, 'a'));
  v.set_verifier("nobody");
  ExpectError(office_->RecordVerification(v).status(), StatusCode::kNotFound, "'nobody'");
  v.set_verifier("zhao");
  ExpectError(Office("li", "inspector")->RecordVerification(v).status(), StatusCode::kPermissionDenied, "inspector");
  ExpectError(Office("u-archive", "integration")->RecordVerification(v).status(), StatusCode::kPermissionDenied,
              "integration");

  auto failed = office_->RecordVerification(v);
  ASSERT_TRUE(failed.ok()) << failed.status().ToString();
  EXPECT_EQ(failed->finding_status(), v1::REOPENED);
  // What people read: the finding, its site and the deadline now.
  EXPECT_EQ(failed->finding_title(), "Gas alarm not serviced");
  EXPECT_EQ(failed->site_name(), "No. 1 Primary");
  EXPECT_EQ(failed->deadline_ms(), v.new_deadline_ms());
  auto li = Tablet("li");
  ASSERT_TRUE(li && li->Sync().ok());
  auto f1 = li->GetFinding(f1_);
  ASSERT_TRUE(f1.ok());
  EXPECT_EQ(f1->value.status(), v1::REOPENED);
  EXPECT_EQ(f1->value.deadline_ms(), v.new_deadline_ms());
  EXPECT_EQ(f1->value.verification_note(), "灭火器仍已过期。");
  EXPECT_EQ(Ids(*li, "verifications").count(failed->verification_id()), 1u);

  // The zone director verifies within their zone; outside it the finding reads as missing.
  Move(f1_, v1::IN_RECTIFICATION);
  Move(f1_, v1::RECTIFIED);
  auto director = Office("zhao", "zone_director");
  v1::RecordVerificationRequest pass;
  pass.set_finding_id(f1_);
  pass.set_result(v1::PASSED);
  auto passed = director->RecordVerification(pass);
  ASSERT_TRUE(passed.ok()) << passed.status().ToString();
  EXPECT_EQ(passed->finding_status(), v1::CLOSED);
  pass.set_finding_id(f3_);
  ExpectError(director->RecordVerification(pass).status(), StatusCode::kNotFound, f3_);
  ASSERT_TRUE(li->Sync().ok());
  EXPECT_EQ(li->GetFinding(f1_)->value.status(), v1::CLOSED);
  v1::NoticeQuery closed;
  closed.add_statuses(v1::NOTICE_CLOSED);
  auto list = office_->ListNotices(closed);
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->notices_size(), 1);
}

TEST_F(OfficeWritesTest, CorrectionsOfTheRegisterReachTabletsAndSayWhatChanged) {
  auto director = Tablet("zhao", "zone_director");
  ASSERT_TRUE(director && director->Sync().ok());
  EXPECT_EQ(Ids(*director, "sites").count(Site("PS-2")), 1u);

  v1::CorrectSiteRequest rename;
  rename.set_site("PS-1");
  rename.set_name("第一小学");
  auto renamed = office_->CorrectSite(rename);
  ASSERT_TRUE(renamed.ok()) << renamed.status().ToString();
  ASSERT_EQ(renamed->changes_size(), 1);
  EXPECT_EQ(renamed->changes(0).old_value(), "No. 1 Primary");
  EXPECT_EQ(renamed->changes(0).new_value(), "第一小学");
  EXPECT_EQ(renamed->record_name(), "site 'No. 1 Primary'");  // the name it had
  auto again = office_->CorrectSite(rename);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->changes_size(), 0);
  EXPECT_EQ(again->version(), renamed->version());

  v1::CorrectSiteRequest move;
  move.set_site("PS-2");
  move.set_zone("S");
  auto moved = office_->CorrectSite(move);
  ASSERT_TRUE(moved.ok()) << moved.status().ToString();
  EXPECT_EQ(moved->changes(0).old_value(), "North");
  EXPECT_EQ(moved->changes(0).new_value(), "South");
  move.set_zone("Atlantis");
  ExpectError(office_->CorrectSite(move).status(), StatusCode::kNotFound, "'Atlantis'");
  move.set_site("NOPE");
  ExpectError(office_->CorrectSite(move).status(), StatusCode::kNotFound, "'NOPE'");
  ASSERT_TRUE(director->Sync().ok());
  EXPECT_EQ(Ids(*director, "sites").count(Site("PS-2")), 0u);  // left the director's zone

  v1::CorrectSiteRequest deactivate;
  deactivate.set_site("KG-1");
  deactivate.set_deactivate(true);
  auto off = office_->CorrectSite(deactivate);
  ASSERT_TRUE(off.ok()) << off.status().ToString();
  EXPECT_EQ(off->changes(0).new_value(), "no");
  deactivate.set_reactivate(true);
  ExpectError(office_->CorrectSite(deactivate).status(), StatusCode::kInvalidArgument, "one of them");

  v1::RenameZoneRequest rz;
  rz.set_zone("N");
  rz.set_name("北片区");
  auto zone = office_->RenameZone(rz);
  ASSERT_TRUE(zone.ok()) << zone.status().ToString();
  EXPECT_EQ(zone->changes(0).old_value(), "North");
  rz.set_name("");
  ExpectError(office_->RenameZone(rz).status(), StatusCode::kInvalidArgument, "name");

  // Ending li's assignment takes PS-1 off li's tablet at its next sync.
  auto li = Tablet("li");
  ASSERT_TRUE(li && li->Sync().ok());
  EXPECT_EQ(Ids(*li, "findings").count(f1_), 1u);
  v1::EndAssignmentRequest end;
  end.set_assignment_id(li_assignment_);
  end.set_ends_at_ms(1'000'000'000'000);  // 2001: before it matters but a valid time
  auto bad_end = office_->EndAssignment(end);
  EXPECT_TRUE(bad_end.ok()) << bad_end.status().ToString();  // starts_at 0: any time after is an end
  end.set_assignment_id(ids_.NewUuidV7());
  ExpectError(office_->EndAssignment(end).status(), StatusCode::kNotFound, end.assignment_id());
  ASSERT_TRUE(li->Sync().ok());
  EXPECT_EQ(Ids(*li, "findings").count(f1_), 0u);

  // Deactivating wang refuses wang's token from the next call.
  auto wang = Tablet("wang");
  ASSERT_TRUE(wang && wang->Sync().ok());
  auto deact = office_->DeactivateUser("wang");
  ASSERT_TRUE(deact.ok()) << deact.status().ToString();
  EXPECT_EQ(deact->changes(0).field(), "active");
  EXPECT_EQ(wang->Sync().status().code(), StatusCode::kPermissionDenied);
  ExpectError(office_->DeactivateUser("nobody").status(), StatusCode::kNotFound, "'nobody'");

  // Corrections are the office's.
  auto d = Office("zhao", "zone_director");
  ExpectError(d->RenameZone(rz).status(), StatusCode::kPermissionDenied, "zone_director");
  ExpectError(Office("u-archive", "integration")->CorrectSite(rename).status(), StatusCode::kPermissionDenied,
              "integration");
}

}  // namespace
}  // namespace inspectsync
