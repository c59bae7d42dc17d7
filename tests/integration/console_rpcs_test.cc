// The RPCs the office console's views stand on (issue 18), over a real server
// on 127.0.0.1 port 0 with TLS and signed tokens: ReportService ShowFinding
// and ListDirectory, OfficeService ListDevices. A small district — two zones
// (东城, 西城), three sites, people, a team, a campaign, a finding taken
// through its notice and a failed verification, a conflict between two
// devices, a refused mutation, an uploaded photo — and every answer checked
// by value, with the roles and bad inputs the views meet.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <map>

#include "core/ids.h"
#include "core/workflow.h"
#include "inspectsync/v1/attachments.grpc.pb.h"
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
const std::string kOfficeClient = "0190a000-0000-7000-8000-0000000000e1";
const std::string kLaptopClient = "0190a000-0000-7000-8000-0000000000e2";

std::string Id(const std::string& collection, const std::string& code) { return core::ImportRecordId(collection, code); }

std::string Sha256Hex(const std::string& bytes) {
  unsigned char d[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(bytes.data(), bytes.size(), d, &n, EVP_sha256(), nullptr);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < n; ++i) {
    out += hex[d[i] >> 4];
    out += hex[d[i] & 15];
  }
  return out;
}

class ConsoleRpcsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server::ServerOptions o = testing::TlsServerOptions(auth_, dir_.File("server.db"));
    o.engine.clock = &clock_;
    o.gc_interval_ms = 0;
    auto s = server::Server::Start(o);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    server_ = std::move(*s);
    auto channel = grpc::CreateChannel(server_->address(), auth_.ChannelCredentials());
    sync_ = v1::SyncService::NewStub(channel);
    reports_ = v1::ReportService::NewStub(channel);
    office_ = v1::OfficeService::NewStub(channel);
    att_ = v1::AttachmentService::NewStub(channel);
    office_token_ = Token(boss_, "office", "office-pc");
    laptop_token_ = Token(boss_, "office", "office-laptop");
    ASSERT_NO_FATAL_FAILURE(Seed());
  }

  std::string Token(const std::string& user, const std::string& role, const std::string& device) {
    return auth_.Token(user, role, device, clock_.NowMillis() / 1000);
  }
  std::unique_ptr<grpc::ClientContext> Ctx(const std::string& token) { return testing::BearerContext(token, 20); }

  // Pushes `ms` as `token`; returns the results.
  std::vector<v1::MutationResult> Push(const std::string& token, std::vector<v1::Mutation> ms) {
    v1::PushResponse resp;
    auto ctx = Ctx(token);
    grpc::Status st = sync_->Push(ctx.get(), testing::Batch(std::move(ms)), &resp);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return {resp.results().begin(), resp.results().end()};
  }
  void Add(const std::string& collection, const std::string& id, const v1::RecordBody& body) {
    batch_.push_back(CreateRecord(kOfficeClient, ++mid_, collection, id, body));
  }
  void Flush() {
    for (const auto& r : Push(office_token_, std::move(batch_))) ASSERT_NE(r.outcome(), v1::REJECTED) << r.reason();
    batch_.clear();
  }
  void Site(const std::string& code, const std::string& name, v1::SiteKind kind, const std::string& zone,
            bool deactivated = false) {
    v1::RecordBody b;
    b.mutable_site()->set_name(name);
    b.mutable_site()->set_code(code);
    b.mutable_site()->set_kind(kind);
    b.mutable_site()->set_zone_id(zone);
    b.mutable_site()->set_deactivated(deactivated);
    Add("sites", Id("sites", code), b);
  }
  void Person(const std::string& id, const std::string& name, v1::Role role, bool active = true) {
    v1::RecordBody b;
    b.mutable_user()->set_name(name);
    b.mutable_user()->set_role(role);
    b.mutable_user()->set_active(active);
    Add("users", id, b);
  }
  void Assign(const std::string& user, const std::string& team, const std::string& site, const std::string& zone,
              const std::string& campaign, int64_t ends_at_ms = 0) {
    v1::RecordBody b;
    auto* a = b.mutable_assignment();
    a->set_user_id(user);
    a->set_team_id(team);
    a->set_site_id(site);
    a->set_zone_id(zone);
    a->set_campaign_id(campaign);
    a->set_ends_at_ms(ends_at_ms);
    Add("assignments", ids_.NewUuidV7(), b);
  }
  void Patch(const std::string& id, const std::function<void(v1::Finding*)>& edit, std::vector<std::string> fields) {
    v1::Finding after = finding_;
    edit(&after);
    batch_.push_back(testing::PatchFinding(kOfficeClient, ++mid_, id, 0, finding_, after, fields));
    finding_ = after;
  }

  // The district: 东城 (S01, S02 deactivated) with director 张敏, 西城 (S03);
  // inspectors 李娜 and 王强 (inactive) in team 第一检查组 for the special
  // campaign; a spot check drawn with seed 7. Finding f_ at S01: created by
  // the office, notified (notice 东整改〔2026〕1号), rectified, verification
  // FAILED (new deadline), evidence: one photo uploaded and one not. Finding
  // west_f_ at S03.
  void Seed() {
    const int64_t now = clock_.NowMillis();
    v1::RecordBody z;
    z.mutable_zone()->set_name("东城");
    z.mutable_zone()->set_code("DC");
    Add("zones", east_, z);
    z.mutable_zone()->set_name("西城");
    z.mutable_zone()->set_code("XC");
    Add("zones", west_, z);
    Site("S01", "东城第一小学", v1::PRIMARY_SCHOOL, east_);
    Site("S02", "东城旧校区", v1::MIDDLE_SCHOOL, east_, /*deactivated=*/true);
    Site("S03", "西城第二小学", v1::PRIMARY_SCHOOL, west_);
    Person(boss_, "周主任", v1::OFFICE);
    Person(li_, "李娜", v1::INSPECTOR);
    Person(wang_, "王强", v1::INSPECTOR, /*active=*/false);
    Person(zhang_, "张敏", v1::ZONE_DIRECTOR);
    v1::RecordBody t;
    auto* tmpl = t.mutable_checklist_template();
    tmpl->set_key("epi");
    tmpl->set_version(1);
    tmpl->set_title("校园安全检查表");
    auto* item = tmpl->add_items();
    item->set_id("i2");
    item->set_category("消防安全");
    item->set_text("消防器材在有效期内");
    Add("templates", core::TemplateRecordId("epi", 1), t);
    v1::RecordBody c;
    auto* k = c.mutable_campaign();
    k->set_name("秋季专项检查");
    k->set_kind(v1::SPECIAL_CAMPAIGN);
    k->set_template_key("epi");
    k->set_template_version(1);
    k->set_status(v1::ACTIVE);
    Add("campaigns", special_, c);
    k->set_name("随机抽查");
    k->set_kind(v1::SPOT_CHECK);
    k->set_status(v1::FINISHED);
    k->set_sample_seed(7);
    k->set_sample_spec("schools=1 kindergartens=0");
    Add("campaigns", spot_, c);
    v1::RecordBody team;
    team.mutable_team()->set_name("第一检查组");
    team.mutable_team()->add_members(li_);
    team.mutable_team()->add_members(wang_);
    team.mutable_team()->set_leader(li_);
    team.mutable_team()->set_campaign_id(special_);
    Add("teams", team_, team);
    Assign(zhang_, "", "", east_, "");
    Assign("", team_, Id("sites", "S01"), "", special_);
    Assign(li_, "", Id("sites", "S03"), "", special_, now - kDayMs);  // ended yesterday
    v1::RecordBody in;
    in.mutable_inspection()->set_site_id(Id("sites", "S01"));
    in.mutable_inspection()->set_campaign_id(special_);
    in.mutable_inspection()->set_template_key("epi");
    in.mutable_inspection()->set_template_version(1);
    in.mutable_inspection()->add_inspectors(li_);
    in.mutable_inspection()->add_inspectors(wang_);
    Add("inspections", inspection_, in);
    ASSERT_NO_FATAL_FAILURE(Flush());

    photo_ = std::string("\xFF\xD8\xFF\xE0", 4) + std::string(5000, 'p');
    missing_sha_ = std::string(64, 'a');
    finding_ = testing::FindingAt(Id("sites", "S01"), "灭火器过期");
    finding_.set_inspection_id(inspection_);
    finding_.set_checklist_item_id("i2");
    finding_.set_category("消防安全");
    finding_.set_status(v1::OPEN);
    finding_.add_evidence(Sha256Hex(photo_));
    finding_.add_evidence(missing_sha_);
    batch_.push_back(testing::CreateFinding(kOfficeClient, ++mid_, f_, finding_));
    v1::Finding west = testing::FindingAt(Id("sites", "S03"), "疏散通道堵塞");
    west.set_status(v1::OPEN);
    batch_.push_back(testing::CreateFinding(kOfficeClient, ++mid_, west_f_, west));
    ASSERT_NO_FATAL_FAILURE(Flush());
    ASSERT_NO_FATAL_FAILURE(Upload(photo_));

    v1::RecordBody n;
    n.mutable_notice()->set_site_id(Id("sites", "S01"));
    n.mutable_notice()->add_finding_ids(f_);
    n.mutable_notice()->set_reference_no("东整改〔2026〕1号");
    n.mutable_notice()->set_issued_at_ms(now);
    n.mutable_notice()->set_deadline_ms(now + 5 * kDayMs);
    Add("notices", notice_, n);
    Patch(f_, [&](v1::Finding* f) { f->set_status(v1::NOTIFIED), f->set_notice_id(notice_), f->set_deadline_ms(now + 5 * kDayMs); },
          {"status", "notice_id", "deadline_ms"});
    Patch(f_, [](v1::Finding* f) { f->set_status(v1::IN_RECTIFICATION); }, {"status"});
    Patch(f_, [](v1::Finding* f) { f->set_status(v1::RECTIFIED); }, {"status"});
    v1::RecordBody v;
    auto* ver = v.mutable_verification();
    ver->set_site_id(Id("sites", "S01"));
    ver->set_finding_id(f_);
    ver->set_method(v1::ON_SITE);
    ver->set_result(v1::FAILED);
    ver->set_verifier(zhang_);
    ver->set_verified_at_ms(now);
    ver->set_note("灭火器仍未更换");
    ver->set_new_deadline_ms(now + 10 * kDayMs);
    ver->add_evidence(Sha256Hex(photo_));
    Add("verifications", verification_, v);
    Patch(f_, [&](v1::Finding* f) {
      f->set_status(v1::REOPENED), f->set_verification_id(verification_), f->set_deadline_ms(now + 10 * kDayMs);
    }, {"status", "verification_id", "deadline_ms"});
    ASSERT_NO_FATAL_FAILURE(Flush());
  }

  void Upload(const std::string& bytes) {
    auto ctx = Ctx(office_token_);
    v1::UploadResult result;
    auto writer = att_->Upload(ctx.get(), &result);
    v1::UploadChunk first;
    first.mutable_meta()->set_sha256(Sha256Hex(bytes));
    first.mutable_meta()->set_size(bytes.size());
    first.mutable_meta()->set_media_type("image/jpeg");
    first.mutable_meta()->set_finding_id(f_);
    first.set_data(bytes);
    ASSERT_TRUE(writer->Write(first));
    writer->WritesDone();
    grpc::Status st = writer->Finish();
    ASSERT_TRUE(st.ok()) << st.error_message();
  }

  // Two office devices edit f_'s description from the same version: the
  // merge keeps one and records the other as an OPEN conflict.
  void Conflict() {
    v1::ShowFindingRequest req;
    req.set_finding_id(f_);
    uint64_t base = ShowOk(office_token_, req).finding().version();
    v1::Finding a = finding_, b = finding_;
    a.set_description("压力表指针在红区");
    b.set_description("灭火器瓶身锈蚀");
    Push(office_token_, {testing::PatchFinding(kOfficeClient, ++mid_, f_, base, finding_, a, {"description"})});
    auto r = Push(laptop_token_, {testing::PatchFinding(kLaptopClient, 1, f_, base, finding_, b, {"description"})});
    ASSERT_EQ(r.size(), 1u);
    ASSERT_EQ(r[0].outcome(), v1::CONFLICT) << r[0].reason();
  }

  v1::FindingDossier ShowOk(const std::string& token, const v1::ShowFindingRequest& req) {
    v1::FindingDossier out;
    auto ctx = Ctx(token);
    grpc::Status st = reports_->ShowFinding(ctx.get(), req, &out);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return out;
  }
  grpc::Status Show(const std::string& token, const std::string& id) {
    v1::ShowFindingRequest req;
    req.set_finding_id(id);
    v1::FindingDossier out;
    auto ctx = Ctx(token);
    return reports_->ShowFinding(ctx.get(), req, &out);
  }
  grpc::Status Directory(const std::string& token, const v1::DirectoryRequest& req, v1::DirectoryPage* out) {
    auto ctx = Ctx(token);
    return reports_->ListDirectory(ctx.get(), req, out);
  }
  v1::DirectoryPage DirectoryOk(const std::string& token, v1::DirectoryKind kind, std::vector<std::string> zones = {},
                                const std::string& query = "", bool include_inactive = false) {
    v1::DirectoryRequest req;
    req.set_kind(kind);
    for (auto& z : zones) req.add_zone_ids(z);
    req.set_query(query);
    req.set_include_inactive(include_inactive);
    v1::DirectoryPage page;
    grpc::Status st = Directory(token, req, &page);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return page;
  }
  grpc::Status Devices(const std::string& token, v1::DeviceList* out) {
    auto ctx = Ctx(token);
    return office_->ListDevices(ctx.get(), v1::ListDevicesRequest(), out);
  }

  testing::TempDir dir_;
  testing::TestAuth auth_{dir_.path()};
  core::ManualClock clock_;
  core::IdGenerator ids_{&clock_, 23};
  std::string east_ = Id("zones", "DC"), west_ = Id("zones", "XC");
  std::string boss_ = Id("users", "zhou"), li_ = Id("users", "li.na"), wang_ = Id("users", "wang.qiang"),
              zhang_ = Id("users", "zhang.min");
  std::string special_ = ids_.NewUuidV7(), spot_ = ids_.NewUuidV7(), team_ = ids_.NewUuidV7();
  std::string inspection_ = ids_.NewUuidV7(), f_ = ids_.NewUuidV7(), west_f_ = ids_.NewUuidV7();
  std::string notice_ = ids_.NewUuidV7(), verification_ = ids_.NewUuidV7();
  std::string photo_, missing_sha_;
  v1::Finding finding_;
  std::vector<v1::Mutation> batch_;
  uint64_t mid_ = 0;
  std::string office_token_, laptop_token_;
  std::unique_ptr<server::Server> server_;
  std::unique_ptr<v1::SyncService::Stub> sync_;
  std::unique_ptr<v1::ReportService::Stub> reports_;
  std::unique_ptr<v1::OfficeService::Stub> office_;
  std::unique_ptr<v1::AttachmentService::Stub> att_;
};

// ------------------------------------------------------------ ShowFinding

TEST_F(ConsoleRpcsTest, ShowFindingNamesEverythingAroundTheFinding) {
  ASSERT_NO_FATAL_FAILURE(Conflict());
  v1::ShowFindingRequest req;
  req.set_finding_id(f_);
  v1::FindingDossier d = ShowOk(office_token_, req);
  const v1::FindingRow& row = d.finding();
  EXPECT_EQ(row.finding_id(), f_);
  EXPECT_EQ(row.finding().title(), "灭火器过期");
  EXPECT_EQ(row.finding().status(), v1::REOPENED);
  EXPECT_EQ(row.site_code(), "S01");
  EXPECT_EQ(row.site_name(), "东城第一小学");
  EXPECT_EQ(row.zone_id(), east_);
  EXPECT_EQ(row.zone_name(), "东城");
  EXPECT_EQ(row.notice_reference(), "东整改〔2026〕1号");
  EXPECT_EQ(row.inspector_id(), boss_);
  EXPECT_EQ(row.inspector_name(), "周主任");
  EXPECT_EQ(row.finding().deadline_ms(), clock_.NowMillis() + 10 * kDayMs);
  EXPECT_EQ(d.item_text(), "消防器材在有效期内");
  EXPECT_EQ(d.campaign_id(), special_);
  EXPECT_EQ(d.campaign_name(), "秋季专项检查");
  EXPECT_EQ(d.site_kind(), v1::PRIMARY_SCHOOL);
  ASSERT_EQ(d.inspectors_size(), 2);
  EXPECT_EQ(d.inspectors(0).name(), "李娜");
  EXPECT_EQ(d.inspectors(1).name(), "王强");
  EXPECT_EQ(d.as_of_ms(), clock_.NowMillis());

  // History: create, notified, in rectification, rectified, reopened, then
  // the description edit the merge kept (the losing edit made no version: it
  // is the conflict below).
  ASSERT_EQ(d.history_size(), 6) << d.DebugString();
  const v1::FindingVersion& first = d.history(0);
  EXPECT_EQ(first.op(), v1::CREATE);
  EXPECT_EQ(first.author().name(), "周主任");
  EXPECT_EQ(first.device_id(), "office-pc");
  EXPECT_EQ(first.client_id(), kOfficeClient);
  std::map<std::string, std::pair<std::string, std::string>> created;
  for (const auto& c : first.changes()) created[c.field()] = {c.old_value(), c.new_value()};
  EXPECT_EQ(created["title"], std::make_pair(std::string(), std::string("灭火器过期")));
  EXPECT_EQ(created["status"].second, "OPEN");
  EXPECT_EQ(created.count("void_reason"), 0u) << "unset fields are not listed";
  const v1::FindingVersion& notified = d.history(1);
  EXPECT_EQ(notified.op(), v1::PATCH);
  EXPECT_GT(notified.version(), first.version());
  std::map<std::string, std::pair<std::string, std::string>> moved;
  for (const auto& c : notified.changes()) moved[c.field()] = {c.old_value(), c.new_value()};
  EXPECT_EQ(moved["status"], std::make_pair(std::string("OPEN"), std::string("NOTIFIED")));
  EXPECT_EQ(moved["notice_id"], std::make_pair(std::string(), notice_));
  EXPECT_EQ(moved["deadline_ms"].first, "");
  EXPECT_EQ(moved["deadline_ms"].second, "2026-01-06 00:00:00 UTC");  // the ManualClock starts at 2026-01-01
  EXPECT_EQ(moved.size(), 3u);
  const v1::FindingVersion& edited = d.history(5);
  EXPECT_EQ(edited.version(), row.version());
  ASSERT_EQ(edited.changes_size(), 1);
  EXPECT_EQ(edited.changes(0).field(), "description");
  EXPECT_EQ(edited.changes(0).old_value(), finding_.description());
  EXPECT_EQ(edited.changes(0).new_value(), row.finding().description());

  // The conflict between the two devices, named.
  ASSERT_EQ(d.conflicts_size(), 1);
  EXPECT_EQ(d.conflicts(0).conflict().field(), "description");
  EXPECT_EQ(d.conflicts(0).conflict().state(), v1::CONFLICT_OPEN);
  EXPECT_EQ(d.conflicts(0).site_name(), "东城第一小学");
  EXPECT_EQ(d.conflicts(0).record_title(), "灭火器过期");
  EXPECT_EQ(d.conflicts(0).conflict().version(), row.version());

  // Photos: the uploaded one with its type and size, the other not on the server.
  ASSERT_EQ(d.photos_size(), 2);
  EXPECT_EQ(d.photos(0).attachment_id(), Sha256Hex(photo_));
  EXPECT_TRUE(d.photos(0).on_server());
  EXPECT_EQ(d.photos(0).media_type(), "image/jpeg");
  EXPECT_EQ(d.photos(0).size_bytes(), photo_.size());
  EXPECT_EQ(d.photos(1).attachment_id(), missing_sha_);
  EXPECT_FALSE(d.photos(1).on_server());
  EXPECT_EQ(d.photos(1).size_bytes(), 0u);

  ASSERT_TRUE(d.has_notice());
  EXPECT_EQ(d.notice().notice_id(), notice_);
  EXPECT_EQ(d.notice().notice().reference_no(), "东整改〔2026〕1号");
  EXPECT_EQ(d.notice().site_name(), "东城第一小学");

  ASSERT_EQ(d.verifications_size(), 1);
  const v1::VerificationLine& v = d.verifications(0);
  EXPECT_EQ(v.verification_id(), verification_);
  EXPECT_EQ(v.result(), v1::FAILED);
  EXPECT_EQ(v.method(), v1::ON_SITE);
  EXPECT_EQ(v.note(), "灭火器仍未更换");
  EXPECT_EQ(v.new_deadline_ms(), clock_.NowMillis() + 10 * kDayMs);
  EXPECT_EQ(v.verifier().user_id(), zhang_);
  EXPECT_EQ(v.verifier().name(), "张敏");
  ASSERT_EQ(v.evidence_size(), 1);
  EXPECT_TRUE(v.evidence(0).on_server());
}

TEST_F(ConsoleRpcsTest, ShowFindingIsScopedByRole) {
  // A zone director sees their zone's finding; another zone's reads as missing.
  const std::string director = Token(zhang_, "zone_director", "tab-zhang");
  EXPECT_TRUE(Show(director, f_).ok());
  grpc::Status other = Show(director, west_f_);
  EXPECT_EQ(other.error_code(), grpc::StatusCode::NOT_FOUND) << other.error_message();
  EXPECT_NE(other.error_message().find(west_f_), std::string::npos) << other.error_message();
  // Integration reads everything; an inspector is refused.
  EXPECT_TRUE(Show(Token("u-int", "integration", "etl"), west_f_).ok());
  grpc::Status inspector = Show(Token(li_, "inspector", "tab-li"), f_);
  EXPECT_EQ(inspector.error_code(), grpc::StatusCode::PERMISSION_DENIED) << inspector.error_message();
}

TEST_F(ConsoleRpcsTest, ShowFindingRefusesBadIds) {
  grpc::Status unknown = Show(office_token_, "0190a000-0000-7000-8000-00000000dead");
  EXPECT_EQ(unknown.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_NE(unknown.error_message().find("0190a000-0000-7000-8000-00000000dead"), std::string::npos);
  grpc::Status empty = Show(office_token_, "");
  EXPECT_EQ(empty.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(empty.error_message().find("finding_id"), std::string::npos);
  // A record id of another collection is no finding.
  EXPECT_EQ(Show(office_token_, notice_).error_code(), grpc::StatusCode::NOT_FOUND);
}

// ------------------------------------------------------------ ListDirectory

TEST_F(ConsoleRpcsTest, DirectoryListsSitesByCodeWithTheirZones) {
  v1::DirectoryPage sites = DirectoryOk(office_token_, v1::DIRECTORY_SITES);
  ASSERT_EQ(sites.entries_size(), 2) << "the deactivated S02 is left out";
  EXPECT_EQ(sites.total(), 2u);
  EXPECT_EQ(sites.entries(0).code(), "S01");
  EXPECT_EQ(sites.entries(0).name(), "东城第一小学");
  EXPECT_EQ(sites.entries(0).zone_name(), "东城");
  EXPECT_EQ(sites.entries(0).site_kind(), v1::PRIMARY_SCHOOL);
  EXPECT_TRUE(sites.entries(0).active());
  EXPECT_EQ(sites.entries(1).code(), "S03");
  EXPECT_EQ(sites.entries(1).zone_name(), "西城");
  EXPECT_TRUE(sites.next_page_token().empty());

  v1::DirectoryPage all = DirectoryOk(office_token_, v1::DIRECTORY_SITES, {}, "", /*include_inactive=*/true);
  ASSERT_EQ(all.entries_size(), 3);
  EXPECT_EQ(all.entries(1).code(), "S02");
  EXPECT_FALSE(all.entries(1).active());

  // By zone code, and by text (code or name, ASCII case-insensitive).
  v1::DirectoryPage west = DirectoryOk(office_token_, v1::DIRECTORY_SITES, {"XC"});
  ASSERT_EQ(west.entries_size(), 1);
  EXPECT_EQ(west.entries(0).code(), "S03");
  v1::DirectoryPage text = DirectoryOk(office_token_, v1::DIRECTORY_SITES, {}, "第一");
  ASSERT_EQ(text.entries_size(), 1);
  EXPECT_EQ(text.entries(0).code(), "S01");
  EXPECT_EQ(DirectoryOk(office_token_, v1::DIRECTORY_SITES, {}, "s03").entries_size(), 1);
}

TEST_F(ConsoleRpcsTest, DirectoryPagesFollowOnAndRefuseForeignTokens) {
  v1::DirectoryRequest req;
  req.set_kind(v1::DIRECTORY_USERS);
  req.set_include_inactive(true);
  req.set_page_size(3);
  std::vector<std::string> names;
  for (int i = 0; i < 5; ++i) {
    v1::DirectoryPage page;
    grpc::Status st = Directory(office_token_, req, &page);
    ASSERT_TRUE(st.ok()) << st.error_message();
    EXPECT_EQ(page.total(), 4u);
    for (const auto& e : page.entries()) names.push_back(e.name());
    if (page.next_page_token().empty()) break;
    req.set_page_token(page.next_page_token());
  }
  // Users have no code: by name (byte order of UTF-8), every one once.
  std::vector<std::string> want = {"周主任", "张敏", "李娜", "王强"};
  std::sort(want.begin(), want.end());
  EXPECT_EQ(names, want);

  v1::DirectoryPage page;
  req.set_page_token("d1.zz");
  grpc::Status bad = Directory(office_token_, req, &page);
  EXPECT_EQ(bad.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(bad.error_message().find("page_token"), std::string::npos) << bad.error_message();
  req.set_page_token("c1.5.x");  // a conflict page's token
  EXPECT_EQ(Directory(office_token_, req, &page).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  req.clear_page_token();
  req.set_page_size(1001);
  EXPECT_EQ(Directory(office_token_, req, &page).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  req.set_page_size(0);
  req.set_kind(v1::DIRECTORY_KIND_UNSPECIFIED);
  grpc::Status no_kind = Directory(office_token_, req, &page);
  EXPECT_EQ(no_kind.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(no_kind.error_message().find("kind"), std::string::npos);
  req.set_kind(v1::DIRECTORY_SITES);
  req.add_zone_ids("NOPE");
  grpc::Status unknown_zone = Directory(office_token_, req, &page);
  EXPECT_EQ(unknown_zone.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_NE(unknown_zone.error_message().find("NOPE"), std::string::npos);
}

TEST_F(ConsoleRpcsTest, DirectoryNamesAssignmentsTeamsCampaignsAndRoles) {
  v1::DirectoryPage users = DirectoryOk(office_token_, v1::DIRECTORY_USERS);
  ASSERT_EQ(users.entries_size(), 3) << "王强 is inactive";
  for (const auto& u : users.entries())
    if (u.id() == zhang_) {
      EXPECT_EQ(u.role(), v1::ZONE_DIRECTOR);
    }

  v1::DirectoryPage teams = DirectoryOk(office_token_, v1::DIRECTORY_TEAMS);
  ASSERT_EQ(teams.entries_size(), 1);
  EXPECT_EQ(teams.entries(0).name(), "第一检查组");
  EXPECT_EQ(teams.entries(0).leader().name(), "李娜");
  ASSERT_EQ(teams.entries(0).members_size(), 2);
  EXPECT_EQ(teams.entries(0).members(1).name(), "王强");
  EXPECT_EQ(teams.entries(0).campaign_name(), "秋季专项检查");

  v1::DirectoryPage campaigns = DirectoryOk(office_token_, v1::DIRECTORY_CAMPAIGNS, {}, "", true);
  ASSERT_EQ(campaigns.entries_size(), 2);
  const v1::DirectoryEntry& spot = campaigns.entries(0).id() == spot_ ? campaigns.entries(0) : campaigns.entries(1);
  EXPECT_TRUE(spot.spot_check());
  EXPECT_EQ(spot.sample_seed(), 7u);
  EXPECT_EQ(spot.sample_spec(), "schools=1 kindergartens=0");
  EXPECT_FALSE(spot.active()) << "finished";
  EXPECT_EQ(DirectoryOk(office_token_, v1::DIRECTORY_CAMPAIGNS).entries_size(), 1);

  // Assignments: the director's zone, the team's site; the ended one only on request.
  v1::DirectoryPage current = DirectoryOk(office_token_, v1::DIRECTORY_ASSIGNMENTS);
  ASSERT_EQ(current.entries_size(), 2);
  std::map<std::string, v1::DirectoryEntry> by_name;
  for (const auto& e : current.entries()) by_name[e.name()] = e;
  ASSERT_EQ(by_name.count("张敏 @ 东城"), 1u) << current.DebugString();
  ASSERT_EQ(by_name.count("第一检查组 @ S01 东城第一小学"), 1u) << current.DebugString();
  const v1::DirectoryEntry& team_site = by_name["第一检查组 @ S01 东城第一小学"];
  EXPECT_EQ(team_site.team_name(), "第一检查组");
  EXPECT_EQ(team_site.campaign_name(), "秋季专项检查");
  EXPECT_EQ(team_site.site().code(), "S01");
  EXPECT_EQ(team_site.zone_name(), "东城");
  v1::DirectoryPage ended = DirectoryOk(office_token_, v1::DIRECTORY_ASSIGNMENTS, {"XC"}, "", true);
  ASSERT_EQ(ended.entries_size(), 1);
  EXPECT_EQ(ended.entries(0).name(), "李娜 @ S03 西城第二小学");
  EXPECT_FALSE(ended.entries(0).active());
  EXPECT_EQ(ended.entries(0).user().name(), "李娜");
}

TEST_F(ConsoleRpcsTest, DirectoryIsScopedByRole) {
  const std::string director = Token(zhang_, "zone_director", "tab-zhang");
  v1::DirectoryPage zones = DirectoryOk(director, v1::DIRECTORY_ZONES);
  ASSERT_EQ(zones.entries_size(), 1);
  EXPECT_EQ(zones.entries(0).name(), "东城");
  v1::DirectoryPage sites = DirectoryOk(director, v1::DIRECTORY_SITES, {}, "", true);
  ASSERT_EQ(sites.entries_size(), 2);
  for (const auto& s : sites.entries()) EXPECT_EQ(s.zone_id(), east_);
  EXPECT_EQ(DirectoryOk(director, v1::DIRECTORY_ASSIGNMENTS, {}, "", true).entries_size(), 2);
  EXPECT_EQ(DirectoryOk(director, v1::DIRECTORY_USERS).entries_size(), 3) << "people are not zoned";
  EXPECT_EQ(DirectoryOk(office_token_, v1::DIRECTORY_ZONES).entries_size(), 2);

  v1::DirectoryRequest req;
  req.set_kind(v1::DIRECTORY_SITES);
  req.add_zone_ids("XC");
  v1::DirectoryPage page;
  grpc::Status other = Directory(director, req, &page);
  EXPECT_EQ(other.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_NE(other.error_message().find("西城"), std::string::npos) << other.error_message();
  req.clear_zone_ids();
  EXPECT_EQ(Directory(Token(li_, "inspector", "tab-li"), req, &page).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

// ------------------------------------------------------------ ListDevices

TEST_F(ConsoleRpcsTest, DevicesShowPushesPullsRefusalsAndLostConflicts) {
  ASSERT_NO_FATAL_FAILURE(Conflict());
  // A refused mutation from the laptop: closing a finding no verification passed.
  v1::Finding closed = finding_;
  closed.set_status(v1::CLOSED);
  auto refused = Push(laptop_token_, {testing::PatchFinding(kLaptopClient, 2, west_f_, 0, finding_, closed, {"status"})});
  ASSERT_EQ(refused.size(), 1u);
  ASSERT_EQ(refused[0].outcome(), v1::REJECTED);
  // The laptop pulls an hour later.
  clock_.Advance(3600 * 1000);
  const int64_t pulled_at = clock_.NowMillis();
  {
    v1::PullRequest pull;
    pull.set_protocol_version(1);
    pull.set_client_id(kLaptopClient);
    pull.set_page_size(10);
    auto ctx = Ctx(Token(boss_, "office", "office-laptop"));
    auto reader = sync_->Pull(ctx.get(), pull);
    v1::PullResponse page;
    while (reader->Read(&page)) {
    }
    grpc::Status st = reader->Finish();
    ASSERT_TRUE(st.ok()) << st.error_message();
  }

  v1::DeviceList list;
  grpc::Status st = Devices(Token(boss_, "office", "office-pc"), &list);
  ASSERT_TRUE(st.ok()) << st.error_message();
  ASSERT_EQ(list.devices_size(), 2) << list.DebugString();
  const v1::DeviceRow& laptop = list.devices(0);  // heard from last
  EXPECT_EQ(laptop.client_id(), kLaptopClient);
  EXPECT_EQ(laptop.device_id(), "office-laptop");
  EXPECT_EQ(laptop.user().name(), "周主任");
  EXPECT_EQ(laptop.accepted(), 1u);
  EXPECT_EQ(laptop.rejected(), 1u);
  EXPECT_EQ(laptop.last_reject_code(), refused[0].reject_code());
  EXPECT_EQ(laptop.last_reject_reason(), refused[0].reason());
  EXPECT_EQ(laptop.last_pull_ms(), pulled_at);
  EXPECT_EQ(laptop.last_push_ms(), pulled_at - 3600 * 1000);
  EXPECT_EQ(laptop.last_mutation_id(), 2u);
  const v1::DeviceRow& pc = list.devices(1);
  EXPECT_EQ(pc.client_id(), kOfficeClient);
  EXPECT_EQ(pc.device_id(), "office-pc");
  EXPECT_EQ(pc.accepted(), mid_);
  EXPECT_EQ(pc.rejected(), 0u);
  EXPECT_EQ(pc.last_reject_code(), v1::REJECT_CODE_UNSPECIFIED);
  EXPECT_EQ(pc.last_pull_ms(), 0);
  // The description conflict: exactly one of the two devices lost it.
  v1::ShowFindingRequest req;
  req.set_finding_id(f_);
  const std::string loser = ShowOk(Token(boss_, "office", "office-pc"), req).conflicts(0).conflict().loser().device_id();
  EXPECT_EQ(laptop.conflicts_lost() + pc.conflicts_lost(), 1u);
  EXPECT_EQ((loser == "office-laptop" ? laptop : pc).conflicts_lost(), 1u);
  EXPECT_EQ(list.as_of_ms(), clock_.NowMillis());
}

TEST_F(ConsoleRpcsTest, DevicesAreForTheOfficeAndIntegrations) {
  v1::DeviceList list;
  EXPECT_TRUE(Devices(Token("u-int", "integration", "etl"), &list).ok());
  grpc::Status director = Devices(Token(zhang_, "zone_director", "tab-zhang"), &list);
  EXPECT_EQ(director.error_code(), grpc::StatusCode::PERMISSION_DENIED) << director.error_message();
  EXPECT_EQ(Devices(Token(li_, "inspector", "tab-li"), &list).error_code(), grpc::StatusCode::PERMISSION_DENIED);
}

}  // namespace
}  // namespace inspectsync
