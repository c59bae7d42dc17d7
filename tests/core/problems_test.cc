// The problem list: filters, order, pages that add up to the whole list with
// memory of one page, counts for the report, bad queries.
#include "core/problems.h"

#include <gtest/gtest.h>

#include <random>
#include <set>
#include <string>
#include <vector>

namespace inspectsync::core {
namespace {

constexpr int64_t kNow = 1'767'225'600'000;
constexpr int64_t kDay = 86'400'000;

struct Row {
  std::string id;
  v1::Finding f;
};

std::vector<Row> District(uint32_t seed, int n) {
  std::mt19937 rng(seed);
  std::vector<Row> out;
  const v1::FindingStatus statuses[] = {v1::DRAFT,       v1::OPEN,   v1::NOTIFIED, v1::IN_RECTIFICATION,
                                        v1::RECTIFIED,   v1::CLOSED, v1::REOPENED, v1::VOIDED};
  for (int i = 0; i < n; ++i) {
    Row r;
    r.id = "finding-" + std::to_string(1000 + i);
    r.f.set_site_id("site-" + std::to_string(rng() % 6));
    r.f.set_category(rng() % 2 ? "fire-safety" : "prevention-supplies");
    r.f.set_severity(static_cast<v1::Severity>(1 + rng() % 4));
    r.f.set_status(statuses[rng() % 8]);
    if (rng() % 3) r.f.set_deadline_ms(kNow + (static_cast<int64_t>(rng() % 20) - 10) * kDay);
    out.push_back(r);
  }
  return out;
}

SiteDirectory Sites() {
  SiteDirectory d;
  for (int i = 0; i < 6; ++i) d["site-" + std::to_string(i)] = SiteInfo{i < 3 ? "zone-east" : "zone-west", "School " + std::to_string(i), ""};
  return d;
}

std::vector<std::string> ListAll(const std::vector<Row>& rows, v1::ProblemQuery q, int* pages,
                                 size_t max_bytes = kMaxProblemPageBytes) {
  SiteDirectory sites = Sites();
  std::vector<std::string> out;
  *pages = 0;
  for (;;) {
    EXPECT_TRUE(CheckProblemQuery(q).ok());
    ProblemPager pager(q, kNow, max_bytes);
    for (const Row& r : rows) pager.Offer(r.id, 1, r.f, &sites.at(r.f.site_id()));
    v1::ProblemPage page = pager.Finish();
    ++*pages;
    EXPECT_LE(static_cast<uint32_t>(page.problems_size()), q.page_size() ? q.page_size() : kDefaultProblemPageSize);
    EXPECT_GE(page.problems_size(), 1);
    if (page.problems_size() > 1) {
      EXPECT_LE(page.ByteSizeLong(), max_bytes + 64) << "page " << *pages;
    }
    for (const auto& p : page.problems()) out.push_back(p.finding_id());
    if (page.next_page_token().empty()) return out;
    q.set_page_token(page.next_page_token());
  }
}

TEST(ProblemsTest, PagesAddUpToTheSortedFilteredList) {
  std::vector<Row> rows = District(7, 500);
  v1::ProblemQuery q;
  q.set_page_size(17);
  int pages = 0;
  std::vector<std::string> listed = ListAll(rows, q, &pages);
  // The same list built the obvious way.
  std::vector<ProblemKey> want;
  for (const Row& r : rows)
    if (MatchesProblem(v1::ProblemQuery(), r.f, "", kNow)) want.push_back(KeyOf(r.id, r.f));
  std::sort(want.begin(), want.end());
  ASSERT_EQ(listed.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) EXPECT_EQ(listed[i], want[i].id) << i;
  EXPECT_EQ(pages, static_cast<int>((want.size() + 16) / 17) + (want.size() % 17 == 0 ? 1 : 0));
  // Followed by default: no drafts, nothing closed or voided.
  for (const Row& r : rows) {
    if (std::find(listed.begin(), listed.end(), r.id) != listed.end()) {
      EXPECT_TRUE(r.f.status() != v1::CLOSED && r.f.status() != v1::VOIDED && r.f.status() != v1::DRAFT);
    }
  }
}

// Findings with every text at its limit, 1000 to a page: 25 MB, more than a
// gRPC message. The pages stay within their byte budget and still add up to
// the whole list, in order.
TEST(ProblemsTest, PagesOfLargeFindingsStayWithinTheirByteBudget) {
  std::vector<Row> rows = District(5, 1200);
  for (Row& r : rows) {
    r.f.set_status(v1::OPEN);
    r.f.set_title(std::string(200, 't'));
    r.f.set_description(std::string(4000, 'd'));
    r.f.set_verification_note(std::string(2000, 'v'));
    for (int i = 0; i < 100; ++i) r.f.add_evidence(std::string(64, 'a' + i % 26));
  }
  for (size_t budget : {size_t{1}, size_t{400} << 10, kMaxProblemPageBytes}) {
    // A page per problem is quadratic work: a smaller list for the tiny budget.
    std::vector<Row> some(rows.begin(), rows.begin() + (budget == 1 ? 60 : rows.size()));
    v1::ProblemQuery q;
    q.set_page_size(1000);
    int pages = 0;
    std::vector<std::string> listed = ListAll(some, q, &pages, budget);
    EXPECT_EQ(listed.size(), some.size()) << budget;
    EXPECT_EQ(std::set<std::string>(listed.begin(), listed.end()).size(), some.size()) << "each once";
    if (budget == 1) {
      EXPECT_EQ(pages, 60) << "one problem to a page, never none";
    }
    if (budget == kMaxProblemPageBytes) {
      EXPECT_GT(pages, 2) << "a 25 MB list does not fit two pages";
    }
  }
}

TEST(ProblemsTest, FiltersCombineAndOverdueFollowsTheClock) {
  std::vector<Row> rows = District(11, 300);
  SiteDirectory sites = Sites();
  v1::ProblemQuery q;
  q.add_zone_ids("zone-west");
  q.add_categories("fire-safety");
  q.add_severities(v1::HIGH);
  q.add_severities(v1::CRITICAL);
  q.set_overdue_only(true);
  q.set_page_size(1000);
  ProblemPager pager(q, kNow);
  for (const Row& r : rows) pager.Offer(r.id, 1, r.f, &sites.at(r.f.site_id()));
  v1::ProblemPage page = pager.Finish();
  ASSERT_GT(page.problems_size(), 0);
  int64_t last = 0;
  for (const auto& p : page.problems()) {
    EXPECT_EQ(p.zone_id(), "zone-west");
    EXPECT_EQ(p.finding().category(), "fire-safety");
    EXPECT_GE(p.finding().severity(), v1::HIGH);
    EXPECT_TRUE(p.overdue());
    EXPECT_LT(p.finding().deadline_ms(), kNow);
    EXPECT_EQ(p.overdue_days(), (kNow - p.finding().deadline_ms()) / kDay);
    EXPECT_GE(p.finding().deadline_ms(), last);
    last = p.finding().deadline_ms();
    EXPECT_FALSE(p.site_name().empty());
  }
  EXPECT_EQ(page.as_of_ms(), kNow);
  EXPECT_TRUE(page.next_page_token().empty());

  v1::ProblemQuery closed;
  closed.add_statuses(v1::CLOSED);
  closed.set_page_size(1000);
  ProblemPager cp(closed, kNow);
  for (const Row& r : rows) cp.Offer(r.id, 1, r.f, &sites.at(r.f.site_id()));
  v1::ProblemPage closed_page = cp.Finish();
  EXPECT_GT(closed_page.problems_size(), 0);
  for (const auto& p : closed_page.problems()) EXPECT_EQ(p.finding().status(), v1::CLOSED);
}

TEST(ProblemsTest, CountsByZoneCategoryStatusAddUp) {
  std::vector<Row> rows = District(3, 400);
  SiteDirectory sites = Sites();
  ProblemCounter counter(v1::ProblemQuery(), kNow);
  uint64_t listed = 0, overdue = 0;
  for (const Row& r : rows) {
    counter.Offer(r.f, &sites.at(r.f.site_id()));
    if (MatchesProblem(v1::ProblemQuery(), r.f, sites.at(r.f.site_id()).zone_id, kNow)) {
      ++listed;
      if (r.f.deadline_ms() > 0 && r.f.deadline_ms() < kNow && r.f.status() != v1::RECTIFIED) ++overdue;
    }
  }
  v1::ProblemReport rep = counter.Finish();
  EXPECT_EQ(rep.findings(), listed);
  uint64_t sum = 0, sum_overdue = 0;
  std::set<std::tuple<std::string, std::string, int>> keys;
  for (const auto& c : rep.counts()) {
    sum += c.findings();
    sum_overdue += c.overdue();
    EXPECT_LE(c.overdue(), c.findings());
    EXPECT_TRUE(keys.insert({c.zone_id(), c.category(), c.status()}).second);
  }
  EXPECT_EQ(sum, listed);
  EXPECT_EQ(sum_overdue, rep.overdue());
  EXPECT_EQ(rep.overdue(), overdue);
}

TEST(ProblemsTest, BadQueriesAreRefusedWithTheReason) {
  v1::ProblemQuery q;
  q.set_page_size(5000);
  EXPECT_NE(CheckProblemQuery(q).message().find("over the limit of 1000"), std::string::npos);
  q.set_page_size(10);
  q.set_page_token("garbage");
  EXPECT_EQ(CheckProblemQuery(q).code(), StatusCode::kInvalidArgument);
  q.set_page_token("p1.12.x.id");
  EXPECT_EQ(CheckProblemQuery(q).code(), StatusCode::kInvalidArgument);
  q.set_page_token(EncodeProblemToken(ProblemKey{42, -3, "finding-1"}));
  EXPECT_TRUE(CheckProblemQuery(q).ok());
  q.add_statuses(static_cast<v1::FindingStatus>(99));
  EXPECT_EQ(CheckProblemQuery(q).code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace inspectsync::core
