#include "server/finding_names.h"

#include <vector>

namespace inspectsync::server {

StatusOr<FindingNames> FindingNames::Read(storage::ServerStore* store) {
  FindingNames names(store);
  v1::Zone zone;
  Status st = store->ScanCollection("zones", [&](const storage::StoredRecord& r) -> Status {
    if (!zone.ParseFromString(r.body)) return DataLoss("stored zone " + r.id + " is corrupt");
    names.zones_[r.id] = zone.name();
    return Status::Ok();
  });
  if (!st.ok()) return st;
  v1::User user;
  st = store->ScanCollection("users", [&](const storage::StoredRecord& r) -> Status {
    if (!user.ParseFromString(r.body)) return DataLoss("stored user " + r.id + " is corrupt");
    names.users_[r.id] = user.name();
    return Status::Ok();
  });
  if (!st.ok()) return st;
  return names;
}

Status FindingNames::Fill(const core::SiteDirectory& sites, uint64_t created_version, v1::FindingRow* row) {
  const v1::Finding& f = row->finding();
  if (const core::SiteInfo* site = core::FindSite(sites, f.site_id())) row->set_site_code(site->code);
  if (auto z = zones_.find(row->zone_id()); z != zones_.end()) row->set_zone_name(z->second);
  if (!f.notice_id().empty()) {
    auto notice = store_->GetRecord("notices", f.notice_id());
    if (!notice.ok()) return notice.status();
    v1::RectificationNotice n;
    if (notice->has_value() && n.ParseFromString((*notice)->body)) row->set_notice_reference(n.reference_no());
  }
  if (created_version > 0) {
    std::vector<storage::VersionRow> first;
    INSPECTSYNC_RETURN_IF_ERROR(store_->ReadHistory(created_version - 1, 1, &first));
    if (!first.empty() && first[0].seq == created_version) {
      row->set_inspector_id(first[0].meta.author());
      if (auto u = users_.find(first[0].meta.author()); u != users_.end()) row->set_inspector_name(u->second);
    }
  }
  return Status::Ok();
}

std::string FindingNames::ZoneName(const std::string& zone_id) const {
  auto it = zones_.find(zone_id);
  return it == zones_.end() ? std::string() : it->second;
}

std::string FindingNames::UserName(const std::string& user_id) const {
  auto it = users_.find(user_id);
  return it == users_.end() ? std::string() : it->second;
}

void NameZones(const FindingNames& names, v1::ProblemReport* report) {
  for (v1::ProblemCount& c : *report->mutable_counts()) c.set_zone_name(names.ZoneName(c.zone_id()));
}

}  // namespace inspectsync::server
