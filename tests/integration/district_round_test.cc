// A full round of inspections across several tablets and the office, over
// real gRPC with TLS and tokens: reference data and a template from the
// office, inspections offline with failed items becoming findings, a
// concurrent edit, notices (one overdue), rectification, a failed and a
// passed verification by different people, and the problem list — the
// office's tablet and the server's OfficeService agreeing, each role seeing
// what it may.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "core/clock.h"
#include "core/lifecycle.h"
#include "core/workflow.h"
#include "inspectsync/client.h"
#include "inspectsync/v1/office.grpc.pb.h"
#include "server/server.h"
#include "tests/testing/auth.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/test_server.h"

namespace inspectsync {
namespace {

constexpr int64_t kDay = 86'400'000;

struct Person {
  std::string user, role;
  std::unique_ptr<Client> client;
  std::vector<RejectedMutation> rejected;
};

class DistrictRoundTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server::ServerOptions o = testing::TlsServerOptions(auth_, dir_.File("server.db"));
    auto s = server::Server::Start(o);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    server_ = std::move(*s);
    now_ = core::SystemClock()->NowMillis();
  }

  std::string Token(const std::string& user, const std::string& role) {
    return auth_.Token(user, role, "dev-" + user, now_ / 1000);
  }

  Person& Join(const std::string& user, const std::string& role) {
    Person& p = people_[user];
    p.user = user;
    p.role = role;
    ClientOptions o;
    o.db_path = dir_.File(user + ".db");
    o.server_address = server_->address();
    o.grpc.ca_cert_file = auth_.ca_file();
    o.grpc.token = Token(user, role);
    auto c = Client::Open(o);
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    p.client = std::move(*c);
    p.client->OnRejected([&p](const RejectedMutation& r) { p.rejected.push_back(r); });
    return p;
  }

  void SyncAll() {
    for (int round = 0; round < 2; ++round)
      for (auto& [user, p] : people_) {
        auto r = p.client->Sync();
        ASSERT_TRUE(r.ok()) << user << ": " << r.status().ToString();
      }
  }

  std::string Must(const StatusOr<std::string>& id) {
    EXPECT_TRUE(id.ok()) << id.status().ToString();
    return id.ok() ? *id : std::string();
  }

  // The server's problem list for a caller, every page.
  grpc::Status ServerProblems(const std::string& user, const std::string& role, v1::ProblemQuery q,
                              std::vector<v1::Problem>* out) {
    auto channel = grpc::CreateChannel(server_->address(), auth_.ChannelCredentials());
    auto stub = v1::OfficeService::NewStub(channel);
    for (;;) {
      grpc::ClientContext ctx;
      ctx.AddMetadata("authorization", "Bearer " + Token(user, role));
      v1::ProblemPage page;
      grpc::Status st = stub->ListProblems(&ctx, q, &page);
      if (!st.ok()) return st;
      for (const auto& p : page.problems()) out->push_back(p);
      if (page.next_page_token().empty()) return st;
      q.set_page_token(page.next_page_token());
    }
  }

  testing::TempDir dir_;
  testing::TestAuth auth_{dir_.path()};
  std::unique_ptr<server::Server> server_;
  std::map<std::string, Person> people_;
  int64_t now_ = 0;
};

TEST_F(DistrictRoundTest, AFullRoundAcrossTabletsAndTheOffice) {
  Person& office = Join("office", "office");
  Person& li = Join("li", "inspector");
  Person& wang = Join("wang", "inspector");
  Person& zhao = Join("zhao", "zone_director");
  Person& chen = Join("chen", "inspector");
  Client& oc = *office.client;

  // ---- the office sets up the district ----
  auto body = [](auto setter) {
    v1::RecordBody b;
    setter(b);
    return b;
  };
  std::string north = Must(oc.Create("zones", body([](v1::RecordBody& b) { b.mutable_zone()->set_name("North"); })));
  std::string south = Must(oc.Create("zones", body([](v1::RecordBody& b) { b.mutable_zone()->set_name("South"); })));
  auto site = [&](const std::string& zone, const char* name, v1::SiteKind kind) {
    return Must(oc.Create("sites", body([&](v1::RecordBody& b) {
      b.mutable_site()->set_name(name);
      b.mutable_site()->set_kind(kind);
      b.mutable_site()->set_zone_id(zone);
    })));
  };
  std::string a = site(north, "No. 1 Primary School", v1::PRIMARY_SCHOOL);
  std::string k = site(north, "Sunflower Kindergarten", v1::KINDERGARTEN);
  std::string c = site(south, "No. 6 Middle School", v1::MIDDLE_SCHOOL);
  for (auto [user, zone] : std::vector<std::pair<std::string, std::string>>{
           {"li", north}, {"wang", north}, {"zhao", north}, {"chen", south}})
    Must(oc.Create("assignments", body([&](v1::RecordBody& b) {
      b.mutable_assignment()->set_user_id(user);
      b.mutable_assignment()->set_zone_id(zone);
    })));
  std::vector<Edit> publish(1);
  publish[0].collection = "templates";
  publish[0].id = core::TemplateRecordId("campus-safety", 1);
  auto* t = publish[0].body.mutable_checklist_template();
  t->set_key("campus-safety");
  t->set_version(1);
  t->set_title("Campus safety");
  for (auto [id, cat, sev] : std::vector<std::tuple<const char*, const char*, v1::Severity>>{
           {"supplies", "prevention-supplies", v1::MEDIUM}, {"gas-alarm", "gas-safety", v1::HIGH},
           {"signage", "signage", v1::LOW}}) {
    auto* it = t->add_items();
    it->set_id(id);
    it->set_category(cat);
    it->set_text(std::string("check ") + id);
    it->set_default_severity(sev);
  }
  ASSERT_TRUE(oc.Apply(publish).ok());
  std::string campaign = Must(oc.Create("campaigns", body([&](v1::RecordBody& b) {
    auto* cp = b.mutable_campaign();
    cp->set_name("Autumn special inspection");
    cp->set_kind(v1::SPECIAL_CAMPAIGN);
    cp->set_template_key("campus-safety");
    cp->set_template_version(1);
  })));
  SyncAll();

  // ---- inspections offline: failed items become findings ----
  auto inspect = [&](Person& p, const std::string& at, std::map<std::string, v1::ItemResult> answers) {
    v1::RecordBody ib;
    auto* in = ib.mutable_inspection();
    in->set_site_id(at);
    in->set_campaign_id(campaign);
    in->set_kind(v1::SPECIAL_CAMPAIGN);
    in->set_template_key("campus-safety");
    in->set_template_version(1);
    std::vector<std::string> made;
    for (auto [item, result] : answers) {
      auto* r = in->add_responses();
      r->set_item_id(item);
      r->set_result(result);
      r->set_inspector(p.user);
    }
    std::string iid = Must(p.client->Create("inspections", ib));
    for (auto [item, result] : answers) {
      if (result != v1::FAIL) continue;
      v1::Finding f;
      f.set_inspection_id(iid);
      f.set_site_id(at);
      f.set_checklist_item_id(item);
      f.set_category(item == "gas-alarm" ? "gas-safety" : "prevention-supplies");
      f.set_severity(item == "gas-alarm" ? v1::HIGH : v1::MEDIUM);
      f.set_title("failed: " + item);
      f.set_status(v1::OPEN);
      made.push_back(Must(p.client->CreateFinding(f)));
    }
    return made;
  };
  auto li_found = inspect(li, a, {{"supplies", v1::FAIL}, {"gas-alarm", v1::FAIL}, {"signage", v1::PASS}});
  auto wang_found = inspect(wang, k, {{"supplies", v1::FAIL}, {"gas-alarm", v1::PASS}, {"signage", v1::PASS}});
  auto chen_found = inspect(chen, c, {{"supplies", v1::PASS}, {"gas-alarm", v1::FAIL}, {"signage", v1::PASS}});
  ASSERT_EQ(li_found.size(), 2u);
  std::string gas = li_found[1], supplies = li_found[0], kinder = wang_found[0];
  SyncAll();
  EXPECT_EQ(oc.ListFindings()->size(), 4u);
  EXPECT_EQ(chen.client->ListFindings()->size(), 1u) << "chen covers the south zone only";
  EXPECT_EQ(zhao.client->ListFindings()->size(), 3u) << "the director sees the north zone";

  // ---- a concurrent edit of the gas finding by li and the director ----
  v1::Finding x, y;
  x.set_severity(v1::CRITICAL);
  x.set_description("Alarm has no battery.");
  y.set_description("Alarm unserviced since 2024; technician booked.");
  y.set_responsible_org("Logistics office");
  ASSERT_TRUE(li.client->UpdateFinding(gas, x, {"severity", "description"}).ok());
  ASSERT_TRUE(zhao.client->UpdateFinding(gas, y, {"description", "responsible_org"}).ok());
  SyncAll();
  v1::Finding merged = oc.GetFinding(gas)->value;
  EXPECT_EQ(merged.severity(), v1::CRITICAL);
  EXPECT_EQ(merged.responsible_org(), "Logistics office");
  for (Person* p : {&li, &wang, &zhao})
    EXPECT_EQ(p->client->GetFinding(gas)->value.SerializeAsString(), merged.SerializeAsString()) << p->user;

  // ---- notices: gas and kindergarten with a future deadline; supplies recorded late ----
  NoticeInput n;
  n.site_id = a;
  n.finding_ids = {gas};
  n.deadline_ms = now_ + 14 * kDay;
  n.reference_no = "Edu-Safety [2026] 31";
  ASSERT_TRUE(oc.IssueNotice(n).ok());
  n.finding_ids = {supplies};
  n.deadline_ms = now_ - 2 * kDay;
  n.reference_no = "Edu-Safety [2026] 29";
  ASSERT_TRUE(oc.IssueNotice(n).ok());
  n.site_id = k;
  n.finding_ids = {kinder};
  n.deadline_ms = now_ + 14 * kDay;
  ASSERT_TRUE(oc.IssueNotice(n).ok());
  NoticeInput wrong_site = n;
  wrong_site.finding_ids = {gas};
  EXPECT_FALSE(oc.IssueNotice(wrong_site).ok()) << "a notice lists findings of its own site";
  SyncAll();

  // ---- rectification and two verifications by different people ----
  auto move = [&](Person& p, v1::FindingStatus to) {
    v1::Finding v;
    v.set_status(to);
    ASSERT_TRUE(p.client->UpdateFinding(gas, v, {"status"}).ok()) << core::StatusName(to);
  };
  move(li, v1::IN_RECTIFICATION);
  move(li, v1::RECTIFIED);
  SyncAll();
  VerificationInput v;
  v.finding_id = gas;
  v.method = v1::ON_SITE;
  v.result = v1::FAILED;
  v.verifier = "wang";
  v.new_deadline_ms = now_ + 30 * kDay;
  ASSERT_TRUE(wang.client->Verify(v).ok());
  SyncAll();
  EXPECT_EQ(oc.GetFinding(gas)->value.status(), v1::REOPENED);
  EXPECT_EQ(oc.GetFinding(gas)->value.deadline_ms(), now_ + 30 * kDay);
  move(li, v1::IN_RECTIFICATION);
  move(li, v1::RECTIFIED);
  SyncAll();
  v.result = v1::PASSED;
  v.verifier = "zhao";
  v.new_deadline_ms = 0;
  auto passed = zhao.client->Verify(v);
  ASSERT_TRUE(passed.ok()) << passed.status().ToString();
  SyncAll();
  for (Person* p : {&office, &li, &wang, &zhao}) {
    auto f = p->client->GetFinding(gas);
    ASSERT_TRUE(f.ok()) << p->user;
    EXPECT_EQ(f->value.status(), v1::CLOSED) << p->user;
    EXPECT_EQ(f->value.verification_id(), *passed) << p->user;
    EXPECT_FALSE(f->pending) << p->user;
  }
  EXPECT_FALSE(chen.client->GetFinding(gas).ok()) << "outside chen's scope";
  std::vector<storage::VersionRow> history;
  ASSERT_TRUE(server_->engine()->store()->History("findings", gas, &history).ok());
  EXPECT_GE(history.size(), 9u) << "created, 2 edits, notified, 2 x rectification, reopened, 2 x rectification, closed";
  for (auto& [user, p] : people_) EXPECT_TRUE(p.rejected.empty()) << user << ": " << p.rejected[0].reason;

  // ---- the problem list: the office's tablet and the server agree ----
  v1::ProblemQuery q;
  q.set_page_size(2);  // several pages
  auto local = oc.Problems(q);
  ASSERT_TRUE(local.ok()) << local.status().ToString();
  std::vector<std::string> local_ids;
  v1::ProblemQuery lq = q;
  for (;;) {
    auto page = oc.Problems(lq);
    ASSERT_TRUE(page.ok());
    for (const auto& p : page->problems()) local_ids.push_back(p.finding_id());
    if (page->next_page_token().empty()) break;
    lq.set_page_token(page->next_page_token());
  }
  std::vector<v1::Problem> remote;
  grpc::Status st = ServerProblems("office", "office", q, &remote);
  ASSERT_TRUE(st.ok()) << st.error_message();
  std::vector<std::string> remote_ids;
  for (const auto& p : remote) remote_ids.push_back(p.finding_id());
  EXPECT_EQ(local_ids, remote_ids);
  EXPECT_EQ(remote_ids.size(), 3u) << "supplies, kindergarten, chen's: the closed one left the list";
  ASSERT_FALSE(remote.empty());
  EXPECT_EQ(remote[0].finding_id(), supplies) << "the earliest deadline first";
  EXPECT_TRUE(remote[0].overdue());
  EXPECT_EQ(remote[0].site_name(), "No. 1 Primary School");
  EXPECT_EQ(remote[0].zone_id(), north);

  // Each role sees what it may.
  std::vector<v1::Problem> director;
  ASSERT_TRUE(ServerProblems("zhao", "zone_director", v1::ProblemQuery(), &director).ok());
  EXPECT_EQ(director.size(), 2u) << "north only";
  for (const auto& p : director) EXPECT_EQ(p.zone_id(), north);
  std::vector<v1::Problem> none;
  EXPECT_EQ(ServerProblems("chen", "inspector", v1::ProblemQuery(), &none).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  v1::ProblemQuery overdue;
  overdue.set_overdue_only(true);
  std::vector<v1::Problem> late;
  ASSERT_TRUE(ServerProblems("office", "office", overdue, &late).ok());
  ASSERT_EQ(late.size(), 1u);
  EXPECT_EQ(late[0].finding_id(), supplies);

  auto counts = oc.CountProblems(v1::ProblemQuery());
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(counts->findings(), 3u);
  EXPECT_EQ(counts->overdue(), 1u);
  (void)chen_found;
}

}  // namespace
}  // namespace inspectsync
