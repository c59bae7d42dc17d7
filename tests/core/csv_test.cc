// CSV: the streaming reader (line numbers, quoting, UTF-8, limits), the
// header mapping of imports, the writer, and writer -> reader round trips.
#include "core/csv.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>
#include <stdexcept>
#include <streambuf>
#include <string>
#include <utility>
#include <vector>

namespace inspectsync::core {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

using Fields = std::vector<std::string>;

StatusOr<std::vector<CsvRecord>> ReadAll(std::string text, CsvReaderOptions options = {}) {
  CsvReader reader(std::move(text), options);
  std::vector<CsvRecord> out;
  while (true) {
    CsvRecord rec;
    StatusOr<bool> more = reader.Next(&rec);
    if (!more.ok()) return more.status();
    if (!*more) return out;
    out.push_back(std::move(rec));
  }
}

std::vector<Fields> FieldsOf(const std::vector<CsvRecord>& recs) {
  std::vector<Fields> out;
  for (const auto& r : recs) out.push_back(r.fields);
  return out;
}

std::vector<int64_t> LinesOf(const std::vector<CsvRecord>& recs) {
  std::vector<int64_t> out;
  for (const auto& r : recs) out.push_back(r.line);
  return out;
}

// The error of reading `text`, which must fail.
Status ReadError(std::string text, CsvReaderOptions options = {}) {
  auto recs = ReadAll(std::move(text), options);
  EXPECT_FALSE(recs.ok());
  return recs.ok() ? Status::Ok() : recs.status();
}

// ---- Reader: well-formed input ----

TEST(CsvReaderTest, SimpleRecordsWithLineNumbers) {
  auto recs = ReadAll("id,name\n1,North\n2,South\n");
  ASSERT_TRUE(recs.ok()) << recs.status().ToString();
  EXPECT_THAT(FieldsOf(*recs), ElementsAre(Fields{"id", "name"}, Fields{"1", "North"}, Fields{"2", "South"}));
  EXPECT_THAT(LinesOf(*recs), ElementsAre(1, 2, 3));
}

TEST(CsvReaderTest, CrLfLfAndLoneCrLineEnds) {
  auto recs = ReadAll("a,b\r\nc,d\ne,f\rg,h");
  ASSERT_TRUE(recs.ok()) << recs.status().ToString();
  EXPECT_THAT(FieldsOf(*recs), ElementsAre(Fields{"a", "b"}, Fields{"c", "d"}, Fields{"e", "f"}, Fields{"g", "h"}));
  EXPECT_THAT(LinesOf(*recs), ElementsAre(1, 2, 3, 4));
}

TEST(CsvReaderTest, TrailingNewlineOrNotGivesTheSameRecords) {
  for (const char* text : {"a,b\nc,d", "a,b\nc,d\n", "a,b\r\nc,d\r\n"}) {
    auto recs = ReadAll(text);
    ASSERT_TRUE(recs.ok()) << text;
    EXPECT_THAT(FieldsOf(*recs), ElementsAre(Fields{"a", "b"}, Fields{"c", "d"})) << text;
  }
}

TEST(CsvReaderTest, EmptyInputHasNoRecords) {
  for (const char* text : {"", "\n", "\r\n\r\n", "\xEF\xBB\xBF"}) {
    auto recs = ReadAll(text);
    ASSERT_TRUE(recs.ok());
    EXPECT_TRUE(recs->empty());
  }
}

TEST(CsvReaderTest, BlankLinesAreSkippedButCounted) {
  auto recs = ReadAll("\n\na,b\n\r\n\nc,d\n\n");
  ASSERT_TRUE(recs.ok());
  EXPECT_THAT(FieldsOf(*recs), ElementsAre(Fields{"a", "b"}, Fields{"c", "d"}));
  EXPECT_THAT(LinesOf(*recs), ElementsAre(3, 6));
}

TEST(CsvReaderTest, EmptyFields) {
  auto recs = ReadAll(",\na,,b\nc,\n,d\n\"\"\n");
  ASSERT_TRUE(recs.ok());
  EXPECT_THAT(FieldsOf(*recs), ElementsAre(Fields{"", ""}, Fields{"a", "", "b"}, Fields{"c", ""}, Fields{"", "d"},
                                           Fields{""}));
}

TEST(CsvReaderTest, SpacesAreData) {
  auto recs = ReadAll(" a , b \n");
  ASSERT_TRUE(recs.ok());
  EXPECT_THAT(FieldsOf(*recs), ElementsAre(Fields{" a ", " b "}));
}

TEST(CsvReaderTest, QuotedFieldsWithCommasAndDoubledQuotes) {
  auto recs = ReadAll(R"("No. 1 Primary, East","say ""hi""","",x)" "\n");
  ASSERT_TRUE(recs.ok()) << recs.status().ToString();
  EXPECT_THAT(FieldsOf(*recs), ElementsAre(Fields{"No. 1 Primary, East", "say \"hi\"", "", "x"}));
}

TEST(CsvReaderTest, QuotedFieldSpanningLinesKeepsBytesAndLineNumbers) {
  // Record 2 starts on line 2 and spans 3 lines (one CR LF, one LF inside);
  // record 3 starts on line 5.
  auto recs = ReadAll("h1,h2\r\n1,\"line one\r\nline two\nline three\"\r\n2,x\r\n");
  ASSERT_TRUE(recs.ok()) << recs.status().ToString();
  EXPECT_THAT(FieldsOf(*recs), ElementsAre(Fields{"h1", "h2"}, Fields{"1", "line one\r\nline two\nline three"},
                                           Fields{"2", "x"}));
  EXPECT_THAT(LinesOf(*recs), ElementsAre(1, 2, 5));
}

TEST(CsvReaderTest, Utf8BomAtStartIsSkipped) {
  auto recs = ReadAll("\xEF\xBB\xBFid,name\r\n1,x\r\n");
  ASSERT_TRUE(recs.ok());
  EXPECT_THAT(FieldsOf(*recs), ElementsAre(Fields{"id", "name"}, Fields{"1", "x"}));
}

TEST(CsvReaderTest, BomLaterInTheFileIsData) {
  // U+FEFF after the start is a (valid) character, not a marker.
  auto recs = ReadAll("a\n\xEF\xBB\xBF" "b\n");
  ASSERT_TRUE(recs.ok());
  EXPECT_THAT(FieldsOf(*recs), ElementsAre(Fields{"a"}, Fields{"\xEF\xBB\xBF" "b"}));
}

TEST(CsvReaderTest, ChineseTextRoundTripsByteForByte) {
  const std::string name = "第一实验小学";   // 3-byte characters
  const std::string zone = "东城片区";
  const std::string note = "消防器材陈旧, \"燃气报警器\"未检修";
  const std::string emoji = "\xF0\x9F\x8F\xAB";  // U+1F3EB SCHOOL, 4 bytes
  auto recs = ReadAll(name + "," + zone + ",\"消防器材陈旧, \"\"燃气报警器\"\"未检修\"," + emoji + "\n");
  ASSERT_TRUE(recs.ok()) << recs.status().ToString();
  EXPECT_THAT(FieldsOf(*recs), ElementsAre(Fields{name, zone, note, emoji}));
}

TEST(CsvReaderTest, ReadsFromAnIstreamAcrossBufferBoundaries) {
  // Well over the 64 KiB read chunk, with quoted multi-line fields and
  // multi-byte characters landing on every offset of a chunk boundary.
  std::string text;
  std::vector<Fields> want;
  for (int i = 0; i < 12000; ++i) {
    Fields f = {std::to_string(i), "学校" + std::to_string(i), "a\r\n\"b\"," + std::string(static_cast<size_t>(i % 7), 'x')};
    want.push_back(f);
    text += f[0] + "," + f[1] + ",\"a\r\n\"\"b\"\"," + f[2].substr(7) + "\"\r\n";
  }
  ASSERT_GT(text.size(), 3u * 64 * 1024);
  std::istringstream in(text);
  CsvReader reader(in);
  std::vector<Fields> got;
  int64_t expected_line = 1;
  CsvRecord rec;
  while (true) {
    auto more = reader.Next(&rec);
    ASSERT_TRUE(more.ok()) << more.status().ToString();
    if (!*more) break;
    EXPECT_EQ(rec.line, expected_line);
    expected_line += 2;  // each record spans two lines
    got.push_back(rec.fields);
  }
  EXPECT_EQ(got, want);
  EXPECT_EQ(reader.line(), expected_line);
}

// ---- Reader: errors ----

TEST(CsvReaderTest, UnterminatedQuoteNamesWhereItOpened) {
  Status s = ReadError("a,b\nc,\"never closed\nmore\n");
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), AllOf(StartsWith("line 4: "), HasSubstr("unterminated quoted field 2"),
                                 HasSubstr("opened on line 2")));
}

TEST(CsvReaderTest, QuoteInsideUnquotedField) {
  Status s = ReadError("a,b\nc,5\" screen\n");
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), AllOf(StartsWith("line 2: "), HasSubstr("quote inside unquoted field 2")));
  // A space before the opening quote makes the field unquoted too (RFC 4180).
  EXPECT_THAT(ReadError("a, \"b\"\n").message(), HasSubstr("quote inside unquoted field 2"));
}

TEST(CsvReaderTest, CharactersAfterClosingQuote) {
  Status s = ReadError("x\n\"a\"b,c\n");
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), AllOf(StartsWith("line 2: "), HasSubstr("unexpected 'b' after the closing quote of field 1")));
  EXPECT_THAT(ReadError("\"a\" ,b\n").message(), HasSubstr("unexpected ' '"));
}

TEST(CsvReaderTest, InvalidUtf8IsRejectedWithTheLine) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"\x80", "stray continuation byte"},
      {"\xC0\xAF", "overlong '/' (C0)"},
      {"\xE0\x80\xAF", "overlong 3-byte"},
      {"\xED\xA0\x80", "UTF-16 surrogate"},
      {"\xF4\x90\x80\x80", "above U+10FFFF"},
      {"\xF5\x80\x80\x80", "F5 lead byte"},
      {"\xFF", "FF byte"},
      {"\xE4\xB8", "character cut short at the end of the field"},
      {"\xE4\xB8,x", "character cut short by a comma"},
      {"\xE4" "a", "ASCII where a continuation byte is due"},
      {"\xEF\xBB", "partial BOM"},
  };
  for (const auto& [bad, why] : cases) {
    Status s = ReadError("ok,fine\nx,\"q\"," + bad + "\n");
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << why;
    EXPECT_THAT(s.message(), AllOf(StartsWith("line 2: "), HasSubstr("invalid UTF-8 in field 3"))) << why;
  }
  // At the end of input without a line end, and inside a quoted field.
  EXPECT_THAT(ReadError("a\n\xE4\xB8").message(), StartsWith("line 2: invalid UTF-8"));
  EXPECT_THAT(ReadError("\"a\n\xFF\"").message(), StartsWith("line 2: invalid UTF-8 in field 1"));
  // A partial BOM at the very start is not skipped.
  EXPECT_THAT(ReadError("\xEF\xBB" "a\n").message(), StartsWith("line 1: invalid UTF-8"));
}

TEST(CsvReaderTest, FieldOverTheLimitNamesTheLimit) {
  CsvReaderOptions opts;
  opts.max_field_bytes = 8;
  auto ok = ReadAll("12345678,\"12345678\"\n", opts);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  Status s = ReadError("a\nb\n123456789\n", opts);
  EXPECT_THAT(s.message(), AllOf(StartsWith("line 3: "), HasSubstr("field 1 is longer than 8 bytes"),
                                 HasSubstr("max_field_bytes")));
  // A quote that never closes stops at the limit, not at the end of memory.
  EXPECT_THAT(ReadError("\"" + std::string(100, 'x'), opts).message(), HasSubstr("longer than 8 bytes"));
}

TEST(CsvReaderTest, DefaultFieldLimitIsOneMebibyte) {
  EXPECT_EQ(CsvReaderOptions{}.max_field_bytes, 1024u * 1024u);
  auto ok = ReadAll(std::string(1024 * 1024, 'x') + "\n");
  ASSERT_TRUE(ok.ok());
  EXPECT_THAT(ReadError(std::string(1024 * 1024 + 1, 'x')).message(), HasSubstr("longer than 1048576 bytes"));
}

TEST(CsvReaderTest, TooManyFieldsNamesTheLimit) {
  CsvReaderOptions opts;
  opts.max_fields = 3;
  ASSERT_TRUE(ReadAll("a,b,c\n", opts).ok());
  EXPECT_THAT(ReadError("a,b,c,d\n", opts).message(),
              AllOf(StartsWith("line 1: "), HasSubstr("more than 3 fields"), HasSubstr("max_fields")));
}

TEST(CsvReaderTest, ErrorsAreSticky) {
  CsvReader reader(std::string("a\n\"b\"c\nd\n"));
  CsvRecord rec;
  auto first = reader.Next(&rec);
  ASSERT_TRUE(first.ok() && *first);
  auto err = reader.Next(&rec);
  ASSERT_FALSE(err.ok());
  auto again = reader.Next(&rec);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().message(), err.status().message());
}

// A stream that fails (as a disk read error would) after `good` bytes.
class FailingBuf : public std::streambuf {
 public:
  explicit FailingBuf(std::string good) : good_(std::move(good)) {
    setg(good_.data(), good_.data(), good_.data() + good_.size());
  }

 protected:
  int_type underflow() override { throw std::runtime_error("disk gone"); }

 private:
  std::string good_;
};

TEST(CsvReaderTest, StreamFailureIsDataLoss) {
  FailingBuf buf("a,b\nc,");
  std::istream in(&buf);
  CsvReader reader(in);
  CsvRecord rec;
  auto more = reader.Next(&rec);
  ASSERT_FALSE(more.ok());
  EXPECT_EQ(more.status().code(), StatusCode::kDataLoss);
  EXPECT_THAT(more.status().message(), HasSubstr("reading the CSV input failed"));
}

// ---- Header ----

TEST(CsvHeaderTest, MapsNamesCaseInsensitivelyAfterTrimming) {
  auto h = CsvHeader::Parse({" Name", "ZONE_ID ", "\tkind"}, {"name", "zone_id"}, {"kind", "address"});
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  EXPECT_EQ(h->Index("name"), 0);
  EXPECT_EQ(h->Index("zone_id"), 1);
  EXPECT_EQ(h->Index("Kind"), 2);
  EXPECT_EQ(h->Index("address"), -1);  // optional, absent
  EXPECT_FALSE(h->Has("address"));
  EXPECT_EQ(h->Index("nonsense"), -1);
  EXPECT_EQ(h->width(), 3u);

  CsvRecord rec{{"No. 1 Primary", "z1", "primary"}, 7};
  ASSERT_TRUE(h->CheckWidth(rec).ok());
  EXPECT_EQ(h->Get(rec.fields, "zone_id"), "z1");
  EXPECT_EQ(h->Get(rec.fields, "address"), "");
}

TEST(CsvHeaderTest, MissingRequiredColumnIsNamedWithWhatTheHeaderHas) {
  auto h = CsvHeader::Parse({"name", "kind"}, {"name", "zone_id"}, {"kind"});
  ASSERT_FALSE(h.ok());
  EXPECT_EQ(h.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(h.status().message(),
              AllOf(HasSubstr("missing required column 'zone_id'"), HasSubstr("the header has 'name', 'kind'")));
}

TEST(CsvHeaderTest, DuplicateColumn) {
  auto h = CsvHeader::Parse({"name", "zone_id", "Name "}, {"name", "zone_id"});
  ASSERT_FALSE(h.ok());
  EXPECT_THAT(h.status().message(), HasSubstr("column 'Name ' appears twice (columns 1 and 3)"));
}

TEST(CsvHeaderTest, UnknownColumnListsTheKnownOnes) {
  auto h = CsvHeader::Parse({"name", "zone_id", "colour"}, {"name", "zone_id"}, {"kind"});
  ASSERT_FALSE(h.ok());
  EXPECT_THAT(h.status().message(),
              HasSubstr("unknown column 3 'colour'; the known columns are 'name', 'zone_id', 'kind'"));
}

TEST(CsvHeaderTest, EmptyColumnName) {
  auto h = CsvHeader::Parse({"name", "zone_id", " "}, {"name", "zone_id"});
  ASSERT_FALSE(h.ok());
  EXPECT_THAT(h.status().message(), HasSubstr("column 3 of the header has no name"));
}

TEST(CsvHeaderTest, EveryProblemInOneMessage) {
  // A typo is both an unknown column and a missing one: say both at once.
  auto h = CsvHeader::Parse({"nmae", "zone_id", "zone_id"}, {"name", "zone_id"});
  ASSERT_FALSE(h.ok());
  EXPECT_THAT(h.status().message(), AllOf(HasSubstr("unknown column 1 'nmae'"), HasSubstr("appears twice"),
                                          HasSubstr("missing required column 'name'")));
}

TEST(CsvHeaderTest, NonAsciiNamesMatchExactly) {
  auto h = CsvHeader::Parse({" 学校名称 "}, {"学校名称"});
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  EXPECT_EQ(h->Index("学校名称"), 0);
}

TEST(CsvHeaderTest, CheckWidthNamesTheLine) {
  auto h = CsvHeader::Parse({"a", "b", "c"}, {"a", "b", "c"});
  ASSERT_TRUE(h.ok());
  Status s = h->CheckWidth(CsvRecord{{"1", "2"}, 12});
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), AllOf(StartsWith("line 12: "), HasSubstr("2 fields but the header has 3")));
  EXPECT_FALSE(h->CheckWidth(CsvRecord{{"1", "2", "3", "4"}, 13}).ok());
}

// ---- Writer ----

TEST(CsvWriterTest, QuotesOnlyWhenNeeded) {
  EXPECT_EQ(CsvWriter::Escape("plain"), "plain");
  EXPECT_EQ(CsvWriter::Escape(""), "");
  EXPECT_EQ(CsvWriter::Escape("第一小学"), "第一小学");
  EXPECT_EQ(CsvWriter::Escape("in side"), "in side");
  EXPECT_EQ(CsvWriter::Escape("a,b"), "\"a,b\"");
  EXPECT_EQ(CsvWriter::Escape("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(CsvWriter::Escape("a\nb"), "\"a\nb\"");
  EXPECT_EQ(CsvWriter::Escape("a\rb"), "\"a\rb\"");
  EXPECT_EQ(CsvWriter::Escape(" lead"), "\" lead\"");
  EXPECT_EQ(CsvWriter::Escape("trail "), "\"trail \"");
  EXPECT_EQ(CsvWriter::Escape("\ttab"), "\"\ttab\"");
}

TEST(CsvWriterTest, RowsEndWithCrLfInTheGivenOrder) {
  std::string out;
  CsvWriter w(&out);
  ASSERT_TRUE(w.WriteRow({"id", "name", "zone"}).ok());
  ASSERT_TRUE(w.WriteRow(Fields{"1", "No. 1, East", ""}).ok());
  EXPECT_EQ(out, "id,name,zone\r\n1,\"No. 1, East\",\r\n");
}

TEST(CsvWriterTest, SingleEmptyFieldIsQuotedSoItIsNotABlankLine) {
  std::string out;
  CsvWriter w(&out);
  ASSERT_TRUE(w.WriteRow({""}).ok());
  EXPECT_EQ(out, "\"\"\r\n");
  auto recs = ReadAll(out);
  ASSERT_TRUE(recs.ok());
  EXPECT_THAT(FieldsOf(*recs), ElementsAre(Fields{""}));
}

TEST(CsvWriterTest, RaggedRowIsRefusedAndNothingWritten) {
  std::string out;
  CsvWriter w(&out);
  ASSERT_TRUE(w.WriteRow({"a", "b"}).ok());
  Status s = w.WriteRow({"1", "2", "3"});
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("3 fields; the first row had 2"));
  EXPECT_FALSE(w.WriteRow(Fields{}).ok());
  EXPECT_EQ(out, "a,b\r\n");
}

TEST(CsvWriterTest, WritesToAnOstreamAndReportsItsFailure) {
  std::ostringstream os;
  CsvWriter w(os);
  ASSERT_TRUE(w.WriteRow({"a", "b c"}).ok());
  EXPECT_EQ(os.str(), "a,b c\r\n");
  os.setstate(std::ios::badbit);
  EXPECT_EQ(w.WriteRow({"x", "y"}).code(), StatusCode::kDataLoss);
}

TEST(CsvRoundTripTest, WhatTheWriterWritesReadsBackExactly) {
  const std::vector<Fields> rows = {
      {"id", "name", "note", "zone"},
      {"1", "第一实验小学", "消防器材陈旧, \"燃气报警器\"未检修", "东城"},
      {"2", " padded ", "line one\r\nline two\nline three\r", ""},
      {"3", "\"", ",", "\xF0\x9F\x8F\xAB"},
      {"", "", "", ""},
      {"4", "trailing\n", "\"\"", " "},
  };
  std::ostringstream os;
  CsvWriter w(os);
  for (const Fields& r : rows) ASSERT_TRUE(w.WriteRow(r).ok());
  std::istringstream in(os.str());
  CsvReader reader(in);
  std::vector<Fields> back;
  CsvRecord rec;
  while (true) {
    auto more = reader.Next(&rec);
    ASSERT_TRUE(more.ok()) << more.status().ToString();
    if (!*more) break;
    back.push_back(rec.fields);
  }
  EXPECT_EQ(back, rows);
}

}  // namespace
}  // namespace inspectsync::core
