// `inspectsync demo`: a district's round of inspections, end to end, on a
// real TLS server on a loopback port and several tablets (SDK clients over
// gRPC, each with its own SQLite file and token).
//
//   setup      the office: 3 zones, 12 schools and kindergartens, inspectors
//              assigned by zone, a checklist template, a special campaign
//              with a team, and a random spot check drawn from a seed;
//   inspect    inspectors run the checklist offline at their sites; every
//              failed item becomes a finding with the item's category and
//              default severity; two of them edit one finding concurrently;
//   notice     the office issues rectification notices with deadlines (one
//              recorded late, so its finding is overdue);
//   rectify    the school reports the fix; a first on-site verification
//              fails (reopened, new deadline), a second passes (closed);
//   reassign   an inspector moves zone: backfill and eviction;
//   report     the problem list and the counts by zone x category x status.
//
// Exits 0 only if every tablet converged to the server's state within its
// scope (every collection), every conflict a tablet was told about is on
// the server, nothing was rejected, and the lifecycle ended where it should.
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <map>
#include <random>
#include <set>

#include "core/ids.h"
#include "core/lifecycle.h"
#include "core/sampling.h"
#include "core/schema.h"
#include "core/workflow.h"
#include "inspectsync/client.h"
#include "server/auth/token.h"
#include "server/server.h"
#include "tools/commands.h"
#include "tools/demo_integration.h"
#include "tools/flags.h"
#include "tools/render.h"

namespace inspectsync::tools {

namespace {

const char* kUsage =
    "usage: inspectsync demo [--tablets N] [--findings N] [--seed S] [--dir DIR]\n"
    "  --tablets   tablets: the office's and N-1 inspectors' (default 4, at least 3)\n"
    "  --findings  extra findings each inspector captures offline (default 3)\n"
    "  --seed      random seed (default: from the clock; printed)\n"
    "  --dir       keep the server and tablet databases here (default: a temp dir, removed)\n";

constexpr int64_t kDay = 86'400'000;

struct Tablet {
  std::string name;
  server::Caller caller;
  std::unique_ptr<Client> client;
  std::vector<v1::Conflict> conflicts;
  std::vector<RejectedMutation> rejected;
};

struct SiteSeed {
  const char* name;
  v1::SiteKind kind;
  int zone;
};
const char* kZoneNames[] = {"North zone", "South zone", "East zone"};
const SiteSeed kSites[] = {
    {"No. 1 Primary School", v1::PRIMARY_SCHOOL, 0},    {"No. 4 Middle School", v1::MIDDLE_SCHOOL, 0},
    {"Sunflower Kindergarten", v1::KINDERGARTEN, 0},    {"Little Pines Kindergarten", v1::KINDERGARTEN, 0},
    {"No. 2 Primary School", v1::PRIMARY_SCHOOL, 1},    {"No. 6 Middle School", v1::MIDDLE_SCHOOL, 1},
    {"Rainbow Kindergarten", v1::KINDERGARTEN, 1},      {"Riverside Primary School", v1::PRIMARY_SCHOOL, 1},
    {"No. 3 Primary School", v1::PRIMARY_SCHOOL, 2},    {"Experimental Middle School", v1::MIDDLE_SCHOOL, 2},
    {"Bamboo Kindergarten", v1::KINDERGARTEN, 2},       {"Hillside Kindergarten", v1::KINDERGARTEN, 2},
};
constexpr int kSiteCount = sizeof(kSites) / sizeof(kSites[0]);

// The checklist: item id, category, text, default severity, evidence required.
struct ItemSeed {
  const char* id;
  const char* category;
  const char* text;
  v1::Severity severity;
  bool evidence;
};
const ItemSeed kItems[] = {
    {"supplies-expiry", "prevention-supplies", "Prevention supplies sufficient and within their expiry date", v1::MEDIUM, true},
    {"signage", "signage", "Prevention signage visible at entrances and canteen", v1::LOW, false},
    {"extinguishers", "fire-safety", "Fire extinguishers inspected within the year", v1::HIGH, true},
    {"gas-alarm", "gas-safety", "Kitchen gas alarm serviced and working", v1::HIGH, true},
    {"duty-log", "records", "Staff duty log complete for the last month", v1::LOW, false},
};

Status Check(const Status& s, const std::string& what) {
  if (!s.ok()) std::fprintf(stderr, "demo: %s: %s\n", what.c_str(), s.ToString().c_str());
  return s;
}
#define DEMO_OK(expr, what) \
  if (!Check((expr), (what)).ok()) return 1

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

}  // namespace

int CmdDemo(const std::vector<std::string>& args) {
  Flags fl({"tablets", "findings", "seed", "dir", "help"}, {"help"});
  if (!fl.Parse(args) || !fl.positional().empty()) {
    std::fprintf(stderr, "inspectsync demo: %s\n%s", fl.error().empty() ? "unexpected argument" : fl.error().c_str(),
                 kUsage);
    return 2;
  }
  if (fl.Has("help")) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  long long n_tablets, n_findings, seed_ll;
  if (!fl.GetInt("tablets", 4, &n_tablets) || n_tablets < 3 || n_tablets > 50 ||
      !fl.GetInt("findings", 3, &n_findings) || n_findings < 0 || n_findings > 10000 ||
      !fl.GetInt("seed", static_cast<long long>(std::random_device{}() & 0x7fffffff), &seed_ll)) {
    std::fprintf(stderr, "inspectsync demo: --tablets 3..50, --findings 0..10000, --seed a whole number\n%s", kUsage);
    return 2;
  }
  uint64_t seed = static_cast<uint64_t>(seed_ll);
  std::mt19937_64 rng(seed);

  namespace fs = std::filesystem;
  bool keep = fl.Has("dir");
  fs::path dir = keep ? fs::path(fl.Get("dir")) : fs::temp_directory_path() / ("inspectsync-demo-" + std::to_string(seed));
  std::error_code ec;
  fs::remove_all(dir, ec);
  fs::create_directories(dir, ec);
  if (ec) {
    std::fprintf(stderr, "demo: cannot create %s: %s\n", dir.c_str(), ec.message().c_str());
    return 1;
  }
  struct Cleanup {
    fs::path d;
    bool keep;
    ~Cleanup() {
      std::error_code e;
      if (!keep) fs::remove_all(d, e);
    }
  } cleanup{dir, keep};

  std::printf("InspectSync demo: a district round (seed %llu)\n", (unsigned long long)seed);
  server::ServerOptions so;
  so.listen = "127.0.0.1:0";
  so.db_path = (dir / "server.db").string();
  so.certs_dir = (dir / "certs").string();  // TLS with a fresh development CA
  so.token_keys_file = (dir / "token-keys").string();
  auto srv = server::Server::Start(so);
  DEMO_OK(srv.status(), "start server");
  std::printf("server    %s  TLS, tokens  (%s)\n", (*srv)->address().c_str(), so.db_path.c_str());
  auto ring = auth::KeyRing::Load(so.token_keys_file);
  DEMO_OK(ring.status(), "load token keys");

  // Tablets: the last is the office's, the others inspectors'.
  std::vector<Tablet> tablets(static_cast<size_t>(n_tablets));
  for (size_t i = 0; i < tablets.size(); ++i) {
    Tablet& t = tablets[i];
    bool office = i + 1 == tablets.size();
    t.name = office ? "office" : "inspector-" + std::to_string(i + 1);
    ClientOptions co;
    co.db_path = (dir / (t.name + ".db")).string();
    co.server_address = (*srv)->address();
    co.grpc.ca_cert_file = so.certs_dir + "/ca.pem";
    t.caller = server::Caller(core::NewUuidV7(), office ? "office" : "inspector", t.name);
    v1::TokenClaims claims;
    claims.set_user(t.caller.user);
    claims.set_role(t.caller.role);
    claims.set_device(t.name);
    claims.set_issued_at_s(static_cast<int64_t>(std::time(nullptr)));
    claims.set_expires_at_s(claims.issued_at_s() + 3600);
    auto token = ring->Sign(claims);
    DEMO_OK(token.status(), "issue token");
    co.grpc.token = *token;
    co.rng_seed = seed * 1000 + i + 1;
    auto c = Client::Open(co);
    DEMO_OK(c.status(), "open " + t.name);
    t.client = std::move(*c);
    t.client->OnConflict([&t](const v1::Conflict& x) { t.conflicts.push_back(x); });
    t.client->OnRejected([&t](const RejectedMutation& r) { t.rejected.push_back(r); });
  }
  Tablet& office = tablets.back();
  const size_t n_inspectors = tablets.size() - 1;
  auto sync_all = [&](SyncReport* total) -> Status {
    for (auto& t : tablets) {
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
  };
  int64_t now = static_cast<int64_t>(std::time(nullptr)) * 1000;

  // ---- setup: the district, by the office ----
  auto create = [&](const std::string& collection, const v1::RecordBody& body) {
    return office.client->Create(collection, body);
  };
  std::vector<std::string> zones, sites;
  for (const char* name : kZoneNames) {
    v1::RecordBody b;
    b.mutable_zone()->set_name(name);
    auto id = create("zones", b);
    DEMO_OK(id.status(), "create zone");
    zones.push_back(*id);
  }
  std::map<std::string, int> site_index;
  for (int k = 0; k < kSiteCount; ++k) {
    v1::RecordBody b;
    b.mutable_site()->set_name(kSites[k].name);
    b.mutable_site()->set_kind(kSites[k].kind);
    b.mutable_site()->set_zone_id(zones[kSites[k].zone]);
    auto id = create("sites", b);
    DEMO_OK(id.status(), "create site");
    sites.push_back(*id);
    site_index[*id] = k;
  }
  // Inspectors are responsible supervisors assigned by zone.
  std::vector<int> zone_of(n_inspectors);
  std::vector<std::string> zone_assignment(n_inspectors);
  for (size_t i = 0; i < n_inspectors; ++i) {
    v1::RecordBody u;
    u.mutable_user()->set_name("Inspector " + std::to_string(i + 1));
    u.mutable_user()->set_role(v1::INSPECTOR);
    u.mutable_user()->set_active(true);
    DEMO_OK(create("users", u).status(), "create user");
    zone_of[i] = static_cast<int>(i % 2);  // north and south; the east zone is left to the campaigns
    v1::RecordBody a;
    a.mutable_assignment()->set_user_id(tablets[i].caller.user);
    a.mutable_assignment()->set_zone_id(zones[zone_of[i]]);
    auto id = create("assignments", a);
    DEMO_OK(id.status(), "assign");
    zone_assignment[i] = *id;
  }
  // The checklist template, version 1.
  v1::RecordBody tb;
  auto* tmpl = tb.mutable_checklist_template();
  tmpl->set_key("epidemic-prevention");
  tmpl->set_version(1);
  tmpl->set_title("Epidemic prevention and campus safety");
  tmpl->set_published_at_ms(now);
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
  DEMO_OK(office.client->Apply(publish).status(), "publish template");
  // The special campaign: inspector-1's team also covers the east zone's first two sites.
  auto campaign = [&](const std::string& name, v1::InspectionKind kind) {
    v1::RecordBody b;
    auto* c = b.mutable_campaign();
    c->set_name(name);
    c->set_kind(kind);
    c->set_starts_at_ms(now - kDay);
    c->set_ends_at_ms(now + 30 * kDay);
    c->set_template_key("epidemic-prevention");
    c->set_template_version(1);
    c->set_status(v1::ACTIVE);
    return b;
  };
  auto special = create("campaigns", campaign("Autumn special inspection", v1::SPECIAL_CAMPAIGN));
  DEMO_OK(special.status(), "create campaign");
  v1::RecordBody team;
  team.mutable_team()->set_name("Special inspection team 1");
  team.mutable_team()->add_members(tablets[0].caller.user);
  team.mutable_team()->set_campaign_id(*special);
  auto team_id = create("teams", team);
  DEMO_OK(team_id.status(), "create team");
  for (int k : {8, 9}) {
    v1::RecordBody a;
    a.mutable_assignment()->set_team_id(*team_id);
    a.mutable_assignment()->set_site_id(sites[k]);
    a.mutable_assignment()->set_campaign_id(*special);
    a.mutable_assignment()->set_starts_at_ms(now - kDay);
    a.mutable_assignment()->set_ends_at_ms(now + 30 * kDay);
    DEMO_OK(create("assignments", a).status(), "assign team");
  }
  // The spot check: 2 schools and 1 kindergarten drawn at random, stratified
  // by zone, reproducible from the seed; the last inspector goes.
  core::SampleRequest req;
  for (int k = 0; k < kSiteCount; ++k)
    req.candidates.push_back({sites[k], static_cast<int>(kSites[k].kind), zones[kSites[k].zone]});
  req.strata = {{"schools", {v1::PRIMARY_SCHOOL, v1::MIDDLE_SCHOOL}, 2}, {"kindergartens", {v1::KINDERGARTEN}, 1}};
  req.seed = seed;
  auto sample = core::DrawSpotCheckSample(req);
  DEMO_OK(sample.status(), "draw spot-check sample");
  auto again = core::DrawSpotCheckSample(req);
  bool reproducible = again.ok() && again->strata.size() == sample->strata.size();
  for (size_t s = 0; reproducible && s < sample->strata.size(); ++s)
    reproducible = again->strata[s].site_ids == sample->strata[s].site_ids;
  v1::RecordBody spot_body = campaign("Random spot check", v1::SPOT_CHECK);
  spot_body.mutable_campaign()->set_sample_seed(seed);
  spot_body.mutable_campaign()->set_sample_spec("schools=2,kindergartens=1");
  auto spot = create("campaigns", spot_body);
  DEMO_OK(spot.status(), "create spot check");
  std::vector<std::string> sampled;
  size_t spotter = n_inspectors - 1;
  for (const auto& st : sample->strata)
    for (const auto& id : st.site_ids) {
      sampled.push_back(id);
      v1::RecordBody a;
      a.mutable_assignment()->set_user_id(tablets[spotter].caller.user);
      a.mutable_assignment()->set_site_id(id);
      a.mutable_assignment()->set_campaign_id(*spot);
      a.mutable_assignment()->set_starts_at_ms(now - kDay);
      a.mutable_assignment()->set_ends_at_ms(now + 30 * kDay);
      DEMO_OK(create("assignments", a).status(), "assign spot check");
    }
  DEMO_OK(office.client->Sync().status(), "office sync");
  DEMO_OK(sync_all(nullptr), "sync");
  std::printf("setup     %zu zones, %d sites, %zu inspectors assigned by zone, template epidemic-prevention v1 "
              "(%zu items),\n          a special campaign with a team, a spot check\n",
              zones.size(), kSiteCount, n_inspectors, sizeof(kItems) / sizeof(kItems[0]));
  std::printf("sample    seed %llu:", (unsigned long long)seed);
  for (const auto& id : sampled) std::printf(" %s;", kSites[site_index[id]].name);
  std::printf(" redrawn with the same seed: %s\n", reproducible ? "the same sites" : "DIFFERENT (bug)");

  // ---- inspect: offline, each inspector runs the checklist at a site ----
  std::vector<std::string> findings;   // every finding, in creation order
  std::map<std::string, size_t> who;   // finding -> inspector who recorded it
  int inspections = 0, failed_items = 0;
  auto inspect = [&](size_t i, const std::string& site, const std::string& campaign_id,
                     v1::InspectionKind kind) -> Status {
    Tablet& t = tablets[i];
    v1::Inspection in;
    in.set_site_id(site);
    in.set_campaign_id(campaign_id);
    in.set_kind(kind);
    in.set_template_key("epidemic-prevention");
    in.set_template_version(1);
    in.add_inspectors(t.caller.user);
    in.set_started_at_ms(now);
    std::vector<v1::Finding> fails;
    for (const ItemSeed& s : kItems) {
      auto* r = in.add_responses();
      r->set_item_id(s.id);
      r->set_inspector(t.caller.user);
      bool fail = rng() % 3 == 0;
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
      if (s.evidence) f.add_evidence("sha256:" + std::to_string(rng()));
      fails.push_back(f);
    }
    in.set_ended_at_ms(now + 3600 * 1000);
    v1::RecordBody ib;
    *ib.mutable_inspection() = in;
    auto iid = t.client->Create("inspections", ib);
    if (!iid.ok()) return iid.status();
    ++inspections;
    for (auto& f : fails) {
      f.set_inspection_id(*iid);
      auto id = t.client->CreateFinding(f);
      if (!id.ok()) return id.status();
      findings.push_back(*id);
      who[*id] = i;
      ++failed_items;
    }
    return Status::Ok();
  };
  for (size_t i = 0; i < n_inspectors; ++i) {
    // Two sites of the inspector's zone, ...
    for (int k = 0, done = 0; k < kSiteCount && done < 2; ++k)
      if (kSites[k].zone == zone_of[i]) {
        DEMO_OK(inspect(i, sites[k], *special, v1::SPECIAL_CAMPAIGN), tablets[i].name + " inspect");
        ++done;
      }
    // ... and a few extra findings recorded on routine visits.
    for (long long k = 0; k < n_findings; ++k) {
      const ItemSeed& s = kItems[rng() % 5];
      v1::Finding f;
      int site = 4 * zone_of[i] + static_cast<int>(rng() % 4);
      f.set_site_id(sites[site]);
      f.set_category(s.category);
      f.set_severity(s.severity);
      f.set_title(s.text);
      f.set_status(v1::OPEN);
      auto id = tablets[i].client->CreateFinding(f);
      DEMO_OK(id.status(), "capture");
      findings.push_back(*id);
      who[*id] = i;
    }
  }
  DEMO_OK(inspect(0, sites[8], *special, v1::SPECIAL_CAMPAIGN), "team inspection");
  for (const auto& id : sampled) DEMO_OK(inspect(spotter, id, *spot, v1::SPOT_CHECK), "spot check");
  // Make sure the round has a finding at a north site to follow through.
  v1::Finding gas;
  gas.set_site_id(sites[0]);
  gas.set_category("gas-safety");
  gas.set_severity(v1::HIGH);
  gas.set_title("Gas alarm not serviced");
  gas.set_description("The kitchen gas alarm has no service record since 2024.");
  gas.set_status(v1::OPEN);
  auto followed = tablets[0].client->CreateFinding(gas);
  DEMO_OK(followed.status(), "capture");
  findings.push_back(*followed);
  SyncReport total;
  DEMO_OK(sync_all(&total), "sync");
  std::printf("inspect   %d inspections offline, %d failed checklist items became findings, %zu findings in all\n",
              inspections, failed_items, findings.size());

  // ---- a concurrent edit: two north inspectors edit the followed finding offline ----
  std::string conflict_note;
  if (n_inspectors >= 3) {
    v1::Finding a = gas, b = gas;
    a.set_severity(v1::CRITICAL);
    a.set_description("Gas alarm unserviced; its battery is missing.");
    a.add_tags("kitchen");
    b.set_description("Gas alarm unserviced since 2024; a technician is booked.");
    b.set_responsible_org("School logistics office");
    b.add_tags("follow-up");
    DEMO_OK(tablets[0].client->UpdateFinding(*followed, a, {"severity", "description", "tags"}), "edit");
    DEMO_OK(tablets[2].client->UpdateFinding(*followed, b, {"description", "responsible_org", "tags"}), "edit");
    DEMO_OK(sync_all(&total), "sync");
    DEMO_OK(sync_all(&total), "sync");
    conflict_note = "inspector-1 and inspector-3 both edited it offline";
  }

  // ---- notices: the office, after the round ----
  std::map<std::string, std::vector<std::string>> open_by_site;
  for (const auto& id : findings) {
    auto f = office.client->GetFinding(id);
    DEMO_OK(f.status(), "office read");
    if (f->value.status() == v1::OPEN) open_by_site[f->value.site_id()].push_back(id);
  }
  int notices = 0;
  std::string late_site;
  for (const auto& [site, ids] : open_by_site) {
    NoticeInput n;
    n.site_id = site;
    n.finding_ids = ids;
    // The first notice was issued on paper three weeks ago and is recorded
    // late: its 14-day deadline has passed, so its findings are overdue.
    bool late = late_site.empty() && site != sites[0];
    n.deadline_ms = late ? now - 7 * kDay : now + 14 * kDay;
    n.reference_no = "Edu-Safety [2026] " + std::to_string(30 + notices);
    n.text = "Rectify the problems listed within the time limit and report back.";
    if (late) late_site = site;
    DEMO_OK(office.client->IssueNotice(n).status(), "issue notice");
    ++notices;
  }
  DEMO_OK(sync_all(&total), "sync");  // the office syncs last: a second round brings its notices to everyone
  DEMO_OK(sync_all(&total), "sync");
  std::printf("notice    %d rectification notices (one per site with open findings)%s\n", notices,
              late_site.empty() ? "" : ("; the one to " + std::string(kSites[site_index[late_site]].name) +
                                        " was recorded late: its deadline has passed")
                                           .c_str());

  // ---- rectification and verification of the followed finding ----
  Tablet& verifier = tablets[0];
  auto move = [&](v1::FindingStatus to) -> Status {
    v1::Finding v;
    v.set_status(to);
    return verifier.client->UpdateFinding(*followed, v, {"status"});
  };
  DEMO_OK(move(v1::IN_RECTIFICATION), "rectify");
  DEMO_OK(move(v1::RECTIFIED), "rectified");
  VerificationInput vi;
  vi.finding_id = *followed;
  vi.method = v1::ON_SITE;
  vi.result = v1::FAILED;
  vi.verifier = verifier.caller.user;
  vi.note = "Alarm replaced but not connected to the kitchen's shut-off valve.";
  vi.new_deadline_ms = now + 21 * kDay;
  DEMO_OK(verifier.client->Verify(vi).status(), "verify (failed)");
  DEMO_OK(move(v1::IN_RECTIFICATION), "rectify again");
  DEMO_OK(move(v1::RECTIFIED), "rectified again");
  vi.result = v1::PASSED;
  vi.note = "Alarm connected and tested with the school's logistics officer.";
  vi.new_deadline_ms = 0;
  DEMO_OK(verifier.client->Verify(vi).status(), "verify (passed)");
  DEMO_OK(sync_all(&total), "sync");
  DEMO_OK(sync_all(&total), "sync");
  auto closed = office.client->GetFinding(*followed);
  DEMO_OK(closed.status(), "read");
  bool lifecycle_ok = closed->value.status() == v1::CLOSED && !closed->value.verification_id().empty();
  std::printf("verify    %s at %s: notified -> rectified -> on-site check FAILED (reopened, new deadline) -> "
              "rectified -> PASSED: %s\n",
              Short(*followed).c_str(), kSites[0].name, core::StatusName(closed->value.status()).c_str());

  // ---- convergence, every tablet within its scope ----
  server::SyncEngine* engine = (*srv)->engine();
  storage::ServerStore* store = engine->store();
  auto state = ReadServer(store);
  DEMO_OK(state.status(), "read server");
  bool ok = lifecycle_ok && reproducible;
  for (auto& t : tablets) {
    std::string d = Diff(t, engine, *state);
    auto n = t.client->ListFindings();
    std::printf("check     %-12s %s (%zu of %zu findings: its scope)\n", t.name.c_str(),
                d.empty() ? "converged" : ("DIVERGED: " + d).c_str(), n.ok() ? n->size() : 0,
                (*state)["findings"].size());
    ok &= d.empty();
  }

  // ---- reassignment: inspector-2 moves from the south zone to the east ----
  {
    size_t i = 1;
    Tablet& t = tablets[i];
    v1::RecordBody end;
    end.mutable_assignment()->set_ends_at_ms(now - 1);
    DEMO_OK(office.client->Update("assignments", zone_assignment[i], end, {"ends_at_ms"}), "end assignment");
    v1::RecordBody a;
    a.mutable_assignment()->set_user_id(t.caller.user);
    a.mutable_assignment()->set_zone_id(zones[2]);
    DEMO_OK(create("assignments", a).status(), "assign");
    DEMO_OK(office.client->Sync().status(), "office sync");
    auto before = t.client->ListFindings();
    auto r = t.client->Sync();
    DEMO_OK(r.status(), "sync");
    auto after = t.client->ListFindings();
    std::printf("reassign  %s moved from the south zone to the east: pulled %llu, %zu -> %zu findings on the tablet\n",
                t.name.c_str(), (unsigned long long)r->pulled, before.ok() ? before->size() : 0,
                after.ok() ? after->size() : 0);
    state = ReadServer(store);
    DEMO_OK(state.status(), "read server");
    std::string d = Diff(t, engine, *state);
    std::printf("check     %-12s %s\n", t.name.c_str(), d.empty() ? "converged within its new scope" : ("DIVERGED: " + d).c_str());
    ok &= d.empty();
  }

  // ---- conflicts and rejections ----
  std::vector<v1::Conflict> recorded;
  DEMO_OK(store->ListConflicts({}, &recorded), "list conflicts");
  std::set<std::string> recorded_ids;
  for (const auto& c : recorded) recorded_ids.insert(c.id());
  size_t told = 0, missing = 0;
  for (auto& t : tablets)
    for (const auto& c : t.conflicts) {
      ++told;
      if (!recorded_ids.count(c.id())) ++missing;
    }
  std::printf("conflicts %zu recorded on the server, %zu reported to tablets, %zu missing%s%s\n", recorded.size(), told,
              missing, conflict_note.empty() ? "" : "; ", conflict_note.c_str());
  for (const auto& c : recorded) std::printf("  %s\n", ConflictLine(c).c_str());
  if (missing > 0 || (!conflict_note.empty() && recorded.empty())) ok = false;
  for (auto& t : tablets)
    for (const auto& r : t.rejected) {
      std::printf("  %s: rejected %s\n", t.name.c_str(), r.reason.c_str());
      ok = false;  // the demo makes only valid edits
    }

  // ---- the report: the problem list and its counts (the office's tablet) ----
  v1::ProblemQuery all_open;
  all_open.set_page_size(1000);
  auto page = office.client->Problems(all_open);
  DEMO_OK(page.status(), "problem list");
  std::map<std::string, std::string> zone_name;
  for (size_t z = 0; z < zones.size(); ++z) zone_name[zones[z]] = kZoneNames[z];
  std::printf("\nproblem list (%d findings still followed, by deadline):\n", page->problems_size());
  std::printf("  %-10s %-26s %-11s %-20s %-9s %-16s %s\n", "finding", "site", "zone", "category", "severity", "status",
              "deadline");
  int overdue = 0;
  for (const auto& p : page->problems()) {
    const v1::Finding& f = p.finding();
    std::string status = core::StatusName(f.status());
    if (p.overdue()) {
      status += " OVERDUE";
      ++overdue;
    }
    std::printf("  %-10s %-26s %-11s %-20s %-9s %-16s %s\n", Short(p.finding_id()).c_str(), p.site_name().c_str(),
                zone_name[p.zone_id()].c_str(), f.category().c_str(), v1::Severity_Name(f.severity()).c_str(),
                status.c_str(), f.deadline_ms() ? FormatDate(f.deadline_ms()).c_str() : "-");
  }
  v1::ProblemQuery everything;
  for (int s = v1::DRAFT; s <= v1::VOIDED; ++s) everything.add_statuses(static_cast<v1::FindingStatus>(s));
  auto report = office.client->CountProblems(everything);
  DEMO_OK(report.status(), "report");
  std::printf("\nreport: findings by zone x category x status (overdue):\n");
  for (const auto& c : report->counts())
    std::printf("  %-11s %-20s %-16s %3llu (%llu)\n", zone_name[c.zone_id()].c_str(), c.category().c_str(),
                core::StatusName(c.status()).c_str(), (unsigned long long)c.findings(),
                (unsigned long long)c.overdue());
  std::printf("  total %llu findings, %llu overdue\n", (unsigned long long)report->findings(),
              (unsigned long long)report->overdue());
  if (!late_site.empty() && overdue == 0) {
    std::printf("  expected an overdue finding at the late notice's site\n");
    ok = false;
  }

  // ---- the office's own systems: conflict review, change feed, export, summary ----
  if (!conflict_note.empty()) {
    v1::TokenClaims claims;
    claims.set_user(core::NewUuidV7());
    claims.set_role("integration");
    claims.set_device("district-systems");
    claims.set_issued_at_s(static_cast<int64_t>(std::time(nullptr)));
    claims.set_expires_at_s(claims.issued_at_s() + 3600);
    auto token = ring->Sign(claims);
    DEMO_OK(token.status(), "issue token");
    DemoIntegration di;
    di.address = (*srv)->address();
    di.ca_file = so.certs_dir + "/ca.pem";
    di.token = *token;
    di.export_path = (dir / "findings.csv").string();
    di.followed_finding = *followed;
    di.merged_description = "Gas alarm unserviced since 2024; its battery is missing; a technician is booked.";
    di.sync_tablets = [&]() { return sync_all(nullptr); };
    di.check_tablets = [&]() -> std::string {
      std::string diff;
      for (auto& t : tablets) {
        auto f = t.client->GetFinding(*followed);
        if (!f.ok()) continue;  // outside this tablet's scope
        if (f->value.description() != di.merged_description) diff += t.name + " still shows the old text; ";
      }
      return diff;
    };
    ok &= RunDemoIntegration(di);
  }

  for (auto& t : tablets) t.client.reset();
  (*srv)->Shutdown(std::chrono::seconds(2));
  std::printf("\n%s\n", ok ? "RESULT: the round ran end to end; every tablet converged to the server's state within "
                             "its scope; every conflict is recorded."
                           : "RESULT: FAILED (see above)");
  if (keep) std::printf("databases kept in %s\n", dir.c_str());
  return ok ? 0 : 1;
}

}  // namespace inspectsync::tools
