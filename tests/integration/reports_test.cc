// ReportService and the campaign / sample filters over a real server on
// 127.0.0.1 port 0, with TLS and signed tokens, against a small district:
// two zones (东城, 西城), five schools and kindergartens, a team, a special
// campaign and a spot check whose sample is drawn by core/sampling.h,
// inspections with item answers (one site inspected twice), findings in
// several statuses, a notice and a verification. Every figure is checked by
// value; bad inputs and roles get their codes; the special report names
// zones, sites and people and carries no id.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <set>

#include "core/ids.h"
#include "core/sampling.h"
#include "core/workflow.h"
#include "inspectsync/reports.h"
#include "inspectsync/v1/integration.grpc.pb.h"
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

using testing::CreateRecord;

constexpr int64_t kDayMs = 86'400'000;
const std::string kClient = "0190a000-0000-7000-8000-0000000000d7";

std::string Id(const std::string& collection, const std::string& code) { return core::ImportRecordId(collection, code); }

class ReportsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server::ServerOptions o = testing::TlsServerOptions(auth_, dir_.File("server.db"));
    o.engine.clock = &clock_;
    auto s = server::Server::Start(o);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    server_ = std::move(*s);
    auto channel = grpc::CreateChannel(server_->address(), auth_.ChannelCredentials());
    sync_ = v1::SyncService::NewStub(channel);
    reports_ = v1::ReportService::NewStub(channel);
    office_ = v1::OfficeService::NewStub(channel);
    integration_ = v1::IntegrationService::NewStub(channel);
    office_token_ = Token("u-office", "office", "office-pc");
    Seed();
  }

  std::string Token(const std::string& user, const std::string& role, const std::string& device) {
    return auth_.Token(user, role, device, clock_.NowMillis() / 1000);
  }

  std::unique_ptr<grpc::ClientContext> Ctx(const std::string& token) {
    return testing::BearerContext(token, 20);
  }

  void Add(const std::string& collection, const std::string& id, const v1::RecordBody& body) {
    batch_.push_back(CreateRecord(kClient, ++mid_, collection, id, body));
  }
  void Push() {
    v1::PushResponse resp;
    auto ctx = Ctx(office_token_);
    grpc::Status st = sync_->Push(ctx.get(), testing::Batch(batch_), &resp);
    ASSERT_TRUE(st.ok()) << st.error_message();
    for (const auto& r : resp.results()) ASSERT_NE(r.outcome(), v1::REJECTED) << r.reason();
    batch_.clear();
  }

  void Site(const std::string& code, const std::string& name, v1::SiteKind kind, const std::string& zone) {
    v1::RecordBody b;
    b.mutable_site()->set_name(name);
    b.mutable_site()->set_code(code);
    b.mutable_site()->set_kind(kind);
    b.mutable_site()->set_zone_id(zone);
    Add("sites", Id("sites", code), b);
  }
  void Person(const std::string& id, const std::string& name, v1::Role role) {
    v1::RecordBody b;
    b.mutable_user()->set_name(name);
    b.mutable_user()->set_role(role);
    b.mutable_user()->set_active(true);
    Add("users", id, b);
  }
  void Assign(const std::string& id, const std::string& user, const std::string& team, const std::string& site,
              const std::string& zone, const std::string& campaign) {
    v1::RecordBody b;
    auto* a = b.mutable_assignment();
    a->set_user_id(user);
    a->set_team_id(team);
    a->set_site_id(site);
    a->set_zone_id(zone);
    a->set_campaign_id(campaign);
    Add("assignments", id, b);
  }
  // An inspection with answers (item, result, note, who).
  std::string Inspect(const std::string& site, const std::string& campaign, v1::InspectionKind kind,
                      std::vector<std::string> inspectors, int64_t day,
                      std::vector<std::tuple<std::string, v1::ItemResult, std::string, std::string>> answers) {
    v1::RecordBody b;
    auto* in = b.mutable_inspection();
    in->set_site_id(site);
    in->set_campaign_id(campaign);
    in->set_kind(kind);
    in->set_template_key("epi");
    in->set_template_version(1);
    for (auto& u : inspectors) in->add_inspectors(u);
    in->set_started_at_ms(clock_.NowMillis() - (10 - day) * kDayMs);
    for (auto& [item, result, note, who] : answers) {
      auto* r = in->add_responses();
      r->set_item_id(item);
      r->set_result(result);
      r->set_note(note);
      r->set_inspector(who);
    }
    std::string id = ids_.NewUuidV7();
    Add("inspections", id, b);
    return id;
  }
  std::string Find(const std::string& site, const std::string& inspection, const std::string& category,
                   const std::string& title, v1::FindingStatus status, int64_t deadline_ms) {
    v1::Finding f = testing::FindingAt(site, title);
    f.set_inspection_id(inspection);
    f.set_category(category);
    f.set_status(status);
    f.set_deadline_ms(deadline_ms);
    std::string id = ids_.NewUuidV7();
    batch_.push_back(testing::CreateFinding(kClient, ++mid_, id, f));
    findings_[id] = f;
    return id;
  }
  void Move(const std::string& id, const std::function<void(v1::Finding*)>& edit, std::vector<std::string> fields) {
    v1::Finding after = findings_[id];
    edit(&after);
    batch_.push_back(testing::PatchFinding(kClient, ++mid_, id, 0, findings_[id], after, fields));
    findings_[id] = after;
  }

  void SeedPlaces() {
    v1::RecordBody z;
    z.mutable_zone()->set_name("东城");
    z.mutable_zone()->set_code("DC");
    Add("zones", east_, z);
    z.mutable_zone()->set_name("西城");
    z.mutable_zone()->set_code("XC");
    Add("zones", west_, z);
    Site("S01", "东城第一小学", v1::PRIMARY_SCHOOL, east_);
    Site("S02", "东城实验中学", v1::MIDDLE_SCHOOL, east_);
    Site("K01", "东城阳光幼儿园", v1::KINDERGARTEN, east_);
    Site("S03", "西城第二小学", v1::PRIMARY_SCHOOL, west_);
    Site("K02", "西城花园幼儿园", v1::KINDERGARTEN, west_);
    Person(li_, "李娜", v1::INSPECTOR);
    Person(wang_, "王强", v1::INSPECTOR);
    Person(zhang_, "张敏", v1::ZONE_DIRECTOR);
    v1::RecordBody t;
    auto* tmpl = t.mutable_checklist_template();
    tmpl->set_key("epi");
    tmpl->set_version(1);
    tmpl->set_title("校园防疫与安全检查表");
    tmpl->set_published_at_ms(clock_.NowMillis() - 30 * kDayMs);
    for (auto [id, category, text] : std::vector<std::tuple<std::string, std::string, std::string>>{
             {"i1", "防疫物资", "防疫物资储备充足且在有效期内"},
             {"i2", "消防安全", "消防器材在有效期内"},
             {"i3", "燃气安全", "燃气报警器定期检修"}}) {
      auto* item = tmpl->add_items();
      item->set_id(id);
      item->set_category(category);
      item->set_text(text);
    }
    Add("templates", core::TemplateRecordId("epi", 1), t);
    v1::RecordBody c;
    auto* k = c.mutable_campaign();
    k->set_name("秋季校园安全专项检查");
    k->set_kind(v1::SPECIAL_CAMPAIGN);
    k->set_template_key("epi");
    k->set_template_version(1);
    k->set_status(v1::ACTIVE);
    Add("campaigns", special_, c);
    k->set_name("随机抽查");
    k->set_kind(v1::SPOT_CHECK);
    k->set_sample_seed(20261203);
    k->set_sample_spec("schools=1 kindergartens=1");
    Add("campaigns", spot_, c);
    v1::RecordBody team;
    team.mutable_team()->set_name("第一检查组");
    team.mutable_team()->add_members(li_);
    team.mutable_team()->add_members(wang_);
    team.mutable_team()->set_campaign_id(special_);
    Add("teams", team_, team);
  }

  // The spot check's sample, drawn as `inspectsync admin sample draw` does.
  void DrawSample() {
    core::SampleRequest req;
    req.seed = 20261203;
    for (const auto& [code, zone, kind] : std::vector<std::tuple<std::string, std::string, int>>{
             {"S01", east_, v1::PRIMARY_SCHOOL}, {"S02", east_, v1::MIDDLE_SCHOOL}, {"K01", east_, v1::KINDERGARTEN},
             {"S03", west_, v1::PRIMARY_SCHOOL}, {"K02", west_, v1::KINDERGARTEN}})
      req.candidates.push_back({Id("sites", code), kind, zone});
    req.strata.push_back({"schools", {v1::PRIMARY_SCHOOL, v1::MIDDLE_SCHOOL}, 1});
    req.strata.push_back({"kindergartens", {v1::KINDERGARTEN}, 1});
    auto sample = core::DrawSpotCheckSample(req);
    ASSERT_TRUE(sample.ok()) << sample.status().ToString();
    sampled_school_ = sample->strata[0].site_ids.at(0);
    sampled_kg_ = sample->strata[1].site_ids.at(0);
    for (const std::string& site : {sampled_school_, sampled_kg_})
      Assign(core::ImportRecordId("assignments", "spot-check/" + spot_ + "/" + site), li_, "", site, "", spot_);
  }

  // Figures of the district (by value below):
  //   special campaign: team 第一检查组 assigned zone 东城 (S01, S02, K01); 王强
  //     assigned S03; K02 not assigned. Inspections: S01 twice (李娜, then
  //     王强), S02 once (both, disagreeing on i1), S03 once. K01 not visited.
  //   findings of the special campaign: S01 f1 消防 OPEN overdue 2d, f2 防疫
  //     NOTIFIED (notice, due +5d); S02 f3 燃气 CLOSED (notice, verification
  //     passed), f4 防疫 VOIDED; S03 f5 消防 OPEN overdue 1d.
  //   spot check: one inspection at each sampled site by 李娜, 3 findings
  //     (2 at the school, 1 overdue at the kindergarten).
  void Seed() {
    const int64_t now = clock_.NowMillis();
    SeedPlaces();
    Assign(ids_.NewUuidV7(), zhang_, "", "", east_, "");  // the director's zone
    Assign(ids_.NewUuidV7(), "", team_, "", east_, special_);
    Assign(ids_.NewUuidV7(), wang_, "", Id("sites", "S03"), "", special_);
    DrawSample();
    ASSERT_NO_FATAL_FAILURE(Push());
    const std::string s01 = Id("sites", "S01"), s02 = Id("sites", "S02"), s03 = Id("sites", "S03");
    in1_ = Inspect(s01, special_, v1::SPECIAL_CAMPAIGN, {li_}, 1,
                   {{"i1", v1::PASS, "", li_}, {"i2", v1::FAIL, "灭火器压力不足，已过期", li_}, {"i3", v1::PASS, "", li_}});
    in2_ = Inspect(s01, special_, v1::SPECIAL_CAMPAIGN, {wang_}, 3,
                   {{"i1", v1::FAIL, "口罩储备不足三天用量", wang_}, {"i2", v1::FAIL, "", wang_},
                    {"i3", v1::NOT_APPLICABLE, "学校未通燃气", wang_}});
    in3_ = Inspect(s02, special_, v1::SPECIAL_CAMPAIGN, {li_, wang_}, 2,
                   {{"i1", v1::PASS, "", li_}, {"i1", v1::FAIL, "消毒液临期", wang_}, {"i2", v1::PASS, "", li_},
                    {"i3", v1::FAIL, "报警器无检修记录", wang_}});
    in4_ = Inspect(s03, special_, v1::SPECIAL_CAMPAIGN, {wang_}, 4,
                   {{"i1", v1::PASS, "", wang_}, {"i2", v1::PASS, "", wang_}, {"i3", v1::PASS, "", wang_}});
    spot1_ = Inspect(sampled_school_, spot_, v1::SPOT_CHECK, {li_}, 5, {{"i1", v1::FAIL, "晨检记录缺失", li_}});
    spot2_ = Inspect(sampled_kg_, spot_, v1::SPOT_CHECK, {li_}, 5, {{"i1", v1::FAIL, "", li_}});
    f1_ = Find(s01, in1_, "消防安全", "灭火器过期<未更换>", v1::OPEN, now - 2 * kDayMs);
    f2_ = Find(s01, in2_, "防疫物资", "口罩储备不足", v1::OPEN, 0);
    f3_ = Find(s02, in3_, "燃气安全", "燃气报警器未检修", v1::OPEN, 0);
    f4_ = Find(s02, in3_, "防疫物资", "消毒液临期", v1::DRAFT, 0);
    f5_ = Find(s03, in4_, "消防安全", "疏散通道堵塞", v1::OPEN, now - kDayMs);
    Find(sampled_school_, spot1_, "防疫管理", "晨检记录缺失", v1::OPEN, 0);
    Find(sampled_school_, spot1_, "防疫管理", "访客登记不全", v1::OPEN, 0);
    Find(sampled_kg_, spot2_, "防疫物资", "体温枪故障", v1::OPEN, now - 4 * kDayMs);
    ASSERT_NO_FATAL_FAILURE(Push());
    Lifecycle(now);
  }

  void Lifecycle(int64_t now) {
    const std::string s01 = Id("sites", "S01"), s02 = Id("sites", "S02");
    for (auto [notice, site, finding, ref] : std::vector<std::tuple<std::string, std::string, std::string, std::string>>{
             {n1_, s01, f2_, "东整改〔2026〕1号"}, {n2_, s02, f3_, "东整改〔2026〕2号"}}) {
      v1::RecordBody b;
      auto* n = b.mutable_notice();
      n->set_site_id(site);
      n->add_finding_ids(finding);
      n->set_reference_no(ref);
      n->set_issued_at_ms(now - kDayMs);
      n->set_deadline_ms(now + 5 * kDayMs);
      Add("notices", notice, b);
      std::string nid = notice;
      Move(finding, [&](v1::Finding* f) { f->set_status(v1::NOTIFIED), f->set_notice_id(nid), f->set_deadline_ms(now + 5 * kDayMs); },
           {"status", "notice_id", "deadline_ms"});
    }
    Move(f3_, [](v1::Finding* f) { f->set_status(v1::IN_RECTIFICATION); }, {"status"});
    Move(f3_, [](v1::Finding* f) { f->set_status(v1::RECTIFIED); }, {"status"});
    v1::RecordBody v;
    auto* ver = v.mutable_verification();
    ver->set_site_id(s02);
    ver->set_finding_id(f3_);
    ver->set_method(v1::ON_SITE);
    ver->set_result(v1::PASSED);
    ver->set_verifier(zhang_);
    ver->set_verified_at_ms(now);
    std::string vid = ids_.NewUuidV7();
    Add("verifications", vid, v);
    Move(f3_, [&](v1::Finding* f) { f->set_status(v1::CLOSED), f->set_verification_id(vid); },
         {"status", "verification_id"});
    Move(f4_, [](v1::Finding* f) { f->set_status(v1::VOIDED), f->set_void_reason("重复记录"); }, {"status", "void_reason"});
    ASSERT_NO_FATAL_FAILURE(Push());
  }

  // The name of a site by code, as the reports give it.
  std::string Label(const std::string& code) {
    static const std::map<std::string, std::string> names = {{"S01", "东城第一小学"}, {"S02", "东城实验中学"},
                                                             {"K01", "东城阳光幼儿园"}, {"S03", "西城第二小学"},
                                                             {"K02", "西城花园幼儿园"}};
    return names.at(code);
  }
  // How many special-campaign findings (all statuses) are at the sampled sites.
  int SpecialFindingsAtSample() {
    int n = 0;
    for (const auto& [id, f] : findings_)
      if (f.inspection_id() != spot1_ && f.inspection_id() != spot2_ &&
          (f.site_id() == sampled_school_ || f.site_id() == sampled_kg_))
        ++n;
    return n;
  }

  testing::TempDir dir_;
  testing::TestAuth auth_{dir_.path()};
  core::ManualClock clock_;
  core::IdGenerator ids_{&clock_, 17};
  std::string east_ = Id("zones", "DC"), west_ = Id("zones", "XC");
  std::string li_ = Id("users", "li.na"), wang_ = Id("users", "wang.qiang"), zhang_ = Id("users", "zhang.min");
  std::string special_ = ids_.NewUuidV7(), spot_ = ids_.NewUuidV7(), team_ = ids_.NewUuidV7();
  std::string n1_ = ids_.NewUuidV7(), n2_ = ids_.NewUuidV7();
  std::string sampled_school_, sampled_kg_;
  std::string in1_, in2_, in3_, in4_, spot1_, spot2_;
  std::string f1_, f2_, f3_, f4_, f5_;
  std::map<std::string, v1::Finding> findings_;
  std::vector<v1::Mutation> batch_;
  uint64_t mid_ = 0;
  std::string office_token_;
  std::unique_ptr<server::Server> server_;
  std::unique_ptr<v1::SyncService::Stub> sync_;
  std::unique_ptr<v1::ReportService::Stub> reports_;
  std::unique_ptr<v1::OfficeService::Stub> office_;
  std::unique_ptr<v1::IntegrationService::Stub> integration_;
};

std::vector<std::string> Names(const google::protobuf::RepeatedPtrField<v1::SiteRef>& sites) {
  std::vector<std::string> out;
  for (const auto& s : sites) out.push_back(s.name());
  return out;
}

TEST_F(ReportsTest, CampaignProgressCountsZonesTeamsAndRepeatedVisits) {
  v1::ProgressRequest req;
  req.set_campaign_id(special_);
  v1::ProgressReport r;
  grpc::Status st = reports_->CampaignProgress(Ctx(office_token_).get(), req, &r);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(r.campaign_name(), "秋季校园安全专项检查");
  EXPECT_EQ(r.kind(), v1::SPECIAL_CAMPAIGN);
  EXPECT_EQ(r.as_of_ms(), clock_.NowMillis());
  ASSERT_EQ(r.zones_size(), 2);
  // By name: 东城 before 西城 (code points).
  const v1::ProgressCount& east = r.zones(0);
  EXPECT_EQ(east.name(), "东城");
  EXPECT_EQ(east.total(), 3u);
  EXPECT_EQ(east.assigned(), 3u);
  EXPECT_EQ(east.inspected(), 2u);
  ASSERT_EQ(east.not_visited_size(), 1);
  EXPECT_EQ(east.not_visited(0).code(), "K01");
  EXPECT_EQ(east.not_visited(0).name(), "东城阳光幼儿园");
  EXPECT_EQ(east.not_visited(0).zone_name(), "东城");
  const v1::ProgressCount& west = r.zones(1);
  EXPECT_EQ(west.name(), "西城");
  EXPECT_EQ(west.total(), 2u);
  EXPECT_EQ(west.assigned(), 1u);
  EXPECT_EQ(west.inspected(), 1u);
  EXPECT_EQ(west.not_visited_size(), 0);  // K02 is not assigned: not "not visited"
  EXPECT_EQ(r.totals().total(), 5u);
  EXPECT_EQ(r.totals().assigned(), 4u);
  EXPECT_EQ(r.totals().inspected(), 3u);
  EXPECT_EQ(Names(r.totals().not_visited()), std::vector<std::string>{"东城阳光幼儿园"});

  ASSERT_EQ(r.teams_size(), 1);
  EXPECT_EQ(r.teams(0).name(), "第一检查组");
  EXPECT_EQ(r.teams(0).total(), 3u);
  EXPECT_EQ(r.teams(0).assigned(), 3u);
  EXPECT_EQ(r.teams(0).inspected(), 2u);
  EXPECT_EQ(Names(r.teams(0).not_visited()), std::vector<std::string>{"东城阳光幼儿园"});

  ASSERT_EQ(r.repeated_visits_size(), 1);
  const v1::RepeatedVisit& rv = r.repeated_visits(0);
  EXPECT_EQ(rv.site().code(), "S01");
  EXPECT_EQ(rv.site().name(), "东城第一小学");
  ASSERT_EQ(rv.inspections_size(), 2);
  EXPECT_EQ(rv.inspections(0).inspection_id(), in1_);  // by start time
  EXPECT_EQ(rv.inspections(0).inspectors(0).name(), "李娜");
  EXPECT_EQ(rv.inspections(1).inspection_id(), in2_);
  EXPECT_EQ(rv.inspections(1).inspectors(0).name(), "王强");

  // The spot check: its sample is what was assigned, and both were visited.
  req.set_campaign_id(spot_);
  ASSERT_TRUE(reports_->CampaignProgress(Ctx(office_token_).get(), req, &r).ok());
  EXPECT_EQ(r.kind(), v1::SPOT_CHECK);
  EXPECT_EQ(r.totals().assigned(), 2u);
  EXPECT_EQ(r.totals().inspected(), 2u);
  EXPECT_EQ(r.teams_size(), 0);
  EXPECT_EQ(r.repeated_visits_size(), 0);
}

TEST_F(ReportsTest, AZoneDirectorSeesTheirZoneOnlyAndInspectorsNothing) {
  const std::string director = Token(zhang_, "zone_director", "tablet-zhang");
  v1::ProgressRequest req;
  req.set_campaign_id(special_);
  v1::ProgressReport r;
  ASSERT_TRUE(reports_->CampaignProgress(Ctx(director).get(), req, &r).ok());
  ASSERT_EQ(r.zones_size(), 1);
  EXPECT_EQ(r.zones(0).name(), "东城");
  EXPECT_EQ(r.totals().total(), 3u);
  EXPECT_EQ(r.totals().assigned(), 3u);

  req.add_zone_ids(west_);
  grpc::Status st = reports_->CampaignProgress(Ctx(director).get(), req, &r);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_NE(st.error_message().find("西城"), std::string::npos) << st.error_message();

  v1::SpecialReportRequest sr;
  sr.set_zone_id(west_);
  sr.set_campaign_id(special_);
  v1::SpecialReportDocument doc;
  EXPECT_EQ(reports_->SpecialReport(Ctx(director).get(), sr, &doc).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  // An inspection in another zone reads as missing.
  v1::ShowInspectionRequest show;
  show.set_inspection_id(in4_);
  v1::InspectionSheet sheet;
  EXPECT_EQ(reports_->ShowInspection(Ctx(director).get(), show, &sheet).error_code(), grpc::StatusCode::NOT_FOUND);
  show.set_inspection_id(in1_);
  EXPECT_TRUE(reports_->ShowInspection(Ctx(director).get(), show, &sheet).ok());

  const std::string inspector = Token(li_, "inspector", "tablet-li");
  req.clear_zone_ids();
  st = reports_->CampaignProgress(Ctx(inspector).get(), req, &r);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_NE(st.error_message().find("office, zone directors and integrations"), std::string::npos);
  v1::SubtotalsReport sub;
  EXPECT_EQ(reports_->Subtotals(Ctx(inspector).get(), v1::SubtotalsRequest(), &sub).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(reports_->ShowInspection(Ctx(inspector).get(), show, &sheet).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(reports_->Subtotals(Ctx("").get(), v1::SubtotalsRequest(), &sub).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  // Integration sees everything.
  ASSERT_TRUE(reports_->CampaignProgress(Ctx(Token("u-etl", "integration", "etl")).get(), req, &r).ok());
  EXPECT_EQ(r.zones_size(), 2);
}

TEST_F(ReportsTest, BadInputsAreRefusedNamingTheValue) {
  v1::ProgressReport r;
  v1::ProgressRequest req;
  grpc::Status st = reports_->CampaignProgress(Ctx(office_token_).get(), req, &r);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(st.error_message().find("campaign_id"), std::string::npos);
  req.set_campaign_id("no-such-campaign");
  st = reports_->CampaignProgress(Ctx(office_token_).get(), req, &r);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_NE(st.error_message().find("no-such-campaign"), std::string::npos) << st.error_message();
  req.set_campaign_id(special_);
  req.add_zone_ids("NOPE");
  st = reports_->CampaignProgress(Ctx(office_token_).get(), req, &r);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_NE(st.error_message().find("NOPE"), std::string::npos) << st.error_message();

  v1::SpecialReportRequest sr;
  sr.set_campaign_id(special_);
  v1::SpecialReportDocument doc;
  st = reports_->SpecialReport(Ctx(office_token_).get(), sr, &doc);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(st.error_message().find("zone_id"), std::string::npos);
  sr.set_zone_id("ghost-zone");
  st = reports_->SpecialReport(Ctx(office_token_).get(), sr, &doc);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_NE(st.error_message().find("ghost-zone"), std::string::npos);

  v1::ShowInspectionRequest show;
  show.set_inspection_id("ghost-inspection");
  v1::InspectionSheet sheet;
  st = reports_->ShowInspection(Ctx(office_token_).get(), show, &sheet);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_NE(st.error_message().find("ghost-inspection"), std::string::npos);

  v1::SubtotalsRequest sub;
  sub.add_campaign_ids("ghost-campaign");
  v1::SubtotalsReport subtotals;
  st = reports_->Subtotals(Ctx(office_token_).get(), sub, &subtotals);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_NE(st.error_message().find("ghost-campaign"), std::string::npos);
  // A sample of a campaign that is no spot check.
  sub.clear_campaign_ids();
  sub.set_sample_campaign_id(special_);
  st = reports_->Subtotals(Ctx(office_token_).get(), sub, &subtotals);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(st.error_message().find("秋季校园安全专项检查"), std::string::npos) << st.error_message();
}

// Zones and sites as the office names them (codes) wherever a report or a
// list takes them; a value that names nothing is NOT_FOUND naming it, on
// every list, never an empty answer.
TEST_F(ReportsTest, ZoneAndSiteCodesResolveAndUnknownOnesAreNotFound) {
  v1::ProgressRequest p;
  p.set_campaign_id(special_);
  p.add_zone_ids("XC");
  v1::ProgressReport progress;
  ASSERT_TRUE(reports_->CampaignProgress(Ctx(office_token_).get(), p, &progress).ok());
  ASSERT_EQ(progress.zones_size(), 1);
  EXPECT_EQ(progress.zones(0).id(), west_);
  EXPECT_EQ(progress.totals().inspected(), 1u);
  v1::SpecialReportRequest sr;
  sr.set_zone_id("DC");
  sr.set_campaign_id(special_);
  v1::SpecialReportDocument doc;
  ASSERT_TRUE(reports_->SpecialReport(Ctx(office_token_).get(), sr, &doc).ok());
  EXPECT_EQ(doc.title(), "东城片区秋季校园安全专项检查专报");

  v1::ProblemQuery pq;  // every status, so the filters alone decide
  for (int s : {v1::OPEN, v1::NOTIFIED, v1::CLOSED, v1::VOIDED}) pq.add_statuses(static_cast<v1::FindingStatus>(s));
  pq.add_site_ids("S02");
  v1::ProblemPage page;
  ASSERT_TRUE(office_->ListProblems(Ctx(office_token_).get(), pq, &page).ok());
  std::set<std::string> ids;
  for (const auto& row : page.problems()) ids.insert(row.finding_id());
  EXPECT_EQ(ids, (std::set<std::string>{f3_, f4_}));
  v1::FindingQuery fq;
  fq.add_zone_ids("XC");
  fq.add_campaign_ids(special_);
  v1::FindingPage fp;
  ASSERT_TRUE(integration_->ListFindings(Ctx(office_token_).get(), fq, &fp).ok());
  ASSERT_EQ(fp.findings_size(), 1);
  EXPECT_EQ(fp.findings(0).finding_id(), f5_);

  auto expect_not_found = [](const grpc::Status& st, const std::string& value, const std::string& call) {
    EXPECT_EQ(st.error_code(), grpc::StatusCode::NOT_FOUND) << call << ": " << st.error_message();
    EXPECT_NE(st.error_message().find("'" + value + "'"), std::string::npos) << call << ": " << st.error_message();
  };
  v1::ProblemQuery bad_zone;
  bad_zone.add_zone_ids("DC");
  bad_zone.add_zone_ids("南城");
  v1::ProblemReport count;
  expect_not_found(office_->CountProblems(Ctx(office_token_).get(), bad_zone, &count), "南城", "CountProblems");
  expect_not_found(office_->ListProblems(Ctx(office_token_).get(), bad_zone, &page), "南城", "ListProblems");
  v1::FindingQuery bad_site;
  bad_site.add_site_ids("S99");
  expect_not_found(integration_->ListFindings(Ctx(office_token_).get(), bad_site, &fp), "S99", "ListFindings");
  v1::SummaryRequest sum;
  sum.add_zone_ids("ZZ");
  v1::SummaryReport summary;
  expect_not_found(integration_->Summary(Ctx(office_token_).get(), sum, &summary), "ZZ", "Summary");
  v1::ExportRequest ex;
  ex.set_format(v1::CSV);
  ex.mutable_query()->add_zone_ids("ZZ");
  auto ctx = Ctx(office_token_);
  auto reader = integration_->ExportFindings(ctx.get(), ex);
  v1::ExportChunk chunk;
  int chunks = 0;
  while (reader->Read(&chunk)) ++chunks;
  EXPECT_EQ(chunks, 0);  // not even the CSV header
  expect_not_found(reader->Finish(), "ZZ", "ExportFindings");
  v1::SubtotalsRequest sub;
  sub.add_zone_ids("ZZ");
  v1::SubtotalsReport subtotals;
  expect_not_found(reports_->Subtotals(Ctx(office_token_).get(), sub, &subtotals), "ZZ", "Subtotals");
  v1::ItemResultsRequest items;
  items.set_campaign_id("秋季校园安全专项检查-不存在");
  v1::ItemResultsReport tallies;
  expect_not_found(reports_->ItemResults(Ctx(office_token_).get(), items, &tallies), "秋季校园安全专项检查-不存在",
                   "ItemResults");
}

TEST_F(ReportsTest, ItemResultsCountEachAnswerAndFlagDisagreements) {
  v1::ItemResultsRequest req;
  req.set_campaign_id(special_);
  v1::ItemResultsReport r;
  grpc::Status st = reports_->ItemResults(Ctx(office_token_).get(), req, &r);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(r.inspections(), 4u);
  ASSERT_EQ(r.items_size(), 3);
  // i1: PASS (in1, in3 李娜, in4), FAIL (in2, in3 王强); in3 disagrees.
  EXPECT_EQ(r.items(0).item_id(), "i1");
  EXPECT_EQ(r.items(0).text(), "防疫物资储备充足且在有效期内");
  EXPECT_EQ(r.items(0).pass(), 3u);
  EXPECT_EQ(r.items(0).fail(), 2u);
  EXPECT_EQ(r.items(0).not_applicable(), 0u);
  EXPECT_EQ(r.items(0).disagreements(), 1u);
  // i2: FAIL in1, in2; PASS in3, in4.
  EXPECT_EQ(r.items(1).category(), "消防安全");
  EXPECT_EQ(r.items(1).pass(), 2u);
  EXPECT_EQ(r.items(1).fail(), 2u);
  // i3: PASS in1, in4; N/A in2; FAIL in3.
  EXPECT_EQ(r.items(2).pass(), 2u);
  EXPECT_EQ(r.items(2).fail(), 1u);
  EXPECT_EQ(r.items(2).not_applicable(), 1u);
  EXPECT_EQ(r.items(2).disagreements(), 0u);

  req.add_zone_ids(west_);
  ASSERT_TRUE(reports_->ItemResults(Ctx(office_token_).get(), req, &r).ok());
  EXPECT_EQ(r.inspections(), 1u);
  EXPECT_EQ(r.items(0).pass(), 1u);
  EXPECT_EQ(r.items(0).fail(), 0u);
}

TEST_F(ReportsTest, ShowInspectionNamesEveryAnswerItsNoteAndWhoGaveIt) {
  v1::ShowInspectionRequest req;
  req.set_inspection_id(in3_);
  v1::InspectionSheet s;
  grpc::Status st = reports_->ShowInspection(Ctx(office_token_).get(), req, &s);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(s.site().code(), "S02");
  EXPECT_EQ(s.site().name(), "东城实验中学");
  EXPECT_EQ(s.site().zone_name(), "东城");
  EXPECT_EQ(s.campaign_name(), "秋季校园安全专项检查");
  EXPECT_EQ(s.template_title(), "校园防疫与安全检查表");
  ASSERT_EQ(s.inspectors_size(), 2);
  std::set<std::string> inspectors = {s.inspectors(0).name(), s.inspectors(1).name()};
  EXPECT_EQ(inspectors, (std::set<std::string>{"李娜", "王强"}));
  ASSERT_EQ(s.answers_size(), 4);
  // Template order; the two answers to i1 by name (李 < 王 in code points).
  EXPECT_EQ(s.answers(0).item_id(), "i1");
  EXPECT_EQ(s.answers(0).result(), v1::PASS);
  EXPECT_EQ(s.answers(0).answered_by().name(), "李娜");
  EXPECT_EQ(s.answers(1).item_id(), "i1");
  EXPECT_EQ(s.answers(1).result(), v1::FAIL);
  EXPECT_EQ(s.answers(1).note(), "消毒液临期");
  EXPECT_EQ(s.answers(1).answered_by().name(), "王强");
  EXPECT_EQ(s.answers(1).text(), "防疫物资储备充足且在有效期内");
  EXPECT_EQ(s.answers(3).item_id(), "i3");
  EXPECT_EQ(s.answers(3).note(), "报警器无检修记录");
  EXPECT_EQ(s.findings(), 2u);  // f3 and the voided f4
}

// A tablet offline does not know whose token it will sync with, so the
// command line's `inspect start` names no inspector: the reports then name
// the signed-in user who wrote the inspection, never nobody.
TEST_F(ReportsTest, AnInspectionNamingNoInspectorIsItsWritersOne) {
  const std::string in = Inspect(Id("sites", "S03"), special_, v1::SPECIAL_CAMPAIGN, {}, 5,
                                 {{"i1", v1::PASS, "", ""}, {"i2", v1::FAIL, "疏散通道堆放杂物", ""}});
  batch_.back().set_client_id("0190a000-0000-7000-8000-00000000beef");  // 王强's tablet
  batch_.back().set_mutation_id(1);
  v1::PushResponse resp;
  grpc::Status st = sync_->Push(Ctx(Token(wang_, "inspector", "tablet-wang")).get(), testing::Batch(batch_), &resp);
  ASSERT_TRUE(st.ok()) << st.error_message();
  ASSERT_EQ(resp.results_size(), 1);
  ASSERT_NE(resp.results(0).outcome(), v1::REJECTED) << resp.results(0).reason();
  batch_.clear();

  v1::ShowInspectionRequest req;
  req.set_inspection_id(in);
  v1::InspectionSheet sheet;
  st = reports_->ShowInspection(Ctx(office_token_).get(), req, &sheet);
  ASSERT_TRUE(st.ok()) << st.error_message();
  ASSERT_EQ(sheet.inspectors_size(), 1);
  EXPECT_EQ(sheet.inspectors(0).name(), "王强");
  ASSERT_EQ(sheet.answers_size(), 2);
  EXPECT_EQ(sheet.answers(1).note(), "疏散通道堆放杂物");
  EXPECT_EQ(sheet.answers(1).answered_by().name(), "王强");

  v1::ProgressRequest preq;
  preq.set_campaign_id(special_);
  v1::ProgressReport progress;
  st = reports_->CampaignProgress(Ctx(office_token_).get(), preq, &progress);
  ASSERT_TRUE(st.ok()) << st.error_message();
  bool named = false;
  for (const auto& rv : progress.repeated_visits())
    for (const auto& ref : rv.inspections())
      if (ref.inspection_id() == in) named = ref.inspectors_size() == 1 && ref.inspectors(0).name() == "王强";
  EXPECT_TRUE(named) << "the second visit to S03 names its writer";
}

TEST_F(ReportsTest, SubtotalsPerZoneSiteAndInspector) {
  v1::SubtotalsRequest req;
  req.add_campaign_ids(special_);
  v1::SubtotalsReport r;
  grpc::Status st = reports_->Subtotals(Ctx(office_token_).get(), req, &r);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(r.findings(), 5u);
  EXPECT_EQ(r.overdue(), 2u);  // f1, f5
  ASSERT_EQ(r.zones_size(), 2);
  EXPECT_EQ(r.zones(0).name(), "东城");
  EXPECT_EQ(r.zones(0).findings(), 4u);
  EXPECT_EQ(r.zones(0).followed(), 2u);  // f1 OPEN, f2 NOTIFIED
  EXPECT_EQ(r.zones(0).overdue(), 1u);
  std::map<v1::FindingStatus, uint64_t> by_status;
  for (const auto& c : r.zones(0).by_status()) by_status[c.status()] = c.findings();
  EXPECT_EQ(by_status, (std::map<v1::FindingStatus, uint64_t>{
                           {v1::OPEN, 1}, {v1::NOTIFIED, 1}, {v1::CLOSED, 1}, {v1::VOIDED, 1}}));
  EXPECT_EQ(r.zones(1).name(), "西城");
  EXPECT_EQ(r.zones(1).findings(), 1u);
  EXPECT_EQ(r.zones(1).overdue(), 1u);
  ASSERT_EQ(r.sites_size(), 3);
  EXPECT_EQ(r.sites(0).code(), "S01");  // 东城 first, then by code
  EXPECT_EQ(r.sites(0).name(), "东城第一小学");
  EXPECT_EQ(r.sites(0).zone_name(), "东城");
  EXPECT_EQ(r.sites(0).findings(), 2u);
  EXPECT_EQ(r.sites(0).overdue(), 1u);
  EXPECT_EQ(r.sites(1).code(), "S02");
  EXPECT_EQ(r.sites(1).followed(), 0u);
  EXPECT_EQ(r.sites(2).code(), "S03");
  // Per inspector: 李娜 in1 (f1) and in3 (f3, f4); 王强 in2 (f2), in3, in4 (f5).
  ASSERT_EQ(r.inspectors_size(), 2);
  EXPECT_EQ(r.inspectors(0).name(), "李娜");
  EXPECT_EQ(r.inspectors(0).findings(), 3u);
  EXPECT_EQ(r.inspectors(0).overdue(), 1u);
  EXPECT_EQ(r.inspectors(1).name(), "王强");
  EXPECT_EQ(r.inspectors(1).findings(), 4u);
  EXPECT_EQ(r.inspectors(1).overdue(), 1u);

  // The spot check's feedback, countable on its own.
  req.clear_campaign_ids();
  req.add_campaign_ids(spot_);
  ASSERT_TRUE(reports_->Subtotals(Ctx(office_token_).get(), req, &r).ok());
  EXPECT_EQ(r.findings(), 3u);
  EXPECT_EQ(r.overdue(), 1u);
  ASSERT_EQ(r.inspectors_size(), 1);
  EXPECT_EQ(r.inspectors(0).findings(), 3u);
}

TEST_F(ReportsTest, FiltersByCampaignAndSampleOnEveryList) {
  const int at_sample = 3 + SpecialFindingsAtSample();
  // ListProblems / CountProblems (followed findings by default: f1, f2, f5 and the 3 spot ones).
  v1::ProblemQuery pq;
  pq.add_campaign_ids(special_);
  v1::ProblemPage page;
  ASSERT_TRUE(office_->ListProblems(Ctx(office_token_).get(), pq, &page).ok());
  std::set<std::string> ids;
  for (const auto& p : page.problems()) ids.insert(p.finding_id());
  EXPECT_EQ(ids, (std::set<std::string>{f1_, f2_, f5_}));
  v1::ProblemReport count;
  pq.clear_campaign_ids();
  pq.add_campaign_ids(spot_);
  ASSERT_TRUE(office_->CountProblems(Ctx(office_token_).get(), pq, &count).ok());
  EXPECT_EQ(count.findings(), 3u);
  EXPECT_EQ(count.overdue(), 1u);
  pq.add_campaign_ids(special_);  // either campaign
  ASSERT_TRUE(office_->CountProblems(Ctx(office_token_).get(), pq, &count).ok());
  EXPECT_EQ(count.findings(), 6u);
  v1::ProblemQuery unknown;
  unknown.add_campaign_ids("ghost");
  grpc::Status st = office_->CountProblems(Ctx(office_token_).get(), unknown, &count);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_NE(st.error_message().find("ghost"), std::string::npos);

  // ListFindings: every status.
  v1::FindingQuery fq;
  fq.add_campaign_ids(special_);
  v1::FindingPage fp;
  ASSERT_TRUE(integration_->ListFindings(Ctx(office_token_).get(), fq, &fp).ok());
  EXPECT_EQ(fp.findings_size(), 5);
  fq.clear_campaign_ids();
  fq.set_sample_campaign_id(spot_);
  ASSERT_TRUE(integration_->ListFindings(Ctx(office_token_).get(), fq, &fp).ok());
  EXPECT_EQ(fp.findings_size(), at_sample);
  for (const auto& row : fp.findings())
    EXPECT_TRUE(row.finding().site_id() == sampled_school_ || row.finding().site_id() == sampled_kg_);
  fq.add_campaign_ids(spot_);  // the spot check's own feedback at its sample
  ASSERT_TRUE(integration_->ListFindings(Ctx(office_token_).get(), fq, &fp).ok());
  EXPECT_EQ(fp.findings_size(), 3);

  // Summary.
  v1::SummaryRequest sum;
  sum.add_campaign_ids(spot_);
  v1::SummaryReport report;
  ASSERT_TRUE(integration_->Summary(Ctx(office_token_).get(), sum, &report).ok());
  EXPECT_EQ(report.findings(), 3u);
  EXPECT_EQ(report.overdue(), 1u);
  sum.clear_campaign_ids();
  sum.set_sample_campaign_id(special_);
  EXPECT_EQ(integration_->Summary(Ctx(office_token_).get(), sum, &report).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);

  // ExportFindings: the rows of the spot check only.
  v1::ExportRequest ex;
  ex.set_format(v1::JSON_LINES);
  ex.mutable_query()->add_campaign_ids(spot_);
  auto ctx = Ctx(office_token_);
  auto reader = integration_->ExportFindings(ctx.get(), ex);
  v1::ExportChunk chunk;
  std::string data;
  uint64_t rows = 0;
  while (reader->Read(&chunk)) {
    data += chunk.data();
    if (chunk.last()) rows = chunk.rows();
  }
  ASSERT_TRUE(reader->Finish().ok());
  EXPECT_EQ(rows, 3u);
  EXPECT_NE(data.find("晨检记录缺失"), std::string::npos);
  EXPECT_EQ(data.find("疏散通道堵塞"), std::string::npos);
  ex.mutable_query()->clear_campaign_ids();
  ex.mutable_query()->set_sample_campaign_id("ghost");
  auto ctx2 = Ctx(office_token_);
  auto bad = integration_->ExportFindings(ctx2.get(), ex);
  while (bad->Read(&chunk)) {
  }
  st = bad->Finish();
  EXPECT_EQ(st.error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(ReportsTest, TheSpecialReportIsADocumentThatNamesPlacesAndPeopleAndNoIds) {
  // Through the SDK's ReportClient, as the command line will.
  GrpcTransportOptions opts;
  opts.ca_cert_file = auth_.ca_file();
  opts.token = Token(zhang_, "zone_director", "tablet-zhang");
  auto client = ReportClient::Connect(server_->address(), opts);
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  auto doc = (*client)->SpecialReport(east_, special_);
  ASSERT_TRUE(doc.ok()) << doc.status().ToString();
  const std::string& html = doc->html();
  EXPECT_EQ(doc->title(), "东城片区秋季校园安全专项检查专报");
  EXPECT_NE(html.find("<!DOCTYPE html>"), std::string::npos);
  EXPECT_NE(html.find("@media print"), std::string::npos);
  for (const char* text : {"东城", "S01 东城第一小学", "S02 东城实验中学", "K01 东城阳光幼儿园", "李娜", "王强",
                                  "东整改〔2026〕1号", "消防安全", "燃气安全", "2026年1月1日"})
    EXPECT_NE(html.find(text), std::string::npos) << text;
  EXPECT_EQ(html.find("西城"), std::string::npos);  // another zone's sites stay out
  // The summary, from the figures: 3 assigned, 2 inspected, 4 findings, 1 closed, 1 overdue, 2 notices.
  EXPECT_NE(html.find("应检查学校（幼儿园）3所，已检查2所"), std::string::npos);
  EXPECT_NE(html.find("共发现问题4项，其中已整改销号1项，仍在跟踪整改2项，逾期未整改1项"), std::string::npos);
  EXPECT_NE(html.find("下发整改通知2份，复查1次（通过1次，未通过0次）"), std::string::npos);
  // Escaped: the title "灭火器过期<未更换>" is text, not markup.
  EXPECT_NE(html.find("灭火器过期&lt;未更换&gt;"), std::string::npos);
  EXPECT_EQ(html.find("<未更换>"), std::string::npos);
  // No id of any kind: no UUID, and no placeholder left unfilled.
  std::regex uuid("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
  EXPECT_FALSE(std::regex_search(html, uuid));
  EXPECT_EQ(html.find("{{"), std::string::npos);

  // The other SDK calls reach their RPCs.
  v1::ProgressRequest p;
  p.set_campaign_id(special_);
  auto progress = (*client)->Progress(p);
  ASSERT_TRUE(progress.ok()) << progress.status().ToString();
  EXPECT_EQ(progress->totals().assigned(), 3u);
  auto sheet = (*client)->ShowInspection(in4_);
  EXPECT_EQ(sheet.status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace inspectsync
