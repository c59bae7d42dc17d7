// Every site's zone and name, read from the store in one pass: what the
// office's lists, the change feed's zone filters and conflict review need to
// place a record (whose scope is its site) in its zone.
#ifndef INSPECTSYNC_SERVER_SITE_DIRECTORY_H_
#define INSPECTSYNC_SERVER_SITE_DIRECTORY_H_

#include <string>
#include <unordered_map>

#include "core/problems.h"
#include "storage/server_store.h"

namespace inspectsync::server {

// `include_deleted`: a record of a site removed since still belongs to the
// zone the site was in (conflict review, the feed's history); lists of what
// is there now leave such sites out.
StatusOr<core::SiteDirectory> ReadSiteDirectory(storage::ServerStore* store, bool include_deleted);

// Sites' zones read one at a time, when first asked for, and remembered: for
// a pass that meets a few sites of many (webhook events). Deleted sites
// count (their records still belong to the zone). Not thread-safe.
class SiteZoneCache {
 public:
  explicit SiteZoneCache(storage::ServerStore* store) : store_(store) {}
  // The zone of site `site_id`; "" when there is no such site or it cannot be read.
  const std::string& ZoneOf(const std::string& site_id);

 private:
  storage::ServerStore* store_;
  std::unordered_map<std::string, std::string> zones_;
};

}  // namespace inspectsync::server

#endif  // INSPECTSYNC_SERVER_SITE_DIRECTORY_H_
