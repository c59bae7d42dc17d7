// `inspectsync server`: runs the sync server until SIGTERM or SIGINT, then
// drains in-flight calls and closes the database cleanly.
#include <signal.h>

#include <cstdio>
#include <filesystem>

#include "server/server.h"
#include "tools/commands.h"
#include "tools/flags.h"

namespace inspectsync::tools {

namespace {
const char* kUsage =
    "usage: inspectsync server [--listen HOST:PORT] [--db PATH] [--max-batch N] [--page-size N]\n"
    "                          [--max-clock-drift-s S] [--grace-s S]\n"
    "  --listen   address to serve on (default 127.0.0.1:7443; port 0 picks one)\n"
    "  --db       SQLite database file (default var/inspectsync.db; created if missing)\n";
}

int CmdServer(const std::vector<std::string>& args) {
  Flags flags({"listen", "db", "max-batch", "page-size", "max-clock-drift-s", "grace-s", "help"}, {"help"});
  if (!flags.Parse(args) || !flags.positional().empty()) {
    std::fprintf(stderr, "inspectsync server: %s\n%s", flags.error().empty() ? "unexpected argument" : flags.error().c_str(), kUsage);
    return 2;
  }
  if (flags.Has("help")) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  server::ServerOptions opts;
  opts.listen = flags.Get("listen", opts.listen);
  opts.db_path = flags.Get("db", opts.db_path);
  long long max_batch, page_size, drift_s, grace_s;
  if (!flags.GetInt("max-batch", 1000, &max_batch) || max_batch <= 0 ||
      !flags.GetInt("page-size", 500, &page_size) || page_size <= 0 ||
      !flags.GetInt("max-clock-drift-s", 900, &drift_s) || drift_s < 0 ||
      !flags.GetInt("grace-s", 10, &grace_s) || grace_s < 0) {
    std::fprintf(stderr, "inspectsync server: numeric flags need positive whole numbers\n%s", kUsage);
    return 2;
  }
  opts.engine.max_batch = static_cast<size_t>(max_batch);
  opts.engine.default_page_size = static_cast<uint32_t>(page_size);
  opts.engine.limits.max_clock_drift_ms = drift_s * 1000;
  if (!server::IsLoopbackAddress(opts.listen)) {
    std::fprintf(stderr,
                 "inspectsync server: refusing to serve plaintext on %s: only loopback addresses are allowed until TLS "
                 "is configured\n",
                 opts.listen.c_str());
    return 2;
  }
  std::filesystem::path db(opts.db_path);
  if (db.has_parent_path()) {
    std::error_code ec;
    std::filesystem::create_directories(db.parent_path(), ec);
  }

  // Block the stop signals in every thread (gRPC's included) and wait for them here.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);

  auto srv = server::Server::Start(opts);
  if (!srv.ok()) {
    std::fprintf(stderr, "inspectsync server: %s\n", srv.status().ToString().c_str());
    return 1;
  }
  std::printf("inspectsync server listening on %s (database %s)\n", (*srv)->address().c_str(), opts.db_path.c_str());
  std::printf("point a tablet at it:  inspectsync tablet --db var/tablet1.db --server %s finding add --title \"...\"\n",
              (*srv)->address().c_str());
  std::fflush(stdout);

  int sig = 0;
  sigwait(&stop, &sig);
  std::printf("inspectsync server: %s received, draining calls (up to %llds) and closing the database\n",
              sig == SIGTERM ? "SIGTERM" : "SIGINT", grace_s);
  std::fflush(stdout);
  (*srv)->Shutdown(std::chrono::seconds(grace_s));
  std::printf("inspectsync server: stopped cleanly\n");
  return 0;
}

}  // namespace inspectsync::tools
