#include "server/site_directory.h"

namespace inspectsync::server {

StatusOr<core::SiteDirectory> ReadSiteDirectory(storage::ServerStore* store, bool include_deleted) {
  core::SiteDirectory sites;
  v1::Site site;  // reused: one site parsed at a time
  Status st = store->ScanCollection("sites", [&](const storage::StoredRecord& r) -> Status {
    if (r.deleted && !include_deleted) return Status::Ok();
    if (!site.ParseFromString(r.body)) return DataLoss("stored site " + r.id + " is corrupt");
    sites[r.id] = core::SiteInfo{site.zone_id(), site.name(), site.code()};
    return Status::Ok();
  });
  if (!st.ok()) return st;
  return sites;
}

const std::string& SiteZoneCache::ZoneOf(const std::string& site_id) {
  auto it = zones_.find(site_id);
  if (it != zones_.end()) return it->second;
  std::string zone;
  auto rec = store_->GetRecord("sites", site_id);
  v1::Site site;
  if (rec.ok() && *rec && site.ParseFromString((*rec)->body)) zone = site.zone_id();
  return zones_.emplace(site_id, std::move(zone)).first->second;
}

}  // namespace inspectsync::server
