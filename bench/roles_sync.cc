// The sync scenarios, client side: real SDK tablets (inspectsync::Client over
// the production gRPC transport) against the real server child. Each role
// does its setup, waits for GO, runs the timed phase and reports numbers.
//
// A TimingTransport (the SDK's public Transport seam) wraps the gRPC
// transport and timestamps every call and page, so the figures split into
// time spent in RPCs (network + server) and time spent in the SDK itself
// (local SQLite, protobuf) without touching product code.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <mutex>
#include <numeric>
#include <random>
#include <thread>

#include "bench/common.h"
#include "bench/findings.h"
#include "bench/roles.h"
#include "client-sdk/src/raw_pull.h"
#include "inspectsync/client.h"
#include "server/auth/token.h"

namespace inspectsync::bench {

namespace {

// Also a RawPullTransport (the SDK's internal pull-bytes path), so the
// Client pulls through it exactly as it pulls through the gRPC transport.
class TimingTransport : public Transport, public sdk_internal::RawPullTransport {
 public:
  explicit TimingTransport(std::unique_ptr<Transport> inner) : inner_(std::move(inner)) {}

  Status Push(const v1::PushRequest& request, v1::PushResponse* response) override {
    double t0 = NowSec();
    if (first_push_start < 0) first_push_start = t0;
    Status s = inner_->Push(request, response);
    push_rpc.push_back(NowSec() - t0);
    return s;
  }

  Status Pull(const v1::PullRequest& request,
              const std::function<Status(const v1::PullResponse&)>& on_page) override {
    return Timed(on_page, [&](const auto& fn) { return inner_->Pull(request, fn); });
  }
  // What Client::Sync calls: the gRPC transport's pages with encoded records.
  Status PullRaw(const v1::PullRequest& request, const sdk_internal::RawPageHandler& on_page) override {
    return Timed(on_page, [&](const auto& fn) { return sdk_internal::PullPages(inner_.get(), request, fn); });
  }

  void Clear() {
    push_rpc.clear();
    page_wait.clear();
    page_store.clear();
    pull_calls.clear();
    first_push_start = first_pull_start = -1;
  }

  std::vector<double> push_rpc, page_wait, page_store, pull_calls;
  double first_push_start = -1, first_pull_start = -1;

 private:
  template <class Page, class Call>
  Status Timed(const std::function<Status(const Page&)>& on_page, const Call& call) {
    double t0 = NowSec();
    if (first_pull_start < 0) first_pull_start = t0;
    double last = t0;
    std::function<Status(const Page&)> timed = [&](const Page& page) -> Status {
      double got = NowSec();
      page_wait.push_back(got - last);  // server + network + message parse
      Status st = on_page(page);        // the SDK storing the page
      last = NowSec();
      page_store.push_back(last - got);
      return st;
    };
    Status s = call(timed);
    pull_calls.push_back(NowSec() - t0);
    return s;
  }

  std::unique_ptr<Transport> inner_;
};

struct Tablet {
  std::shared_ptr<TimingTransport> timing;
  std::unique_ptr<Client> client;
};

[[noreturn]] void Die(const std::string& what, const Status& s) {
  Warn("%s: %s", what.c_str(), s.ToString().c_str());
  std::exit(1);
}

// How the tablets reach the server: TLS trusting the bench's CA (or
// plaintext with --insecure) and a bearer token per device, minted from the
// server's key ring as `inspectsync admin token issue` would.
struct Security {
  std::string ca_file;    // empty with --insecure
  std::string keys_file;  // the server's token key ring
  bool insecure = false;
};

Security SecurityFrom(const Args& a) { return Security{a.Get("ca"), a.Get("token-keys"), a.Has("insecure")}; }

// Who a bench tablet is: the office (sees every site) unless a scenario says.
struct Identity {
  std::string user = "bench";
  std::string role = "office";
};

std::string MintToken(const Security& sec, const std::string& device, const Identity& who = {}) {
  auto ring = auth::KeyRing::Load(sec.keys_file);
  if (!ring.ok()) Die("token key ring " + sec.keys_file, ring.status());
  v1::TokenClaims c;
  c.set_user(who.user);
  c.set_role(who.role);
  c.set_device(device);
  c.set_issued_at_s(static_cast<int64_t>(std::time(nullptr)) - 60);
  c.set_expires_at_s(c.issued_at_s() + 86400);
  auto token = ring->Sign(c);
  if (!token.ok()) Die("sign token", token.status());
  return *token;
}

GrpcTransportOptions TransportOptions(const Security& sec, const std::string& device, const Identity& who = {}) {
  GrpcTransportOptions g;
  g.insecure = sec.insecure;
  g.ca_cert_file = sec.ca_file;
  g.token = MintToken(sec, device, who);
  return g;
}

Tablet OpenTablet(const Security& sec, const std::string& db, const std::string& address, uint64_t seed,
                  bool timed = true, const Identity& who = {}) {
  ClientOptions co;
  co.db_path = db;
  co.rng_seed = seed;
  // The token names the device; the server binds a client id to the first
  // device that pushes under it. One device per tablet database, named after
  // its client id (read by opening it offline first), so a database keeps its
  // device wherever it is copied or moved.
  std::string device;
  {
    auto offline = Client::Open(co);
    if (!offline.ok()) Die("open tablet " + db, offline.status());
    device = "tablet-" + (*offline)->client_id();
  }
  Tablet t;
  if (timed) {
    auto grpc = MakeGrpcTransport(address, TransportOptions(sec, device, who));
    if (!grpc.ok()) Die("transport", grpc.status());
    t.timing = std::make_shared<TimingTransport>(std::move(*grpc));
    co.transport = t.timing;
  } else {
    co.server_address = address;
    co.grpc = TransportOptions(sec, device, who);
  }
  auto c = Client::Open(co);
  if (!c.ok()) Die("open tablet " + db, c.status());
  t.client = std::move(*c);
  return t;
}

struct Totals {
  uint64_t pushed = 0, applied = 0, merged = 0, conflicts = 0, rejected = 0, pulled = 0;
  int failures = 0;  // Sync() calls that returned an error (then retried)
  void Add(const SyncReport& r) {
    pushed += r.pushed;
    applied += r.applied;
    merged += r.merged;
    conflicts += r.conflicts;
    rejected += r.rejected;
    pulled += r.pulled;
  }
};

// Sync() until it succeeds (at most `attempts` times): an interrupted sync is
// finished by syncing again, which is what an app does.
Status SyncRetrying(Client& c, Totals* totals, int attempts = 5) {
  Status last;
  for (int i = 0; i < attempts; ++i) {
    auto r = c.Sync();
    if (r.ok()) {
      totals->Add(*r);
      return Status::Ok();
    }
    last = r.status();
    ++totals->failures;
    Warn("sync failed (attempt %d): %s", i + 1, last.ToString().c_str());
  }
  return last;
}

// Text of `chars` characters that differs from every earlier edit, even of an
// earlier invocation on a kept --dir with the same seed: an edit that sets a
// field to its current value records nothing, and would not be measured.
std::string FreshText(std::mt19937_64& rng, size_t chars) {
  static std::atomic<uint64_t> counter{0};
  std::string tag = " #" + std::to_string(std::chrono::system_clock::now().time_since_epoch().count()) + "." +
                    std::to_string(++counter);
  return MakeText(rng, chars - tag.size()) + tag;
}

double Sum(const std::vector<double>& v) { return std::accumulate(v.begin(), v.end(), 0.0); }
double Ms(double s) { return s * 1e3; }

std::vector<std::string> ReadLines(const std::string& path) {
  std::vector<std::string> out;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) out.push_back(line);
  return out;
}

// ---------------------------------------------------------------- push
// An offline tablet with N new findings in its outbox comes online and syncs.
// Timed: from Sync() to the start of its pull (push batches, their RPCs and
// the SDK storing each batch's results). Sync() then pulls the same records
// back (the server sends a device its own writes); that is reported apart.
int RolePush(const Args& a) {
  size_t n = static_cast<size_t>(a.GetInt("n", 0));
  Tablet t = OpenTablet(SecurityFrom(a), a.Get("tablet-db"), a.Get("server"), 11);
  auto pending = t.client->PendingCount();
  if (!pending.ok()) Die("pending count", pending.status());
  if (*pending != n) Warn("push: outbox holds %llu, expected %zu", (unsigned long long)*pending, n);
  bool reset = ReadyThenWaitForGo();

  Totals tot;
  double t0 = NowSec();
  Status st = SyncRetrying(*t.client, &tot);
  double t1 = NowSec();
  TimingTransport& tt = *t.timing;
  double push_end = tt.first_pull_start > 0 ? tt.first_pull_start : t1;
  double push_s = push_end - t0, rpc_s = Sum(tt.push_rpc);
  Kv kv;
  kv["items"] = static_cast<double>(tot.pushed);
  kv["seconds"] = push_s;
  kv["items_per_s"] = tot.pushed / push_s;
  kv["p50_ms"] = Ms(Percentile(tt.push_rpc, 50));
  kv["p99_ms"] = Ms(Percentile(tt.push_rpc, 99));
  kv["batches"] = static_cast<double>(tt.push_rpc.size());
  kv["rpc_s"] = rpc_s;
  kv["client_s"] = push_s - rpc_s;
  kv["sync_s"] = t1 - t0;
  kv["echo_pull_s"] = t1 - push_end;
  kv["echo_pulled"] = static_cast<double>(tot.pulled);
  kv["sync_failures"] = tot.failures;
  kv["errors"] = (st.ok() ? 0 : 1) + static_cast<double>(tot.rejected) + (tot.pushed == n ? 0 : 1);
  EmitResult(kv, reset);
  return 0;
}

// ---------------------------------------------------------------- pull
// A fresh tablet pulls the N findings the server holds (initial sync).
int RolePull(const Args& a) {
  size_t n = static_cast<size_t>(a.GetInt("n", 0));
  Tablet t = OpenTablet(SecurityFrom(a), a.Get("tablet-db"), a.Get("server"), 12);
  bool reset = ReadyThenWaitForGo();

  Totals tot;
  double t0 = NowSec();
  Status st = SyncRetrying(*t.client, &tot);
  double s = NowSec() - t0;
  TimingTransport& tt = *t.timing;
  Kv kv;
  kv["items"] = static_cast<double>(tot.pulled);
  kv["seconds"] = s;
  kv["items_per_s"] = tot.pulled / s;
  kv["p50_ms"] = Ms(Percentile(tt.page_wait, 50));
  kv["p99_ms"] = Ms(Percentile(tt.page_wait, 99));
  kv["pages"] = static_cast<double>(tt.page_wait.size());
  kv["wait_s"] = Sum(tt.page_wait);
  kv["client_s"] = Sum(tt.page_store);
  kv["sync_failures"] = tot.failures;
  kv["errors"] = (st.ok() ? 0 : 1) + (tot.pulled >= n ? 0 : 1);
  EmitResult(kv, reset);
  return 0;
}

// ---------------------------------------------------------------- noop
// A tablet in sync with N findings syncs with nothing to do, many times.
int RoleNoop(const Args& a) {
  int rounds = static_cast<int>(a.GetInt("rounds", 500));
  Tablet t = OpenTablet(SecurityFrom(a), a.Get("tablet-db"), a.Get("server"), 13);
  Totals warm;
  if (Status s = SyncRetrying(*t.client, &warm); !s.ok()) Die("noop warm-up", s);  // catch up, connect
  for (int i = 0; i < 3; ++i) SyncRetrying(*t.client, &warm);
  bool reset = ReadyThenWaitForGo();

  TimingTransport& tt = *t.timing;
  tt.Clear();
  std::vector<double> lat, rpc_part, client_part;
  int errors = 0, not_noop = 0;
  for (int i = 0; i < rounds; ++i) {
    size_t calls_before = tt.pull_calls.size(), stores_before = tt.page_store.size();
    double t0 = NowSec();
    auto r = t.client->Sync();
    double s = NowSec() - t0;
    lat.push_back(s);
    if (!r.ok()) {
      ++errors;
      continue;
    }
    if (r->pushed || r->pulled) ++not_noop;
    if (tt.pull_calls.size() == calls_before + 1) {
      // The RPC proper (server + network) vs everything the SDK does around
      // it, including storing the (empty) page it received.
      double store = 0;
      for (size_t j = stores_before; j < tt.page_store.size(); ++j) store += tt.page_store[j];
      rpc_part.push_back(tt.pull_calls.back() - store);
      client_part.push_back(s - rpc_part.back());
    }
  }
  Kv kv;
  kv["rounds"] = rounds;
  kv["p50_ms"] = Ms(Percentile(lat, 50));
  kv["p99_ms"] = Ms(Percentile(lat, 99));
  kv["mean_ms"] = Ms(Sum(lat) / static_cast<double>(lat.size()));
  kv["pull_rpc_p50_ms"] = Ms(Percentile(rpc_part, 50));
  kv["client_p50_ms"] = Ms(Percentile(client_part, 50));
  kv["not_noop"] = not_noop;
  kv["errors"] = errors;
  EmitResult(kv, reset);
  return 0;
}

// ---------------------------------------------------------------- delta
// A tablet in sync with N findings edits k of them and syncs; repeated.
// The cost must follow k, not N.
int RoleDelta(const Args& a) {
  size_t k = static_cast<size_t>(a.GetInt("k", 10));
  int rounds = static_cast<int>(a.GetInt("rounds", 20));
  std::vector<std::string> ids = ReadLines(a.Get("ids-file"));
  if (ids.size() < k * static_cast<size_t>(rounds)) {
    Warn("delta: %zu ids for %d rounds of %zu", ids.size(), rounds, k);
    return 1;
  }
  Tablet t = OpenTablet(SecurityFrom(a), a.Get("tablet-db"), a.Get("server"), 14);
  Totals warm;
  if (Status s = SyncRetrying(*t.client, &warm); !s.ok()) Die("delta warm-up", s);
  SyncRetrying(*t.client, &warm);
  std::mt19937_64 rng(a.GetInt("seed", 1));
  bool reset = ReadyThenWaitForGo();

  TimingTransport& tt = *t.timing;
  std::vector<double> lat, edit_lat, push_rpc, pull_rpc, client_part;
  int errors = 0;
  uint64_t pulled = 0;
  for (int r = 0; r < rounds; ++r) {
    for (size_t j = 0; j < k; ++j) {  // local edits: not part of the sync's time
      v1::Finding values;
      values.set_description(FreshText(rng, kDescriptionChars));
      values.set_responsible_org("Facilities team " + std::to_string(rng() % 1000));
      double e0 = NowSec();
      Status s = t.client->UpdateFinding(ids[r * k + j], values, {"description", "responsible_org"});
      edit_lat.push_back(NowSec() - e0);
      if (!s.ok()) {
        Warn("delta edit: %s", s.ToString().c_str());
        ++errors;
      }
    }
    tt.Clear();
    double t0 = NowSec();
    auto rep = t.client->Sync();
    lat.push_back(NowSec() - t0);
    if (!rep.ok() || rep->pushed != k || rep->rejected) {
      ++errors;
      if (!rep.ok()) {
        Warn("delta sync: %s", rep.status().ToString().c_str());
      } else {
        Warn("delta round %d: pushed %llu of %zu, rejected %llu", r, (unsigned long long)rep->pushed, k,
             (unsigned long long)rep->rejected);
        if (rep->rejected) {
          auto rj = t.client->Rejected();
          if (rj.ok() && !rj->empty()) Warn("  first rejection: %s", rj->back().reason.c_str());
        }
      }
      continue;
    }
    pulled += rep->pulled;
    push_rpc.push_back(Sum(tt.push_rpc));
    pull_rpc.push_back(Sum(tt.pull_calls) - Sum(tt.page_store));  // server + network of the pull
    client_part.push_back(lat.back() - push_rpc.back() - pull_rpc.back());
  }
  double p50 = Percentile(lat, 50);
  Kv kv;
  kv["k"] = static_cast<double>(k);
  kv["rounds"] = rounds;
  kv["p50_ms"] = Ms(p50);
  kv["p99_ms"] = Ms(Percentile(lat, 99));
  kv["items_per_s"] = static_cast<double>(k) / p50;
  kv["push_rpc_p50_ms"] = Ms(Percentile(push_rpc, 50));
  kv["pull_rpc_p50_ms"] = Ms(Percentile(pull_rpc, 50));
  kv["client_p50_ms"] = Ms(Percentile(client_part, 50));
  kv["edit_p50_ms"] = Ms(Percentile(edit_lat, 50));
  kv["pulled_per_round"] = static_cast<double>(pulled) / rounds;
  kv["errors"] = errors;
  EmitResult(kv, reset);
  return 0;
}

// ---------------------------------------------------------------- conflict
// Tablets A and B, both in sync with N findings, edit the same findings
// offline (severity: MAX, description: REVIEW, tags: SET), then sync until
// both show the server's state: A, B, A (and more rounds if needed).
bool Converged(Client& a, Client& b, const std::vector<std::string>& ids, std::string* why) {
  for (const auto& id : ids) {
    auto fa = a.GetFinding(id);
    auto fb = b.GetFinding(id);
    if (!fa.ok() || !fb.ok()) {
      *why = "cannot read " + id;
      return false;
    }
    if (fa->pending || fb->pending || fa->version != fb->version ||
        fa->value.SerializeAsString() != fb->value.SerializeAsString()) {
      *why = "finding " + id + " differs";
      return false;
    }
  }
  return true;
}

Status EditForConflict(Client& c, const std::string& id, const char* who, int shift, std::mt19937_64& rng) {
  auto cur = c.GetFinding(id);
  if (!cur.ok()) return cur.status();
  v1::Finding v;
  int sev = static_cast<int>(cur->value.severity());
  v.set_severity(static_cast<v1::Severity>((sev + shift) % 4 + 1));  // differs from the current and the other tablet's
  v.set_description(std::string("Seen by ") + who + ": " + FreshText(rng, kDescriptionChars - 10));
  *v.mutable_tags() = cur->value.tags();
  v.add_tags(std::string("seen-by-") + who);
  return c.UpdateFinding(id, v, {"severity", "description", "tags"});
}

int RoleConflict(const Args& a) {
  std::vector<std::string> ids = ReadLines(a.Get("ids-file"));
  Tablet ta = OpenTablet(SecurityFrom(a), a.Get("tablet-db"), a.Get("server"), 15);
  Tablet tb = OpenTablet(SecurityFrom(a), a.Get("tablet-db2"), a.Get("server"), 16);
  Totals warm;
  for (Client* c : {ta.client.get(), tb.client.get(), ta.client.get()})
    if (Status s = SyncRetrying(*c, &warm); !s.ok()) Die("conflict warm-up", s);
  std::mt19937_64 rng(a.GetInt("seed", 1));
  for (const auto& id : ids) {  // both tablets offline: same findings, different values
    if (Status s = EditForConflict(*ta.client, id, "A", 0, rng); !s.ok()) Die("edit on A", s);
    if (Status s = EditForConflict(*tb.client, id, "B", 1, rng); !s.ok()) Die("edit on B", s);
  }
  bool reset = ReadyThenWaitForGo();

  Totals tot;
  std::vector<double> each, each_rpc;
  double rpc = 0;
  int errors = 0;
  auto timed_sync = [&](Tablet& t) {
    t.timing->Clear();
    double t0 = NowSec();
    Status s = SyncRetrying(*t.client, &tot);
    each.push_back(NowSec() - t0);
    each_rpc.push_back(Sum(t.timing->push_rpc) + Sum(t.timing->pull_calls) - Sum(t.timing->page_store));
    rpc += each_rpc.back();
    if (!s.ok()) ++errors;
  };
  timed_sync(ta);
  timed_sync(tb);
  timed_sync(ta);
  std::string why;
  int extra = 0;
  bool converged = Converged(*ta.client, *tb.client, ids, &why);  // untimed check
  while (!converged && extra < 3) {
    ++extra;
    timed_sync(tb);
    timed_sync(ta);
    converged = Converged(*ta.client, *tb.client, ids, &why);
  }
  if (!converged) Warn("conflict: tablets did not converge: %s", why.c_str());
  double s = Sum(each);
  Kv kv;
  kv["findings"] = static_cast<double>(ids.size());
  kv["seconds"] = s;
  kv["p50_ms"] = Ms(s);
  kv["items_per_s"] = tot.pushed / s;
  kv["a1_ms"] = Ms(each[0]);
  kv["b_ms"] = Ms(each[1]);
  kv["a2_ms"] = Ms(each[2]);
  kv["a1_rpc_ms"] = Ms(each_rpc[0]);
  kv["b_rpc_ms"] = Ms(each_rpc[1]);
  kv["a2_rpc_ms"] = Ms(each_rpc[2]);
  kv["rpc_ms"] = Ms(rpc);
  kv["client_ms"] = Ms(s - rpc);
  kv["conflict_mutations"] = static_cast<double>(tot.conflicts);
  kv["pushed"] = static_cast<double>(tot.pushed);
  kv["pulled"] = static_cast<double>(tot.pulled);
  kv["extra_rounds"] = extra;
  kv["converged"] = converged ? 1 : 0;
  kv["errors"] = errors + (converged ? 0 : 1) + static_cast<double>(tot.rejected);
  EmitResult(kv, reset);
  return 0;
}

// ---------------------------------------------------------------- fanin
// Fan-in's reference data, written by an office tablet: a site per tablet
// and two assignments per inspector — its own site and its neighbour's, so
// every change reaches one other tablet. Returns the site ids.
std::vector<std::string> SetUpFaninSites(const Args& a, int tablets) {
  Tablet office = OpenTablet(SecurityFrom(a), a.Get("dir") + "/fanin-office.db", a.Get("server"), 99, false);
  std::vector<v1::RecordBody> bodies(static_cast<size_t>(tablets));
  for (int i = 0; i < tablets; ++i) {
    bodies[i].mutable_site()->set_name("site " + std::to_string(i));
    bodies[i].mutable_site()->set_zone_id("fanin-zone");
  }
  auto ids = office.client->CreateAll("sites", bodies);
  if (!ids.ok()) Die("fanin sites", ids.status());
  std::vector<std::string> sites = *ids;
  std::vector<v1::RecordBody> assignments;
  for (int i = 0; i < tablets; ++i)
    for (int k : {i, (i + 1) % tablets}) {
      v1::RecordBody b;
      b.mutable_assignment()->set_user_id("inspector-" + std::to_string(i));
      b.mutable_assignment()->set_site_id(sites[static_cast<size_t>(k)]);
      assignments.push_back(b);
    }
  if (auto s = office.client->CreateAll("assignments", assignments); !s.ok()) Die("fanin assignments", s.status());
  Totals setup;
  if (Status s = SyncRetrying(*office.client, &setup); !s.ok()) Die("fanin setup sync", s);
  return sites;
}

// One fan-in tablet's work offline between rounds: `creates` new findings
// (at its own or its neighbour's site when `sites` is not empty) and `edits`
// edits of findings it created (`own`).
void CaptureFaninChanges(Tablet& t, int i, const std::vector<std::string>& sites, int creates, int edits,
                         std::vector<std::string>* own, std::mt19937_64& rng) {
  for (int j = 0; j < creates; ++j) {
    v1::Finding f = MakeFinding(rng);
    if (!sites.empty()) f.set_site_id(sites[(static_cast<size_t>(i) + rng() % 2) % sites.size()]);
    auto id = t.client->CreateFinding(f);
    if (!id.ok()) Die("fanin create", id.status());
    own->push_back(*id);
  }
  for (int j = 0; j < edits && !own->empty(); ++j) {
    v1::Finding v;
    v.set_description(FreshText(rng, kDescriptionChars));
    Status s = t.client->UpdateFinding((*own)[rng() % own->size()], v, {"description"});
    if (!s.ok()) Die("fanin edit", s);
  }
}

// What one fan-in round measured.
struct FaninRound {
  std::vector<double> latency;  // of each tablet's Sync(), seconds
  double wall_s = 0;
  std::optional<double> cpu_s;  // this process's CPU over the round
};

// Every tablet calls Sync() at the same instant, each on a thread of its
// own; failures and rejected mutations count as errors.
FaninRound SyncAllAtOnce(std::vector<Tablet>& ts, std::atomic<int>* errors, std::atomic<uint64_t>* pushed,
                         std::atomic<uint64_t>* pulled) {
  const int tablets = static_cast<int>(ts.size());
  FaninRound round;
  round.latency.assign(ts.size(), 0);
  std::mutex mu;
  std::condition_variable cv;
  int ready = 0;
  bool go = false;
  std::vector<std::thread> threads;
  for (int i = 0; i < tablets; ++i) {
    threads.emplace_back([&, i] {
      {
        std::unique_lock<std::mutex> lock(mu);
        ++ready;
        cv.notify_all();
        cv.wait(lock, [&] { return go; });
      }
      double t0 = NowSec();
      auto rep = ts[i].client->Sync();
      round.latency[i] = NowSec() - t0;
      if (!rep.ok()) {
        ++*errors;
        Warn("fanin: tablet %d: %s", i, rep.status().ToString().c_str());
      } else {
        *pushed += rep->pushed;
        *pulled += rep->pulled;
        if (rep->rejected) *errors += static_cast<int>(rep->rejected);
      }
    });
  }
  double t0;
  std::optional<double> cpu0;
  {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return ready == tablets; });
    go = true;
    t0 = NowSec();
    cpu0 = CpuSeconds(getpid());
  }
  cv.notify_all();
  for (auto& th : threads) th.join();
  round.wall_s = NowSec() - t0;
  if (auto cpu1 = CpuSeconds(getpid()); cpu0 && cpu1) round.cpu_s = *cpu1 - *cpu0;
  return round;
}

// T tablets, each with its own database and its own Client, sync at the same
// instant, for several rounds; between rounds each captures and edits a few
// findings. Latency of every Sync() call; every failure is an error.
//
// As in the field, each tablet is an inspector's, assigned to two sites — its
// own and its neighbour's, so every change reaches one other tablet — set up
// by an office tablet first. `--unscoped` makes every tablet the office's
// instead: each then pulls everyone's changes (O(T^2) deliveries).
int RoleFanin(const Args& a) {
  int tablets = static_cast<int>(a.GetInt("tablets", 200));
  int rounds = static_cast<int>(a.GetInt("rounds", 3));
  int per = static_cast<int>(a.GetInt("per", 10));
  bool scoped = !a.Has("unscoped");
  std::string dir = a.Get("dir"), address = a.Get("server");
  std::vector<Tablet> ts;
  std::vector<std::vector<std::string>> own(tablets);
  std::vector<std::string> sites;
  std::mt19937_64 rng(a.GetInt("seed", 1));
  if (scoped) sites = SetUpFaninSites(a, tablets);
  for (int i = 0; i < tablets; ++i) {
    Identity who;
    if (scoped) who = Identity{"inspector-" + std::to_string(i), "inspector"};
    ts.push_back(
        OpenTablet(SecurityFrom(a), dir + "/fanin-" + std::to_string(i) + ".db", address, 100 + i, true, who));
  }
  // Every tablet starts in sync with the server (and connected), so a round
  // moves only that round's changes.
  for (int i = 0; i < tablets; ++i) {
    Totals warm;
    if (Status s = SyncRetrying(*ts[i].client, &warm); !s.ok()) Die("fanin warm-up", s);
  }
  bool reset = ReadyThenWaitForGo();

  std::vector<double> lat, rpc;
  std::atomic<int> errors{0};
  std::atomic<uint64_t> pushed{0}, pulled{0};
  double wall = 0;
  double sync_cpu = 0;  // the tablets' CPU while they sync (cpu_s_client also counts capturing between rounds)
  for (int r = 0; r < rounds; ++r) {
    // Offline between rounds: each tablet captures or edits `per` findings.
    for (int i = 0; i < tablets; ++i)
      CaptureFaninChanges(ts[i], i, sites, r == 0 ? per : (per + 1) / 2, r == 0 ? 0 : per / 2, &own[i], rng);
    for (auto& t : ts) t.timing->Clear();
    FaninRound round = SyncAllAtOnce(ts, &errors, &pushed, &pulled);
    wall += round.wall_s;
    if (round.cpu_s) sync_cpu += *round.cpu_s;
    lat.insert(lat.end(), round.latency.begin(), round.latency.end());
    for (auto& t : ts)  // time inside RPCs (server + network), without the SDK storing pages
      rpc.push_back(Sum(t.timing->push_rpc) + Sum(t.timing->pull_calls) - Sum(t.timing->page_store));
  }
  Kv kv;
  kv["tablets"] = tablets;
  kv["sync_cpu_s_client"] = sync_cpu;
  kv["wall_s"] = wall;
  kv["scoped"] = scoped ? 1 : 0;
  kv["syncs"] = static_cast<double>(lat.size());
  kv["p50_ms"] = Ms(Percentile(lat, 50));
  kv["p99_ms"] = Ms(Percentile(lat, 99));
  kv["max_ms"] = Ms(Percentile(lat, 100));
  kv["rpc_p50_ms"] = Ms(Percentile(rpc, 50));
  kv["rpc_p99_ms"] = Ms(Percentile(rpc, 99));
  kv["items_per_s"] = static_cast<double>(pushed.load()) / wall;
  kv["pushed"] = static_cast<double>(pushed.load());
  kv["pulled_per_sync"] = static_cast<double>(pulled.load()) / static_cast<double>(lat.size());
  kv["errors"] = errors.load();
  EmitResult(kv, reset);
  return 0;
}

}  // namespace

int RunSyncRole(const Args& args) {
  std::string s = args.Get("scenario");
  if (s == "push") return RolePush(args);
  if (s == "pull") return RolePull(args);
  if (s == "noop") return RoleNoop(args);
  if (s == "delta") return RoleDelta(args);
  if (s == "conflict") return RoleConflict(args);
  if (s == "fanin") return RoleFanin(args);
  Warn("unknown sync scenario '%s'", s.c_str());
  return 2;
}

}  // namespace inspectsync::bench
