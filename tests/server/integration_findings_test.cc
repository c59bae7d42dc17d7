// The integration findings engine (server/integration_findings.h) over a real
// SQLite store without gRPC: pages that neither repeat nor skip while
// findings are added between them, exports cut into chunks that add up to
// the whole file, imports in one transaction (SyncEngine::WriteAll, all or
// nothing), and the shared import planner's formats.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <sstream>

#include "core/export.h"
#include "core/ids.h"
#include "core/office_import.h"
#include "server/integration_findings.h"
#include "server/sync_engine.h"
#include "tests/testing/max_records.h"
#include "tests/testing/mutations.h"
#include "tests/testing/temp_dir.h"

namespace inspectsync::server {
namespace {

const std::string kClient = "0190a000-0000-7000-8000-0000000000e1";

class IntegrationFindingsEngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = storage::OpenSqliteServerStore(dir_.File("server.db"));
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
    EngineOptions o;
    o.clock = &clock_;
    engine_ = std::make_unique<SyncEngine>(store_.get(), o);
  }

  // Creates findings with the given ids at one site.
  void AddFindings(const std::vector<std::string>& ids) {
    std::vector<v1::Mutation> ms;
    for (const auto& id : ids) ms.push_back(testing::CreateFinding(kClient, ++mid_, id, testing::FindingAt("site-1")));
    auto resp = engine_->Push(testing::Batch(ms), Caller("u-office", "office", "office-pc"));
    ASSERT_TRUE(resp.ok()) << resp.status().ToString();
    for (const auto& r : resp->results()) ASSERT_NE(r.outcome(), v1::REJECTED) << r.reason();
  }

  static std::string Id(int n) {
    char id[40];
    std::snprintf(id, sizeof id, "0190a000-0000-7000-8000-%012d", n);
    return id;
  }

  testing::TempDir dir_;
  core::ManualClock clock_;
  std::unique_ptr<storage::ServerStore> store_;
  std::unique_ptr<SyncEngine> engine_;
  uint64_t mid_ = 0;
};

TEST_F(IntegrationFindingsEngineTest, PagesNeitherRepeatNorSkipWhileFindingsArrive) {
  AddFindings({Id(10), Id(20), Id(30), Id(40)});
  v1::FindingQuery q;
  q.set_page_size(2);
  auto first = ListFindings(engine_.get(), q);
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->findings_size(), 2);
  EXPECT_EQ(first->findings(1).finding_id(), Id(20));
  // One before the cursor (not in this listing) and one after (in it).
  AddFindings({Id(5), Id(35)});
  q.set_page_token(first->next_page_token());
  auto second = ListFindings(engine_.get(), q);
  ASSERT_TRUE(second.ok());
  ASSERT_EQ(second->findings_size(), 2);
  EXPECT_EQ(second->findings(0).finding_id(), Id(30));
  EXPECT_EQ(second->findings(1).finding_id(), Id(35));
  q.set_page_token(second->next_page_token());
  auto third = ListFindings(engine_.get(), q);
  ASSERT_TRUE(third.ok());
  ASSERT_EQ(third->findings_size(), 1);
  EXPECT_EQ(third->findings(0).finding_id(), Id(40));
  EXPECT_TRUE(third->next_page_token().empty());
}

TEST_F(IntegrationFindingsEngineTest, ManyPagesOfStoreRecordsBehindOneListPage) {
  // More findings than one store page, only the last matches: the list reads
  // on until it finds it.
  std::vector<std::string> ids;
  for (int i = 0; i < static_cast<int>(kExportPageRecords) + 50; ++i) ids.push_back(Id(i));
  AddFindings(ids);
  v1::Finding f = testing::FindingAt("site-1");
  f.set_category("rare");
  auto resp = engine_->Push(testing::Batch({testing::CreateFinding(kClient, ++mid_, Id(999999), f)}), Caller("u"));
  ASSERT_TRUE(resp.ok());
  v1::FindingQuery q;
  q.add_categories("rare");
  auto page = ListFindings(engine_.get(), q);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->findings_size(), 1);
  EXPECT_EQ(page->findings(0).finding_id(), Id(999999));
}

TEST_F(IntegrationFindingsEngineTest, ExportChunksAddUpToTheFile) {
  std::vector<std::string> ids;
  for (int i = 0; i < 700; ++i) ids.push_back(Id(i));
  AddFindings(ids);
  for (auto format : {v1::CSV, v1::JSON_LINES}) {
    v1::ExportRequest req;
    req.set_format(format);
    auto exporter = FindingExporter::Start(engine_.get(), req);
    ASSERT_TRUE(exporter.ok()) << exporter.status().ToString();
    std::string data;
    int chunks = 0;
    while (!(*exporter)->done()) {
      auto chunk = (*exporter)->Next();
      ASSERT_TRUE(chunk.ok());
      ASSERT_LE(chunk->data().size(), kExportChunkBytes);
      data += chunk->data();
      ++chunks;
      if (chunk->last()) {
        EXPECT_EQ(chunk->rows(), 700u);
      }
    }
    // Rendered row by row, the same bytes.
    std::string want;
    if (format == v1::CSV) core::AppendFindingCsvHeader(&want);
    auto all = ListFindings(engine_.get(), [] {
      v1::FindingQuery q;
      q.set_page_size(1000);
      return q;
    }());
    ASSERT_TRUE(all.ok());
    for (const auto& r : all->findings())
      format == v1::CSV ? core::AppendFindingCsv(r, &want) : core::AppendFindingJson(r, &want);
    EXPECT_EQ(data, want);
    EXPECT_GE(chunks, 1);
  }
  v1::ExportRequest bad;
  EXPECT_EQ(FindingExporter::Start(engine_.get(), bad).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(IntegrationFindingsEngineTest, ImportWritesOneTransactionAndCountsWhatIsThere) {
  v1::ImportRequest req;
  req.set_kind(v1::IMPORT_ZONES);
  req.set_format(v1::CSV);
  req.set_data("\xEF\xBB\xBF" "code,name\nN,\"North, upper\"\nS,South\n");  // Excel's BOM
  auto done = RunImport(engine_.get(), Caller("u-office", "office"), req);
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  EXPECT_EQ(done->created(), 2u);
  EXPECT_EQ(done->seq(), *store_->Head());
  EXPECT_EQ(*store_->Head(), 2u);

  // N's name differs: reported, not written (no `update`), and not counted
  // as already there; S is unchanged; E is new.
  req.set_data("code,name\nN,North\nS,South\nE,East\n");
  done = RunImport(engine_.get(), Caller("u-office", "office"), req);
  ASSERT_TRUE(done.ok());
  EXPECT_EQ(done->created(), 1u);
  EXPECT_EQ(done->unchanged(), 1u);
  ASSERT_EQ(done->differences_size(), 1);
  EXPECT_EQ(done->differences(0).code(), "N");
  EXPECT_EQ(done->differences(0).changes(0).old_value(), "North, upper");
  EXPECT_EQ(done->differences(0).changes(0).new_value(), "North");
  EXPECT_EQ(done->updated(), 0u);
  EXPECT_EQ(done->seq(), 3u);

  // A problem found only by the record's own limits still names the line.
  req.set_data("code,name\nW," + std::string(500, 'w') + "\n");
  auto refused = RunImport(engine_.get(), Caller("u-office", "office"), req);
  EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(refused.status().message().find("line 2:"), std::string::npos) << refused.status().message();
  EXPECT_EQ(*store_->Head(), 3u);
}

TEST(ImportPlannerTest, JsonLinesValuesAndColumns) {
  std::vector<std::string> required, optional;
  core::ImportColumns(core::ImportKind::kUsers, &required, &optional);
  std::istringstream in(
      "{\"code\":\"li\",\"name\":\"Li\",\"role\":\"INSPECTOR\",\"active\":false}\n"
      "{\"Code\":\" 7 \",\"name\":\"Seven\",\"role\":\"office\"}\n"
      "{\"code\":1,\"name\":\"One\",\"role\":\"office\",\"extra\":{}}\n"
      "[1,2]\n");
  core::ImportTable t = core::ReadJsonLinesTable(in, required, optional);
  ASSERT_EQ(t.rows.size(), 2u);
  EXPECT_EQ(t.rows[0].Get("active"), "false");
  EXPECT_EQ(t.rows[1].Get("code"), "7");  // keys compare like CSV headers; values trimmed
  ASSERT_EQ(t.problems.size(), 2u);
  EXPECT_EQ(t.problems[0].line, 3);
  EXPECT_EQ(t.problems[1].line, 4);

  struct NoneExist : core::ImportLookup {
    StatusOr<bool> Exists(const std::string&, const std::string&) override { return false; }
  } none;
  auto plan = core::PlanImport(core::ImportKind::kUsers, t, none);
  ASSERT_TRUE(plan.ok());
  EXPECT_TRUE(plan->problems.empty());
  ASSERT_EQ(plan->records.size(), 2u);
  EXPECT_FALSE(plan->records[0].body.user().active());
  EXPECT_EQ(plan->records[0].id, core::ImportRecordId("users", "li"));
}

// Findings at every limit (~25 KB each, ~10 MB in all): a list page of the
// largest count (1,000) stays within the byte budget, the pages chain to
// the end with every finding once; an export's pending output stays within
// a chunk and one rendered finding, not a whole store page of them.
TEST_F(IntegrationFindingsEngineTest, FindingPagesAndExportsOfMaximalFindingsAreBoundedByBytes) {
  std::vector<v1::Mutation> ms;
  for (int i = 0; i < 400; ++i)
    ms.push_back(testing::CreateFinding(kClient, ++mid_, Id(1000 + i),
                                        testing::MaxFinding("site-1", {}, "x" + std::to_string(i))));
  for (size_t from = 0; from < ms.size();) {
    auto resp = engine_->Push(testing::Batch(std::vector<v1::Mutation>(ms.begin() + static_cast<long>(from),
                                                                       ms.begin() + static_cast<long>(std::min(
                                                                                        ms.size(), from + 100)))),
                              Caller("u-office", "office", "office-pc"));
    ASSERT_TRUE(resp.ok()) << resp.status().ToString();
    from += static_cast<size_t>(resp->results_size());  // a full response is cut: push the rest
  }
  const size_t budget = engine_->options().max_page_bytes;
  v1::FindingQuery q;
  q.set_page_size(1000);
  std::set<std::string> seen;
  int pages = 0;
  for (;;) {
    auto page = ListFindings(engine_.get(), q);
    ASSERT_TRUE(page.ok()) << page.status().ToString();
    ++pages;
    EXPECT_LE(page->ByteSizeLong(), budget) << "page " << pages << " of " << page->findings_size();
    for (const auto& row : page->findings()) EXPECT_TRUE(seen.insert(row.finding_id()).second);
    if (page->next_page_token().empty()) break;
    q.set_page_token(page->next_page_token());
  }
  EXPECT_EQ(seen.size(), 400u);
  EXPECT_GE(pages, 3);

  v1::ExportRequest req;
  req.set_format(v1::JSON_LINES);
  auto exporter = FindingExporter::Start(engine_.get(), req);
  ASSERT_TRUE(exporter.ok());
  size_t lines = 0;
  while (!(*exporter)->done()) {
    auto chunk = (*exporter)->Next();
    ASSERT_TRUE(chunk.ok());
    lines += static_cast<size_t>(std::count(chunk->data().begin(), chunk->data().end(), '\n'));
  }
  EXPECT_EQ(lines, 400u);
  EXPECT_LT(FindingExporter::PeakPendingBytes(), kExportChunkBytes + (128 << 10));
}

}  // namespace
}  // namespace inspectsync::server
