#include "core/spot_check.h"

#include <set>

#include "core/ids.h"

namespace inspectsync::core {

namespace {

// [a0, a1) and [b0, b1) overlap; an end of 0 is open.
bool Overlap(int64_t a0, int64_t a1, int64_t b0, int64_t b1) {
  return (a1 == 0 || b0 < a1) && (b1 == 0 || a0 < b1);
}

}  // namespace

std::string SampleSpec(int schools, int kindergartens) {
  return "schools=" + std::to_string(schools) + " kindergartens=" + std::to_string(kindergartens);
}

SampleRequest SpotCheckRequest(const std::string& campaign_id, const v1::Campaign& campaign,
                               const SpotCheckRegister& reg, int schools, int kindergartens, uint64_t seed) {
  std::set<std::string> busy_campaigns;
  for (const auto& [id, o] : reg.campaigns)
    if (id != campaign_id && o.kind() == v1::SPOT_CHECK && o.status() != v1::FINISHED &&
        Overlap(o.starts_at_ms(), o.ends_at_ms(), campaign.starts_at_ms(), campaign.ends_at_ms()))
      busy_campaigns.insert(id);
  SampleRequest req;
  req.seed = seed;
  for (const auto& [id, a] : reg.assignments)
    if (busy_campaigns.count(a.campaign_id()) && !a.site_id().empty()) req.excluded_site_ids.insert(a.site_id());
  for (const auto& [id, s] : reg.sites) req.candidates.push_back({id, s.kind(), s.zone_id()});
  req.strata.push_back({"schools", {v1::PRIMARY_SCHOOL, v1::MIDDLE_SCHOOL}, schools});
  req.strata.push_back({"kindergartens", {v1::KINDERGARTEN}, kindergartens});
  return req;
}

std::string SampleAssignmentId(const std::string& campaign_id, const std::string& site_id) {
  return ImportRecordId("assignments", "spot-check/" + campaign_id + "/" + site_id);
}

}  // namespace inspectsync::core
