// The office's spot-check draw over the register: which sites are candidates,
// which are excluded, the strata and the spec recorded on the campaign — the
// one definition `inspectsync admin sample draw` (tools/cmd_office.cc) and
// OfficeService.DrawSample (server/office_campaigns.cc) both use, so a sample
// drawn by either is redrawn identically by the other. The draw itself is
// core/sampling.h.
//
// Thread-safety: pure functions on values.
#ifndef INSPECTSYNC_CORE_SPOT_CHECK_H_
#define INSPECTSYNC_CORE_SPOT_CHECK_H_

#include <string>
#include <utility>
#include <vector>

#include "core/sampling.h"
#include "inspectsync/v1/records.pb.h"

namespace inspectsync::core {

// Live records of the register by id, as the draw reads them.
struct SpotCheckRegister {
  std::vector<std::pair<std::string, v1::Campaign>> campaigns;
  std::vector<std::pair<std::string, v1::Assignment>> assignments;
  std::vector<std::pair<std::string, v1::Site>> sites;
};

// "schools=26 kindergartens=10": how a draw is recorded (Campaign.sample_spec).
std::string SampleSpec(int schools, int kindergartens);

// The request for campaign `campaign_id`: every site of the register a
// candidate (by kind and zone); excluded, the sites assigned for another
// spot check that is not FINISHED and whose period overlaps this one's; two
// strata, "schools" (primary and middle) and "kindergartens".
SampleRequest SpotCheckRequest(const std::string& campaign_id, const v1::Campaign& campaign,
                               const SpotCheckRegister& reg, int schools, int kindergartens, uint64_t seed);

// The id of the assignment of a drawn site for the campaign: derived, so
// assigning a sample twice collides instead of doubling it.
std::string SampleAssignmentId(const std::string& campaign_id, const std::string& site_id);

}  // namespace inspectsync::core

#endif  // INSPECTSYNC_CORE_SPOT_CHECK_H_
