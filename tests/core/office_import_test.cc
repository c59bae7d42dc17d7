// core/office_import.h, core/text_encoding.h, core/labels.h: what the office's
// files say, as a clerk reads the answer.
#include "core/office_import.h"

#include <gtest/gtest.h>

#include <set>
#include <sstream>

#include "core/ids.h"
#include "core/labels.h"
#include "core/text_encoding.h"

namespace inspectsync::core {
namespace {

// The records that exist: a set of (collection, id), as a store would answer.
class SetLookup : public ImportLookup {
 public:
  void Add(const std::string& collection, const std::string& code) {
    ids_.insert(collection + "/" + ResolveImportRef(collection, code));
  }
  StatusOr<bool> Exists(const std::string& collection, const std::string& id) override {
    return ids_.count(collection + "/" + id) > 0;
  }

 private:
  std::set<std::string> ids_;
};

ImportTable ReadCsv(ImportKind kind, const std::string& bytes, TextEncoding encoding = TextEncoding::kAuto) {
  std::vector<std::string> required, optional;
  ImportColumns(kind, &required, &optional);
  std::istringstream in(bytes);
  return ReadCsvTable(in, required, optional, encoding);
}

std::vector<std::string> Texts(const std::vector<ImportProblem>& problems) {
  std::vector<std::string> out;
  for (const auto& p : problems) out.push_back(p.ToString());
  return out;
}

bool Has(const std::vector<std::string>& texts, const std::string& want) {
  for (const auto& t : texts)
    if (t.find(want) != std::string::npos) return true;
  return false;
}

TEST(ImportProblemTest, AShortRowNamesItsLineOnce) {
  ImportTable t = ReadCsv(ImportKind::kZones, "code,name\nN,North,extra\nS,South\n");
  ASSERT_EQ(t.problems.size(), 1u);
  EXPECT_EQ(t.problems[0].line, 2);
  const std::string text = t.problems[0].ToString();
  EXPECT_EQ(text.rfind("line 2: ", 0), 0u) << text;
  EXPECT_EQ(text.find("line 2", 1), std::string::npos) << "the line is said twice: " << text;
  EXPECT_EQ(t.rows.size(), 1u);  // the good row is still read
}

TEST(ImportProblemTest, MalformedCsvNamesItsLineOnceAndKeepsTheRowsBefore) {
  ImportTable t = ReadCsv(ImportKind::kZones, "code,name\nN,North\nS,\"South\n");
  ASSERT_EQ(t.problems.size(), 1u);
  EXPECT_EQ(t.problems[0].line, 4);  // where the reader stopped; the text names where the quote opened
  EXPECT_NE(t.problems[0].what.rfind("line ", 0), 0u) << t.problems[0].what;  // the line is the problem's, not the text's
  EXPECT_EQ(t.problems[0].ToString().rfind("line 4: unterminated", 0), 0u) << t.problems[0].ToString();
  EXPECT_NE(t.problems[0].ToString().find("opened on line 3"), std::string::npos) << t.problems[0].ToString();
  EXPECT_EQ(t.rows.size(), 1u);
}

TEST(ImportPlanTest, EveryProblemOfEveryRowIsListed) {
  SetLookup lookup;
  lookup.Add("zones", "N");
  ImportTable t = ReadCsv(ImportKind::kSites,
                          "code,name,kind,zone\n"
                          "PS-1,No. 1 Primary,college,nowhere\n"  // two problems in one row
                          "PS-2,,primary,N\n"                     // an empty name
                          "PS-3,No. 3,,elsewhere\n"               // an empty kind and an unknown zone
                          "PS-4,No. 4,primary\n"                  // a short row
                          "PS-1,Again,kindergarten,N\n");         // a code used twice
  auto plan = PlanImport(ImportKind::kSites, t, lookup);
  ASSERT_TRUE(plan.ok());
  std::vector<ImportProblem> all = t.problems;
  all.insert(all.end(), plan->problems.begin(), plan->problems.end());
  auto texts = Texts(all);
  EXPECT_TRUE(Has(texts, "line 2: kind 'college' is not one of primary (小学)")) << ::testing::PrintToString(texts);
  EXPECT_TRUE(Has(texts, "line 2: zone 'nowhere' does not exist")) << ::testing::PrintToString(texts);
  EXPECT_TRUE(Has(texts, "line 3: name is empty")) << ::testing::PrintToString(texts);
  EXPECT_TRUE(Has(texts, "line 4: kind is empty")) << ::testing::PrintToString(texts);
  EXPECT_TRUE(Has(texts, "line 4: zone 'elsewhere' does not exist")) << ::testing::PrintToString(texts);
  EXPECT_TRUE(Has(texts, "line 5: the record has 3 fields")) << ::testing::PrintToString(texts);
  EXPECT_TRUE(Has(texts, "line 6: code 'PS-1' is already used on line 2")) << ::testing::PrintToString(texts);
  EXPECT_TRUE(plan->records.empty());
}

TEST(ImportPlanTest, ImpossibleDatesAreRefusedNamingTheValue) {
  SetLookup lookup;
  lookup.Add("users", "li");
  lookup.Add("sites", "PS-1");
  ImportTable t = ReadCsv(ImportKind::kAssignments,
                          "user,site,zone,from,to\n"
                          "li,PS-1,,2026-02-30,\n"
                          "li,PS-1,,2028-02-29,2027-02-29\n"
                          "li,PS-1,,2028-02-29,2028-03-01\n");
  auto plan = PlanImport(ImportKind::kAssignments, t, lookup);
  ASSERT_TRUE(plan.ok());
  auto texts = Texts(plan->problems);
  EXPECT_TRUE(Has(texts, "line 2: from: 2026-02-30 is not a date: February 2026 has 28 days"))
      << ::testing::PrintToString(texts);
  EXPECT_TRUE(Has(texts, "line 3: to: 2027-02-29 is not a date")) << ::testing::PrintToString(texts);
  EXPECT_EQ(plan->problems.size(), 2u) << ::testing::PrintToString(texts);
  ASSERT_EQ(plan->records.size(), 1u);
  EXPECT_EQ(plan->records[0].line, 4);
}

TEST(ImportLabelsTest, ChineseKindsAndRolesBesideTheEnglishNames) {
  EXPECT_EQ(*ParseSiteKindLabel("小学"), v1::PRIMARY_SCHOOL);
  EXPECT_EQ(*ParseSiteKindLabel("初中"), v1::MIDDLE_SCHOOL);
  EXPECT_EQ(*ParseSiteKindLabel("幼儿园"), v1::KINDERGARTEN);
  EXPECT_EQ(*ParseSiteKindLabel("primary"), v1::PRIMARY_SCHOOL);
  EXPECT_EQ(*ParseSiteKindLabel("MIDDLE_SCHOOL"), v1::MIDDLE_SCHOOL);
  EXPECT_EQ(*ParseRoleLabel("督学"), v1::INSPECTOR);
  EXPECT_EQ(*ParseRoleLabel("片区负责人"), v1::ZONE_DIRECTOR);
  EXPECT_EQ(*ParseRoleLabel("办公室"), v1::OFFICE);
  EXPECT_EQ(*ParseRoleLabel("系统对接"), v1::INTEGRATION);
  EXPECT_EQ(*ParseRoleLabel("zone director"), v1::ZONE_DIRECTOR);
  EXPECT_EQ(*ParseRoleLabel("Zone_Director"), v1::ZONE_DIRECTOR);
  EXPECT_FALSE(ParseSiteKindLabel("大学").ok());
  EXPECT_FALSE(ParseSiteKindLabel("").ok());
  EXPECT_FALSE(ParseSiteKindLabel("SITE_KIND_UNSPECIFIED").ok());
  EXPECT_FALSE(ParseRoleLabel("ROLE_UNSPECIFIED").ok());
  auto bad = ParseRoleLabel("校长");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("'校长'"), std::string::npos) << bad.status().message();
}

// The labels output shows people: a site kind's reads back as the kind (so
// what a list prints can be typed into an import), and every finding status
// has its own.
TEST(ImportLabelsTest, OutputLabelsReadBackAndAreDistinct) {
  for (v1::SiteKind k : {v1::PRIMARY_SCHOOL, v1::MIDDLE_SCHOOL, v1::KINDERGARTEN}) {
    auto back = ParseSiteKindLabel(SiteKindChinese(k));
    ASSERT_TRUE(back.ok()) << SiteKindChinese(k);
    EXPECT_EQ(*back, k);
  }
  EXPECT_EQ(SiteKindChinese(v1::SITE_KIND_UNSPECIFIED), "");
  std::set<std::string_view> seen;
  for (int s = v1::FindingStatus_MIN; s <= v1::FindingStatus_MAX; ++s) {
    if (!v1::FindingStatus_IsValid(s) || s == v1::FINDING_STATUS_UNSPECIFIED) continue;
    std::string_view label = FindingStatusChinese(static_cast<v1::FindingStatus>(s));
    EXPECT_FALSE(label.empty()) << v1::FindingStatus_Name(static_cast<v1::FindingStatus>(s));
    EXPECT_TRUE(seen.insert(label).second) << label;
  }
  EXPECT_EQ(FindingStatusChinese(v1::OPEN), "待处理");
  EXPECT_EQ(FindingStatusChinese(v1::FINDING_STATUS_UNSPECIFIED), "");
}

TEST(TextEncodingTest, Utf8StaysAsItIsWithTheBomDropped) {
  const std::string text = "code,name\nN,第一实验小学\n";
  EXPECT_EQ(*DecodeCsvText(text), text);
  EXPECT_EQ(*DecodeCsvText("\xEF\xBB\xBF" + text), text);
  EXPECT_EQ(*DecodeCsvText("\xEF\xBB\xBF" + text, TextEncoding::kUtf8), text);
  EXPECT_EQ(*DecodeCsvText(""), "");
}

TEST(TextEncodingTest, ExcelsGbkIsReadAsGb18030) {
  // "N,第一实验小学,小学,东城" as Excel on a Chinese Windows saves it (GBK).
  const std::string gbk = "code,name,kind,zone\r\nPS-1,\xB5\xDA\xD2\xBB\xCA\xB5\xD1\xE9\xD0\xA1\xD1\xA7,"
                          "\xD0\xA1\xD1\xA7,\xB6\xAB\xB3\xC7\r\n";
  EXPECT_EQ(*DecodeCsvText(gbk), "code,name,kind,zone\r\nPS-1,第一实验小学,小学,东城\r\n");
  EXPECT_EQ(*DecodeCsvText(gbk, TextEncoding::kGb18030), *DecodeCsvText(gbk));
  EXPECT_EQ(*DecodeCsvText("\x94\x39\xFC\x36", TextEncoding::kGb18030), "😀");  // a four-byte GB18030 character

  SetLookup lookup;
  lookup.Add("zones", "东城");
  ImportTable t = ReadCsv(ImportKind::kSites, gbk);
  ASSERT_TRUE(t.problems.empty()) << Texts(t.problems)[0];
  auto plan = PlanImport(ImportKind::kSites, t, lookup);
  ASSERT_TRUE(plan.ok());
  ASSERT_TRUE(plan->problems.empty()) << Texts(plan->problems)[0];
  ASSERT_EQ(plan->records.size(), 1u);
  EXPECT_EQ(plan->records[0].body.site().name(), "第一实验小学");
  EXPECT_EQ(plan->records[0].body.site().kind(), v1::PRIMARY_SCHOOL);
}

TEST(TextEncodingTest, UndecodableBytesNameTheirLine) {
  const std::string bad = "code,name\nN,North\nS,\x81\x20South\n";
  auto decoded = DecodeCsvText(bad);
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(decoded.status().message().rfind("line 3: the bytes 0x81 0x20", 0), 0u) << decoded.status().message();

  auto utf8_only = DecodeCsvText("code,name\n\xB6\xAB\n", TextEncoding::kUtf8);  // GBK's 东
  ASSERT_FALSE(utf8_only.ok());
  EXPECT_EQ(utf8_only.status().message().rfind("line 2: the bytes 0xB6 0xAB", 0), 0u) << utf8_only.status().message();

  ImportTable t = ReadCsv(ImportKind::kZones, bad);
  ASSERT_EQ(t.problems.size(), 1u);
  EXPECT_EQ(t.problems[0].line, 3);
  EXPECT_EQ(t.problems[0].ToString().find("line 3: line 3"), std::string::npos);
  EXPECT_TRUE(t.rows.empty());  // nothing of a file that does not decode
}

// What re-importing a row would change: the file's columns against the
// stored record, references by what a person reads, empty optional cells
// and the code never a difference.
TEST(DiffImportTest, ColumnsThatDifferOldToNew) {
  SetLookup lookup;
  lookup.Add("zones", "N");
  lookup.Add("zones", "S");
  auto plan = PlanImport(ImportKind::kSites,
                         ReadCsv(ImportKind::kSites, "code,name,kind,zone,address\nPS-1,第一小学,小学,S,\n"), lookup);
  ASSERT_TRUE(plan.ok() && plan->problems.empty() && plan->records.size() == 1u);
  const PlannedRecord& row = plan->records[0];
  v1::RecordBody stored;
  v1::Site* site = stored.mutable_site();
  site->set_name("No. 1 Primary");
  site->set_kind(v1::PRIMARY_SCHOOL);
  site->set_zone_id(ResolveImportRef("zones", "N"));
  site->set_address("1 River Road");  // the row leaves it empty: kept
  site->set_code("PS-1");
  auto zone = [](const std::string& collection, const std::string& id) {
    return collection + ":" + (id == ResolveImportRef("zones", "N") ? "N (North)" : "S (South)");
  };
  std::vector<ImportChange> changes = DiffImport(ImportKind::kSites, row, stored, zone);
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_EQ(changes[0].column, "name");
  EXPECT_EQ(changes[0].old_value, "No. 1 Primary");
  EXPECT_EQ(changes[0].new_value, "第一小学");
  EXPECT_EQ(changes[1].column, "zone");
  EXPECT_EQ(changes[1].field, "zone_id");
  EXPECT_EQ(changes[1].old_value, "zones:N (North)");
  EXPECT_EQ(changes[1].new_value, "zones:S (South)");
  v1::ImportDifference d = ImportDifferenceOf(ImportKind::kSites, row, stored, changes);
  EXPECT_EQ(d.kind(), v1::IMPORT_SITES);
  EXPECT_EQ(d.code(), "PS-1");
  EXPECT_EQ(d.name(), "No. 1 Primary");
  EXPECT_EQ(d.line(), 2);
  // The same values: nothing.
  EXPECT_TRUE(DiffImport(ImportKind::kSites, row, row.body, zone).empty());
  EXPECT_EQ(CodeAndName(stored), "PS-1 (No. 1 Primary)");
}

TEST(TextEncodingTest, Utf8ForcedAsGbkIsRefusedNotGarbled) {
  // Decoded as GBK these bytes would give other characters (mojibake).
  const std::string utf8 = "code,name\nE,东城区\n";
  auto forced = DecodeCsvText(utf8, TextEncoding::kGb18030);
  ASSERT_FALSE(forced.ok());
  EXPECT_EQ(forced.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(forced.status().message().rfind("line 2: the file is UTF-8 text ('东城区'), not GBK", 0), 0u)
      << forced.status().message();
  EXPECT_EQ(*DecodeCsvText("\xEF\xBB\xBF" + utf8, TextEncoding::kUtf8), utf8);
  // ASCII is the same in both: nothing to refuse.
  EXPECT_EQ(*DecodeCsvText("code,name\nN,North\n", TextEncoding::kGb18030), "code,name\nN,North\n");
}

TEST(TextEncodingTest, EncodingNames) {
  EXPECT_EQ(*ParseTextEncoding("GBK"), TextEncoding::kGb18030);
  EXPECT_EQ(*ParseTextEncoding("utf-8"), TextEncoding::kUtf8);
  EXPECT_EQ(*ParseTextEncoding("auto"), TextEncoding::kAuto);
  EXPECT_FALSE(ParseTextEncoding("latin1").ok());
  EXPECT_TRUE(IsValidUtf8("第一"));
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));  // a surrogate
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));      // overlong
  EXPECT_FALSE(IsValidUtf8("\xE4\xB8"));      // cut short
}

}  // namespace
}  // namespace inspectsync::core
