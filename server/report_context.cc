#include "server/report_context.h"

#include "core/ids.h"
#include "server/office_refs.h"

namespace inspectsync::server {

namespace {

// Reads every live record of `collection`, parsed into `msg`, one at a time.
template <class Msg, class Fn>
Status ForEachLive(storage::ServerStore* store, const std::string& collection, Fn fn) {
  Msg msg;
  return store->ScanCollection(collection, [&](const storage::StoredRecord& r) -> Status {
    if (r.deleted) return Status::Ok();
    if (!msg.ParseFromString(r.body)) return DataLoss("stored " + collection + " record " + r.id + " is corrupt");
    fn(r.id, msg);
    return Status::Ok();
  });
}

}  // namespace

std::string SiteLabel(const v1::SiteRef& s) { return s.code().empty() ? s.name() : s.code() + " " + s.name(); }

StatusOr<ReportContext> ReportContext::Open(SyncEngine* engine, const Caller& caller,
                                            const std::vector<std::string>& zone_refs, const std::string& field) {
  auto role = ParseRole(caller.role);
  if (!role.ok()) return role.status();
  if (*role == Role::kInspector)
    return Status(StatusCode::kPermissionDenied,
                  "reports are for the office, zone directors and integrations; an inspector's tablet shows "
                  "the records of its own sites");
  auto scope = engine->ScopeOf(caller);
  if (!scope.ok()) return scope.status();

  ReportContext ctx;
  ctx.engine_ = engine;
  ctx.now_ms_ = engine->options().clock->NowMillis();
  storage::ServerStore* store = engine->store();
  INSPECTSYNC_RETURN_IF_ERROR(ForEachLive<v1::Zone>(store, "zones", [&](const std::string& id, const v1::Zone& z) {
    ctx.zone_names_[id] = z.name();
  }));
  INSPECTSYNC_RETURN_IF_ERROR(ForEachLive<v1::Site>(store, "sites", [&](const std::string& id, const v1::Site& s) {
    ctx.sites_[id] = ReportSite{s.code(), s.name(), s.zone_id(), s.kind()};
  }));
  INSPECTSYNC_RETURN_IF_ERROR(ForEachLive<v1::User>(store, "users", [&](const std::string& id, const v1::User& u) {
    ctx.people_[id] = u.name();
  }));

  // A zone director's zones are the zones of their scope (assigned zones).
  // Zones come by code or id; the report then speaks of ids only.
  for (const std::string& ref : zone_refs) {
    auto found = office::Resolve(engine, "zones", ref, field);
    if (!found.ok()) return found.status();
    const std::string& zone = found->rec.id;
    ctx.asked_zones_.push_back(zone);
    if (!scope->all && !scope->Contains(zone))
      return Status(StatusCode::kPermissionDenied,
                    "zone '" + ctx.zone_names_[zone] + "' is not one of your zones; a zone director reports on the "
                    "zones assigned to them");
  }
  if (!zone_refs.empty()) {
    ctx.zones_.insert(ctx.asked_zones_.begin(), ctx.asked_zones_.end());
  } else {
    for (const auto& [id, name] : ctx.zone_names_)
      if (scope->all || scope->Contains(id)) ctx.zones_.insert(id);
  }
  return ctx;
}

StatusOr<ReportCampaign> ReportContext::Campaign(const std::string& ref) const {
  auto found = office::Resolve(engine_, "campaigns", ref, "campaign_id");
  if (!found.ok()) return found.status();
  return ReportCampaign{found->rec.id, found->body.campaign()};
}

std::vector<std::string> InspectorsOf(const storage::StoredRecord& rec, const v1::Inspection& in) {
  if (in.inspectors_size() > 0) return {in.inspectors().begin(), in.inspectors().end()};
  if (rec.meta.author().empty()) return {};
  return {rec.meta.author()};
}

bool ReportContext::CoversSite(const std::string& site_id) const {
  const ReportSite* s = FindSite(site_id);
  return s != nullptr && Covers(s->zone_id);
}

const ReportSite* ReportContext::FindSite(const std::string& site_id) const {
  auto it = sites_.find(site_id);
  return it == sites_.end() ? nullptr : &it->second;
}

v1::SiteRef ReportContext::SiteRefOf(const std::string& site_id) const {
  v1::SiteRef ref;
  ref.set_site_id(site_id);
  if (const ReportSite* s = FindSite(site_id)) {
    ref.set_code(s->code);
    ref.set_name(s->name);
    ref.set_zone_id(s->zone_id);
    ref.set_zone_name(ZoneName(s->zone_id));
  }
  return ref;
}

v1::PersonRef ReportContext::PersonOf(const std::string& user_id) const {
  v1::PersonRef p;
  p.set_user_id(user_id);
  auto it = people_.find(user_id);
  if (it != people_.end()) p.set_name(it->second);
  return p;
}

std::string ReportContext::ZoneName(const std::string& zone_id) const {
  auto it = zone_names_.find(zone_id);
  return it == zone_names_.end() ? std::string() : it->second;
}

std::string ReportContext::ZoneOf(const std::string& site_id) const {
  const ReportSite* s = FindSite(site_id);
  return s == nullptr ? std::string() : s->zone_id;
}

}  // namespace inspectsync::server
