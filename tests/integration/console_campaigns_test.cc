// OfficeService CreateCampaign and DrawSample over a real server on
// 127.0.0.1 port 0 with TLS and signed tokens: a district of two zones with
// five schools and three kindergartens, a published checklist in two
// versions, a team. The drawn sample is checked against core/sampling.h's
// draw over the same register, so the console's draw and the command line's
// (both core/spot_check.h) redraw each other's samples.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <set>

#include "core/ids.h"
#include "core/sampling.h"
#include "core/workflow.h"
#include "inspectsync/v1/office.grpc.pb.h"
#include "inspectsync/v1/reports.grpc.pb.h"
#include "inspectsync/v1/sync.grpc.pb.h"
#include "server/server.h"
#include "tests/testing/auth.h"
#include "tests/testing/mutations.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/test_server.h"

namespace inspectsync {
namespace {

constexpr int64_t kDayMs = 86'400'000;
const std::string kClient = "0190a000-0000-7000-8000-0000000000f1";

std::string Id(const std::string& collection, const std::string& code) { return core::ImportRecordId(collection, code); }

class ConsoleCampaignsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server::ServerOptions o = testing::TlsServerOptions(auth_, dir_.File("server.db"));
    o.engine.clock = &clock_;
    auto s = server::Server::Start(o);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    server_ = std::move(*s);
    auto channel = grpc::CreateChannel(server_->address(), auth_.ChannelCredentials());
    sync_ = v1::SyncService::NewStub(channel);
    office_ = v1::OfficeService::NewStub(channel);
    reports_ = v1::ReportService::NewStub(channel);
    office_token_ = auth_.Token("u-office", "office", "office-pc", clock_.NowMillis() / 1000);
    ASSERT_NO_FATAL_FAILURE(Seed());
  }

  void Add(const std::string& collection, const std::string& id, const v1::RecordBody& body) {
    batch_.push_back(testing::CreateRecord(kClient, ++mid_, collection, id, body));
  }
  void Flush() {
    v1::PushResponse resp;
    auto ctx = testing::BearerContext(office_token_, 20);
    grpc::Status st = sync_->Push(ctx.get(), testing::Batch(batch_), &resp);
    ASSERT_TRUE(st.ok()) << st.error_message();
    for (const auto& r : resp.results()) ASSERT_NE(r.outcome(), v1::REJECTED) << r.reason();
    batch_.clear();
  }

  void Seed() {
    for (auto [code, name] : std::vector<std::pair<std::string, std::string>>{{"DC", "东城"}, {"XC", "西城"}}) {
      v1::RecordBody z;
      z.mutable_zone()->set_name(name);
      z.mutable_zone()->set_code(code);
      Add("zones", Id("zones", code), z);
    }
    for (auto [code, kind, zone] : std::vector<std::tuple<std::string, v1::SiteKind, std::string>>{
             {"S01", v1::PRIMARY_SCHOOL, "DC"}, {"S02", v1::MIDDLE_SCHOOL, "DC"}, {"S03", v1::PRIMARY_SCHOOL, "DC"},
             {"S04", v1::PRIMARY_SCHOOL, "XC"}, {"S05", v1::MIDDLE_SCHOOL, "XC"}, {"K01", v1::KINDERGARTEN, "DC"},
             {"K02", v1::KINDERGARTEN, "XC"}, {"K03", v1::KINDERGARTEN, "XC"}}) {
      v1::RecordBody b;
      b.mutable_site()->set_name("学校" + code);
      b.mutable_site()->set_code(code);
      b.mutable_site()->set_kind(kind);
      b.mutable_site()->set_zone_id(Id("zones", zone));
      Add("sites", Id("sites", code), b);
      candidates_.push_back({Id("sites", code), kind, Id("zones", zone)});
    }
    for (uint32_t version : {1u, 2u}) {
      v1::RecordBody t;
      t.mutable_checklist_template()->set_key("epi");
      t.mutable_checklist_template()->set_version(version);
      t.mutable_checklist_template()->set_title("检查表 v" + std::to_string(version));
      auto* item = t.mutable_checklist_template()->add_items();
      item->set_id("i1");
      item->set_category("消防安全");
      item->set_text("消防器材在有效期内");
      Add("templates", core::TemplateRecordId("epi", version), t);
    }
    v1::RecordBody u;
    u.mutable_user()->set_name("李娜");
    u.mutable_user()->set_role(v1::INSPECTOR);
    u.mutable_user()->set_active(true);
    Add("users", Id("users", "li.na"), u);
    v1::RecordBody team;
    team.mutable_team()->set_name("抽查组");
    team.mutable_team()->add_members(Id("users", "li.na"));
    Add("teams", team_, team);
    ASSERT_NO_FATAL_FAILURE(Flush());
  }

  grpc::Status Create(const v1::CreateCampaignRequest& req, v1::CampaignReply* out, const std::string& token = "") {
    auto ctx = testing::BearerContext(token.empty() ? office_token_ : token, 20);
    return office_->CreateCampaign(ctx.get(), req, out);
  }
  v1::CreateCampaignRequest Spot(const std::string& name) {
    v1::CreateCampaignRequest req;
    req.set_name(name);
    req.set_kind(v1::SPOT_CHECK);
    req.set_starts_at_ms(clock_.NowMillis() - kDayMs);
    req.set_ends_at_ms(clock_.NowMillis() + 30 * kDayMs);
    req.set_template_key("epi");
    return req;
  }
  grpc::Status Draw(const v1::DrawSampleRequest& req, v1::SampleReply* out, const std::string& token = "") {
    auto ctx = testing::BearerContext(token.empty() ? office_token_ : token, 20);
    return office_->DrawSample(ctx.get(), req, out);
  }
  v1::DrawSampleRequest Sample(const std::string& campaign, uint32_t schools, uint32_t kgs, uint64_t seed) {
    v1::DrawSampleRequest req;
    req.set_campaign_id(campaign);
    req.set_schools(schools);
    req.set_kindergartens(kgs);
    req.set_seed(seed);
    return req;
  }
  // The campaign's assignments, as the directory lists them.
  std::vector<v1::DirectoryEntry> AssignmentsOf(const std::string& campaign_id) {
    v1::DirectoryRequest req;
    req.set_kind(v1::DIRECTORY_ASSIGNMENTS);
    v1::DirectoryPage page;
    auto ctx = testing::BearerContext(office_token_, 20);
    grpc::Status st = reports_->ListDirectory(ctx.get(), req, &page);
    EXPECT_TRUE(st.ok()) << st.error_message();
    std::vector<v1::DirectoryEntry> out;
    for (const auto& e : page.entries())
      if (e.campaign_id() == campaign_id) out.push_back(e);
    return out;
  }

  testing::TempDir dir_;
  testing::TestAuth auth_{dir_.path()};
  core::ManualClock clock_;
  core::IdGenerator ids_{&clock_, 31};
  std::string team_ = ids_.NewUuidV7();
  std::vector<core::SampleCandidate> candidates_;
  std::vector<v1::Mutation> batch_;
  uint64_t mid_ = 0;
  std::string office_token_;
  std::unique_ptr<server::Server> server_;
  std::unique_ptr<v1::SyncService::Stub> sync_;
  std::unique_ptr<v1::OfficeService::Stub> office_;
  std::unique_ptr<v1::ReportService::Stub> reports_;
};

TEST_F(ConsoleCampaignsTest, CreateCampaignTakesTheLatestTemplateAndRefusesClashes) {
  v1::CampaignReply made;
  grpc::Status st = Create(Spot("春季抽查"), &made);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_FALSE(made.campaign_id().empty());
  EXPECT_GT(made.version(), 0u);
  EXPECT_EQ(made.campaign().template_version(), 2u);
  EXPECT_EQ(made.template_title(), "检查表 v2");
  EXPECT_EQ(made.campaign().status(), v1::ACTIVE);
  EXPECT_EQ(made.campaign().kind(), v1::SPOT_CHECK);

  v1::CampaignReply again;
  EXPECT_EQ(Create(Spot("春季抽查"), &again).error_code(), grpc::StatusCode::ALREADY_EXISTS);
  v1::CreateCampaignRequest req = Spot("秋季抽查");
  req.set_template_version(7);
  grpc::Status missing = Create(req, &again);
  EXPECT_EQ(missing.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_NE(missing.error_message().find("epi"), std::string::npos) << missing.error_message();
  req = Spot("秋季抽查");
  req.set_ends_at_ms(req.starts_at_ms());
  EXPECT_EQ(Create(req, &again).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  req = Spot("秋季抽查");
  req.set_kind(v1::INSPECTION_KIND_UNSPECIFIED);
  EXPECT_EQ(Create(req, &again).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  req = Spot("");
  EXPECT_EQ(Create(req, &again).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  const std::string director = auth_.Token("u-zd", "zone_director", "tab-zd", clock_.NowMillis() / 1000);
  EXPECT_EQ(Create(Spot("秋季抽查"), &again, director).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  // Nothing of the refused ones was written: one campaign, the first.
  v1::DirectoryRequest dir;
  dir.set_kind(v1::DIRECTORY_CAMPAIGNS);
  dir.set_include_inactive(true);
  v1::DirectoryPage page;
  auto ctx = testing::BearerContext(office_token_, 20);
  ASSERT_TRUE(reports_->ListDirectory(ctx.get(), dir, &page).ok());
  ASSERT_EQ(page.entries_size(), 1);
  EXPECT_EQ(page.entries(0).name(), "春季抽查");
}

TEST_F(ConsoleCampaignsTest, DrawSampleIsTheCoreDrawRecordedAndAssigned) {
  v1::CampaignReply camp;
  ASSERT_TRUE(Create(Spot("春季抽查"), &camp).ok());

  // A dry run shows the draw and writes nothing.
  v1::DrawSampleRequest req = Sample("春季抽查", 3, 2, 20261204);  // by name
  req.set_team("抽查组");
  req.set_dry_run(true);
  v1::SampleReply preview;
  grpc::Status st = Draw(req, &preview);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_FALSE(preview.written());
  EXPECT_TRUE(AssignmentsOf(camp.campaign_id()).empty());

  // The same draw as core/sampling.h over the whole register.
  core::SampleRequest want;
  want.seed = 20261204;
  want.candidates = candidates_;
  want.strata.push_back({"schools", {v1::PRIMARY_SCHOOL, v1::MIDDLE_SCHOOL}, 3});
  want.strata.push_back({"kindergartens", {v1::KINDERGARTEN}, 2});
  auto drawn = core::DrawSpotCheckSample(want);
  ASSERT_TRUE(drawn.ok());
  ASSERT_EQ(preview.strata_size(), 2);
  for (int i = 0; i < 2; ++i) {
    std::set<std::string> got;
    for (const auto& s : preview.strata(i).sites()) {
      got.insert(s.site_id());
      EXPECT_EQ(s.name(), "学校" + s.code());
      EXPECT_FALSE(s.zone_name().empty());
    }
    EXPECT_EQ(got, std::set<std::string>(drawn->strata[i].site_ids.begin(), drawn->strata[i].site_ids.end()));
    EXPECT_EQ(preview.strata(i).name(), drawn->strata[i].name);
    EXPECT_EQ(preview.strata(i).eligible(), static_cast<uint32_t>(drawn->strata[i].eligible));
  }
  EXPECT_EQ(preview.sample_spec(), "schools=3 kindergartens=2");
  EXPECT_EQ(preview.seed(), 20261204u);

  // For real: recorded on the campaign, one assignment per site for the team.
  req.set_dry_run(false);
  v1::SampleReply done;
  ASSERT_TRUE(Draw(req, &done).ok());
  EXPECT_TRUE(done.written());
  EXPECT_EQ(done.assignment_ids_size(), 5);
  std::vector<v1::DirectoryEntry> assigned = AssignmentsOf(camp.campaign_id());
  ASSERT_EQ(assigned.size(), 5u);
  for (const auto& a : assigned) EXPECT_EQ(a.team_name(), "抽查组");
  v1::DirectoryRequest dir;
  dir.set_kind(v1::DIRECTORY_CAMPAIGNS);
  v1::DirectoryPage page;
  auto ctx = testing::BearerContext(office_token_, 20);
  ASSERT_TRUE(reports_->ListDirectory(ctx.get(), dir, &page).ok());
  ASSERT_EQ(page.entries_size(), 1);
  EXPECT_EQ(page.entries(0).sample_seed(), 20261204u);
  EXPECT_EQ(page.entries(0).sample_spec(), "schools=3 kindergartens=2");

  // Again with the same seed: the same sites, nothing new written.
  v1::SampleReply again;
  ASSERT_TRUE(Draw(req, &again).ok());
  EXPECT_FALSE(again.written());
  EXPECT_EQ(again.assignment_ids_size(), 0);
  EXPECT_EQ(again.strata(0).sites_size(), 3);
  EXPECT_EQ(AssignmentsOf(camp.campaign_id()).size(), 5u);
  // Another seed or other counts would be another sample: refused.
  v1::SampleReply refused;
  grpc::Status other = Draw(Sample(camp.campaign_id(), 3, 2, 99), &refused);
  EXPECT_EQ(other.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_NE(other.error_message().find("20261204"), std::string::npos) << other.error_message();

  // A second spot check overlapping this one cannot draw the sampled schools.
  v1::CampaignReply second;
  ASSERT_TRUE(Create(Spot("补充抽查"), &second).ok());
  v1::SampleReply rest;
  ASSERT_TRUE(Draw(Sample(second.campaign_id(), 2, 0, 5), &rest).ok());
  EXPECT_EQ(rest.strata(0).excluded(), 3u);
  EXPECT_EQ(rest.strata(0).eligible(), 2u);
  for (const auto& s : rest.strata(0).sites())
    for (const auto& first : done.strata(0).sites()) EXPECT_NE(s.site_id(), first.site_id());
}

TEST_F(ConsoleCampaignsTest, DrawSampleRefusesBadRequests) {
  v1::CampaignReply spot, special;
  ASSERT_TRUE(Create(Spot("春季抽查"), &spot).ok());
  v1::CreateCampaignRequest sp = Spot("专项检查");
  sp.set_kind(v1::SPECIAL_CAMPAIGN);
  ASSERT_TRUE(Create(sp, &special).ok());
  v1::SampleReply out;
  auto code = [&](const v1::DrawSampleRequest& r, const std::string& token = "") { return Draw(r, &out, token).error_code(); };
  EXPECT_EQ(code(Sample("专项检查", 1, 0, 1)), grpc::StatusCode::INVALID_ARGUMENT) << "not a spot check";
  grpc::Status unknown = Draw(Sample("没有这个", 1, 0, 1), &out);
  EXPECT_EQ(unknown.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_NE(unknown.error_message().find("没有这个"), std::string::npos) << unknown.error_message();
  EXPECT_EQ(code(Sample(spot.campaign_id(), 1, 0, 0)), grpc::StatusCode::INVALID_ARGUMENT) << "seed 0";
  EXPECT_EQ(code(Sample(spot.campaign_id(), 0, 0, 1)), grpc::StatusCode::INVALID_ARGUMENT) << "nothing to draw";
  grpc::Status too_many = Draw(Sample(spot.campaign_id(), 9, 0, 1), &out);
  EXPECT_EQ(too_many.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_NE(too_many.error_message().find("schools"), std::string::npos) << too_many.error_message();
  v1::DrawSampleRequest both = Sample(spot.campaign_id(), 1, 0, 1);
  both.set_team("抽查组");
  both.set_user("li.na");
  EXPECT_EQ(code(both), grpc::StatusCode::INVALID_ARGUMENT);
  v1::DrawSampleRequest no_team = Sample(spot.campaign_id(), 1, 0, 1);
  no_team.set_team("没有的组");
  EXPECT_EQ(code(no_team), grpc::StatusCode::NOT_FOUND);
  const std::string director = auth_.Token("u-zd", "zone_director", "tab-zd", clock_.NowMillis() / 1000);
  EXPECT_EQ(code(Sample(spot.campaign_id(), 1, 0, 1), director), grpc::StatusCode::PERMISSION_DENIED);
  // None of it recorded a draw.
  v1::SampleReply first;
  ASSERT_TRUE(Draw(Sample(spot.campaign_id(), 1, 1, 42), &first).ok());
  EXPECT_TRUE(first.written()) << "the seed is recorded now, so nothing before had recorded one";
}

}  // namespace
}  // namespace inspectsync
