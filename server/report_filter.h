// The filters the office's lists and reports share, read from the server's
// store: the campaign and spot-check sample filters (core/campaign_filter.h)
// and the zone and site filters named the way people name them. Used by
// OfficeService ListProblems / CountProblems, IntegrationService
// ListFindings / ExportFindings / Summary, and the reports.
//
// Every reference resolves through office::Resolve (server/office_refs.h):
// a zone or site by the office's code or its id, a campaign as office::Resolve
// accepts it. An unknown one is NOT_FOUND naming the field and the value as
// it was sent, so a typo is an error and never an empty list.
//
// Cost: one lookup per value given. Campaign filters: nothing when neither
// is asked for; otherwise one pass over the campaigns, and one over the
// inspections (campaign filter) and/or the assignments (sample filter),
// keeping one id per inspection of the wanted campaigns and the sample's
// site ids. Findings are then filtered as they stream by.
//
// Thread-safety: functions; the engine is thread-safe.
#ifndef INSPECTSYNC_SERVER_REPORT_FILTER_H_
#define INSPECTSYNC_SERVER_REPORT_FILTER_H_

#include <string>

#include "core/campaign_filter.h"
#include "google/protobuf/repeated_ptr_field.h"
#include "server/sync_engine.h"

namespace inspectsync::server {

// NOT_FOUND naming an unknown campaign; INVALID_ARGUMENT when the sample's
// campaign is not a spot check.
StatusOr<core::CampaignFilter> ReadCampaignFilter(SyncEngine* engine,
                                                  const google::protobuf::RepeatedPtrField<std::string>& campaign_ids,
                                                  const std::string& sample_campaign_id);

// Replaces each value of `refs` (a code or an id of a live record of
// `collection`: "zones" or "sites") with the record's id. NOT_FOUND naming
// `field` and the first unknown value; `refs` is then unchanged.
Status ResolveRefs(SyncEngine* engine, const std::string& collection, const std::string& field,
                   google::protobuf::RepeatedPtrField<std::string>* refs);

// Both place filters of a query that has zone_ids and site_ids
// (v1::ProblemQuery, v1::FindingQuery), resolved as above.
template <class Query>
Status ResolvePlaces(SyncEngine* engine, Query* q) {
  INSPECTSYNC_RETURN_IF_ERROR(ResolveRefs(engine, "zones", "zone_ids", q->mutable_zone_ids()));
  return ResolveRefs(engine, "sites", "site_ids", q->mutable_site_ids());
}

}  // namespace inspectsync::server

#endif  // INSPECTSYNC_SERVER_REPORT_FILTER_H_
