// core::ParseDate: the one parser of the dates people type.
#include "core/date.h"

#include <gtest/gtest.h>

#include "core/export.h"
#include "core/schema.h"

namespace inspectsync::core {
namespace {

int64_t Day(const char* text, DayEdge edge = DayEdge::kStart) {
  auto d = ParseDate(text, edge);
  EXPECT_TRUE(d.ok()) << text << ": " << d.status().message();
  return d.ok() ? *d : -1;
}

void ExpectRefused(const char* text, const char* words) {
  auto d = ParseDate(text);
  ASSERT_FALSE(d.ok()) << text << " was accepted as " << *d;
  EXPECT_EQ(d.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(d.status().message().find(text), std::string::npos) << d.status().message();
  EXPECT_NE(d.status().message().find(words), std::string::npos) << d.status().message();
}

TEST(DateTest, ValidDatesAreMidnightUtc) {
  EXPECT_EQ(Day("2000-01-01"), kMinUnixMs);
  EXPECT_EQ(Day("2026-12-31"), 1'798'675'200'000);
  EXPECT_EQ(IsoDate(Day("2026-12-31")), "2026-12-31");
  EXPECT_EQ(Day("2026-12-31", DayEdge::kEnd), Day("2027-01-01"));
}

TEST(DateTest, LeapYearsFollowTheGregorianRule) {
  EXPECT_EQ(IsoDate(Day("2028-02-29")), "2028-02-29");
  EXPECT_EQ(IsoDate(Day("2000-02-29")), "2000-02-29");  // divisible by 400
  EXPECT_EQ(Day("2028-02-29", DayEdge::kEnd), Day("2028-03-01"));
  ExpectRefused("2027-02-29", "February 2027 has 28 days");
  ExpectRefused("2026-02-30", "February 2026 has 28 days");
  ExpectRefused("2028-02-30", "February 2028 has 29 days");
}

TEST(DateTest, ImpossibleDaysAndMonthsAreRefusedNotShifted) {
  ExpectRefused("2026-04-31", "April 2026 has 30 days");
  ExpectRefused("2026-13-01", "month 13 does not exist");
  ExpectRefused("2026-00-10", "month 0 does not exist");
  ExpectRefused("2026-01-00", "January 2026 has 31 days");
  EXPECT_EQ(IsoDate(Day("2026-04-30")), "2026-04-30");
}

TEST(DateTest, OnlyTheIsoFormatIsADate) {
  for (const char* bad : {"", "2026-2-3", "2026/02/03", "26-02-03", " 2026-02-03", "2026-02-03 ", "2026-02-03x",
                          "+026-02-03", "2026-0a-03", "20260203", "2026-02-03T00:00"})
    ExpectRefused(bad, "YYYY-MM-DD");
}

TEST(DateTest, DatesOutsideWhatARecordHoldsAreRefused) {
  ExpectRefused("1999-12-31", "2000-01-01 to 2099-12-31");
  ExpectRefused("2100-01-01", "2000-01-01 to 2099-12-31");
  EXPECT_EQ(Day("2099-12-31") + 86'400'000, kMaxUnixMs);
}

TEST(DateTest, DaysInMonth) {
  EXPECT_EQ(DaysInMonth(2100, 2), 28);  // divisible by 100, not by 400
  EXPECT_EQ(DaysInMonth(2024, 2), 29);
  EXPECT_EQ(DaysInMonth(2026, 13), 0);
}

}  // namespace
}  // namespace inspectsync::core
