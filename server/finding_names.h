// The names a clerk reads beside a finding (issue 17): the zone's name, the
// site's code, the reference number of its notice, and who recorded it —
// resolved on the server so every export and list says them the same way.
//
// Zones and users are small directories (a district has a few zones and tens
// of people; a province thousands), read once per call like the site
// directory. Notices and the finding's first version are point reads, one per
// row, made between store scans — never inside one, since a scan holds a
// reader connection and a nested read could wait for another forever.
//
// Thread-safety: one instance per call, used by one thread.
#ifndef INSPECTSYNC_SERVER_FINDING_NAMES_H_
#define INSPECTSYNC_SERVER_FINDING_NAMES_H_

#include <string>
#include <unordered_map>

#include "core/problems.h"
#include "inspectsync/v1/integration.pb.h"
#include "storage/server_store.h"

namespace inspectsync::server {

class FindingNames {
 public:
  // Reads the zone and user directories (deleted ones too: an old finding
  // still names the person who recorded it).
  static StatusOr<FindingNames> Read(storage::ServerStore* store);

  // Sets row's zone_name, site_code, notice_reference, inspector_id and
  // inspector_name. `created_version` is the seq of the finding's first
  // version (VersionMeta::created_version). REQUIRES: no store scan open on
  // this thread.
  Status Fill(const core::SiteDirectory& sites, uint64_t created_version, v1::FindingRow* row);

  // A zone's or a person's name; "" when the directory has none.
  // (NameZones below fills a report's zone names.)
  std::string ZoneName(const std::string& zone_id) const;
  std::string UserName(const std::string& user_id) const;

 private:
  explicit FindingNames(storage::ServerStore* store) : store_(store) {}
  storage::ServerStore* store_;
  std::unordered_map<std::string, std::string> zones_;  // id -> name
  std::unordered_map<std::string, std::string> users_;  // id -> name
};

// Sets each count's zone_name.
void NameZones(const FindingNames& names, v1::ProblemReport* report);

}  // namespace inspectsync::server

#endif  // INSPECTSYNC_SERVER_FINDING_NAMES_H_
