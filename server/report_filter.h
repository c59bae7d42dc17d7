// The campaign and spot-check sample filters (core/campaign_filter.h) read
// from the server's store, for the office's lists (OfficeService
// ListProblems / CountProblems, IntegrationService ListFindings /
// ExportFindings / Summary) and the reports.
//
// Cost: nothing when neither filter is asked for; otherwise one pass over
// the campaigns, and one over the inspections (campaign filter) and/or the
// assignments (sample filter), keeping one id per inspection of the wanted
// campaigns and the sample's site ids. Findings are then filtered as they
// stream by.
//
// Thread-safety: a function; the store is thread-safe.
#ifndef INSPECTSYNC_SERVER_REPORT_FILTER_H_
#define INSPECTSYNC_SERVER_REPORT_FILTER_H_

#include <string>

#include "core/campaign_filter.h"
#include "google/protobuf/repeated_ptr_field.h"
#include "storage/server_store.h"

namespace inspectsync::server {

// NOT_FOUND naming an unknown campaign; INVALID_ARGUMENT when the sample's
// campaign is not a spot check.
StatusOr<core::CampaignFilter> ReadCampaignFilter(storage::ServerStore* store,
                                                  const google::protobuf::RepeatedPtrField<std::string>& campaign_ids,
                                                  const std::string& sample_campaign_id);

}  // namespace inspectsync::server

#endif  // INSPECTSYNC_SERVER_REPORT_FILTER_H_
