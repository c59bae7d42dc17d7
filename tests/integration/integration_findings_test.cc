// IntegrationService's findings part over a real server on 127.0.0.1 port 0,
// with TLS and signed tokens: ListFindings filters and pages, exports in CSV
// and JSON Lines parsed back (Chinese text round-trips), 100,000 findings
// exported in bounded memory, imports all or nothing with line-numbered
// errors, the summary, and bad requests refused with the right code.
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <fstream>
#include <set>

#include "core/csv.h"
#include "core/export.h"
#include "core/ids.h"
#include "inspectsync/v1/integration.grpc.pb.h"
#include "inspectsync/v1/sync.grpc.pb.h"
#include "server/integration_findings.h"
#include "server/server.h"
#include "tests/testing/auth.h"
#include "tests/testing/mutations.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/test_server.h"

namespace inspectsync {
namespace {

using testing::Batch;
using testing::CreateFinding;
using testing::CreateRecord;

constexpr int64_t kDayMs = 86'400'000;
const std::string kClient = "0190a000-0000-7000-8000-0000000000d1";
const std::string kOtherClient = "0190a000-0000-7000-8000-0000000000d2";
const std::string kChinese = "灭火器过期，需要更换 \"立即\"\n第二行";

// Peak resident memory of this process (VmHWM), in bytes.
int64_t PeakRss() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::stoll(line.substr(6)) * 1024;
  return 0;
}

class IntegrationFindingsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server::ServerOptions o = testing::TlsServerOptions(auth_, dir_.File("server.db"));
    o.engine.clock = &clock_;
    auto s = server::Server::Start(o);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    server_ = std::move(*s);
    auto channel = grpc::CreateChannel(server_->address(), auth_.ChannelCredentials());
    sync_ = v1::SyncService::NewStub(channel);
    api_ = v1::IntegrationService::NewStub(channel);
    office_ = Token("u-office", "office", "office-pc");
    integration_ = Token("u-erp", "integration", "erp");
    inspector_ = Token("u-li", "inspector", "tablet-1");
  }

  std::string Token(const std::string& user, const std::string& role, const std::string& device) {
    return auth_.Token(user, role, device, clock_.NowMillis() / 1000);
  }

  std::unique_ptr<grpc::ClientContext> Ctx(const std::string& token, int seconds = 30) {
    return testing::BearerContext(token, seconds);
  }

  v1::Finding At(const std::string& site, const std::string& category, v1::Severity sev, int64_t deadline_ms) {
    v1::Finding f = testing::FindingAt(site, category + " problem");
    f.set_category(category);
    f.set_severity(sev);
    f.set_deadline_ms(deadline_ms);
    return f;
  }

  // Zones north (sites a, b) and south (site c); findings:
  //   a: fire HIGH due +1d; fire LOW overdue (-3d); supplies MEDIUM, Chinese description
  //   b: fire LOW VOIDED
  //   c: fire MEDIUM overdue (-1d)
  void Seed() {
    int64_t now = clock_.NowMillis();
    std::vector<v1::Mutation> ms;
    uint64_t mid = 0;
    ms.push_back(CreateRecord(kClient, ++mid, "zones", north_, testing::ZoneBody("North")));
    ms.push_back(CreateRecord(kClient, ++mid, "zones", south_, testing::ZoneBody("South")));
    ms.push_back(CreateRecord(kClient, ++mid, "sites", site_a_, testing::SiteBody(north_, "A Primary")));
    ms.push_back(CreateRecord(kClient, ++mid, "sites", site_b_, testing::SiteBody(north_, "B, \"Kindergarten\"")));
    ms.push_back(CreateRecord(kClient, ++mid, "sites", site_c_, testing::SiteBody(south_, "C Middle")));
    auto add = [&](const v1::Finding& f) {
      std::string id = ids_.NewUuidV7();
      finding_ids_.push_back(id);
      ms.push_back(CreateFinding(kClient, ++mid, id, f));
    };
    add(At(site_a_, "fire", v1::HIGH, now + kDayMs));
    add(At(site_a_, "fire", v1::LOW, now - 3 * kDayMs));
    v1::Finding chinese = At(site_a_, "supplies", v1::MEDIUM, 0);
    chinese.set_description(kChinese);
    chinese.set_title("消防器材");
    chinese.add_tags("厨房");
    chinese.add_tags("urgent");
    add(chinese);
    v1::Finding draft = At(site_b_, "fire", v1::LOW, 0);
    draft.set_status(v1::DRAFT);
    add(draft);
    voided_id_ = finding_ids_.back();
    v1::Finding voided = draft;
    voided.set_status(v1::VOIDED);
    voided.set_void_reason("duplicate");
    ms.push_back(testing::PatchFinding(kClient, ++mid, voided_id_, 0, draft, voided, {"status", "void_reason"}));
    add(At(site_c_, "fire", v1::MEDIUM, now - kDayMs));
    std::sort(finding_ids_.begin(), finding_ids_.end());
    v1::PushResponse resp;
    ASSERT_TRUE(sync_->Push(Ctx(office_).get(), Batch(ms), &resp).ok());
    for (const auto& r : resp.results()) ASSERT_NE(r.outcome(), v1::REJECTED) << r.reason();
  }

  std::vector<std::string> ListAll(v1::FindingQuery q, int* pages = nullptr) {
    std::vector<std::string> ids;
    int n = 0;
    for (;;) {
      v1::FindingPage page;
      grpc::Status st = api_->ListFindings(Ctx(office_).get(), q, &page);
      EXPECT_TRUE(st.ok()) << st.error_message();
      if (!st.ok()) break;
      ++n;
      for (const auto& f : page.findings()) ids.push_back(f.finding_id());
      if (page.next_page_token().empty()) break;
      q.set_page_token(page.next_page_token());
    }
    if (pages) *pages = n;
    return ids;
  }

  // The whole export, its chunk count and the row count of the last chunk.
  grpc::Status Export(const std::string& token, const v1::ExportRequest& req, std::string* data, uint64_t* rows) {
    auto ctx = Ctx(token, 120);
    auto reader = api_->ExportFindings(ctx.get(), req);
    v1::ExportChunk chunk;
    while (reader->Read(&chunk)) {
      EXPECT_LE(chunk.data().size(), server::kExportChunkBytes);
      data->append(chunk.data());
      if (chunk.last()) *rows = chunk.rows();
    }
    return reader->Finish();
  }

  grpc::Status Import(const std::string& token, v1::ImportKind kind, v1::DataFormat format, const std::string& data,
                      v1::ImportResponse* resp, bool dry_run = false) {
    v1::ImportRequest req;
    req.set_kind(kind);
    req.set_format(format);
    req.set_data(data);
    req.set_dry_run(dry_run);
    return api_->Import(Ctx(token).get(), req, resp);
  }

  uint64_t Head() { return *server_->engine()->store()->Head(); }

  testing::TempDir dir_;
  testing::TestAuth auth_{dir_.path()};
  core::ManualClock clock_;
  core::IdGenerator ids_{&clock_, 31};
  std::string north_ = ids_.NewUuidV7(), south_ = ids_.NewUuidV7();
  std::string site_a_ = ids_.NewUuidV7(), site_b_ = ids_.NewUuidV7(), site_c_ = ids_.NewUuidV7();
  std::vector<std::string> finding_ids_;  // sorted
  std::string voided_id_;
  std::string office_, integration_, inspector_;
  std::unique_ptr<server::Server> server_;
  std::unique_ptr<v1::SyncService::Stub> sync_;
  std::unique_ptr<v1::IntegrationService::Stub> api_;
};

TEST_F(IntegrationFindingsTest, ListsEveryStatusInIdOrderAcrossPages) {
  Seed();
  v1::FindingQuery q;
  q.set_page_size(2);
  int pages = 0;
  EXPECT_EQ(ListAll(q, &pages), finding_ids_);  // VOIDED included: every status
  EXPECT_EQ(pages, 3);

  v1::FindingPage page;
  ASSERT_TRUE(api_->ListFindings(Ctx(integration_).get(), v1::FindingQuery(), &page).ok());
  ASSERT_EQ(page.findings_size(), 5);
  EXPECT_TRUE(page.next_page_token().empty());
  EXPECT_EQ(page.as_of_ms(), clock_.NowMillis());
  for (const auto& row : page.findings()) {
    EXPECT_EQ(row.updated_by(), "u-office");
    EXPECT_EQ(row.updated_ms(), testing::kTestNowMs);
    EXPECT_GT(row.created_ms(), 0);
    if (row.finding().site_id() == site_c_) {
      EXPECT_EQ(row.zone_id(), south_);
      EXPECT_EQ(row.site_name(), "C Middle");
      EXPECT_TRUE(row.overdue());
      EXPECT_EQ(row.overdue_days(), 1);
    }
  }
}

TEST_F(IntegrationFindingsTest, Filters) {
  Seed();
  v1::FindingQuery q;
  q.add_zone_ids(north_);
  EXPECT_EQ(ListAll(q).size(), 4u);
  q.add_statuses(v1::VOIDED);
  EXPECT_EQ(ListAll(q), std::vector<std::string>{voided_id_});

  v1::FindingQuery overdue;
  overdue.set_overdue_only(true);
  EXPECT_EQ(ListAll(overdue).size(), 2u);
  clock_.Advance(2 * kDayMs);  // the +1d finding falls due by the server's clock
  office_ = Token("u-office", "office", "office-pc");  // tokens are judged by that clock too
  EXPECT_EQ(ListAll(overdue).size(), 3u);

  v1::FindingQuery cat;
  cat.add_categories("supplies");
  cat.add_severities(v1::MEDIUM);
  EXPECT_EQ(ListAll(cat).size(), 1u);
  cat.clear_severities();
  cat.add_severities(v1::HIGH);
  EXPECT_TRUE(ListAll(cat).empty());

  // Updated after: only what changed since a seq, or since a time.
  uint64_t head = Head();
  v1::FindingQuery after;
  after.set_updated_after_seq(head);
  EXPECT_TRUE(ListAll(after).empty());
  v1::Finding before = At(site_c_, "fire", v1::MEDIUM, 0), changed = before;
  changed.set_title("fixed title");
  v1::PushResponse resp;
  ASSERT_TRUE(sync_
                  ->Push(Ctx(office_).get(),
                         Batch({testing::PatchFinding(kClient, 100, finding_ids_[0], 0, before, changed, {"title"},
                                                      testing::kTestNowMs + 5000)}),
                         &resp)
                  .ok());
  ASSERT_NE(resp.results(0).outcome(), v1::REJECTED) << resp.results(0).reason();
  EXPECT_EQ(ListAll(after), std::vector<std::string>{finding_ids_[0]});
  v1::FindingQuery after_ms;
  after_ms.set_updated_after_ms(testing::kTestNowMs);
  EXPECT_EQ(ListAll(after_ms), std::vector<std::string>{finding_ids_[0]});
}

TEST_F(IntegrationFindingsTest, BadQueriesAndRolesAreRefused) {
  Seed();
  v1::FindingPage page;
  v1::FindingQuery q;
  for (const char* token : {"garbage", "f1.zz", "f1.", "p1.0.0.x"}) {
    q.set_page_token(token);
    grpc::Status st = api_->ListFindings(Ctx(office_).get(), q, &page);
    EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << token;
    EXPECT_NE(st.error_message().find("page_token"), std::string::npos) << st.error_message();
  }
  q.Clear();
  q.set_page_size(1001);
  EXPECT_EQ(api_->ListFindings(Ctx(office_).get(), q, &page).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  q.Clear();
  q.add_statuses(static_cast<v1::FindingStatus>(99));
  EXPECT_EQ(api_->ListFindings(Ctx(office_).get(), q, &page).error_code(), grpc::StatusCode::INVALID_ARGUMENT);

  EXPECT_EQ(api_->ListFindings(Ctx(inspector_).get(), v1::FindingQuery(), &page).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(api_->ListFindings(Ctx("").get(), v1::FindingQuery(), &page).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  v1::SummaryReport report;
  EXPECT_EQ(api_->Summary(Ctx(inspector_).get(), v1::SummaryRequest(), &report).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);

  std::string data;
  uint64_t rows = 0;
  v1::ExportRequest bad;  // no format
  grpc::Status st = Export(office_, bad, &data, &rows);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(st.error_message().find("format"), std::string::npos);
  bad.set_format(v1::CSV);
  EXPECT_EQ(Export(inspector_, bad, &data, &rows).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_TRUE(data.empty());
}

TEST_F(IntegrationFindingsTest, CsvExportParsesBackWithChineseText) {
  Seed();
  v1::ExportRequest req;
  req.set_format(v1::CSV);
  std::string data;
  uint64_t rows = 0;
  ASSERT_TRUE(Export(integration_, req, &data, &rows).ok());
  EXPECT_EQ(rows, 5u);
  EXPECT_EQ(data.substr(0, 19), "finding_id,version,");
  EXPECT_NE(data.find("\r\n"), std::string::npos);

  core::CsvReader reader(data);
  core::CsvRecord rec;
  ASSERT_TRUE(*reader.Next(&rec));
  EXPECT_EQ(rec.fields, core::FindingExportColumns());
  const auto& cols = core::FindingExportColumns();
  auto col = [&](const char* name) { return std::find(cols.begin(), cols.end(), name) - cols.begin(); };
  std::vector<std::string> ids;
  bool saw_chinese = false;
  for (;;) {
    auto more = reader.Next(&rec);
    ASSERT_TRUE(more.ok()) << more.status().ToString();
    if (!*more) break;
    ASSERT_EQ(rec.fields.size(), cols.size());
    ids.push_back(rec.fields[col("finding_id")]);
    if (rec.fields[col("category")] == "supplies") {
      saw_chinese = true;
      EXPECT_EQ(rec.fields[col("description")], kChinese);
      EXPECT_EQ(rec.fields[col("title")], "消防器材");
      EXPECT_EQ(rec.fields[col("tags")], "厨房;urgent");
      EXPECT_EQ(rec.fields[col("site_name")], "A Primary");
      EXPECT_EQ(rec.fields[col("zone_id")], north_);
    }
    if (rec.fields[col("site_id")] == site_c_) {
      EXPECT_EQ(rec.fields[col("overdue")], "true");
      EXPECT_EQ(rec.fields[col("deadline")], "2025-12-31");
      EXPECT_EQ(rec.fields[col("severity")], "MEDIUM");
      EXPECT_EQ(rec.fields[col("status")], "OPEN");
    }
  }
  EXPECT_TRUE(saw_chinese);
  EXPECT_EQ(ids, finding_ids_);

  // Filters apply; an export with no rows is the header alone.
  req.mutable_query()->add_categories("nowhere");
  data.clear();
  ASSERT_TRUE(Export(office_, req, &data, &rows).ok());
  EXPECT_EQ(rows, 0u);
  std::string header;
  core::AppendFindingCsvHeader(&header);
  EXPECT_EQ(data, header);
}

// Issue 17: the columns a clerk needs, resolved on the server — zone name,
// site code and name, notice reference, deadline, days overdue, and who
// recorded the finding by name. The reference data comes in through the
// Import RPC, the sites file as Excel saves it on a Chinese Windows (GBK)
// with Chinese kind and role labels.
TEST_F(IntegrationFindingsTest, ExportNamesZoneSiteNoticeAndInspector) {
  v1::ImportResponse resp;
  grpc::Status st = Import(office_, v1::IMPORT_ZONES, v1::CSV, "code,name\nN,\xE5\x8C\x97\xE5\x8C\xBA\n", &resp);
  ASSERT_TRUE(st.ok()) << st.error_message();
  // "PS-1,第一实验小学,小学,N" in GBK.
  const std::string gbk_sites =
      "code,name,kind,zone\r\nPS-1,\xB5\xDA\xD2\xBB\xCA\xB5\xD1\xE9\xD0\xA1\xD1\xA7,\xD0\xA1\xD1\xA7,N\r\n";
  st = Import(office_, v1::IMPORT_SITES, v1::CSV, gbk_sites, &resp);
  ASSERT_TRUE(st.ok()) << st.error_message();
  st = Import(office_, v1::IMPORT_USERS, v1::CSV, "code,name,role\nwang,王主任,办公室\n", &resp);
  ASSERT_TRUE(st.ok()) << st.error_message();
  const std::string site = core::ImportRecordId("sites", "PS-1"), wang = core::ImportRecordId("users", "wang");

  // Wang (an office user of the directory) records a finding and notifies it.
  const std::string client = "0190a000-0000-7000-8000-0000000000d7", wang_token = Token(wang, "office", "office-wang");
  const int64_t deadline = clock_.NowMillis() - 3 * kDayMs;
  std::string finding = ids_.NewUuidV7(), notice = ids_.NewUuidV7();
  v1::Finding before = At(site, "fire", v1::HIGH, 0), after = before;
  v1::RecordBody nb;
  nb.mutable_notice()->set_site_id(site);
  nb.mutable_notice()->add_finding_ids(finding);
  nb.mutable_notice()->set_deadline_ms(deadline);
  nb.mutable_notice()->set_reference_no("北教督〔2026〕7号");
  after.set_status(v1::NOTIFIED);
  after.set_deadline_ms(deadline);
  after.set_notice_id(notice);
  v1::PushResponse pushed;
  ASSERT_TRUE(sync_->Push(Ctx(wang_token).get(),
                          Batch({CreateFinding(client, 1, finding, before), CreateRecord(client, 2, "notices", notice, nb)}),
                          &pushed)
                  .ok());
  for (const auto& r : pushed.results()) ASSERT_EQ(r.outcome(), v1::APPLIED) << r.reason();
  uint64_t version = pushed.results(0).record().version();
  ASSERT_TRUE(sync_->Push(Ctx(wang_token).get(),
                          Batch({testing::PatchFinding(client, 3, finding, version, before, after,
                                                       {"status", "deadline_ms", "notice_id"})}),
                          &pushed)
                  .ok());
  ASSERT_EQ(pushed.results(0).outcome(), v1::APPLIED) << pushed.results(0).reason();

  // The latest version is another person's: the inspector is who recorded it.
  v1::Finding edited = after;
  edited.set_responsible_org("School kitchen");
  ASSERT_TRUE(sync_->Push(Ctx(office_).get(),
                          Batch({testing::PatchFinding(kClient, 1, finding, pushed.results(0).record().version(), after,
                                                       edited, {"responsible_org"})}),
                          &pushed)
                  .ok());
  ASSERT_EQ(pushed.results(0).outcome(), v1::APPLIED) << pushed.results(0).reason();

  auto check = [&](auto field) {
    EXPECT_EQ(field("zone_name"), "北区");
    EXPECT_EQ(field("site_code"), "PS-1");
    EXPECT_EQ(field("site_name"), "第一实验小学");
    EXPECT_EQ(field("notice_reference"), "北教督〔2026〕7号");
    EXPECT_EQ(field("deadline"), "2025-12-29");
    EXPECT_EQ(field("overdue_days"), "3");
    EXPECT_EQ(field("inspector_id"), wang);
    EXPECT_EQ(field("inspector_name"), "王主任");
    EXPECT_EQ(field("updated_by"), "u-office");
  };
  const auto& cols = core::FindingExportColumns();
  auto col = [&](const std::string& name) { return std::find(cols.begin(), cols.end(), name) - cols.begin(); };

  v1::ExportRequest req;
  req.set_format(v1::CSV);
  std::string data;
  uint64_t rows = 0;
  ASSERT_TRUE(Export(integration_, req, &data, &rows).ok());
  ASSERT_EQ(rows, 1u);
  core::CsvReader reader(data);
  core::CsvRecord header, rec;
  ASSERT_TRUE(*reader.Next(&header));
  ASSERT_TRUE(*reader.Next(&rec));
  ASSERT_EQ(rec.fields.size(), cols.size());
  check([&](const std::string& name) { return rec.fields[col(name)]; });

  req.set_format(v1::JSON_LINES);
  data.clear();
  ASSERT_TRUE(Export(office_, req, &data, &rows).ok());
  google::protobuf::Struct obj;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(data.substr(0, data.find('\n')), &obj).ok()) << data;
  check([&](const std::string& name) {
    const auto& v = obj.fields().at(name);
    return v.has_number_value() ? std::to_string(static_cast<int64_t>(v.number_value())) : v.string_value();
  });

  // The list carries the same names.
  v1::FindingPage page;
  ASSERT_TRUE(api_->ListFindings(Ctx(office_).get(), {}, &page).ok());
  ASSERT_EQ(page.findings_size(), 1);
  EXPECT_EQ(page.findings(0).inspector_name(), "王主任");
  EXPECT_EQ(page.findings(0).site_code(), "PS-1");
  EXPECT_EQ(page.findings(0).zone_name(), "北区");
  EXPECT_EQ(page.findings(0).notice_reference(), "北教督〔2026〕7号");
}

TEST_F(IntegrationFindingsTest, JsonLinesExportHasTheSameKeys) {
  Seed();
  v1::ExportRequest req;
  req.set_format(v1::JSON_LINES);
  req.mutable_query()->add_statuses(v1::OPEN);
  std::string data;
  uint64_t rows = 0;
  ASSERT_TRUE(Export(office_, req, &data, &rows).ok());
  EXPECT_EQ(rows, 4u);
  std::istringstream in(data);
  std::string line;
  int n = 0;
  bool saw_chinese = false;
  while (std::getline(in, line)) {
    ++n;
    google::protobuf::Struct obj;
    ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(line, &obj).ok()) << line;
    std::set<std::string> keys;
    for (const auto& [k, v] : obj.fields()) keys.insert(k);
    EXPECT_EQ(keys, std::set<std::string>(core::FindingExportColumns().begin(), core::FindingExportColumns().end()));
    EXPECT_EQ(obj.fields().at("status").string_value(), "OPEN");
    if (obj.fields().at("category").string_value() == "supplies") {
      saw_chinese = true;
      EXPECT_EQ(obj.fields().at("description").string_value(), kChinese);
      EXPECT_EQ(obj.fields().at("tags").list_value().values_size(), 2);
      EXPECT_FALSE(obj.fields().at("overdue").bool_value());
    }
  }
  EXPECT_EQ(n, 4);
  EXPECT_TRUE(saw_chinese);
  // Keys in the documented order.
  EXPECT_EQ(data.rfind("{\"finding_id\":", 0), 0u);
}

TEST_F(IntegrationFindingsTest, ImportWithOneBadRowChangesNothingAndNamesTheLine) {
  v1::ImportResponse resp;
  ASSERT_TRUE(Import(office_, v1::IMPORT_ZONES, v1::CSV, "code,name\nN,North\nS,South\n", &resp).ok());
  EXPECT_EQ(resp.rows(), 2u);
  EXPECT_EQ(resp.created(), 2u);
  EXPECT_GT(resp.seq(), 0u);
  EXPECT_EQ(resp.seq(), Head());

  uint64_t head = Head();
  const std::string sites =
      "code,name,kind,zone,address\n"
      "PS-1,No. 1 Primary,PRIMARY_SCHOOL,N,1 Main St\n"
      "PS-2,No. 2 Middle,MIDDLE_SCHOOL,Z9,\n"
      "PS-3,No. 3,KINDERGARTEN,S,\n";
  grpc::Status st = Import(office_, v1::IMPORT_SITES, v1::CSV, sites, &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(st.error_message().find("line 3: zone 'Z9' does not exist"), std::string::npos) << st.error_message();
  EXPECT_NE(st.error_message().find("nothing was written"), std::string::npos);
  EXPECT_EQ(Head(), head);
  EXPECT_EQ(*server_->engine()->store()->CountRecords("sites"), 0u);

  // Every problem listed, each with its line.
  st = Import(office_, v1::IMPORT_SITES, v1::CSV,
              "code,name,kind,zone\nPS-1,One,college,N\nPS-1,Dup,PRIMARY,nowhere\n,x,PRIMARY,N\n", &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  for (const char* want : {"line 2: kind 'college'", "line 3: code 'PS-1' is already used on line 2",
                           "line 3: zone 'nowhere' does not exist", "line 4: code is empty"})
    EXPECT_NE(st.error_message().find(want), std::string::npos) << want << " in " << st.error_message();
  // A missing column is named too.
  st = Import(office_, v1::IMPORT_SITES, v1::CSV, "code,name\nPS-1,One\n", &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(st.error_message().find("line 1:"), std::string::npos) << st.error_message();
  EXPECT_EQ(Head(), head);
}

TEST_F(IntegrationFindingsTest, JsonLinesImportReimportAndDryRun) {
  v1::ImportResponse resp;
  ASSERT_TRUE(Import(integration_, v1::IMPORT_ZONES, v1::JSON_LINES,
                     "{\"code\":\"N\",\"name\":\"北区\"}\n\n{\"code\":\"S\",\"name\":\"South\"}\n", &resp)
                  .ok());
  EXPECT_EQ(resp.created(), 2u);
  auto zone = server_->engine()->store()->GetRecord("zones", core::ImportRecordId("zones", "N"));
  ASSERT_TRUE(zone.ok() && zone->has_value());
  v1::Zone z;
  ASSERT_TRUE(z.ParseFromString((*zone)->body));
  EXPECT_EQ(z.name(), "北区");
  EXPECT_EQ((*zone)->meta.author(), "u-erp");

  // Dry run: checked and counted, nothing written.
  uint64_t head = Head();
  const std::string users = "{\"code\":\"li\",\"name\":\"Li Na\",\"role\":\"inspector\"}\n"
                            "{\"code\":\"dir\",\"name\":\"Zhao\",\"role\":\"zone_director\",\"active\":true}\n";
  ASSERT_TRUE(Import(office_, v1::IMPORT_USERS, v1::JSON_LINES, users, &resp, /*dry_run=*/true).ok());
  EXPECT_EQ(resp.created(), 2u);
  EXPECT_EQ(resp.seq(), 0u);
  EXPECT_EQ(Head(), head);
  ASSERT_TRUE(Import(office_, v1::IMPORT_USERS, v1::JSON_LINES, users, &resp).ok());
  EXPECT_EQ(resp.created(), 2u);
  // Again: nothing new.
  ASSERT_TRUE(Import(office_, v1::IMPORT_USERS, v1::JSON_LINES, users, &resp).ok());
  EXPECT_EQ(resp.created(), 0u);
  EXPECT_EQ(resp.unchanged(), 2u);
  EXPECT_EQ(resp.seq(), 0u);

  // Assignments reference the codes; a bad object names its line.
  head = Head();
  grpc::Status st = Import(office_, v1::IMPORT_ASSIGNMENTS, v1::JSON_LINES,
                           "{\"user\":\"li\",\"zone\":\"N\"}\n{\"user\":\"li\",\"zone\":\"N\",\"colour\":\"red\"}\nnot json\n",
                           &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(st.error_message().find("line 2: key 'colour'"), std::string::npos) << st.error_message();
  EXPECT_NE(st.error_message().find("line 3: not a JSON object"), std::string::npos) << st.error_message();
  EXPECT_EQ(Head(), head);
  ASSERT_TRUE(Import(office_, v1::IMPORT_ASSIGNMENTS, v1::JSON_LINES, "{\"user\":\"li\",\"zone\":\"N\"}\n", &resp).ok());
  EXPECT_EQ(resp.created(), 1u);
}

TEST_F(IntegrationFindingsTest, ImportRefusesBadKindFormatAndRoles) {
  v1::ImportResponse resp;
  EXPECT_EQ(Import(office_, v1::IMPORT_KIND_UNSPECIFIED, v1::CSV, "code,name\nN,North\n", &resp).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Import(office_, v1::IMPORT_ZONES, v1::DATA_FORMAT_UNSPECIFIED, "code,name\nN,North\n", &resp).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Import(inspector_, v1::IMPORT_ZONES, v1::CSV, "code,name\nN,North\n", &resp).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Import(office_, v1::IMPORT_ZONES, v1::CSV, "", &resp).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Head(), 0u);
}

TEST_F(IntegrationFindingsTest, SummaryCountsEveryStatusAndConflictsByZone) {
  Seed();
  // A REVIEW conflict on the description of the south finding: two offices
  // edit it from the same base.
  std::string south_finding;
  v1::FindingPage page;
  v1::FindingQuery q;
  q.add_zone_ids(south_);
  ASSERT_TRUE(api_->ListFindings(Ctx(office_).get(), q, &page).ok());
  ASSERT_EQ(page.findings_size(), 1);
  south_finding = page.findings(0).finding_id();
  v1::Finding base = page.findings(0).finding(), mine = base, theirs = base;
  mine.set_description("the office's view");
  theirs.set_description("the laptop's view");
  v1::PushResponse resp;
  ASSERT_TRUE(sync_->Push(Ctx(office_).get(),
                          Batch({testing::PatchFinding(kClient, 200, south_finding, page.findings(0).version(), base,
                                                       mine, {"description"})}),
                          &resp)
                  .ok());
  ASSERT_TRUE(sync_->Push(Ctx(Token("u-office2", "office", "office-laptop")).get(),
                          Batch({testing::PatchFinding(kOtherClient, 1, south_finding, page.findings(0).version(),
                                                       base, theirs, {"description"})}),
                          &resp)
                  .ok());
  ASSERT_EQ(resp.results(0).outcome(), v1::CONFLICT) << resp.results(0).reason();

  v1::SummaryReport report;
  ASSERT_TRUE(api_->Summary(Ctx(office_).get(), v1::SummaryRequest(), &report).ok());
  EXPECT_EQ(report.findings(), 5u);
  EXPECT_EQ(report.overdue(), 2u);
  EXPECT_EQ(report.as_of_ms(), clock_.NowMillis());
  bool voided_counted = false;
  for (const auto& c : report.counts())
    if (c.status() == v1::VOIDED && c.zone_id() == north_ && c.category() == "fire" && c.findings() == 1)
      voided_counted = true;
  EXPECT_TRUE(voided_counted);
  ASSERT_EQ(report.conflicts_size(), 1);
  EXPECT_EQ(report.conflicts(0).zone_id(), south_);
  EXPECT_EQ(report.conflicts(0).open(), 1u);
  EXPECT_EQ(report.open_conflicts(), 1u);

  v1::SummaryRequest north;
  north.add_zone_ids(north_);
  north.add_categories("fire");
  ASSERT_TRUE(api_->Summary(Ctx(integration_).get(), north, &report).ok());
  EXPECT_EQ(report.findings(), 3u);
  EXPECT_EQ(report.overdue(), 1u);
  EXPECT_EQ(report.conflicts_size(), 0);
  EXPECT_EQ(report.open_conflicts(), 0u);
}

// 100,000 findings (~70 MB of CSV) exported over gRPC: every row arrives, and
// the server holds at most one chunk plus one page of rendered rows, and the
// process's peak memory grows by far less than the export's size.
TEST_F(IntegrationFindingsTest, ExportOf100000FindingsInBoundedMemory) {
  constexpr int kFindings = 100000;
  const std::string description = std::string(120, 'x') + " " + kChinese + " " + std::string(400, 'y');
  storage::ServerStore* store = server_->engine()->store();
  ASSERT_TRUE(store->Write([&](storage::ServerWriteTxn& txn) -> Status {
                     v1::Site site;
                     site.set_name("Big School");
                     site.set_zone_id(north_);
                     storage::StoredRecord s;
                     s.collection = "sites";
                     s.id = site_a_;
                     s.body = site.SerializeAsString();
                     s.scope = site_a_;
                     return txn.AppendVersion(&s, kClient, 0, v1::CREATE);
                   })
                  .ok());
  for (int batch = 0; batch < kFindings / 10000; ++batch) {
    ASSERT_TRUE(store->Write([&](storage::ServerWriteTxn& txn) -> Status {
                       for (int i = 0; i < 10000; ++i) {
                         int n = batch * 10000 + i;
                         v1::Finding f = At(site_a_, n % 2 ? "fire" : "supplies", v1::HIGH, 0);
                         f.set_description(description);
                         storage::StoredRecord r;
                         r.collection = "findings";
                         char id[40];
                         std::snprintf(id, sizeof id, "0190a000-0000-7000-8000-%012d", n);
                         r.id = id;
                         r.body = f.SerializeAsString();
                         r.scope = site_a_;
                         r.meta.set_author("u-bulk");
                         r.meta.set_hlc(core::Hlc::Pack(testing::kTestNowMs, 0));
                         INSPECTSYNC_RETURN_IF_ERROR(txn.AppendVersion(&r, kClient, 0, v1::CREATE));
                       }
                       return Status::Ok();
                     })
                    .ok());
  }

  int64_t rss_before = PeakRss();
  v1::ExportRequest req;
  req.set_format(v1::CSV);
  auto ctx = Ctx(office_, 600);
  auto reader = api_->ExportFindings(ctx.get(), req);
  v1::ExportChunk chunk;
  uint64_t bytes = 0, lines = 0, last_rows = 0, chunks = 0;
  std::string head;  // the first chunks, to parse back
  while (reader->Read(&chunk)) {
    ++chunks;
    ASSERT_LE(chunk.data().size(), server::kExportChunkBytes);
    bytes += chunk.data().size();
    // Descriptions hold a LF but never CR LF: CR LF ends a row.
    for (size_t p = chunk.data().find("\r\n"); p != std::string::npos; p = chunk.data().find("\r\n", p + 2)) ++lines;
    if (head.size() < 2 * server::kExportChunkBytes) head += chunk.data();
    if (chunk.last()) last_rows = chunk.rows();
  }
  ASSERT_TRUE(reader->Finish().ok());
  int64_t rss_growth = PeakRss() - rss_before;

  EXPECT_EQ(last_rows, static_cast<uint64_t>(kFindings));
  EXPECT_EQ(lines, static_cast<uint64_t>(kFindings) + 1);  // and the header
  EXPECT_GT(bytes, 60u << 20);
  EXPECT_GT(chunks, 240u);
  // Structural bound: the exporter never held more than a chunk plus one
  // page of rows, nor read more than one page of records at a time.
  EXPECT_LE(server::FindingExporter::PeakPageRecords(), server::kExportPageRecords);
  EXPECT_LT(server::FindingExporter::PeakPendingBytes(), server::kExportChunkBytes + server::kExportPageRecords * 2048);
  // And the process: far below the size of the export. Not under
  // AddressSanitizer, whose quarantine keeps up to 256 MiB of freed memory
  // resident by design; the structural bounds above hold there too.
#if !defined(__SANITIZE_ADDRESS__)
  EXPECT_LT(rss_growth, 64LL << 20) << "peak RSS grew by " << rss_growth << " bytes for a " << bytes << "-byte export";
#endif
  std::printf("export: %llu bytes in %llu chunks; peak pending %zu bytes; peak RSS growth %lld bytes\n",
              static_cast<unsigned long long>(bytes), static_cast<unsigned long long>(chunks),
              server::FindingExporter::PeakPendingBytes(), static_cast<long long>(rss_growth));

  // The first rows parse back, in id order, with their values.
  head = head.substr(0, head.rfind("\r\n") + 2);
  core::CsvReader csv(head);
  core::CsvRecord rec;
  ASSERT_TRUE(*csv.Next(&rec));
  int n = 0;
  for (;;) {
    auto more = csv.Next(&rec);
    ASSERT_TRUE(more.ok()) << more.status().ToString();
    if (!*more) break;
    char id[40];
    std::snprintf(id, sizeof id, "0190a000-0000-7000-8000-%012d", n);
    ASSERT_EQ(rec.fields[0], id);
    ASSERT_EQ(rec.fields[15], description);
    ASSERT_EQ(rec.fields[3], "Big School");
    ASSERT_EQ(rec.fields[7], n % 2 ? "fire" : "supplies");
    ++n;
  }
  EXPECT_GT(n, 100);
}

}  // namespace
}  // namespace inspectsync
