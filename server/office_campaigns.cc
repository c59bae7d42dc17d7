// Campaigns (office.proto CreateCampaign, DrawSample): a new round of
// inspections, and a spot check's reproducible sample, drawn as
// `inspectsync admin sample draw` draws it (core/spot_check.h over
// core/sampling.h) and stored as the campaign's assignments.
//
// Written through SyncEngine::WriteAll like every office write. A repeated
// draw with the campaign's recorded seed and counts gives the same sites and
// writes only what is missing (assignment ids derive from campaign and site),
// so a draw cut short is completed by drawing again.
#include <algorithm>
#include <map>
#include <tuple>

#include "core/quote.h"
#include "core/spot_check.h"
#include "core/workflow.h"
#include "server/office_refs.h"
#include "server/office_writes.h"

namespace inspectsync::server {

namespace {

const char kCampaigns[] = "campaigns";

// Every live record of `collection` (whose messages are Msg), parsed, by id.
template <class Msg>
StatusOr<std::vector<std::pair<std::string, Msg>>> Live(storage::ServerStore* store, const std::string& collection) {
  std::vector<std::pair<std::string, Msg>> out;
  Status st = store->ScanCollection(collection, [&](const storage::StoredRecord& r) -> Status {
    if (r.deleted) return Status::Ok();
    Msg m;
    if (!m.ParseFromString(r.body)) return DataLoss("stored " + collection + " record " + r.id + " is corrupt");
    out.emplace_back(r.id, std::move(m));
    return Status::Ok();
  });
  if (!st.ok()) return st;
  return out;
}

}  // namespace

StatusOr<v1::CampaignReply> CreateCampaign(SyncEngine* engine, const Caller& caller,
                                           const v1::CreateCampaignRequest& req) {
  INSPECTSYNC_RETURN_IF_ERROR(office::RequireRole(caller, {Role::kOffice}, "creating a campaign"));
  if (req.name().empty()) return InvalidArgument("name is required (the campaign's name)");
  if (req.kind() == v1::INSPECTION_KIND_UNSPECIFIED || !v1::InspectionKind_IsValid(req.kind()))
    return InvalidArgument("kind is required: SPECIAL_CAMPAIGN, ROUTINE_VISIT or SPOT_CHECK");
  if (req.starts_at_ms() <= 0 || req.ends_at_ms() <= 0)
    return InvalidArgument("starts_at_ms and ends_at_ms are required (the campaign's period)");
  if (req.ends_at_ms() <= req.starts_at_ms())
    return InvalidArgument("ends_at_ms must be after starts_at_ms (the end is exclusive)");
  if (req.template_key().empty()) return InvalidArgument("template_key is required (a published checklist)");
  storage::ServerStore* store = engine->store();
  auto campaigns = Live<v1::Campaign>(store, kCampaigns);
  if (!campaigns.ok()) return campaigns.status();
  for (const auto& [id, c] : *campaigns)
    if (c.name() == req.name()) return AlreadyExists("a campaign is already called '" + req.name() + "' (campaign " + id + ")");
  auto templates =
      Live<v1::ChecklistTemplate>(store, "templates");
  if (!templates.ok()) return templates.status();
  const v1::ChecklistTemplate* tmpl = nullptr;
  for (const auto& [id, t] : *templates)
    if (t.key() == req.template_key() &&
        (req.template_version() == 0 ? (tmpl == nullptr || t.version() > tmpl->version())
                                     : t.version() == req.template_version()))
      tmpl = &t;
  if (tmpl == nullptr)
    return Status(StatusCode::kNotFound,
                  "no published template " + core::Quote(req.template_key()) +
                      (req.template_version() ? " version " + std::to_string(req.template_version()) : std::string()));

  const int64_t now = engine->options().clock->NowMillis();
  v1::RecordBody body;
  v1::Campaign* c = body.mutable_campaign();
  c->set_name(req.name());
  c->set_kind(req.kind());
  c->set_starts_at_ms(req.starts_at_ms());
  c->set_ends_at_ms(req.ends_at_ms());
  c->set_template_key(tmpl->key());
  c->set_template_version(tmpl->version());
  c->set_status(now < req.starts_at_ms() ? v1::PLANNED : now < req.ends_at_ms() ? v1::ACTIVE : v1::FINISHED);
  v1::CampaignReply out;
  *out.mutable_campaign() = *c;
  out.set_template_title(tmpl->title());
  const std::string id = engine->NewRecordId();
  auto written = engine->WriteAll({office::CreateMutation(kCampaigns, id, std::move(body))}, caller);
  if (!written.ok()) return written.status();
  out.set_campaign_id(id);
  out.set_version(office::VersionOf(*written, id));
  return out;
}

StatusOr<v1::SampleReply> DrawSample(SyncEngine* engine, const Caller& caller, const v1::DrawSampleRequest& req) {
  INSPECTSYNC_RETURN_IF_ERROR(office::RequireRole(caller, {Role::kOffice}, "drawing a spot-check sample"));
  if (req.seed() == 0) return InvalidArgument("seed is required (a number other than 0; the same seed redraws the same sites)");
  if (req.schools() + static_cast<uint64_t>(req.kindergartens()) == 0)
    return InvalidArgument("schools and kindergartens are counts to draw; at least one must be above 0");
  if (req.schools() > INT32_MAX || req.kindergartens() > INT32_MAX)
    return InvalidArgument("schools and kindergartens are counts of sites, not " +
                           std::to_string(std::max(req.schools(), req.kindergartens())));
  if (!req.team().empty() && !req.user().empty()) return InvalidArgument("give team or user, not both");
  auto camp = office::Resolve(engine, kCampaigns, req.campaign_id(), "campaign_id");
  if (!camp.ok()) return camp.status();
  const v1::Campaign& k = camp->body.campaign();
  if (k.kind() != v1::SPOT_CHECK)
    return InvalidArgument("campaign '" + k.name() + "' is not a spot check (kind " + v1::InspectionKind_Name(k.kind()) + ")");
  const int schools = static_cast<int>(req.schools()), kgs = static_cast<int>(req.kindergartens());
  const std::string spec = core::SampleSpec(schools, kgs);
  if (!k.sample_spec().empty() && (k.sample_spec() != spec || k.sample_seed() != req.seed()))
    return FailedPrecondition("campaign '" + k.name() + "' was sampled with " + k.sample_spec() + " seed " +
                              std::to_string(k.sample_seed()) +
                              "; the same seed and counts redraw it, a new sample needs a new campaign");
  std::string team, user;
  if (!req.team().empty()) {
    auto t = office::Resolve(engine, "teams", req.team(), "team");
    if (!t.ok()) return t.status();
    team = t->rec.id;
  }
  if (!req.user().empty()) {
    auto u = office::Resolve(engine, "users", req.user(), "user");
    if (!u.ok()) return u.status();
    user = u->rec.id;
  }

  storage::ServerStore* store = engine->store();
  core::SpotCheckRegister reg;
  auto campaigns = Live<v1::Campaign>(store, kCampaigns);
  auto assignments = Live<v1::Assignment>(store, "assignments");
  auto sites = Live<v1::Site>(store, "sites");
  if (!campaigns.ok()) return campaigns.status();
  if (!assignments.ok()) return assignments.status();
  if (!sites.ok()) return sites.status();
  reg.campaigns = std::move(*campaigns);
  reg.assignments = std::move(*assignments);
  reg.sites = std::move(*sites);
  auto sample = core::DrawSpotCheckSample(core::SpotCheckRequest(camp->rec.id, k, reg, schools, kgs, req.seed()));
  if (!sample.ok()) return sample.status();

  std::map<std::string, const v1::Site*> site_by_id;
  for (const auto& [id, s] : reg.sites) site_by_id[id] = &s;
  std::map<std::string, std::string> zone_names;
  auto zone_name = [&](const std::string& zone) -> const std::string& {
    auto it = zone_names.find(zone);
    if (it == zone_names.end()) it = zone_names.emplace(zone, office::NameOf(engine, "zones", zone)).first;
    return it->second;
  };
  v1::SampleReply out;
  out.set_campaign_id(camp->rec.id);
  out.set_campaign_name(k.name());
  out.set_seed(req.seed());
  out.set_sample_spec(spec);
  std::vector<std::string> drawn;
  for (const core::StratumSample& s : sample->strata) {
    v1::SampleStratumView* view = out.add_strata();
    view->set_name(s.name);
    view->set_requested(static_cast<uint32_t>(s.requested));
    view->set_eligible(static_cast<uint32_t>(s.eligible));
    view->set_excluded(static_cast<uint32_t>(s.excluded));
    for (const std::string& id : s.site_ids) {
      const v1::Site* site = site_by_id.at(id);
      v1::SiteRef* ref = view->add_sites();
      ref->set_site_id(id);
      ref->set_code(site->code());
      ref->set_name(site->name());
      ref->set_zone_id(site->zone_id());
      ref->set_zone_name(zone_name(site->zone_id()));
      drawn.push_back(id);
    }
    std::sort(view->mutable_sites()->begin(), view->mutable_sites()->end(), [](const v1::SiteRef& a, const v1::SiteRef& b) {
      return std::tie(a.zone_name(), a.code(), a.name()) < std::tie(b.zone_name(), b.code(), b.name());
    });
  }
  if (req.dry_run()) return out;

  // Record how it was drawn, then assign what is not assigned yet.
  std::vector<v1::Mutation> ms;
  if (k.sample_spec().empty()) {
    v1::RecordBody values;
    values.mutable_campaign()->set_sample_seed(req.seed());
    values.mutable_campaign()->set_sample_spec(spec);
    ms.push_back(office::PatchMutation(kCampaigns, camp->rec.id, std::move(values), {"sample_seed", "sample_spec"}));
  }
  if (!team.empty() || !user.empty()) {
    for (const std::string& site : drawn) {
      const std::string id = core::SampleAssignmentId(camp->rec.id, site);
      auto have = store->GetRecord("assignments", id);
      if (!have.ok()) return have.status();
      if (have->has_value() && !(*have)->deleted) continue;
      v1::RecordBody body;
      v1::Assignment* a = body.mutable_assignment();
      a->set_site_id(site);
      a->set_team_id(team);
      a->set_user_id(user);
      a->set_campaign_id(camp->rec.id);
      a->set_starts_at_ms(k.starts_at_ms());
      a->set_ends_at_ms(k.ends_at_ms());
      ms.push_back(office::CreateMutation("assignments", id, std::move(body)));
      out.add_assignment_ids(id);
    }
  }
  if (ms.empty()) return out;
  auto written = engine->WriteAll(std::move(ms), caller);
  if (!written.ok()) return written.status();
  out.set_written(true);
  return out;
}

}  // namespace inspectsync::server
