// Subtotals (reports.proto): findings by status and overdue, per zone, per
// site and per inspector, in one pass over the findings with a counter per
// zone, site and person.
#include <algorithm>
#include <map>
#include <tuple>
#include <unordered_map>

#include "core/lifecycle.h"
#include "server/report_filter.h"
#include "server/reports.h"

namespace inspectsync::server {

namespace {

struct Tally {
  uint64_t findings = 0;
  uint64_t followed = 0;
  uint64_t overdue = 0;
  std::map<int, uint64_t> by_status;  // FindingStatus values sort in lifecycle order

  void Add(const v1::Finding& f, bool overdue_now) {
    ++findings;
    if (core::FollowedByDefault(f.status())) ++followed;
    if (overdue_now) ++overdue;
    ++by_status[f.status()];
  }
  void To(v1::Subtotal* out) const {
    out->set_findings(findings);
    out->set_followed(followed);
    out->set_overdue(overdue);
    for (const auto& [status, n] : by_status) {
      v1::StatusCount* c = out->add_by_status();
      c->set_status(static_cast<v1::FindingStatus>(status));
      c->set_findings(n);
    }
  }
};

// Inspection id -> its inspectors, for the inspections at covered sites.
StatusOr<std::unordered_map<std::string, std::vector<std::string>>> ReadInspectors(const ReportContext& ctx) {
  std::unordered_map<std::string, std::vector<std::string>> out;
  v1::Inspection in;
  Status st = ctx.engine()->store()->ScanCollection("inspections", [&](const storage::StoredRecord& r) -> Status {
    if (r.deleted || !ctx.CoversSite(r.scope)) return Status::Ok();
    if (!in.ParseFromString(r.body)) return DataLoss("stored inspection " + r.id + " is corrupt");
    out[r.id] = InspectorsOf(r, in);
    return Status::Ok();
  });
  if (!st.ok()) return st;
  return out;
}

bool ByName(const v1::Subtotal& a, const v1::Subtotal& b) {
  return std::tie(a.name(), a.id()) < std::tie(b.name(), b.id());
}

}  // namespace

StatusOr<v1::SubtotalsReport> Subtotals(SyncEngine* engine, const Caller& caller, const v1::SubtotalsRequest& req) {
  auto ctx = ReportContext::Open(engine, caller, {req.zone_ids().begin(), req.zone_ids().end()});
  if (!ctx.ok()) return ctx.status();
  auto campaigns = ReadCampaignFilter(engine, req.campaign_ids(), req.sample_campaign_id());
  if (!campaigns.ok()) return campaigns.status();
  auto inspectors = ReadInspectors(*ctx);
  if (!inspectors.ok()) return inspectors.status();

  std::map<std::string, Tally> zones, sites, people;
  Tally all;
  v1::Finding f;
  INSPECTSYNC_RETURN_IF_ERROR(engine->store()->ScanCollection("findings", [&](const storage::StoredRecord& r) -> Status {
    // The scope key is the site: filter before parsing.
    if (r.deleted || !ctx->CoversSite(r.scope)) return Status::Ok();
    if (!f.ParseFromString(r.body)) return DataLoss("stored finding " + r.id + " is corrupt");
    const std::string zone = ctx->ZoneOf(f.site_id());
    if (!campaigns->Matches(f, zone)) return Status::Ok();
    const bool overdue = core::IsOverdue(f, ctx->now_ms());
    all.Add(f, overdue);
    zones[zone].Add(f, overdue);
    sites[f.site_id()].Add(f, overdue);
    auto it = inspectors->find(f.inspection_id());
    if (it != inspectors->end())
      for (const std::string& person : it->second) people[person].Add(f, overdue);
    return Status::Ok();
  }));

  v1::SubtotalsReport out;
  out.set_as_of_ms(ctx->now_ms());
  out.set_findings(all.findings);
  out.set_overdue(all.overdue);
  for (const auto& [zone, tally] : zones) {
    v1::Subtotal* s = out.add_zones();
    s->set_id(zone);
    s->set_name(ctx->ZoneName(zone));
    tally.To(s);
  }
  std::sort(out.mutable_zones()->begin(), out.mutable_zones()->end(), ByName);
  for (const auto& [site, tally] : sites) {
    v1::Subtotal* s = out.add_sites();
    v1::SiteRef ref = ctx->SiteRefOf(site);
    s->set_id(site);
    s->set_name(ref.name());
    s->set_code(ref.code());
    s->set_zone_name(ref.zone_name());
    tally.To(s);
  }
  std::sort(out.mutable_sites()->begin(), out.mutable_sites()->end(), [](const v1::Subtotal& a, const v1::Subtotal& b) {
    return std::tie(a.zone_name(), a.code(), a.name(), a.id()) < std::tie(b.zone_name(), b.code(), b.name(), b.id());
  });
  for (const auto& [person, tally] : people) {
    v1::Subtotal* s = out.add_inspectors();
    s->set_id(person);
    s->set_name(ctx->PersonOf(person).name());
    tally.To(s);
  }
  std::sort(out.mutable_inspectors()->begin(), out.mutable_inspectors()->end(), ByName);
  return out;
}

}  // namespace inspectsync::server
