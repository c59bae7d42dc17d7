#include "core/campaign_filter.h"

#include "core/quote.h"

namespace inspectsync::core {

bool CampaignFilter::Matches(const v1::Finding& f, const std::string& zone_id) const {
  if (by_campaign_ && !inspections_.count(f.inspection_id())) return false;
  return InSample(f.site_id(), zone_id);
}

bool CampaignFilter::InSample(const std::string& site_id, const std::string& zone_id) const {
  if (!by_sample_) return true;
  return sample_sites_.count(site_id) > 0 || (!zone_id.empty() && sample_zones_.count(zone_id) > 0);
}

CampaignFilterBuilder::CampaignFilterBuilder(const std::vector<std::string>& campaign_ids,
                                             std::string sample_campaign_id)
    : campaign_ids_(campaign_ids.begin(), campaign_ids.end()), sample_(std::move(sample_campaign_id)) {
  filter_.by_campaign_ = !campaign_ids_.empty();
  filter_.by_sample_ = !sample_.empty();
}

void CampaignFilterBuilder::OfferCampaign(const std::string& id, bool deleted, const v1::Campaign& c) {
  if (deleted) return;
  if (campaign_ids_.count(id) || id == sample_) seen_.insert(id);
  if (id == sample_ && c.kind() != v1::SPOT_CHECK) {
    sample_is_spot_check_ = false;
    sample_name_ = c.name();
  }
}

void CampaignFilterBuilder::OfferInspection(const std::string& id, bool deleted, const v1::Inspection& i) {
  if (!deleted && campaign_ids_.count(i.campaign_id())) filter_.inspections_.insert(id);
}

void CampaignFilterBuilder::OfferAssignment(bool deleted, const v1::Assignment& a) {
  if (deleted || sample_.empty() || a.campaign_id() != sample_) return;
  if (!a.site_id().empty()) filter_.sample_sites_.insert(a.site_id());
  if (!a.zone_id().empty()) filter_.sample_zones_.insert(a.zone_id());
}

StatusOr<CampaignFilter> CampaignFilterBuilder::Finish() {
  std::string missing;
  std::set<std::string> wanted = campaign_ids_;
  if (!sample_.empty()) wanted.insert(sample_);
  for (const std::string& id : wanted)
    if (!seen_.count(id)) missing += (missing.empty() ? "" : ", ") + Quote(id);
  if (!missing.empty()) return Status(StatusCode::kNotFound, "no campaign " + missing + " on the server");
  if (!sample_is_spot_check_)
    return InvalidArgument("sample_campaign_id: campaign '" + sample_name_ +
                           "' is not a spot check, so it has no drawn sample (give it as a campaign_ids filter)");
  return std::move(filter_);
}

}  // namespace inspectsync::core
