// The problem list (DOMAIN.md "Each problem stays on a problem list until it
// is rectified and the rectification has been checked"): findings filtered by
// zone, site, status, category, severity and overdue, sorted by deadline,
// and counted by zone x category x status for a report.
//
// One implementation for the server (OfficeService) and the SDK
// (Client::Problems), so the office and a tablet list the same findings in
// the same order. Overdue is judged by the clock passed in: the server's on
// the server, the device's in the SDK.
//
// Memory: a page is collected from a stream of findings keeping only the
// page_size best candidates (a bounded heap), and no more of them than fit
// in the page's byte budget, so listing costs one pass over the findings and
// memory of one page, whatever their number — and a page of findings with
// every field at its limit still fits in a gRPC message.
#ifndef INSPECTSYNC_CORE_PROBLEMS_H_
#define INSPECTSYNC_CORE_PROBLEMS_H_

#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "inspectsync/status.h"
#include "inspectsync/v1/office.pb.h"

namespace inspectsync::core {

inline constexpr uint32_t kDefaultProblemPageSize = 100;
inline constexpr uint32_t kMaxProblemPageSize = 1000;
// Encoded bytes of the problems of one page (a page holds at least one).
inline constexpr size_t kMaxProblemPageBytes = size_t{4} << 20;

// What the list needs to know of a site.
struct SiteInfo {
  std::string zone_id;
  std::string name;
  std::string code;  // the office's code ("" for a site made without one)
};
using SiteDirectory = std::unordered_map<std::string, SiteInfo>;

// The site `site_id` of `dir`, or nullptr when the directory has none.
const SiteInfo* FindSite(const SiteDirectory& dir, const std::string& site_id);
// The zone a record's scope key places it in: a site's zone; a scope that
// is no site of `dir` is a zone itself (zone-scoped records) or "" (none).
std::string ZoneOfScope(const SiteDirectory& dir, const std::string& scope);

// Whether a finding in status `s` is still being followed (on the default
// list): every status but CLOSED, VOIDED and DRAFT.
bool FollowedByDefault(v1::FindingStatus s);

// INVALID_ARGUMENT naming the problem: unknown enum values, a page size over
// the limit, a page token that is not one of ours.
Status CheckProblemQuery(const v1::ProblemQuery& q);

// Whether finding `f` (at a site of zone `zone_id`) is on the list of `q`.
bool MatchesProblem(const v1::ProblemQuery& q, const v1::Finding& f, const std::string& zone_id, int64_t now_ms);

// Where a finding sorts: deadline (none last), severity (highest first), id.
struct ProblemKey {
  int64_t deadline = 0;  // INT64_MAX for "no deadline"
  int severity = 0;      // negated: higher severity sorts first
  std::string id;
  bool operator<(const ProblemKey& o) const {
    return std::tie(deadline, severity, id) < std::tie(o.deadline, o.severity, o.id);
  }
};
ProblemKey KeyOf(const std::string& id, const v1::Finding& f);
std::string EncodeProblemToken(const ProblemKey& k);
StatusOr<ProblemKey> DecodeProblemToken(const std::string& token);

// Collects one page of the list. Offer every finding (in any order); Finish
// returns the page and the token of the next. A page holds up to page_size
// problems, fewer when their encoded size would pass `max_bytes` (never
// fewer than one). REQUIRES: CheckProblemQuery(q).
class ProblemPager {
 public:
  ProblemPager(const v1::ProblemQuery& q, int64_t now_ms, size_t max_bytes = kMaxProblemPageBytes);
  void Offer(const std::string& id, uint64_t version, const v1::Finding& f, const SiteInfo* site);
  v1::ProblemPage Finish();

 private:
  v1::ProblemQuery query_;
  int64_t now_ms_;
  uint32_t page_size_;
  size_t max_bytes_;
  size_t bytes_ = 0;  // encoded size of best_'s problems
  bool has_after_ = false;
  ProblemKey after_;
  bool more_ = false;  // a candidate beyond the page was seen
  // The smallest keys after the token that fit the page (page_size of them,
  // and within max_bytes_ but for the first).
  std::map<ProblemKey, std::pair<v1::Problem, size_t>> best_;  // problem, its encoded size
};

// Counts the findings of the list by zone x category x status.
class ProblemCounter {
 public:
  ProblemCounter(const v1::ProblemQuery& q, int64_t now_ms) : query_(q), now_ms_(now_ms) {}
  void Offer(const v1::Finding& f, const SiteInfo* site);
  v1::ProblemReport Finish() const;

 private:
  v1::ProblemQuery query_;
  int64_t now_ms_;
  std::map<std::tuple<std::string, std::string, int>, std::pair<uint64_t, uint64_t>> counts_;
};

}  // namespace inspectsync::core

#endif  // INSPECTSYNC_CORE_PROBLEMS_H_
