// Every site's zone and name, read from the store in one pass: what the
// office's lists, the change feed's zone filters and conflict review need to
// place a record (whose scope is its site) in its zone.
#ifndef INSPECTSYNC_SERVER_SITE_DIRECTORY_H_
#define INSPECTSYNC_SERVER_SITE_DIRECTORY_H_

#include "core/problems.h"
#include "storage/server_store.h"

namespace inspectsync::server {

// `include_deleted`: a record of a site removed since still belongs to the
// zone the site was in (conflict review, the feed's history); lists of what
// is there now leave such sites out.
StatusOr<core::SiteDirectory> ReadSiteDirectory(storage::ServerStore* store, bool include_deleted);

}  // namespace inspectsync::server

#endif  // INSPECTSYNC_SERVER_SITE_DIRECTORY_H_
