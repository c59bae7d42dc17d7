// OfficeService over a real server on 127.0.0.1 port 0, with TLS and signed
// tokens: who sees which problems, filters, pages that add up, overdue judged
// by the server's clock, bad queries refused with the right code.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <set>

#include "core/ids.h"
#include "inspectsync/v1/office.grpc.pb.h"
#include "inspectsync/v1/sync.grpc.pb.h"
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
const std::string kClient = "0190a000-0000-7000-8000-0000000000c2";

class OfficeServiceTest : public ::testing::Test {
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
    office_token_ = Token("u-office", "office", "office-pc");
    Seed();
  }

  std::string Token(const std::string& user, const std::string& role, const std::string& device) {
    return auth_.Token(user, role, device, clock_.NowMillis() / 1000);
  }

  std::unique_ptr<grpc::ClientContext> Ctx(const std::string& token) {
    return testing::BearerContext(token, 20);
  }

  v1::Finding At(const std::string& site, const std::string& category, v1::Severity sev, int64_t deadline_ms) {
    v1::Finding f = testing::FindingAt(site, category + " problem");
    f.set_category(category);
    f.set_severity(sev);
    f.set_deadline_ms(deadline_ms);
    return f;
  }

  // Two zones: north (sites a, b), south (site c). Findings:
  //   a: fire HIGH due now+1d, fire LOW overdue (due now-3d), supplies MEDIUM no deadline
  //   b: supplies CRITICAL due now+2d, one VOIDED (not on the default list)
  //   c: fire MEDIUM overdue (due now-1d)
  // A zone director is assigned zone north.
  void Seed() {
    int64_t now = clock_.NowMillis();
    std::vector<v1::Mutation> ms;
    uint64_t mid = 0;
    auto add = [&](v1::Mutation m) { ms.push_back(std::move(m)); };
    add(CreateRecord(kClient, ++mid, "zones", north_, testing::ZoneBody("North")));
    add(CreateRecord(kClient, ++mid, "zones", south_, testing::ZoneBody("South")));
    add(CreateRecord(kClient, ++mid, "sites", site_a_, testing::SiteBody(north_, "A Primary")));
    add(CreateRecord(kClient, ++mid, "sites", site_b_, testing::SiteBody(north_, "B Kindergarten")));
    add(CreateRecord(kClient, ++mid, "sites", site_c_, testing::SiteBody(south_, "C Middle")));
    add(CreateRecord(kClient, ++mid, "assignments", ids_.NewUuidV7(),
                     testing::AssignmentBody("u-director", north_, /*zone=*/true)));
    add(CreateFinding(kClient, ++mid, ids_.NewUuidV7(), At(site_a_, "fire", v1::HIGH, now + kDayMs)));
    add(CreateFinding(kClient, ++mid, ids_.NewUuidV7(), At(site_a_, "fire", v1::LOW, now - 3 * kDayMs)));
    add(CreateFinding(kClient, ++mid, ids_.NewUuidV7(), At(site_a_, "supplies", v1::MEDIUM, 0)));
    add(CreateFinding(kClient, ++mid, ids_.NewUuidV7(), At(site_b_, "supplies", v1::CRITICAL, now + 2 * kDayMs)));
    v1::Finding voided = At(site_b_, "fire", v1::LOW, 0);
    voided.set_status(v1::DRAFT);
    std::string voided_id = ids_.NewUuidV7();
    add(CreateFinding(kClient, ++mid, voided_id, voided));
    v1::Finding after = voided;
    after.set_status(v1::VOIDED);
    after.set_void_reason("duplicate");
    add(testing::PatchFinding(kClient, ++mid, voided_id, 0, voided, after, {"status", "void_reason"}));
    add(CreateFinding(kClient, ++mid, ids_.NewUuidV7(), At(site_c_, "fire", v1::MEDIUM, now - kDayMs)));
    v1::PushResponse resp;
    auto ctx = Ctx(office_token_);
    ASSERT_TRUE(sync_->Push(ctx.get(), Batch(ms), &resp).ok());
    for (const auto& r : resp.results()) ASSERT_NE(r.outcome(), v1::REJECTED) << r.reason();
  }

  grpc::Status List(const std::string& token, const v1::ProblemQuery& q, v1::ProblemPage* page) {
    return office_->ListProblems(Ctx(token).get(), q, page);
  }
  grpc::Status Count(const std::string& token, const v1::ProblemQuery& q, v1::ProblemReport* report) {
    return office_->CountProblems(Ctx(token).get(), q, report);
  }

  // Every page of `q`, following next_page_token; ids in order.
  std::vector<std::string> ListAll(const std::string& token, v1::ProblemQuery q, int* pages = nullptr) {
    std::vector<std::string> ids;
    int n = 0;
    for (;;) {
      v1::ProblemPage page;
      grpc::Status st = List(token, q, &page);
      EXPECT_TRUE(st.ok()) << st.error_message();
      if (!st.ok()) break;
      ++n;
      for (const auto& p : page.problems()) ids.push_back(p.finding_id());
      if (page.next_page_token().empty()) break;
      q.set_page_token(page.next_page_token());
    }
    if (pages) *pages = n;
    return ids;
  }

  std::set<std::string> SitesOf(const v1::ProblemPage& page) {
    std::set<std::string> out;
    for (const auto& p : page.problems()) out.insert(p.finding().site_id());
    return out;
  }

  testing::TempDir dir_;
  testing::TestAuth auth_{dir_.path()};
  core::ManualClock clock_;
  core::IdGenerator ids_{&clock_, 21};
  std::string north_ = ids_.NewUuidV7(), south_ = ids_.NewUuidV7();
  std::string site_a_ = ids_.NewUuidV7(), site_b_ = ids_.NewUuidV7(), site_c_ = ids_.NewUuidV7();
  std::string office_token_;
  std::unique_ptr<server::Server> server_;
  std::unique_ptr<v1::SyncService::Stub> sync_;
  std::unique_ptr<v1::OfficeService::Stub> office_;
};

TEST_F(OfficeServiceTest, OfficeAndIntegrationSeeEveryFollowedFindingInDeadlineOrder) {
  for (const std::string& token : {office_token_, Token("u-feed", "integration", "etl")}) {
    v1::ProblemPage page;
    ASSERT_TRUE(List(token, v1::ProblemQuery(), &page).ok());
    ASSERT_EQ(page.problems_size(), 5);  // the voided one is not followed
    EXPECT_EQ(page.as_of_ms(), clock_.NowMillis());
    EXPECT_EQ(SitesOf(page), (std::set<std::string>{site_a_, site_b_, site_c_}));
    // Deadline order, no deadline last.
    EXPECT_EQ(page.problems(0).finding().severity(), v1::LOW);      // a, due -3d
    EXPECT_EQ(page.problems(1).finding().site_id(), site_c_);       // c, due -1d
    EXPECT_EQ(page.problems(4).finding().deadline_ms(), 0);         // a, supplies, none
    EXPECT_EQ(page.problems(0).zone_id(), north_);
    EXPECT_EQ(page.problems(0).site_name(), "A Primary");
    EXPECT_TRUE(page.next_page_token().empty());
  }
}

TEST_F(OfficeServiceTest, AZoneDirectorSeesTheirZonesOnlyAndAnInspectorNothing) {
  std::string director = Token("u-director", "zone_director", "tablet-d");
  v1::ProblemPage page;
  ASSERT_TRUE(List(director, v1::ProblemQuery(), &page).ok());
  EXPECT_EQ(page.problems_size(), 4);
  EXPECT_EQ(SitesOf(page), (std::set<std::string>{site_a_, site_b_}));
  // Asking for another zone's site by name reveals nothing either.
  v1::ProblemQuery other;
  other.add_site_ids(site_c_);
  ASSERT_TRUE(List(director, other, &page).ok());
  EXPECT_EQ(page.problems_size(), 0);
  v1::ProblemReport report;
  ASSERT_TRUE(Count(director, v1::ProblemQuery(), &report).ok());
  EXPECT_EQ(report.findings(), 4u);
  for (const auto& c : report.counts()) EXPECT_EQ(c.zone_id(), north_);

  // A director without assignments sees nothing (not everything).
  ASSERT_TRUE(List(Token("u-nobody", "zone_director", "t"), v1::ProblemQuery(), &page).ok());
  EXPECT_EQ(page.problems_size(), 0);

  std::string inspector = Token("u-li", "inspector", "tablet-li");
  grpc::Status st = List(inspector, v1::ProblemQuery(), &page);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_NE(st.error_message().find("office, zone directors and integrations"), std::string::npos)
      << st.error_message();
  EXPECT_EQ(Count(inspector, v1::ProblemQuery(), &report).error_code(), grpc::StatusCode::PERMISSION_DENIED);

  EXPECT_EQ(List("", v1::ProblemQuery(), &page).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(Count("isv1.forged.token", v1::ProblemQuery(), &report).error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(OfficeServiceTest, FiltersCombine) {
  v1::ProblemQuery q;
  q.add_zone_ids(north_);
  q.add_categories("fire");
  v1::ProblemPage page;
  ASSERT_TRUE(List(office_token_, q, &page).ok());
  EXPECT_EQ(page.problems_size(), 2);  // a's two fire findings
  EXPECT_EQ(SitesOf(page), (std::set<std::string>{site_a_}));

  v1::ProblemQuery sev;
  sev.add_severities(v1::CRITICAL);
  sev.add_severities(v1::HIGH);
  ASSERT_TRUE(List(office_token_, sev, &page).ok());
  EXPECT_EQ(page.problems_size(), 2);

  v1::ProblemQuery voided;
  voided.add_statuses(v1::VOIDED);
  voided.add_site_ids(site_b_);
  ASSERT_TRUE(List(office_token_, voided, &page).ok());
  ASSERT_EQ(page.problems_size(), 1);
  EXPECT_EQ(page.problems(0).finding().void_reason(), "duplicate");
}

TEST_F(OfficeServiceTest, PagesAddUpToTheWholeList) {
  std::vector<std::string> whole = ListAll(office_token_, v1::ProblemQuery());
  ASSERT_EQ(whole.size(), 5u);
  for (uint32_t size : {1u, 2u, 4u}) {
    v1::ProblemQuery q;
    q.set_page_size(size);
    int pages = 0;
    EXPECT_EQ(ListAll(office_token_, q, &pages), whole) << "page size " << size;
    EXPECT_EQ(pages, static_cast<int>((whole.size() + size - 1) / size)) << "page size " << size;
  }
}

TEST_F(OfficeServiceTest, OverdueIsJudgedByTheServerClock) {
  v1::ProblemQuery overdue;
  overdue.set_overdue_only(true);
  v1::ProblemPage page;
  ASSERT_TRUE(List(office_token_, overdue, &page).ok());
  ASSERT_EQ(page.problems_size(), 2);
  EXPECT_EQ(page.problems(0).overdue_days(), 3);
  EXPECT_EQ(page.problems(1).overdue_days(), 1);
  v1::ProblemReport report;
  ASSERT_TRUE(Count(office_token_, v1::ProblemQuery(), &report).ok());
  EXPECT_EQ(report.findings(), 5u);
  EXPECT_EQ(report.overdue(), 2u);

  // Three days later the findings due in one and two days are overdue too.
  // (The server's clock also judges token expiry: a fresh token.)
  clock_.Advance(3 * kDayMs);
  office_token_ = Token("u-office", "office", "office-pc");
  ASSERT_TRUE(List(office_token_, overdue, &page).ok());
  EXPECT_EQ(page.problems_size(), 4);
  EXPECT_EQ(page.as_of_ms(), clock_.NowMillis());
  ASSERT_TRUE(Count(office_token_, v1::ProblemQuery(), &report).ok());
  EXPECT_EQ(report.overdue(), 4u);
  uint64_t sum = 0, overdue_sum = 0;
  for (const auto& c : report.counts()) {
    sum += c.findings();
    overdue_sum += c.overdue();
  }
  EXPECT_EQ(sum, report.findings());
  EXPECT_EQ(overdue_sum, report.overdue());
}

TEST_F(OfficeServiceTest, BadQueriesAreInvalidArgument) {
  v1::ProblemPage page;
  v1::ProblemReport report;
  v1::ProblemQuery big;
  big.set_page_size(5000);
  grpc::Status st = List(office_token_, big, &page);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(st.error_message().find("page_size"), std::string::npos) << st.error_message();

  v1::ProblemQuery token;
  token.set_page_token("not-ours");
  st = List(office_token_, token, &page);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(st.error_message().find("page_token"), std::string::npos) << st.error_message();

  v1::ProblemQuery status;
  status.add_statuses(static_cast<v1::FindingStatus>(42));
  EXPECT_EQ(Count(office_token_, status, &report).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  v1::ProblemQuery severity;
  severity.add_severities(v1::SEVERITY_UNSPECIFIED);
  EXPECT_EQ(List(office_token_, severity, &page).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  // The query is checked before the role: neither answer reveals a finding.
  EXPECT_EQ(List(Token("u-li", "inspector", "t"), big, &page).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

}  // namespace
}  // namespace inspectsync
