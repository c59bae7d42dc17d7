// Which findings belong to a campaign, and which sites to a spot check's
// sample (issue 17): the campaign and sample filters of the problem list,
// the findings list, the export, the summary and the reports.
//
// Definitions (docs/DESIGN-NOTES.md "Reports"):
//   - a finding is *of campaign C* when its inspection (Finding.inspection_id)
//     is a live inspection whose campaign_id is C; a finding whose
//     inspection is not known is of no campaign;
//   - a site is *assigned for C* when a live assignment with campaign_id C
//     names it, or names its zone (by team or by user, whatever its dates:
//     a finished campaign keeps its assignments);
//   - a site is *in the sample of spot check S* when it is assigned for S:
//     the office's draw (core/sampling.h) is stored as those assignments.
//
// The builder is offered the records once each (campaigns, inspections,
// assignments, in any order) and keeps only what the filter needs: the ids
// of the wanted campaigns' inspections, and the sites and zones of the
// sample. Memory: one id per inspection of the wanted campaigns.
//
// Thread-safety: values; no shared state.
#ifndef INSPECTSYNC_CORE_CAMPAIGN_FILTER_H_
#define INSPECTSYNC_CORE_CAMPAIGN_FILTER_H_

#include <set>
#include <string>
#include <unordered_set>
#include <vector>

#include "inspectsync/status.h"
#include "inspectsync/v1/records.pb.h"

namespace inspectsync::core {

class CampaignFilter {
 public:
  // No restriction.
  CampaignFilter() = default;

  // Whether the filter restricts anything (false: every finding passes).
  bool active() const { return by_campaign_ || by_sample_; }
  // Whether finding `f`, at a site of zone `zone_id`, passes.
  bool Matches(const v1::Finding& f, const std::string& zone_id) const;
  // Whether the site (of zone `zone_id`) is in the sample (true when no
  // sample is asked for).
  bool InSample(const std::string& site_id, const std::string& zone_id) const;

 private:
  friend class CampaignFilterBuilder;
  bool by_campaign_ = false;
  std::unordered_set<std::string> inspections_;
  bool by_sample_ = false;
  std::unordered_set<std::string> sample_sites_;
  std::unordered_set<std::string> sample_zones_;
};

class CampaignFilterBuilder {
 public:
  // `campaign_ids`: findings of these campaigns (empty: any);
  // `sample_campaign_id`: at sites of this spot check's sample ("": any).
  CampaignFilterBuilder(const std::vector<std::string>& campaign_ids, std::string sample_campaign_id);

  // Whether any record needs to be offered (false: Finish returns a filter
  // that passes everything).
  bool needed() const { return !campaign_ids_.empty() || !sample_.empty(); }
  bool needs_inspections() const { return !campaign_ids_.empty(); }
  bool needs_assignments() const { return !sample_.empty(); }

  void OfferCampaign(const std::string& id, bool deleted, const v1::Campaign& c);
  void OfferInspection(const std::string& id, bool deleted, const v1::Inspection& i);
  void OfferAssignment(bool deleted, const v1::Assignment& a);

  // NOT_FOUND naming every campaign id that is no live campaign;
  // INVALID_ARGUMENT when the sample's campaign is not a spot check (naming it).
  StatusOr<CampaignFilter> Finish();

 private:
  std::set<std::string> campaign_ids_;
  std::string sample_;
  std::set<std::string> seen_;  // wanted campaigns that exist
  bool sample_is_spot_check_ = true;
  std::string sample_name_;  // when it is not a spot check
  CampaignFilter filter_;
};

}  // namespace inspectsync::core

#endif  // INSPECTSYNC_CORE_CAMPAIGN_FILTER_H_
