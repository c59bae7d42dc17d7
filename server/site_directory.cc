#include "server/site_directory.h"

namespace inspectsync::server {

StatusOr<core::SiteDirectory> ReadSiteDirectory(storage::ServerStore* store, bool include_deleted) {
  core::SiteDirectory sites;
  v1::Site site;  // reused: one site parsed at a time
  Status st = store->ScanCollection("sites", [&](const storage::StoredRecord& r) -> Status {
    if (r.deleted && !include_deleted) return Status::Ok();
    if (!site.ParseFromString(r.body)) return DataLoss("stored site " + r.id + " is corrupt");
    sites[r.id] = core::SiteInfo{site.zone_id(), site.name()};
    return Status::Ok();
  });
  if (!st.ok()) return st;
  return sites;
}

}  // namespace inspectsync::server
