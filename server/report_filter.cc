#include "server/report_filter.h"

#include <vector>

namespace inspectsync::server {

namespace {

template <class Msg, class Fn>
Status Scan(storage::ServerStore* store, const std::string& collection, Fn fn) {
  Msg msg;  // reused: one record parsed at a time
  return store->ScanCollection(collection, [&](const storage::StoredRecord& r) -> Status {
    if (!msg.ParseFromString(r.body)) return DataLoss("stored " + collection + " record " + r.id + " is corrupt");
    fn(r, msg);
    return Status::Ok();
  });
}

}  // namespace

StatusOr<core::CampaignFilter> ReadCampaignFilter(storage::ServerStore* store,
                                                  const google::protobuf::RepeatedPtrField<std::string>& campaign_ids,
                                                  const std::string& sample_campaign_id) {
  core::CampaignFilterBuilder b(std::vector<std::string>(campaign_ids.begin(), campaign_ids.end()),
                                sample_campaign_id);
  if (!b.needed()) return b.Finish();
  INSPECTSYNC_RETURN_IF_ERROR(Scan<v1::Campaign>(store, "campaigns", [&](const storage::StoredRecord& r, const v1::Campaign& c) {
    b.OfferCampaign(r.id, r.deleted, c);
  }));
  if (b.needs_inspections())
    INSPECTSYNC_RETURN_IF_ERROR(
        Scan<v1::Inspection>(store, "inspections", [&](const storage::StoredRecord& r, const v1::Inspection& i) {
          b.OfferInspection(r.id, r.deleted, i);
        }));
  if (b.needs_assignments())
    INSPECTSYNC_RETURN_IF_ERROR(
        Scan<v1::Assignment>(store, "assignments", [&](const storage::StoredRecord& r, const v1::Assignment& a) {
          b.OfferAssignment(r.deleted, a);
        }));
  return b.Finish();
}

}  // namespace inspectsync::server
