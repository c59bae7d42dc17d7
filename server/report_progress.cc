// CampaignProgress (reports.proto): per zone and team, sites inspected /
// assigned / total, the sites not yet visited, and sites inspected twice.
//
// Cost: one pass over the assignments and teams (the campaign's are kept:
// site and zone ids), one over the inspections (the campaign's are kept: id,
// start, inspector ids); no findings are read.
#include "server/reports.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

namespace inspectsync::server {

namespace {

struct CampaignWork {
  std::set<std::string> assigned;                             // live sites
  std::map<std::string, std::set<std::string>> team_sites;    // team id -> sites
  std::map<std::string, std::string> team_names;              // the campaign's teams
  std::map<std::string, std::vector<v1::InspectionRef>> visits;  // site -> inspections
};

// The live sites an assignment covers: its site, or every site of its zone.
std::vector<std::string> Covered(const ReportContext& ctx, const v1::Assignment& a) {
  std::vector<std::string> out;
  if (!a.site_id().empty()) {
    if (ctx.FindSite(a.site_id()) != nullptr) out.push_back(a.site_id());
    return out;
  }
  for (const auto& [id, site] : ctx.sites())
    if (site.zone_id == a.zone_id()) out.push_back(id);
  return out;
}

Status ReadAssignments(const ReportContext& ctx, const std::string& campaign_id, CampaignWork* w) {
  storage::ServerStore* store = ctx.engine()->store();
  v1::Assignment a;
  INSPECTSYNC_RETURN_IF_ERROR(store->ScanCollection("assignments", [&](const storage::StoredRecord& r) -> Status {
    if (r.deleted) return Status::Ok();
    if (!a.ParseFromString(r.body)) return DataLoss("stored assignment " + r.id + " is corrupt");
    if (a.campaign_id() != campaign_id) return Status::Ok();
    for (std::string& site : Covered(ctx, a)) {
      if (!a.team_id().empty()) w->team_sites[a.team_id()].insert(site);
      w->assigned.insert(std::move(site));
    }
    return Status::Ok();
  }));
  v1::Team t;
  return store->ScanCollection("teams", [&](const storage::StoredRecord& r) -> Status {
    if (r.deleted) return Status::Ok();
    if (!t.ParseFromString(r.body)) return DataLoss("stored team " + r.id + " is corrupt");
    // A team of the campaign, or one assigned sites for it.
    if (t.campaign_id() == campaign_id || w->team_sites.count(r.id)) w->team_names[r.id] = t.name();
    return Status::Ok();
  });
}

Status ReadVisits(const ReportContext& ctx, const std::string& campaign_id, CampaignWork* w) {
  v1::Inspection in;
  return ctx.engine()->store()->ScanCollection("inspections", [&](const storage::StoredRecord& r) -> Status {
    if (r.deleted) return Status::Ok();
    if (!in.ParseFromString(r.body)) return DataLoss("stored inspection " + r.id + " is corrupt");
    if (in.campaign_id() != campaign_id || ctx.FindSite(in.site_id()) == nullptr) return Status::Ok();
    v1::InspectionRef& ref = w->visits[in.site_id()].emplace_back();
    ref.set_inspection_id(r.id);
    ref.set_started_at_ms(in.started_at_ms());
    for (const std::string& u : InspectorsOf(r, in)) *ref.add_inspectors() = ctx.PersonOf(u);
    return Status::Ok();
  });
}

// Fills the counts of `row` over `sites` (the row's remit).
void Count(const ReportContext& ctx, const CampaignWork& w, const std::vector<std::string>& sites, bool remit_is_assigned,
           v1::ProgressCount* row) {
  std::vector<v1::SiteRef> missing;
  for (const std::string& id : sites) {
    bool assigned = remit_is_assigned || w.assigned.count(id) > 0;
    bool inspected = w.visits.count(id) > 0;
    row->set_total(row->total() + 1);
    if (assigned) row->set_assigned(row->assigned() + 1);
    if (inspected) row->set_inspected(row->inspected() + 1);
    if (assigned && !inspected) missing.push_back(ctx.SiteRefOf(id));
  }
  std::sort(missing.begin(), missing.end(), [](const v1::SiteRef& a, const v1::SiteRef& b) {
    return std::tie(a.code(), a.name(), a.site_id()) < std::tie(b.code(), b.name(), b.site_id());
  });
  for (auto& s : missing) *row->add_not_visited() = std::move(s);
}

}  // namespace

StatusOr<v1::ProgressReport> CampaignProgress(SyncEngine* engine, const Caller& caller,
                                              const v1::ProgressRequest& req) {
  auto ctx = ReportContext::Open(engine, caller, {req.zone_ids().begin(), req.zone_ids().end()});
  if (!ctx.ok()) return ctx.status();
  auto campaign = ctx->Campaign(req.campaign_id());
  if (!campaign.ok()) return campaign.status();
  CampaignWork w;
  INSPECTSYNC_RETURN_IF_ERROR(ReadAssignments(*ctx, campaign->id, &w));
  INSPECTSYNC_RETURN_IF_ERROR(ReadVisits(*ctx, campaign->id, &w));

  v1::ProgressReport out;
  out.set_campaign_id(campaign->id);
  out.set_campaign_name(campaign->campaign.name());
  out.set_kind(campaign->campaign.kind());
  out.set_as_of_ms(ctx->now_ms());
  std::map<std::string, std::vector<std::string>> zone_sites;  // covered zones' live sites, in id order
  for (const std::string& z : ctx->zones()) zone_sites[z];
  for (const auto& [id, site] : ctx->sites())
    if (ctx->Covers(site.zone_id)) zone_sites[site.zone_id].push_back(id);
  std::vector<std::string> all;
  for (auto& [zone, sites] : zone_sites) {
    std::sort(sites.begin(), sites.end());
    v1::ProgressCount* row = out.add_zones();
    row->set_id(zone);
    row->set_name(ctx->ZoneName(zone));
    Count(*ctx, w, sites, /*remit_is_assigned=*/false, row);
    all.insert(all.end(), sites.begin(), sites.end());
  }
  std::sort(out.mutable_zones()->begin(), out.mutable_zones()->end(),
            [](const v1::ProgressCount& a, const v1::ProgressCount& b) { return std::tie(a.name(), a.id()) < std::tie(b.name(), b.id()); });
  v1::ProgressCount* totals = out.mutable_totals();
  std::vector<std::string> totals_sites = all;
  std::sort(totals_sites.begin(), totals_sites.end());
  Count(*ctx, w, totals_sites, false, totals);

  for (const auto& [team, name] : w.team_names) {
    std::vector<std::string> sites;
    auto it = w.team_sites.find(team);
    if (it != w.team_sites.end())
      for (const std::string& s : it->second)
        if (ctx->CoversSite(s)) sites.push_back(s);
    v1::ProgressCount* row = out.add_teams();
    row->set_id(team);
    row->set_name(name);
    Count(*ctx, w, sites, /*remit_is_assigned=*/true, row);
  }
  std::sort(out.mutable_teams()->begin(), out.mutable_teams()->end(),
            [](const v1::ProgressCount& a, const v1::ProgressCount& b) { return std::tie(a.name(), a.id()) < std::tie(b.name(), b.id()); });

  for (auto& [site, visits] : w.visits) {
    if (visits.size() < 2 || !ctx->CoversSite(site)) continue;
    v1::RepeatedVisit* rv = out.add_repeated_visits();
    *rv->mutable_site() = ctx->SiteRefOf(site);
    std::sort(visits.begin(), visits.end(), [](const v1::InspectionRef& a, const v1::InspectionRef& b) {
      return std::make_tuple(a.started_at_ms(), a.inspection_id()) < std::make_tuple(b.started_at_ms(), b.inspection_id());
    });
    for (auto& v : visits) *rv->add_inspections() = std::move(v);
  }
  return out;
}

}  // namespace inspectsync::server
