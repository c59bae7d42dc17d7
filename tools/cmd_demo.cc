// `inspectsync demo`: a real server on a loopback port and several tablets
// (SDK clients over gRPC, each with its own SQLite file). The office tablet
// sets up a zone, four sites and the inspectors' assignments; the inspectors'
// tablets see only their sites. They capture and edit findings offline — two
// of them edit the same finding — then sync; then the office moves an
// inspector to another site, whose tablet gains that site's findings and
// drops the old ones. Exits 0 only if every tablet converged to the server's
// state within its scope and every conflict a tablet was told about is
// recorded on the server.
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <map>
#include <random>
#include <set>

#include "core/ids.h"
#include "inspectsync/client.h"
#include "server/auth/token.h"
#include "server/server.h"
#include "tools/commands.h"
#include "tools/flags.h"
#include "tools/render.h"

namespace inspectsync::tools {

namespace {

const char* kUsage =
    "usage: inspectsync demo [--tablets N] [--findings N] [--seed S] [--dir DIR]\n"
    "  --tablets   simulated tablets (default 3, at least 2)\n"
    "  --findings  findings each tablet captures offline (default 5)\n"
    "  --seed      random seed (default: from the clock; printed)\n"
    "  --dir       keep the server and tablet databases here (default: a temp dir, removed)\n";

struct Tablet {
  std::string name;
  server::Caller caller;
  std::unique_ptr<Client> client;
  std::vector<v1::Conflict> conflicts;
  std::vector<RejectedMutation> rejected;
};

const char* kSiteNames[] = {"No. 1 Primary School", "No. 2 Middle School", "Sunflower Kindergarten",
                            "Little Pines Kindergarten"};
const char* kProblems[][3] = {
    {"prevention-supplies", "Disinfectant past its expiry date", "Three bottles in the clinic expired in March."},
    {"signage", "Prevention signage not visible", "Hand-washing signs missing at the canteen entrance."},
    {"fire-safety", "Fire extinguishers overdue for inspection", "Two extinguishers on floor 2 last checked 2024."},
    {"gas-safety", "Gas alarm not serviced", "Kitchen gas alarm has no service record."},
    {"records", "Duty log incomplete", "Staff on-call log missing entries for last week."},
};

Status Check(const Status& s, const std::string& what) {
  if (!s.ok()) std::fprintf(stderr, "demo: %s: %s\n", what.c_str(), s.ToString().c_str());
  return s;
}

// Compares a tablet's view with the server's records in its scope. Returns
// "" when equal.
std::string Diff(Tablet& t, server::SyncEngine* engine, const std::map<std::string, v1::Record>& all_findings) {
  auto scope = engine->ScopeOf(t.caller);
  if (!scope.ok()) return "cannot resolve scope: " + scope.status().ToString();
  std::map<std::string, v1::Record> server_findings;
  for (const auto& [id, r] : all_findings)
    if (scope->Sees(r.body().finding().site_id())) server_findings[id] = r;
  auto list = t.client->ListFindings();
  if (!list.ok()) return "cannot list: " + list.status().ToString();
  if (list->size() != server_findings.size())
    return std::to_string(list->size()) + " findings vs " + std::to_string(server_findings.size()) +
           " on the server in its scope";
  for (const auto& f : *list) {
    auto it = server_findings.find(f.id);
    if (it == server_findings.end()) return "finding " + f.id + " is not on the server";
    if (f.pending) return "finding " + f.id + " still has unsynced edits";
    if (f.version != it->second.version())
      return "finding " + f.id + " at v" + std::to_string(f.version) + ", server v" +
             std::to_string(it->second.version());
    if (f.value.SerializeAsString() != it->second.body().finding().SerializeAsString())
      return "finding " + f.id + " differs from the server's";
  }
  return "";
}

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
  if (!fl.GetInt("tablets", 3, &n_tablets) || n_tablets < 2 || n_tablets > 50 ||
      !fl.GetInt("findings", 5, &n_findings) || n_findings < 1 || n_findings > 10000 ||
      !fl.GetInt("seed", static_cast<long long>(std::random_device{}() & 0x7fffffff), &seed_ll)) {
    std::fprintf(stderr, "inspectsync demo: --tablets 2..50, --findings 1..10000, --seed a whole number\n%s", kUsage);
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

  std::printf("InspectSync demo (seed %llu)\n", (unsigned long long)seed);
  server::ServerOptions so;
  so.listen = "127.0.0.1:0";
  so.db_path = (dir / "server.db").string();
  so.certs_dir = (dir / "certs").string();          // TLS with a fresh development CA
  so.token_keys_file = (dir / "token-keys").string();
  auto srv = server::Server::Start(so);
  if (!srv.ok()) {
    Check(srv.status(), "start server");
    return 1;
  }
  std::printf("server   %s  TLS, tokens  (%s)\n", (*srv)->address().c_str(), so.db_path.c_str());
  auto ring = auth::KeyRing::Load(so.token_keys_file);
  if (!Check(ring.status(), "load token keys").ok()) return 1;

  std::vector<Tablet> tablets(static_cast<size_t>(n_tablets));
  for (size_t i = 0; i < tablets.size(); ++i) {
    Tablet& t = tablets[i];
    t.name = "tablet-" + std::to_string(i + 1);
    ClientOptions co;
    co.db_path = (dir / (t.name + ".db")).string();
    co.server_address = (*srv)->address();
    co.grpc.ca_cert_file = so.certs_dir + "/ca.pem";
    v1::TokenClaims claims;  // the last tablet is the office's, the others are inspectors'
    bool office = i + 1 == tablets.size();
    t.caller = server::Caller(core::NewUuidV7(), office ? "office" : "inspector", t.name);
    claims.set_user(t.caller.user);
    claims.set_role(t.caller.role);
    claims.set_device(t.name);
    claims.set_issued_at_s(static_cast<int64_t>(std::time(nullptr)));
    claims.set_expires_at_s(claims.issued_at_s() + 3600);
    auto token = ring->Sign(claims);
    if (!Check(token.status(), "issue token").ok()) return 1;
    co.grpc.token = *token;
    co.rng_seed = seed * 1000 + i + 1;
    auto c = Client::Open(co);
    if (!Check(c.status(), "open " + t.name).ok()) return 1;
    t.client = std::move(*c);
    t.client->OnConflict([&t](const v1::Conflict& x) { t.conflicts.push_back(x); });
    t.client->OnRejected([&t](const RejectedMutation& r) { t.rejected.push_back(r); });
  }

  // 0. The office sets up the district: a zone, four sites, a user record per
  // inspector, and assignments: every inspector covers site 0, and inspector
  // i also covers site 1 + i % 3.
  Tablet& office = tablets.back();
  auto create = [&](const std::string& collection, const v1::RecordBody& body) -> StatusOr<std::string> {
    return office.client->Create(collection, body);
  };
  v1::RecordBody zb;
  zb.mutable_zone()->set_name("North zone");
  auto zone = create("zones", zb);
  if (!Check(zone.status(), "create zone").ok()) return 1;
  std::vector<std::string> sites;
  for (int k = 0; k < 4; ++k) {
    v1::RecordBody sb;
    sb.mutable_site()->set_name(kSiteNames[k]);
    sb.mutable_site()->set_kind(k < 2 ? (k == 0 ? v1::PRIMARY_SCHOOL : v1::MIDDLE_SCHOOL) : v1::KINDERGARTEN);
    sb.mutable_site()->set_zone_id(*zone);
    auto id = create("sites", sb);
    if (!Check(id.status(), "create site").ok()) return 1;
    sites.push_back(*id);
  }
  auto assign = [&](const Tablet& t, const std::string& site, int64_t ends_at_ms) -> StatusOr<std::string> {
    v1::RecordBody ab;
    ab.mutable_assignment()->set_user_id(t.caller.user);
    ab.mutable_assignment()->set_site_id(site);
    ab.mutable_assignment()->set_ends_at_ms(ends_at_ms);
    return create("assignments", ab);
  };
  std::vector<std::vector<size_t>> covers(tablets.size());
  std::vector<std::string> own_assignment(tablets.size());
  for (size_t i = 0; i + 1 < tablets.size(); ++i) {
    v1::RecordBody ub;
    ub.mutable_user()->set_name("Inspector " + std::to_string(i + 1));
    ub.mutable_user()->set_role(v1::INSPECTOR);
    ub.mutable_user()->set_active(true);
    if (!Check(create("users", ub).status(), "create user").ok()) return 1;
    covers[i] = {0, 1 + i % 3};
    if (!Check(assign(tablets[i], sites[0], 0).status(), "assign").ok()) return 1;
    auto own = assign(tablets[i], sites[1 + i % 3], 0);
    if (!Check(own.status(), "assign").ok()) return 1;
    own_assignment[i] = *own;
  }
  covers.back() = {0, 1, 2, 3};
  if (auto r = office.client->Sync(); !Check(r.status(), "office sync").ok()) return 1;
  std::printf("setup    the office created 1 zone, 4 sites, %zu inspectors and their assignments\n",
              tablets.size() - 1);

  // 1. Online: tablet-1 records a finding everyone will edit; all tablets sync.
  v1::Finding shared;
  shared.set_site_id(sites[0]);
  shared.set_category("gas-safety");
  shared.set_title("Gas alarm not serviced");
  shared.set_description("Kitchen gas alarm has no service record.");
  shared.set_severity(v1::MEDIUM);
  shared.set_status(v1::OPEN);
  auto shared_id = tablets[0].client->CreateFinding(shared);
  if (!Check(shared_id.status(), "create shared finding").ok()) return 1;
  for (auto& t : tablets)
    if (auto r = t.client->Sync(); !Check(r.status(), t.name + " sync").ok()) return 1;
  std::printf("online   tablet-1 recorded finding %s; all %zu tablets synced\n", shared_id->c_str(), tablets.size());

  // 2. Offline: each tablet captures findings at its sites; tablets 1 and 2
  // edit the shared one.
  int captured = 0;
  for (size_t i = 0; i < tablets.size(); ++i) {
    Tablet& t = tablets[i];
    for (long long k = 0; k < n_findings; ++k) {
      const auto* p = kProblems[rng() % 5];
      v1::Finding f;
      f.set_site_id(sites[covers[i][rng() % covers[i].size()]]);
      f.set_category(p[0]);
      f.set_title(p[1]);
      f.set_description(p[2]);
      f.set_severity(static_cast<v1::Severity>(1 + rng() % 4));
      f.set_status(v1::OPEN);
      if (!Check(t.client->CreateFinding(f).status(), t.name + " capture").ok()) return 1;
      ++captured;
    }
  }
  v1::Finding a = shared, b = shared;
  a.set_severity(v1::HIGH);
  a.set_description("Gas alarm unserviced; its battery is missing.");
  a.add_tags("kitchen");
  b.set_severity(v1::LOW);
  b.set_description("Gas alarm unserviced since 2024; the school has booked a technician.");
  b.set_responsible_org("School logistics office");
  b.add_tags("follow-up");
  if (!Check(tablets[0].client->UpdateFinding(*shared_id, a, {"severity", "description", "tags"}), "edit on tablet-1")
           .ok() ||
      !Check(tablets[1].client->UpdateFinding(*shared_id, b, {"severity", "description", "responsible_org", "tags"}),
             "edit on tablet-2")
           .ok())
    return 1;
  std::printf("offline  %d findings captured; tablet-1 and tablet-2 both edited %s\n", captured,
              shared_id->substr(0, 8).c_str());

  // 3. Back online: sync every tablet, twice, so all see everyone's edits.
  SyncReport total;
  for (int round = 0; round < 2; ++round) {
    for (auto& t : tablets) {
      auto r = t.client->Sync();
      if (!Check(r.status(), t.name + " sync").ok()) return 1;
      total.pushed += r->pushed;
      total.pulled += r->pulled;
      total.conflicts += r->conflicts;
      total.merged += r->merged;
      total.rejected += r->rejected;
    }
  }
  std::printf("sync     pushed %llu, merged %llu, conflicts %llu, rejected %llu, pulled %llu\n",
              (unsigned long long)total.pushed, (unsigned long long)total.merged,
              (unsigned long long)total.conflicts, (unsigned long long)total.rejected,
              (unsigned long long)total.pulled);

  // 4. Check convergence against the server's own store, tablet by tablet
  // within its scope.
  server::SyncEngine* engine = (*srv)->engine();
  storage::ServerStore* store = engine->store();
  auto server_findings = [&]() -> StatusOr<std::map<std::string, v1::Record>> {
    auto head = store->Head();
    if (!head.ok()) return head.status();
    std::vector<storage::StoredRecord> rows;
    storage::ChangeQuery q;
    q.upto = *head;
    q.limit = 1u << 30;
    q.collections = {"findings"};
    INSPECTSYNC_RETURN_IF_ERROR(store->ReadChanges(q, &rows));
    std::map<std::string, v1::Record> out;
    for (const auto& row : rows) {
      v1::Record r;
      INSPECTSYNC_RETURN_IF_ERROR(server::ToWireRecord(row, &r));
      out[r.id()] = r;
    }
    return out;
  };
  auto all = server_findings();
  if (!Check(all.status(), "read server").ok()) return 1;
  bool ok = true;
  for (auto& t : tablets) {
    std::string d = Diff(t, engine, *all);
    auto n = t.client->ListFindings();
    std::printf("check    %-9s %s (%zu of %zu findings: its sites)\n", t.name.c_str(),
                d.empty() ? "converged" : ("DIVERGED: " + d).c_str(), n.ok() ? n->size() : 0, all->size());
    ok &= d.empty();
  }

  // 5. Reassignment: the office ends tablet-2's assignment to its own site
  // and assigns it the remaining one; its next sync backfills the new site's
  // findings and removes the old site's.
  if (tablets.size() >= 3) {
    size_t i = 1;
    Tablet& t = tablets[i];
    size_t from = 1 + i % 3, to = from % 3 + 1;
    if (to == 1 + 0 % 3) to = to % 3 + 1;  // not tablet-1's own site either, so the change shows
    v1::RecordBody end;
    end.mutable_assignment()->set_ends_at_ms(1);  // ended long ago
    if (!Check(office.client->Update("assignments", own_assignment[i], end, {"ends_at_ms"}), "end assignment").ok() ||
        !Check(assign(t, sites[to], 0).status(), "assign").ok() ||
        !Check(office.client->Sync().status(), "office sync").ok())
      return 1;
    auto before = t.client->ListFindings();
    auto r = t.client->Sync();
    if (!Check(r.status(), t.name + " sync").ok()) return 1;
    auto after = t.client->ListFindings();
    std::printf("reassign %s moved from %s to %s: pulled %llu, %zu -> %zu findings on the tablet\n", t.name.c_str(),
                kSiteNames[from], kSiteNames[to], (unsigned long long)r->pulled, before.ok() ? before->size() : 0,
                after.ok() ? after->size() : 0);
    std::string d = Diff(t, engine, *all);
    std::printf("check    %-9s %s\n", t.name.c_str(), d.empty() ? "converged within its new scope" : ("DIVERGED: " + d).c_str());
    ok &= d.empty();
  }
  std::vector<v1::Conflict> recorded;
  if (!Check(store->ListConflicts({}, &recorded), "list conflicts").ok()) return 1;
  std::set<std::string> recorded_ids;
  for (const auto& c : recorded) recorded_ids.insert(c.id());
  size_t told = 0, missing = 0;
  for (auto& t : tablets)
    for (const auto& c : t.conflicts) {
      ++told;
      if (!recorded_ids.count(c.id())) ++missing;
    }
  bool shared_conflict = false;
  for (const auto& c : recorded) shared_conflict |= c.record_id() == *shared_id;
  std::printf("conflicts %zu recorded on the server, %zu reported to tablets, %zu missing\n", recorded.size(), told,
              missing);
  for (const auto& c : recorded) std::printf("  %s\n", ConflictLine(c).c_str());
  if (missing > 0 || !shared_conflict) ok = false;
  for (auto& t : tablets)
    for (const auto& r : t.rejected) {
      std::printf("  %s: rejected %s\n", t.name.c_str(), r.reason.c_str());
      ok = false;  // the demo makes only valid edits
    }

  auto fin = tablets[0].client->GetFinding(*shared_id);
  if (fin.ok()) {
    std::printf("\nthe shared finding after the merge (identical on every tablet):\n");
    PrintFinding(*fin);
  }
  for (auto& t : tablets) t.client.reset();
  (*srv)->Shutdown(std::chrono::seconds(2));
  std::printf("\n%s\n", ok ? "RESULT: every tablet converged to the server's state; every conflict is recorded."
                           : "RESULT: FAILED (see above)");
  if (keep) std::printf("databases kept in %s\n", dir.c_str());
  return ok ? 0 : 1;
}

}  // namespace inspectsync::tools
