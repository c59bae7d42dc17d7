#include "core/hlc.h"

#include <cstdio>
#include <ctime>

namespace inspectsync::core {

namespace {

// Next timestamp after `floor` given wall time `wall`.
uint64_t Advance(uint64_t floor, int64_t wall) {
  uint64_t candidate = Hlc::Pack(wall < 0 ? 0 : wall, 0);
  if (candidate > floor) return candidate;
  // Logical overflow simply carries into the millisecond part: still monotonic.
  return floor + 1;
}
}  // namespace

uint64_t Hlc::Now() {
  std::lock_guard<std::mutex> lock(mu_);
  last_ = Advance(last_, clock_->NowMillis());
  return last_;
}

void Hlc::Observe(uint64_t remote) {
  std::lock_guard<std::mutex> lock(mu_);
  if (remote > last_) last_ = remote;
}

uint64_t Hlc::last() const {
  std::lock_guard<std::mutex> lock(mu_);
  return last_;
}

std::string Hlc::Format(uint64_t hlc) {
  int64_t ms = Millis(hlc);
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ+%u", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000), Logical(hlc));
  return buf;
}

}  // namespace inspectsync::core
