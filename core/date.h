// Calendar dates as people type them: "2026-12-31" (ISO 8601, YYYY-MM-DD).
//
// The one parser of dates in InspectSync: deadlines, assignment windows,
// campaign periods and filters on the command line, in imports and on the
// server all come through here, so an impossible date (2026-02-30,
// 2027-02-29, 2026-04-31, month 13) is refused the same way everywhere
// instead of being silently shifted into the next month by timegm.
//
// Dates are days of the UTC calendar within the range a record may hold
// (2000-01-01 .. 2099-12-31, core::kMinUnixMs / kMaxUnixMs): a date outside
// it could only be refused later, by the record's validation, in words that
// no longer name what was typed.
//
// Thread-safety: pure functions.
#ifndef INSPECTSYNC_CORE_DATE_H_
#define INSPECTSYNC_CORE_DATE_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "inspectsync/status.h"

namespace inspectsync::core {

// Which instant of the day a date stands for.
enum class DayEdge {
  kStart,  // 00:00 UTC of the day (a deadline, a "from")
  kEnd,    // 00:00 UTC of the next day: an inclusive "to" as an exclusive end
};

// "2026-12-31" -> unix milliseconds at the day's edge. Exactly ten
// characters, four-digit year, two-digit month and day, a real day of that
// month (leap years by the Gregorian rule). INVALID_ARGUMENT otherwise,
// naming the value and what is wrong with it ("2027-02-29 is not a date:
// February 2027 has 28 days").
StatusOr<int64_t> ParseDate(std::string_view text, DayEdge edge = DayEdge::kStart);

// Days in `month` (1..12) of `year`; 0 for a month out of range.
int DaysInMonth(int year, int month);

// Days since 1970-01-01 of a valid civil date (no checks: callers validate).
int64_t DaysFromCivil(int year, int month, int day);

}  // namespace inspectsync::core

#endif  // INSPECTSYNC_CORE_DATE_H_
