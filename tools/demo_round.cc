// The world and the first acts of `inspectsync demo` (setup, inspect): see
// demo_round.h.
#include "tools/demo_round.h"

#include <cstdio>
#include <ctime>

#include "core/ids.h"
#include "core/sampling.h"
#include "core/schema.h"
#include "core/workflow.h"

namespace inspectsync::tools::demo {

Status Check(const Status& s, const std::string& what) {
  if (!s.ok()) std::fprintf(stderr, "demo: %s: %s\n", what.c_str(), s.ToString().c_str());
  return s;
}

// Every live record on the server, by collection and id.
using ServerState = std::map<std::string, std::map<std::string, v1::Record>>;

StatusOr<ServerState> ReadServer(storage::ServerStore* store) {
  auto head = store->Head();
  if (!head.ok()) return head.status();
  storage::ChangeQuery q;
  q.upto = *head;
  q.limit = 1u << 30;
  std::vector<storage::StoredRecord> rows;
  INSPECTSYNC_RETURN_IF_ERROR(store->ReadChanges(q, &rows));
  ServerState out;
  for (const auto& row : rows) {
    if (row.deleted) continue;
    v1::Record r;
    INSPECTSYNC_RETURN_IF_ERROR(server::ToWireRecord(row, &r));
    out[r.collection()][r.id()] = r;
  }
  return out;
}

// A tablet's records against the server's within its scope, every
// collection. "" when equal.
std::string Diff(Tablet& t, server::SyncEngine* engine, const ServerState& server) {
  auto scope = engine->ScopeOf(t.caller);
  if (!scope.ok()) return "cannot resolve scope: " + scope.status().ToString();
  for (const core::CollectionSpec* spec : core::AllCollections()) {
    std::map<std::string, const v1::Record*> want;
    auto it = server.find(spec->name());
    if (it != server.end())
      for (const auto& [id, r] : it->second)
        if (scope->Sees(core::ScopeOfBody(r.body(), id))) want[id] = &r;
    auto have = t.client->List(spec->name());
    if (!have.ok()) return "cannot list " + spec->name() + ": " + have.status().ToString();
    if (have->size() != want.size())
      return spec->name() + ": " + std::to_string(have->size()) + " on the tablet vs " + std::to_string(want.size()) +
             " on the server in its scope";
    for (const auto& r : *have) {
      auto w = want.find(r.id);
      if (w == want.end()) return spec->name() + "/" + r.id + " is not on the server";
      if (r.pending) return spec->name() + "/" + r.id + " still has unsynced edits";
      if (r.version != w->second->version() ||
          r.body.SerializeAsString() != w->second->body().SerializeAsString())
        return spec->name() + "/" + r.id + " differs from the server's";
    }
  }
  return "";
}

// The random tail of a UUIDv7 (its head is the creation time, alike for all).
std::string Short(const std::string& id) { return id.substr(id.size() - 8); }

Status Round::Start(size_t n_tablets) {
  std::printf("InspectSync demo: a district round (seed %llu)\n", (unsigned long long)seed_);
  options_.listen = "127.0.0.1:0";
  options_.db_path = (dir_ / "server.db").string();
  options_.certs_dir = (dir_ / "certs").string();  // TLS with a fresh development CA
  options_.token_keys_file = (dir_ / "token-keys").string();
  auto srv = server::Server::Start(options_);
  DEMO_OK(srv.status(), "start server");
  server_ = std::move(*srv);
  std::printf("server    %s  TLS, tokens  (%s)\n", server_->address().c_str(), options_.db_path.c_str());
  auto ring = auth::KeyRing::Load(options_.token_keys_file);
  DEMO_OK(ring.status(), "load token keys");
  ring_.emplace(std::move(*ring));

  tablets_.resize(n_tablets);
  for (size_t i = 0; i < tablets_.size(); ++i) {
    Tablet& t = tablets_[i];
    bool office = i + 1 == tablets_.size();
    t.name = office ? "office" : "inspector-" + std::to_string(i + 1);
    ClientOptions co;
    co.db_path = (dir_ / (t.name + ".db")).string();
    co.server_address = server_->address();
    co.grpc.ca_cert_file = options_.certs_dir + "/ca.pem";
    t.caller = server::Caller(core::NewUuidV7(), office ? "office" : "inspector", t.name);
    auto token = IssueToken(t.caller.user, t.caller.role, t.name);
    DEMO_OK(token.status(), "issue token");
    co.grpc.token = *token;
    co.rng_seed = seed_ * 1000 + i + 1;
    auto c = Client::Open(co);
    DEMO_OK(c.status(), "open " + t.name);
    t.client = std::move(*c);
    t.client->OnConflict([&t](const v1::Conflict& x) { t.conflicts.push_back(x); });
    t.client->OnRejected([&t](const RejectedMutation& r) { t.rejected.push_back(r); });
  }
  return Status::Ok();
}

StatusOr<std::string> Round::IssueToken(const std::string& user, const std::string& role, const std::string& device) {
  v1::TokenClaims claims;
  claims.set_user(user);
  claims.set_role(role);
  claims.set_device(device);
  claims.set_issued_at_s(static_cast<int64_t>(std::time(nullptr)));
  claims.set_expires_at_s(claims.issued_at_s() + 3600);
  return ring_->Sign(claims);
}

Status Round::SyncAll(SyncReport* total) {
  for (auto& t : tablets_) {
    auto r = t.client->Sync();
    if (!r.ok()) return Status(r.status().code(), t.name + " sync: " + r.status().message());
    if (total) {
      total->pushed += r->pushed;
      total->pulled += r->pulled;
      total->conflicts += r->conflicts;
      total->merged += r->merged;
      total->rejected += r->rejected;
    }
  }
  return Status::Ok();
}

v1::RecordBody Round::Campaign(const std::string& name, v1::InspectionKind kind) const {
  v1::RecordBody b;
  auto* c = b.mutable_campaign();
  c->set_name(name);
  c->set_kind(kind);
  c->set_starts_at_ms(now_ - kDay);
  c->set_ends_at_ms(now_ + 30 * kDay);
  c->set_template_key("epidemic-prevention");
  c->set_template_version(1);
  c->set_status(v1::ACTIVE);
  return b;
}

// ---- setup: the district, by the office ----

Status Round::SetUp() {
  INSPECTSYNC_RETURN_IF_ERROR(CreateZonesAndSites());
  INSPECTSYNC_RETURN_IF_ERROR(AssignInspectors());
  INSPECTSYNC_RETURN_IF_ERROR(PublishTemplate());
  INSPECTSYNC_RETURN_IF_ERROR(CreateCampaignAndTeam());
  INSPECTSYNC_RETURN_IF_ERROR(DrawSpotCheck());
  DEMO_OK(office().client->Sync().status(), "office sync");
  DEMO_OK(SyncAll(nullptr), "sync");
  std::printf("setup     %zu zones, %d sites, %zu inspectors assigned by zone, template epidemic-prevention v1 "
              "(%zu items),\n          a special campaign with a team, a spot check\n",
              zones_.size(), kSiteCount, inspectors(), sizeof(kItems) / sizeof(kItems[0]));
  std::printf("sample    seed %llu:", (unsigned long long)seed_);
  for (const auto& id : sampled_) std::printf(" %s;", SiteName(id));
  std::printf(" redrawn with the same seed: %s\n", reproducible_ ? "the same sites" : "DIFFERENT (bug)");
  return Status::Ok();
}

Status Round::CreateZonesAndSites() {
  for (const char* name : kZoneNames) {
    v1::RecordBody b;
    b.mutable_zone()->set_name(name);
    auto id = CreateAsOffice("zones", b);
    DEMO_OK(id.status(), "create zone");
    zones_.push_back(*id);
  }
  for (int k = 0; k < kSiteCount; ++k) {
    v1::RecordBody b;
    b.mutable_site()->set_name(kSites[k].name);
    b.mutable_site()->set_kind(kSites[k].kind);
    b.mutable_site()->set_zone_id(zones_[kSites[k].zone]);
    auto id = CreateAsOffice("sites", b);
    DEMO_OK(id.status(), "create site");
    sites_.push_back(*id);
    site_index_[*id] = k;
  }
  return Status::Ok();
}

// Inspectors are responsible supervisors assigned by zone.
Status Round::AssignInspectors() {
  zone_of_.resize(inspectors());
  zone_assignment_.resize(inspectors());
  for (size_t i = 0; i < inspectors(); ++i) {
    v1::RecordBody u;
    u.mutable_user()->set_name("Inspector " + std::to_string(i + 1));
    u.mutable_user()->set_role(v1::INSPECTOR);
    u.mutable_user()->set_active(true);
    DEMO_OK(CreateAsOffice("users", u).status(), "create user");
    zone_of_[i] = static_cast<int>(i % 2);  // north and south; the east zone is left to the campaigns
    v1::RecordBody a;
    a.mutable_assignment()->set_user_id(tablets_[i].caller.user);
    a.mutable_assignment()->set_zone_id(zones_[zone_of_[i]]);
    auto id = CreateAsOffice("assignments", a);
    DEMO_OK(id.status(), "assign");
    zone_assignment_[i] = *id;
  }
  return Status::Ok();
}

// The checklist template, version 1.
Status Round::PublishTemplate() {
  v1::RecordBody tb;
  auto* tmpl = tb.mutable_checklist_template();
  tmpl->set_key("epidemic-prevention");
  tmpl->set_version(1);
  tmpl->set_title("Epidemic prevention and campus safety");
  tmpl->set_published_at_ms(now_);
  for (const ItemSeed& s : kItems) {
    auto* it = tmpl->add_items();
    it->set_id(s.id);
    it->set_category(s.category);
    it->set_text(s.text);
    it->set_default_severity(s.severity);
    it->set_evidence_required(s.evidence);
  }
  std::vector<Edit> publish(1);
  publish[0].collection = "templates";
  publish[0].id = core::TemplateRecordId("epidemic-prevention", 1);
  publish[0].body = tb;
  DEMO_OK(office().client->Apply(publish).status(), "publish template");
  return Status::Ok();
}

// The special campaign: inspector-1's team also covers the east zone's first two sites.
Status Round::CreateCampaignAndTeam() {
  auto special = CreateAsOffice("campaigns", Campaign("Autumn special inspection", v1::SPECIAL_CAMPAIGN));
  DEMO_OK(special.status(), "create campaign");
  special_ = *special;
  v1::RecordBody team;
  team.mutable_team()->set_name("Special inspection team 1");
  team.mutable_team()->add_members(tablets_[0].caller.user);
  team.mutable_team()->set_campaign_id(special_);
  auto team_id = CreateAsOffice("teams", team);
  DEMO_OK(team_id.status(), "create team");
  for (int k : {8, 9}) {
    v1::RecordBody a;
    a.mutable_assignment()->set_team_id(*team_id);
    a.mutable_assignment()->set_site_id(sites_[k]);
    a.mutable_assignment()->set_campaign_id(special_);
    a.mutable_assignment()->set_starts_at_ms(now_ - kDay);
    a.mutable_assignment()->set_ends_at_ms(now_ + 30 * kDay);
    DEMO_OK(CreateAsOffice("assignments", a).status(), "assign team");
  }
  return Status::Ok();
}

// The spot check: 2 schools and 1 kindergarten drawn at random, stratified
// by zone, reproducible from the seed; the last inspector goes.
Status Round::DrawSpotCheck() {
  core::SampleRequest req;
  for (int k = 0; k < kSiteCount; ++k)
    req.candidates.push_back({sites_[k], static_cast<int>(kSites[k].kind), zones_[kSites[k].zone]});
  req.strata = {{"schools", {v1::PRIMARY_SCHOOL, v1::MIDDLE_SCHOOL}, 2}, {"kindergartens", {v1::KINDERGARTEN}, 1}};
  req.seed = seed_;
  auto sample = core::DrawSpotCheckSample(req);
  DEMO_OK(sample.status(), "draw spot-check sample");
  auto again = core::DrawSpotCheckSample(req);
  reproducible_ = again.ok() && again->strata.size() == sample->strata.size();
  for (size_t s = 0; reproducible_ && s < sample->strata.size(); ++s)
    reproducible_ = again->strata[s].site_ids == sample->strata[s].site_ids;
  ok_ &= reproducible_;
  v1::RecordBody spot_body = Campaign("Random spot check", v1::SPOT_CHECK);
  spot_body.mutable_campaign()->set_sample_seed(seed_);
  spot_body.mutable_campaign()->set_sample_spec("schools=2,kindergartens=1");
  auto spot = CreateAsOffice("campaigns", spot_body);
  DEMO_OK(spot.status(), "create spot check");
  spot_ = *spot;
  spotter_ = inspectors() - 1;
  for (const auto& st : sample->strata)
    for (const auto& id : st.site_ids) {
      sampled_.push_back(id);
      v1::RecordBody a;
      a.mutable_assignment()->set_user_id(tablets_[spotter_].caller.user);
      a.mutable_assignment()->set_site_id(id);
      a.mutable_assignment()->set_campaign_id(spot_);
      a.mutable_assignment()->set_starts_at_ms(now_ - kDay);
      a.mutable_assignment()->set_ends_at_ms(now_ + 30 * kDay);
      DEMO_OK(CreateAsOffice("assignments", a).status(), "assign spot check");
    }
  return Status::Ok();
}

// ---- inspect: offline, each inspector runs the checklist at a site ----

Status Round::InspectSite(size_t i, const std::string& site, const std::string& campaign_id,
                          v1::InspectionKind kind) {
  Tablet& t = tablets_[i];
  v1::Inspection in;
  in.set_site_id(site);
  in.set_campaign_id(campaign_id);
  in.set_kind(kind);
  in.set_template_key("epidemic-prevention");
  in.set_template_version(1);
  in.add_inspectors(t.caller.user);
  in.set_started_at_ms(now_);
  std::vector<v1::Finding> fails;
  for (const ItemSeed& s : kItems) {
    auto* r = in.add_responses();
    r->set_item_id(s.id);
    r->set_inspector(t.caller.user);
    bool fail = rng_() % 3 == 0;
    r->set_result(fail ? v1::FAIL : v1::PASS);
    if (!fail) continue;
    v1::Finding f;
    f.set_site_id(site);
    f.set_checklist_item_id(s.id);
    f.set_category(s.category);
    f.set_severity(s.severity);
    f.set_title(s.text);
    f.set_description(std::string("Not met: ") + s.text + ".");
    f.set_status(v1::OPEN);
    if (s.evidence) f.add_evidence("sha256:" + std::to_string(rng_()));
    fails.push_back(f);
  }
  in.set_ended_at_ms(now_ + 3600 * 1000);
  v1::RecordBody ib;
  *ib.mutable_inspection() = in;
  auto iid = t.client->Create("inspections", ib);
  if (!iid.ok()) return iid.status();
  ++inspections_;
  for (auto& f : fails) {
    f.set_inspection_id(*iid);
    auto id = t.client->CreateFinding(f);
    if (!id.ok()) return id.status();
    findings_.push_back(*id);
    ++failed_items_;
  }
  return Status::Ok();
}

Status Round::Inspect() {
  for (size_t i = 0; i < inspectors(); ++i) {
    // Two sites of the inspector's zone, ...
    for (int k = 0, done = 0; k < kSiteCount && done < 2; ++k)
      if (kSites[k].zone == zone_of_[i]) {
        DEMO_OK(InspectSite(i, sites_[k], special_, v1::SPECIAL_CAMPAIGN), tablets_[i].name + " inspect");
        ++done;
      }
    // ... and a few extra findings recorded on routine visits.
    for (long long k = 0; k < n_findings_; ++k) {
      const ItemSeed& s = kItems[rng_() % 5];
      v1::Finding f;
      int site = 4 * zone_of_[i] + static_cast<int>(rng_() % 4);
      f.set_site_id(sites_[site]);
      f.set_category(s.category);
      f.set_severity(s.severity);
      f.set_title(s.text);
      f.set_status(v1::OPEN);
      auto id = tablets_[i].client->CreateFinding(f);
      DEMO_OK(id.status(), "capture");
      findings_.push_back(*id);
    }
  }
  DEMO_OK(InspectSite(0, sites_[8], special_, v1::SPECIAL_CAMPAIGN), "team inspection");
  for (const auto& id : sampled_) DEMO_OK(InspectSite(spotter_, id, spot_, v1::SPOT_CHECK), "spot check");
  // Make sure the round has a finding at a north site to follow through.
  gas_.set_site_id(sites_[0]);
  gas_.set_category("gas-safety");
  gas_.set_severity(v1::HIGH);
  gas_.set_title("Gas alarm not serviced");
  gas_.set_description("The kitchen gas alarm has no service record since 2024.");
  gas_.set_status(v1::OPEN);
  auto followed = tablets_[0].client->CreateFinding(gas_);
  DEMO_OK(followed.status(), "capture");
  followed_ = *followed;
  findings_.push_back(followed_);
  DEMO_OK(SyncAll(&total_), "sync");
  std::printf("inspect   %d inspections offline, %d failed checklist items became findings, %zu findings in all\n",
              inspections_, failed_items_, findings_.size());
  return Status::Ok();
}

}  // namespace inspectsync::tools::demo
