#include "core/problems.h"

#include <algorithm>
#include <climits>

#include "core/lifecycle.h"
#include "core/quote.h"

namespace inspectsync::core {

const SiteInfo* FindSite(const SiteDirectory& dir, const std::string& site_id) {
  auto it = dir.find(site_id);
  return it == dir.end() ? nullptr : &it->second;
}

std::string ZoneOfScope(const SiteDirectory& dir, const std::string& scope) {
  const SiteInfo* site = FindSite(dir, scope);
  return site != nullptr ? site->zone_id : scope;
}

namespace {

constexpr int64_t kDayMs = 86'400'000;
constexpr char kTokenPrefix[] = "p1.";

template <typename C, typename V>
bool AnyOf(const C& values, const V& v) {
  return values.empty() || std::find(values.begin(), values.end(), v) != values.end();
}

}  // namespace

bool FollowedByDefault(v1::FindingStatus s) {
  return s != v1::CLOSED && s != v1::VOIDED && s != v1::DRAFT && s != v1::FINDING_STATUS_UNSPECIFIED;
}

Status CheckProblemQuery(const v1::ProblemQuery& q) {
  for (int s : q.statuses())
    if (!v1::FindingStatus_IsValid(s) || s == v1::FINDING_STATUS_UNSPECIFIED)
      return InvalidArgument("status " + std::to_string(s) + " is not a finding status");
  for (int s : q.severities())
    if (!v1::Severity_IsValid(s) || s == v1::SEVERITY_UNSPECIFIED)
      return InvalidArgument("severity " + std::to_string(s) + " is not a severity (LOW, MEDIUM, HIGH, CRITICAL)");
  if (q.page_size() > kMaxProblemPageSize)
    return InvalidArgument("page_size " + std::to_string(q.page_size()) + " is over the limit of " +
                           std::to_string(kMaxProblemPageSize));
  if (!q.page_token().empty()) {
    auto k = DecodeProblemToken(q.page_token());
    if (!k.ok()) return k.status();
  }
  return Status::Ok();
}

bool MatchesProblem(const v1::ProblemQuery& q, const v1::Finding& f, const std::string& zone_id, int64_t now_ms) {
  if (q.statuses().empty() ? !FollowedByDefault(f.status()) : !AnyOf(q.statuses(), static_cast<int>(f.status())))
    return false;
  if (!AnyOf(q.zone_ids(), zone_id) || !AnyOf(q.site_ids(), f.site_id()) || !AnyOf(q.categories(), f.category()) ||
      !AnyOf(q.severities(), static_cast<int>(f.severity())))
    return false;
  return !q.overdue_only() || IsOverdue(f, now_ms);
}

ProblemKey KeyOf(const std::string& id, const v1::Finding& f) {
  ProblemKey k;
  k.deadline = f.deadline_ms() > 0 ? f.deadline_ms() : INT64_MAX;
  k.severity = -static_cast<int>(f.severity());
  k.id = id;
  return k;
}

std::string EncodeProblemToken(const ProblemKey& k) {
  return kTokenPrefix + std::to_string(k.deadline) + "." + std::to_string(k.severity) + "." + k.id;
}

StatusOr<ProblemKey> DecodeProblemToken(const std::string& token) {
  auto bad = [&] {
    return InvalidArgument("page_token " + Quote(token) + " is not a token this list gave out");
  };
  if (token.rfind(kTokenPrefix, 0) != 0) return bad();
  size_t a = sizeof(kTokenPrefix) - 1;
  size_t b = token.find('.', a);
  if (b == std::string::npos) return bad();
  size_t c = token.find('.', b + 1);
  if (c == std::string::npos || c + 1 >= token.size()) return bad();
  ProblemKey k;
  try {
    size_t used = 0;
    k.deadline = std::stoll(token.substr(a, b - a), &used);
    if (used != b - a) return bad();
    k.severity = std::stoi(token.substr(b + 1, c - b - 1), &used);
    if (used != c - b - 1) return bad();
  } catch (...) {
    return bad();
  }
  k.id = token.substr(c + 1);
  return k;
}

ProblemPager::ProblemPager(const v1::ProblemQuery& q, int64_t now_ms, size_t max_bytes)
    : query_(q),
      now_ms_(now_ms),
      page_size_(q.page_size() == 0 ? kDefaultProblemPageSize : q.page_size()),
      max_bytes_(max_bytes) {
  if (!q.page_token().empty()) {
    auto k = DecodeProblemToken(q.page_token());
    if (k.ok()) {
      has_after_ = true;
      after_ = *k;
    }
  }
}

void ProblemPager::Offer(const std::string& id, uint64_t version, const v1::Finding& f, const SiteInfo* site) {
  const std::string zone = site ? site->zone_id : std::string();
  if (!MatchesProblem(query_, f, zone, now_ms_)) return;
  ProblemKey key = KeyOf(id, f);
  if (has_after_ && !(after_ < key)) return;
  if (best_.size() == page_size_) {
    more_ = true;
    if (!(key < std::prev(best_.end())->first)) return;
    bytes_ -= std::prev(best_.end())->second.second;
    best_.erase(std::prev(best_.end()));
  }
  v1::Problem p;
  p.set_finding_id(id);
  p.set_version(version);
  *p.mutable_finding() = f;
  p.set_zone_id(zone);
  if (site) p.set_site_name(site->name);
  bool overdue = IsOverdue(f, now_ms_);
  p.set_overdue(overdue);
  if (overdue) p.set_overdue_days((now_ms_ - f.deadline_ms()) / kDayMs);
  // As a page member: the field's tag and length prefix (at most 5 + 1 bytes).
  const size_t size = p.ByteSizeLong() + 6;
  bytes_ += size;
  best_.emplace(std::move(key), std::make_pair(std::move(p), size));
  // Past the byte budget the last keys go (never the first): a later page has them.
  while (bytes_ > max_bytes_ && best_.size() > 1) {
    more_ = true;
    bytes_ -= std::prev(best_.end())->second.second;
    best_.erase(std::prev(best_.end()));
  }
}

v1::ProblemPage ProblemPager::Finish() {
  v1::ProblemPage page;
  page.set_as_of_ms(now_ms_);
  for (auto& [key, p] : best_) *page.add_problems() = std::move(p.first);
  if (more_ && !best_.empty()) page.set_next_page_token(EncodeProblemToken(std::prev(best_.end())->first));
  best_.clear();
  bytes_ = 0;
  return page;
}

void ProblemCounter::Offer(const v1::Finding& f, const SiteInfo* site) {
  const std::string zone = site ? site->zone_id : std::string();
  if (!MatchesProblem(query_, f, zone, now_ms_)) return;
  auto& c = counts_[{zone, f.category(), static_cast<int>(f.status())}];
  ++c.first;
  if (IsOverdue(f, now_ms_)) ++c.second;
}

v1::ProblemReport ProblemCounter::Finish() const {
  v1::ProblemReport r;
  r.set_as_of_ms(now_ms_);
  for (const auto& [key, c] : counts_) {
    v1::ProblemCount* pc = r.add_counts();
    pc->set_zone_id(std::get<0>(key));
    pc->set_category(std::get<1>(key));
    pc->set_status(static_cast<v1::FindingStatus>(std::get<2>(key)));
    pc->set_findings(c.first);
    pc->set_overdue(c.second);
    r.set_findings(r.findings() + c.first);
    r.set_overdue(r.overdue() + c.second);
  }
  return r;
}

}  // namespace inspectsync::core
