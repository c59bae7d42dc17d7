// inspectsync-bench: sync throughput, latency and memory of InspectSync, side
// by side with this machine's raw SQLite and gRPC limits. One JSON line per
// scenario on stdout; human notes on stderr. See BENCHMARKS.md.
//
// Processes: this orchestrator never touches gRPC. It builds the datasets
// in-process (setup, untimed), then for every run starts
//   - the server under test: the real `inspectsync server` binary on
//     127.0.0.1:0 over the run's SQLite file (production settings), and
//   - a client child: this binary re-executed with --role, which opens SDK
//     tablets, does its own setup, prints READY and waits.
// On READY it resets the server's peak RSS (/proc/PID/clear_refs), sends GO
// (the child resets its own), reads the child's RESULT, reads the server's
// VmHWM, and stops both. Each peak RSS therefore covers the timed phase of one
// scenario in one process (fallback: wait4's ru_maxrss, the whole life).
#include <signal.h>
#include <stdlib.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <sstream>

#include "bench/common.h"
#include "bench/findings.h"
#include "bench/proc.h"
#include "bench/roles.h"
#include "bench/world.h"
#include "core/export.h"  // JsonQuote

#ifndef INSPECTSYNC_SERVER_BINARY
#define INSPECTSYNC_SERVER_BINARY "inspectsync"
#endif

namespace inspectsync::bench {

namespace {

namespace fs = std::filesystem;

const char* kUsage =
    "usage: inspectsync-bench [--n N] [--scenarios LIST] [--runs R] [--quick] [--json-only]\n"
    "  --n N              dataset size (default 100000; --quick: 1000)\n"
    "  --scenarios LIST   comma-separated: push,pull,noop,delta,conflict,fanin,limit (default: all)\n"
    "  --runs R           runs per scenario; figures are medians (default 3; --quick: 1)\n"
    "  --quick            tiny sizes for CI: n=1000, delta N=10000 only, fanin 20 tablets\n"
    "  --json-only        only the JSON lines (stdout) and warnings (stderr)\n"
    "  --no-limits        skip the raw SQLite / gRPC limit measurements (ratios become null)\n"
    "  --delta-n LIST     dataset sizes of the delta scenario (default 10000,1000000)\n"
    "  --fanin-tablets T  tablets syncing at once (default 200)\n"
    "  --limit-page-bytes B  SQLite page size of the raw SQLite limits (default: SQLite's, as the product)\n"
    "  --fanin-changes C  findings each fanin tablet captures or edits per round (default 1)\n"
    "  --fanin-unscoped   fanin tablets are all the office's (each pulls everyone's changes)\n"
    "  --noop-rounds R    syncs per noop run (default 500)\n"
    "  --delta-rounds R   syncs of k=10 edits per delta run (default 20)\n"
    "  --dir DIR          work directory (kept); default a temp dir, removed\n"
    "  --keep             keep the temp work directory\n"
    "  --insecure         plaintext gRPC on loopback (default: TLS + bearer tokens, as in production)\n"
    "  --seed S           data seed (default 1)\n"
    "  --server-binary P  the inspectsync binary (default: the one built beside this)\n"
    "  --server-wrapper W, --client-wrapper W   run the server / client children under W\n"
    "                     (a profiler command line; their RSS figures are then meaningless)\n";

// ClientOptions::push_batch_size default: the push scenario reports it, and
// the raw SQLite and gRPC limits use the same batch so the ratios compare.
constexpr size_t kPushBatch = 1000;
constexpr uint32_t kPullPage = 500; // ClientOptions::pull_page_size default
constexpr size_t kDeltaK = 10;

struct Options {
  size_t n = 100000;
  int runs = 3;
  bool quick = false;
  bool json_only = false;
  bool keep = false;
  bool insecure = false;  // plaintext gRPC (default: TLS, as in production)
  std::vector<std::string> scenarios;
  std::vector<size_t> delta_ns = {10000, 1000000};
  int fanin_tablets = 200;
  int fanin_rounds = 3;
  int fanin_per = 1;  // changes per tablet per round
  bool fanin_unscoped = false;  // every tablet the office's: everyone pulls everyone's, O(T^2)
  int noop_rounds = 500;
  int delta_rounds = 20;
  int unary_rounds = 2000;
  int limit_page_bytes = 0;  // SQLite page size of the raw SQLite limits (0: SQLite's default, as the product)
  uint64_t seed = 1;
  std::string dir;
  std::string server_binary = INSPECTSYNC_SERVER_BINARY;
  // Profiling: a command line put in front of the server / client children,
  // e.g. "valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.%p" or
  // "heaptrack -o /tmp/ht". Peak RSS figures of such runs are the wrapper's.
  std::vector<std::string> server_wrapper, client_wrapper;
};

std::vector<std::string> Split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  std::string item;
  while (std::getline(in, item, ','))
    if (!item.empty()) out.push_back(item);
  return out;
}

std::vector<std::string> SplitWords(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

std::vector<std::string> Wrapped(const std::vector<std::string>& wrapper, std::vector<std::string> argv) {
  if (wrapper.empty()) return argv;
  std::vector<std::string> out = wrapper;
  out.insert(out.end(), argv.begin(), argv.end());
  return out;
}

double NaN() { return std::nan(""); }

double Load1() {
  std::ifstream in("/proc/loadavg");
  double l = NaN();
  in >> l;
  return l;
}

// One JSON object on one line; NaN prints as null.
class JsonLine {
 public:
  JsonLine& Str(const std::string& k, const std::string& v) {
    Key(k);
    body_ += core::JsonQuote(v);
    return *this;
  }
  JsonLine& Num(const std::string& k, double v, int decimals = 3) {
    Key(k);
    if (std::isnan(v) || std::isinf(v)) {
      body_ += "null";
    } else {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
      body_ += buf;
    }
    return *this;
  }
  std::string str() const { return "{" + body_ + "}"; }

 private:
  void Key(const std::string& k) {
    if (!body_.empty()) body_ += ",";
    body_ += core::JsonQuote(k) + ":";
  }
  std::string body_;
};

struct RoleRun {
  bool ok = false;
  Kv kv;
  double server_mib = NaN();
  double client_mib = NaN();
  double server_write_mib = NaN();  // written to storage during the timed phase
  double client_write_mib = NaN();
  double server_cpu_s = NaN();  // CPU time used during the timed phase
  double client_cpu_s = NaN();
};

enum class ServerKind { kNone, kSync, kEcho };

struct World {
  std::string dir, server_db;
  std::vector<std::string> tablets;  // synced device databases
  std::vector<std::string> ids;      // record ids on the server
};

double Get(const Kv& kv, const std::string& key) {
  auto it = kv.find(key);
  return it == kv.end() ? NaN() : it->second;
}

double Med(const std::vector<RoleRun>& runs, const std::string& key) {
  std::vector<double> v;
  for (const auto& r : runs) v.push_back(Get(r.kv, key));
  return Median(v);
}

// Peak RSS across runs: the worst run counts.
double MaxOf(const std::vector<RoleRun>& runs, double RoleRun::*field) {
  double m = NaN();
  for (const auto& r : runs)
    if (!std::isnan(r.*field)) m = std::isnan(m) ? r.*field : std::max(m, r.*field);
  return m;
}

double MedOf(const std::vector<RoleRun>& runs, double RoleRun::*field) {
  std::vector<double> v;
  for (const auto& r : runs)
    if (!std::isnan(r.*field)) v.push_back(r.*field);
  return Median(v);
}

class Orchestrator {
 public:
  explicit Orchestrator(Options o) : o_(std::move(o)), self_(SelfExe()) {}

  int Run() {
    if (!fs::exists(o_.server_binary)) {
      Warn("server binary %s not found (build the inspectsync target, or pass --server-binary)",
           o_.server_binary.c_str());
      return 2;
    }
    bool own_dir = o_.dir.empty();
    if (own_dir) {
      std::string tmpl = (fs::temp_directory_path() / "inspectsync-bench-XXXXXX").string();
      if (!mkdtemp(tmpl.data())) {
        Warn("cannot create a temp directory");
        return 2;
      }
      work_ = tmpl;
    } else {
      work_ = o_.dir;
      fs::create_directories(work_);
    }
    if (!SetUpSecurity()) return 2;
    item_bytes_ = TypicalFindingBytes();
    record_bytes_ = TypicalRecordBytes();
    Note("work dir %s; n=%zu, runs=%d, %s; a finding is %zu bytes serialized, %zu as a wire Record; load %.2f",
         work_.c_str(), o_.n, o_.runs, o_.insecure ? "plaintext gRPC" : "TLS + bearer tokens", item_bytes_,
         record_bytes_, Load1());

    if (!Want("nolimits")) Limits();
    for (const auto& s : o_.scenarios) {
      if (s == "push") Push();
      else if (s == "pull") Pull();
      else if (s == "noop") Noop();
      else if (s == "delta") Delta();
      else if (s == "conflict") Conflict();
      else if (s == "fanin") Fanin();
    }
    if (own_dir && !o_.keep) {
      std::error_code ec;
      fs::remove_all(work_, ec);
    } else {
      Note("work dir kept: %s", work_.c_str());
    }
    if (failures_ > 0) Warn("%d error(s) (see above); figures of failed runs are not to be trusted", failures_);
    return failures_ > 0 ? 1 : 0;
  }

 private:
  // One development CA + server certificate and one token key ring for the
  // whole work dir, made by the product's own CLI; every server child serves
  // that certificate and verifies tokens from that ring.
  bool SetUpSecurity() {
    certs_ = work_ + "/certs";
    keys_ = work_ + "/token-keys";
    if (!fs::exists(certs_ + "/server.pem") && !RunTool({"certs", "init", "--dir", certs_})) return false;
    if (!fs::exists(keys_) && !RunTool({"admin", "key", "rotate", "--keys", keys_})) return false;
    return true;
  }

  bool RunTool(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {o_.server_binary};
    argv.insert(argv.end(), args.begin(), args.end());
    ChildProcess p;
    if (!p.Start(argv)) return false;
    std::string line;
    while (p.ReadLine(&line)) {
    }
    if (!p.Wait().exited_ok) {
      Warn("'inspectsync %s %s' failed", args[0].c_str(), args[1].c_str());
      return false;
    }
    return true;
  }

  // Security arguments of the client roles.
  std::vector<std::string> ClientSecurity() const {
    if (o_.insecure) return {"--insecure", "--token-keys", keys_};
    return {"--ca", certs_ + "/ca.pem", "--token-keys", keys_};
  }

  bool Want(const std::string& s) const {
    return std::find(o_.scenarios.begin(), o_.scenarios.end(), s) != o_.scenarios.end();
  }

  std::string RunDir(const std::string& name, int r) {
    std::string d = work_ + "/run-" + name + "-" + std::to_string(r);
    std::error_code ec;
    fs::remove_all(d, ec);
    fs::create_directories(d);
    return d;
  }
  static void RemoveDir(const std::string& d) {
    std::error_code ec;
    fs::remove_all(d, ec);
  }

  RoleRun RunRole(std::vector<std::string> args, ServerKind kind, const std::string& server_db) {
    RoleRun run;
    ChildProcess srv;
    std::string address;
    if (kind == ServerKind::kSync) {
      std::vector<std::string> sa = {o_.server_binary, "server", "--listen", "127.0.0.1:0", "--db", server_db,
                                     "--grace-s", "5", "--certs", certs_, "--token-keys", keys_};
      if (o_.insecure) sa.push_back("--insecure");
      srv.Start(Wrapped(o_.server_wrapper, sa));
    } else if (kind == ServerKind::kEcho) {
      std::vector<std::string> sa = {self_, "--role", "echo-server", "--certs", certs_};
      if (o_.insecure) sa.push_back("--insecure");
      srv.Start(sa);
    }
    if (kind != ServerKind::kNone && !srv.ReadListenAddress(&address)) {
      Warn("the server did not start");
      ++failures_;
      return run;
    }
    std::vector<std::string> argv = {self_};
    argv.insert(argv.end(), args.begin(), args.end());
    if (!address.empty()) argv.insert(argv.end(), {"--server", address});
    for (const auto& x : ClientSecurity()) argv.push_back(x);
    if (o_.json_only) argv.push_back("--json-only");
    ChildProcess cli;
    if (!cli.Start(Wrapped(o_.client_wrapper, argv))) {
      Warn("cannot start %s", self_.c_str());
      ++failures_;
      return run;
    }
    std::string line;
    bool ready = false, got = false, server_reset = false;
    std::optional<double> server_written_at_go, server_cpu_at_go;
    while (cli.ReadLine(&line)) {
      if (line == "READY") {
        ready = true;
        server_reset = kind != ServerKind::kNone && ResetPeakRss(srv.pid());
        if (kind != ServerKind::kNone) server_written_at_go = WriteBytes(srv.pid());
        if (kind != ServerKind::kNone) server_cpu_at_go = CpuSeconds(srv.pid());
        cli.WriteLine("GO");
      } else if (line.rfind("RESULT ", 0) == 0) {
        run.kv = ParseKv(line.substr(7));
        got = true;
        break;
      }
    }
    std::optional<double> server_hwm;
    if (kind != ServerKind::kNone) server_hwm = PeakRssKib(srv.pid());
    if (auto w = kind != ServerKind::kNone ? WriteBytes(srv.pid()) : std::nullopt; w && server_written_at_go)
      run.server_write_mib = (*w - *server_written_at_go) / (1 << 20);
    if (run.kv.count("client_write_bytes")) run.client_write_mib = Get(run.kv, "client_write_bytes") / (1 << 20);
    if (auto c = kind != ServerKind::kNone ? CpuSeconds(srv.pid()) : std::nullopt; c && server_cpu_at_go)
      run.server_cpu_s = *c - *server_cpu_at_go;
    if (run.kv.count("client_cpu_s")) run.client_cpu_s = Get(run.kv, "client_cpu_s");
    ExitInfo ce = cli.Wait();
    ExitInfo se;
    if (kind != ServerKind::kNone) se = srv.Stop(SIGTERM);
    run.client_mib = (Get(run.kv, "client_hwm_reset") == 1 ? Get(run.kv, "client_hwm_kib") : ce.maxrss_kib) / 1024;
    if (kind != ServerKind::kNone) run.server_mib = (server_reset && server_hwm ? *server_hwm : se.maxrss_kib) / 1024;
    run.ok = ready && got && ce.exited_ok && (kind == ServerKind::kNone || se.exited_ok);
    std::string label = args.size() > 1 ? args[1] : "?";
    if (args.size() > 3 && args[2] == "--scenario") label += " " + args[3];
    if (!run.ok) {
      Warn("run of '%s' failed (ready=%d result=%d client_ok=%d server_ok=%d)", label.c_str(), ready, got,
           ce.exited_ok, se.exited_ok);
      ++failures_;
    }
    if (Get(run.kv, "errors") > 0) {
      Warn("run of '%s' reported %g error(s)", label.c_str(), Get(run.kv, "errors"));
      ++failures_;
    }
    return run;
  }

  World& EnsureWorld(size_t n, size_t tablets) {
    // A world left in a kept --dir by an earlier invocation is reused: ids.txt
    // is written last, so its presence means the server data is complete.
    World& w = worlds_[n];
    if (w.dir.empty()) {
      w.dir = work_ + "/world-" + std::to_string(n);
      w.server_db = w.dir + "/server.db";
      std::string ids_file = w.dir + "/ids.txt";
      if (fs::exists(ids_file)) {
        std::ifstream in(ids_file);
        for (std::string id; std::getline(in, id);) w.ids.push_back(id);
        Note("setup: reusing the %zu-finding world in %s", w.ids.size(), w.dir.c_str());
      } else {
        RemoveDir(w.dir);
        fs::create_directories(w.dir);
        double t0 = NowSec();
        Note("setup: server data, %zu findings (SyncEngine in-process)...", n);
        Status s = BuildServerData(w.server_db, n, o_.seed, &w.ids);
        if (!s.ok()) Fatal("build server data", s);
        std::ofstream out(ids_file + ".tmp");
        for (const auto& id : w.ids) out << id << "\n";
        out.close();
        fs::rename(ids_file + ".tmp", ids_file);
        Note("setup: server data ready in %.1f s", NowSec() - t0);
      }
    }
    while (w.tablets.size() < tablets) {
      std::string path = w.dir + "/tablet-" + std::to_string(w.tablets.size()) + ".db";
      if (!fs::exists(path)) {
        double t0 = NowSec();
        Note("setup: synced tablet %zu of a %zu-finding world...", w.tablets.size() + 1, n);
        Status s = BuildSyncedTablet(w.server_db, path + ".tmp");
        if (!s.ok()) Fatal("build synced tablet", s);
        fs::rename(path + ".tmp", path);  // closed cleanly: no -wal file is left
        Note("setup: synced tablet ready in %.1f s", NowSec() - t0);
      }
      w.tablets.push_back(path);
    }
    return w;
  }

  [[noreturn]] void Fatal(const char* what, const Status& s) {
    Warn("%s: %s", what, s.ToString().c_str());
    std::exit(1);
  }

  // Distinct ids of `w`, drawn at random.
  std::string WriteIds(const World& w, size_t count, uint64_t seed, const std::string& path) {
    std::mt19937_64 rng(seed);
    std::vector<size_t> idx(w.ids.size());
    for (size_t i = 0; i < idx.size(); ++i) idx[i] = i;
    count = std::min(count, idx.size());
    std::ofstream out(path);
    for (size_t i = 0; i < count; ++i) {
      std::swap(idx[i], idx[i + rng() % (idx.size() - i)]);
      out << w.ids[idx[i]] << "\n";
    }
    return path;
  }

  void Emit(JsonLine& line) {
    std::printf("%s\n", line.str().c_str());
    std::fflush(stdout);
  }

  // The common head of every line, in the order.
  JsonLine Head(const std::string& scenario, double n, double items_per_s, double p50, double p99,
                const std::vector<RoleRun>& runs, double limit, double ratio) {
    JsonLine j;
    j.Str("scenario", scenario)
        .Num("n", n, 0)
        .Num("items_per_s", items_per_s, 0)
        .Num("p50_ms", p50)
        .Num("p99_ms", p99)
        .Num("peak_rss_mib_server", MaxOf(runs, &RoleRun::server_mib), 1)
        .Num("peak_rss_mib_client", MaxOf(runs, &RoleRun::client_mib), 1)
        .Num("limit_items_per_s", limit, 0)
        .Num("ratio_to_limit", ratio, 3)
        .Num("runs", static_cast<double>(runs.size()), 0);
    double errors = 0;
    for (const auto& r : runs) errors += (r.ok ? 0 : 1) + (std::isnan(Get(r.kv, "errors")) ? 0 : Get(r.kv, "errors"));
    j.Num("errors", errors, 0).Num("tls", o_.insecure ? 0 : 1, 0).Num("load1", Load1(), 2);
    j.Num("write_mib_server", MedOf(runs, &RoleRun::server_write_mib), 1)
        .Num("write_mib_client", MedOf(runs, &RoleRun::client_write_mib), 1)
        .Num("cpu_s_server", MedOf(runs, &RoleRun::server_cpu_s), 3)
        .Num("cpu_s_client", MedOf(runs, &RoleRun::client_cpu_s), 3);
    return j;
  }

  std::vector<RoleRun> Repeat(const std::function<RoleRun(int)>& one) {
    std::vector<RoleRun> runs;
    for (int r = 0; r < o_.runs; ++r) runs.push_back(one(r));
    return runs;
  }

  // ------------------------------------------------------------ limits
  void Limits() {
    bool all = Want("limit");
    if (all || Want("push") || Want("conflict")) {
      Note("limit: raw SQLite inserts, %zu rows of %zu bytes, %zu per transaction, WAL + synchronous=FULL", o_.n,
           item_bytes_, kPushBatch);
      auto runs = Repeat([&](int r) {
        std::string d = RunDir("limit-sqlite", r);
        RoleRun rr = RunRole({"--role", "limit-sqlite", "--dir", d, "--n", std::to_string(o_.n), "--batch",
                              std::to_string(kPushBatch), "--seed", std::to_string(o_.seed), "--page-bytes",
                              std::to_string(o_.limit_page_bytes)},
                             ServerKind::kNone, "");
        RemoveDir(d);
        return rr;
      });
      sqlite_limit_ = Med(runs, "items_per_s");
      JsonLine j = Head("limit_sqlite_insert", o_.n, sqlite_limit_, Med(runs, "p50_ms"), Med(runs, "p99_ms"), runs,
                        NaN(), NaN());
      j.Num("batch", kPushBatch, 0).Num("item_bytes", item_bytes_, 0);
      Emit(j);
      JsonLine v = Head("limit_sqlite_versioned", o_.n, Med(runs, "shaped_items_per_s"), NaN(), NaN(), runs, NaN(),
                        NaN());
      v.Num("batch", kPushBatch, 0).Num("item_bytes", item_bytes_, 0);
      Emit(v);
      conflict_floor_ms_ = Med(runs, "conflict_floor_ms");
      JsonLine c = Head("limit_sqlite_conflict", Med(runs, "conflict_records"), NaN(), conflict_floor_ms_, NaN(), runs,
                        NaN(), NaN());
      c.Num("server_ms", Med(runs, "conflict_floor_server_ms")).Num("records_in_table", o_.n, 0);
      Emit(c);
      JsonLine f = Head("limit_fsync", 500, NaN(), Med(runs, "fsync_p50_ms"), Med(runs, "fsync_p99_ms"), runs, NaN(),
                        NaN());
      Emit(f);
    }
    if (all || Want("pull") || Want("noop")) {
      Note("limit: raw gRPC on loopback: stream of %zu x %zu-byte items in pages of %u; unary echo; batches of %zu",
           o_.n, record_bytes_, kPullPage, kPushBatch);
      auto runs = Repeat([&](int) {
        return RunRole({"--role", "limit-grpc", "--n", std::to_string(o_.n), "--page", std::to_string(kPullPage),
                        "--item-bytes", std::to_string(record_bytes_), "--rounds", std::to_string(o_.unary_rounds),
                        "--batch", std::to_string(kPushBatch)},
                       ServerKind::kEcho, "");
      });
      grpc_stream_limit_ = Med(runs, "stream_items_per_s");
      grpc_unary_p50_ = Med(runs, "unary_p50_ms");
      JsonLine s = Head("limit_grpc_stream", o_.n, grpc_stream_limit_, Med(runs, "stream_p50_ms"),
                        Med(runs, "stream_p99_ms"), runs, NaN(), NaN());
      s.Num("page", kPullPage, 0).Num("item_bytes", record_bytes_, 0);
      Emit(s);
      JsonLine u = Head("limit_grpc_unary", o_.unary_rounds, NaN(), grpc_unary_p50_, Med(runs, "unary_p99_ms"), runs,
                        NaN(), NaN());
      Emit(u);
      JsonLine b = Head("limit_grpc_unary_batch", o_.n, Med(runs, "batch_items_per_s"), Med(runs, "batch_p50_ms"),
                        Med(runs, "batch_p99_ms"), runs, NaN(), NaN());
      b.Num("batch", kPushBatch, 0).Num("item_bytes", record_bytes_, 0);
      Emit(b);
    }
  }

  // ------------------------------------------------------------ scenarios
  void Push() {
    std::string tmpl = work_ + "/push-template-" + std::to_string(o_.n) + ".db";
    if (!fs::exists(tmpl)) {
      Note("setup: outbox of %zu new findings through Client::CreateFindings (one transaction per 1,000)...", o_.n);
      for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(tmpl + ".tmp" + suffix);
      Status s = PrefillOutbox(tmpl + ".tmp", o_.n, o_.seed, &prefill_s_);
      if (!s.ok()) Fatal("prefill outbox", s);
      fs::rename(tmpl + ".tmp", tmpl);  // closed cleanly: no -wal file is left
      std::ofstream(tmpl + ".seconds") << prefill_s_;
      Note("setup: outbox prefilled in %.1f s (%.0f findings/s)", prefill_s_, o_.n / prefill_s_);
    } else {
      std::ifstream(tmpl + ".seconds") >> prefill_s_;
      Note("setup: reusing the outbox template %s", tmpl.c_str());
    }
    auto runs = Repeat([&](int r) {
      std::string d = RunDir("push", r);
      for (const char* suffix : {"", "-wal"})
        if (fs::exists(tmpl + suffix)) fs::copy_file(tmpl + suffix, d + "/tablet.db" + suffix);
      RoleRun rr = RunRole({"--role", "sync", "--scenario", "push", "--tablet-db", d + "/tablet.db", "--n",
                            std::to_string(o_.n)},
                           ServerKind::kSync, d + "/server.db");
      RemoveDir(d);
      return rr;
    });
    double ips = Med(runs, "items_per_s");
    JsonLine j = Head("push", o_.n, ips, Med(runs, "p50_ms"), Med(runs, "p99_ms"), runs, sqlite_limit_,
                      ips / sqlite_limit_);
    j.Num("batch", kPushBatch, 0)
        .Num("seconds", Med(runs, "seconds"))
        .Num("rpc_s", Med(runs, "rpc_s"))
        .Num("client_s", Med(runs, "client_s"))
        .Num("echo_pull_s", Med(runs, "echo_pull_s"))
        .Num("setup_prefill_s", prefill_s_, 1)
        .Num("setup_prefill_items_per_s", o_.n / prefill_s_, 0);
    Emit(j);
    Note("push: %.0f findings/s (target >= 50000), server %.1f MiB, client %.1f MiB (targets <= 64)", ips,
         MaxOf(runs, &RoleRun::server_mib), MaxOf(runs, &RoleRun::client_mib));
  }

  void Pull() {
    World& w = EnsureWorld(o_.n, 0);
    auto runs = Repeat([&](int r) {
      std::string d = RunDir("pull", r);
      RoleRun rr = RunRole({"--role", "sync", "--scenario", "pull", "--tablet-db", d + "/tablet.db", "--n",
                            std::to_string(o_.n)},
                           ServerKind::kSync, w.server_db);
      RemoveDir(d);
      return rr;
    });
    double ips = Med(runs, "items_per_s");
    JsonLine j = Head("pull", o_.n, ips, Med(runs, "p50_ms"), Med(runs, "p99_ms"), runs, grpc_stream_limit_,
                      ips / grpc_stream_limit_);
    j.Num("page", kPullPage, 0)
        .Num("seconds", Med(runs, "seconds"))
        .Num("wait_s", Med(runs, "wait_s"))
        .Num("client_s", Med(runs, "client_s"))
        .Num("ratio_to_sqlite_limit", ips / sqlite_limit_);
    Emit(j);
    Note("pull: %.0f findings/s (target >= 50000), server %.1f MiB, client %.1f MiB (targets <= 64)", ips,
         MaxOf(runs, &RoleRun::server_mib), MaxOf(runs, &RoleRun::client_mib));
  }

  void Noop() {
    World& w = EnsureWorld(o_.n, 1);
    auto runs = Repeat([&](int) {
      return RunRole({"--role", "sync", "--scenario", "noop", "--tablet-db", w.tablets[0], "--rounds",
                      std::to_string(o_.noop_rounds)},
                     ServerKind::kSync, w.server_db);
    });
    double p50 = Med(runs, "p50_ms");
    // A latency: the ratio is the machine's floor over ours (1 = at the limit).
    JsonLine j = Head("noop", o_.n, NaN(), p50, Med(runs, "p99_ms"), runs, NaN(), grpc_unary_p50_ / p50);
    j.Num("rounds", o_.noop_rounds, 0)
        .Num("limit_p50_ms", grpc_unary_p50_)
        .Num("pull_rpc_p50_ms", Med(runs, "pull_rpc_p50_ms"))
        .Num("client_p50_ms", Med(runs, "client_p50_ms"));
    Emit(j);
    Note("noop: p50 %.3f ms (target <= 1 ms), p99 %.3f ms", p50, Med(runs, "p99_ms"));
  }

  void Delta() {
    double first_p50 = NaN();
    for (size_t nd : o_.delta_ns) {
      World& w = EnsureWorld(nd, 1);
      auto runs = Repeat([&](int r) {
        std::string d = RunDir("delta", r);
        std::string ids = WriteIds(w, kDeltaK * o_.delta_rounds, o_.seed * 1000 + r, d + "/ids.txt");
        RoleRun rr = RunRole({"--role", "sync", "--scenario", "delta", "--tablet-db", w.tablets[0], "--k",
                              std::to_string(kDeltaK), "--rounds", std::to_string(o_.delta_rounds), "--ids-file", ids,
                              "--seed", std::to_string(o_.seed + r)},
                             ServerKind::kSync, w.server_db);
        RemoveDir(d);
        return rr;
      });
      double p50 = Med(runs, "p50_ms");
      if (std::isnan(first_p50)) first_p50 = p50;
      JsonLine j = Head("delta", nd, Med(runs, "items_per_s"), p50, Med(runs, "p99_ms"), runs, NaN(), NaN());
      j.Num("k", kDeltaK, 0)
          .Num("rounds", o_.delta_rounds, 0)
          .Num("p50_vs_first_n", p50 / first_p50)
          .Num("push_rpc_p50_ms", Med(runs, "push_rpc_p50_ms"))
          .Num("pull_rpc_p50_ms", Med(runs, "pull_rpc_p50_ms"))
          .Num("client_p50_ms", Med(runs, "client_p50_ms"))
          .Num("edit_p50_ms", Med(runs, "edit_p50_ms"));
      Emit(j);
      Note("delta N=%zu: p50 %.3f ms per sync of %zu edits (%.2fx the first N; target <= 1.5x)", nd, p50, kDeltaK,
           p50 / first_p50);
    }
  }

  void Conflict() {
    World& w = EnsureWorld(o_.n, 2);
    size_t count = std::max<size_t>(1, o_.n / 100);
    auto runs = Repeat([&](int r) {
      std::string d = RunDir("conflict", r);
      std::string ids = WriteIds(w, count, o_.seed * 7919 + r, d + "/ids.txt");
      RoleRun rr = RunRole({"--role", "sync", "--scenario", "conflict", "--tablet-db", w.tablets[0], "--tablet-db2",
                            w.tablets[1], "--ids-file", ids, "--seed", std::to_string(o_.seed + r)},
                           ServerKind::kSync, w.server_db);
      RemoveDir(d);
      return rr;
    });
    double ms = Med(runs, "p50_ms");
    // A time: the ratio is the machine's floor over ours (1 = at the limit).
    JsonLine j = Head("conflict", o_.n, Med(runs, "items_per_s"), ms, NaN(), runs, NaN(), conflict_floor_ms_ / ms);
    j.Num("limit_ms", conflict_floor_ms_);
    j.Num("conflicting_findings", count, 0)
        .Num("a1_ms", Med(runs, "a1_ms"))
        .Num("b_ms", Med(runs, "b_ms"))
        .Num("a2_ms", Med(runs, "a2_ms"))
        .Num("a1_rpc_ms", Med(runs, "a1_rpc_ms"))
        .Num("b_rpc_ms", Med(runs, "b_rpc_ms"))
        .Num("a2_rpc_ms", Med(runs, "a2_rpc_ms"))
        .Num("rpc_ms", Med(runs, "rpc_ms"))
        .Num("client_ms", Med(runs, "client_ms"))
        .Num("conflict_mutations", Med(runs, "conflict_mutations"), 0)
        .Num("converged", Med(runs, "converged"), 0);
    Emit(j);
    Note("conflict: %zu findings edited on both tablets converged in %.1f ms (target <= 150 ms)", count, ms);
  }

  void Fanin() {
    auto runs = Repeat([&](int r) {
      std::string d = RunDir("fanin", r);
      std::vector<std::string> role = {"--role", "sync", "--scenario", "fanin", "--dir", d, "--tablets",
                                       std::to_string(o_.fanin_tablets), "--rounds", std::to_string(o_.fanin_rounds),
                                       "--per", std::to_string(o_.fanin_per), "--seed", std::to_string(o_.seed + r)};
      if (o_.fanin_unscoped) role.push_back("--unscoped");
      RoleRun rr = RunRole(role, ServerKind::kSync, d + "/server.db");
      RemoveDir(d);
      return rr;
    });
    JsonLine j = Head("fanin", o_.fanin_tablets, Med(runs, "items_per_s"), Med(runs, "p50_ms"), Med(runs, "p99_ms"),
                      runs, NaN(), NaN());
    j.Num("tablets", o_.fanin_tablets, 0)
        .Num("rounds", o_.fanin_rounds, 0)
        .Num("changes_per_tablet", o_.fanin_per, 0)
        .Num("scoped", o_.fanin_unscoped ? 0 : 1, 0)
        .Num("max_ms", Med(runs, "max_ms"))
        .Num("rpc_p50_ms", Med(runs, "rpc_p50_ms"))
        .Num("rpc_p99_ms", Med(runs, "rpc_p99_ms"))
        .Num("pulled_per_sync", Med(runs, "pulled_per_sync"), 0)
        .Num("sync_cpu_s_client", Med(runs, "sync_cpu_s_client"), 3)
        .Num("wall_s", Med(runs, "wall_s"), 3);
    Emit(j);
    Note("fanin: %d tablets at once: p50 %.1f ms, p99 %.1f ms (target <= 250 ms), errors %g", o_.fanin_tablets,
         Med(runs, "p50_ms"), Med(runs, "p99_ms"), Med(runs, "errors"));
  }

  Options o_;
  std::string self_, work_, certs_, keys_;
  size_t item_bytes_ = 0, record_bytes_ = 0;
  std::map<size_t, World> worlds_;
  double sqlite_limit_ = NaN(), grpc_stream_limit_ = NaN(), grpc_unary_p50_ = NaN(), conflict_floor_ms_ = NaN();
  double prefill_s_ = NaN();
  int failures_ = 0;
};

int Main(int argc, char** argv) {
  Args args;
  std::string error;
  if (!args.Parse(argc, argv, {"quick", "json-only", "keep", "help", "no-limits", "insecure", "fanin-unscoped", "unscoped"},
                  &error)) {
    std::fprintf(stderr, "inspectsync-bench: %s\n%s", error.c_str(), kUsage);
    return 2;
  }
  SetQuiet(args.Has("json-only"));
  if (args.Has("role")) {
    std::string role = args.Get("role");
    if (role == "sync") return RunSyncRole(args);
    if (role == "limit-sqlite") return RunSqliteLimitRole(args);
    if (role == "limit-grpc") return RunGrpcLimitRole(args);
    if (role == "echo-server") return RunEchoServerRole(args);
    if (role == "console-outbox") return RunConsoleOutboxRole(args);
    Warn("unknown role '%s'", role.c_str());
    return 2;
  }
  if (args.Has("help")) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  Options o;
  o.quick = args.Has("quick");
  if (o.quick) {
    o.n = 1000;
    o.runs = 1;
    o.delta_ns = {10000};
    o.fanin_tablets = 20;
    o.fanin_rounds = 2;
    o.noop_rounds = 50;
    o.delta_rounds = 5;
    o.unary_rounds = 200;
  }
  o.n = static_cast<size_t>(args.GetInt("n", static_cast<long long>(o.n)));
  o.runs = static_cast<int>(args.GetInt("runs", o.runs));
  o.json_only = args.Has("json-only");
  o.keep = args.Has("keep");
  o.insecure = args.Has("insecure");
  o.seed = static_cast<uint64_t>(args.GetInt("seed", 1));
  o.fanin_tablets = static_cast<int>(args.GetInt("fanin-tablets", o.fanin_tablets));
  o.limit_page_bytes = static_cast<int>(args.GetInt("limit-page-bytes", 0));
  o.fanin_per = static_cast<int>(args.GetInt("fanin-changes", o.fanin_per));
  o.fanin_unscoped = args.Has("fanin-unscoped");
  o.noop_rounds = static_cast<int>(args.GetInt("noop-rounds", o.noop_rounds));
  o.delta_rounds = static_cast<int>(args.GetInt("delta-rounds", o.delta_rounds));
  o.dir = args.Get("dir");
  o.server_binary = args.Get("server-binary", o.server_binary);
  o.server_wrapper = SplitWords(args.Get("server-wrapper"));
  o.client_wrapper = SplitWords(args.Get("client-wrapper"));
  if (args.Has("delta-n")) {
    o.delta_ns.clear();
    for (const auto& s : Split(args.Get("delta-n"))) o.delta_ns.push_back(std::stoull(s));
  }
  o.scenarios = Split(args.Get("scenarios", "push,pull,noop,delta,conflict,fanin,limit"));
  for (const auto& s : o.scenarios) {
    static const std::set<std::string> known = {"push", "pull", "noop", "delta", "conflict", "fanin", "limit"};
    if (!known.count(s)) {
      std::fprintf(stderr, "inspectsync-bench: unknown scenario '%s'\n%s", s.c_str(), kUsage);
      return 2;
    }
  }
  if (args.Has("no-limits")) o.scenarios.push_back("nolimits");
  if (o.n < 100 || o.runs < 1 || o.fanin_tablets < 1 || o.noop_rounds < 1 || o.delta_rounds < 1) {
    std::fprintf(stderr, "inspectsync-bench: --n >= 100 and positive counts, please\n%s", kUsage);
    return 2;
  }
  return Orchestrator(std::move(o)).Run();
}

}  // namespace

}  // namespace inspectsync::bench

int main(int argc, char** argv) { return inspectsync::bench::Main(argc, argv); }
