#include "server/report_filter.h"

#include <vector>

#include "server/office_refs.h"

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

StatusOr<core::CampaignFilter> ReadCampaignFilter(SyncEngine* engine,
                                                  const google::protobuf::RepeatedPtrField<std::string>& campaign_ids,
                                                  const std::string& sample_campaign_id) {
  // The references as people give them (an id, or what office::Resolve
  // accepts besides), to the campaigns' ids.
  std::vector<std::string> ids;
  for (const std::string& ref : campaign_ids) {
    auto c = office::Resolve(engine, "campaigns", ref, "campaign_ids");
    if (!c.ok()) return c.status();
    ids.push_back(c->rec.id);
  }
  std::string sample;
  if (!sample_campaign_id.empty()) {
    auto c = office::Resolve(engine, "campaigns", sample_campaign_id, "sample_campaign_id");
    if (!c.ok()) return c.status();
    sample = c->rec.id;
  }
  core::CampaignFilterBuilder b(ids, sample);
  if (!b.needed()) return b.Finish();
  storage::ServerStore* store = engine->store();
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

Status ResolveRefs(SyncEngine* engine, const std::string& collection, const std::string& field,
                   google::protobuf::RepeatedPtrField<std::string>* refs) {
  std::vector<std::string> ids;
  for (const std::string& ref : *refs) {
    auto found = office::Resolve(engine, collection, ref, field);
    if (!found.ok()) return found.status();
    ids.push_back(found->rec.id);
  }
  for (int i = 0; i < refs->size(); ++i) *refs->Mutable(i) = std::move(ids[static_cast<size_t>(i)]);
  return Status::Ok();
}

}  // namespace inspectsync::server
