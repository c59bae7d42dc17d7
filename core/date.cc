#include "core/date.h"

#include "core/quote.h"
#include "core/schema.h"

namespace inspectsync::core {

namespace {

constexpr int64_t kMsPerDay = 86'400'000;
constexpr int kFirstYear = 2000, kLastYear = 2099;  // kMinUnixMs .. kMaxUnixMs

const char* const kMonthNames[] = {"January", "February", "March",     "April",   "May",      "June",
                                   "July",    "August",   "September", "October", "November", "December"};

bool Digits(std::string_view s, size_t from, size_t n, int* out) {
  int v = 0;
  for (size_t i = from; i < from + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

bool IsLeap(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

}  // namespace

int DaysInMonth(int year, int month) {
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month < 1 || month > 12) return 0;
  return month == 2 && IsLeap(year) ? 29 : kDays[month - 1];
}

// Howard Hinnant's days_from_civil: exact for the proleptic Gregorian
// calendar, with no dependence on the C library's time zone or range.
int64_t DaysFromCivil(int year, int month, int day) {
  const int64_t y = static_cast<int64_t>(year) - (month <= 2 ? 1 : 0);
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146'097 + doe - 719'468;
}

StatusOr<int64_t> ParseDate(std::string_view text, DayEdge edge) {
  int y = 0, m = 0, d = 0;
  if (text.size() != 10 || text[4] != '-' || text[7] != '-' || !Digits(text, 0, 4, &y) || !Digits(text, 5, 2, &m) ||
      !Digits(text, 8, 2, &d))
    return InvalidArgument(Quote(text) + " is not a date: write it YYYY-MM-DD, e.g. 2026-12-31");
  const std::string value(text);
  if (m < 1 || m > 12)
    return InvalidArgument(value + " is not a date: month " + std::to_string(m) + " does not exist (01..12)");
  const int days = DaysInMonth(y, m);
  if (d < 1 || d > days)
    return InvalidArgument(value + " is not a date: " + kMonthNames[m - 1] + " " + std::to_string(y) + " has " +
                           std::to_string(days) + " days");
  if (y < kFirstYear || y > kLastYear)
    return InvalidArgument(value + " is out of range: dates run from 2000-01-01 to 2099-12-31");
  int64_t ms = DaysFromCivil(y, m, d) * kMsPerDay;
  if (edge == DayEdge::kEnd) ms += kMsPerDay;
  static_assert(kMinUnixMs == 10'957 * kMsPerDay, "2000-01-01");
  return ms;
}

}  // namespace inspectsync::core
