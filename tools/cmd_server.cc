// `inspectsync server`: runs the sync server until SIGTERM or SIGINT, then
// drains in-flight calls and closes the database cleanly.
#include <absl/synchronization/mutex.h>
#include <malloc.h>
#include <signal.h>

#include <cstdio>
#include <filesystem>

#include "server/server.h"
#include "tools/commands.h"
#include "tools/server_flags.h"

namespace inspectsync::tools {

namespace {

sigset_t StopSignals() {
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  return stop;
}

}  // namespace

void BlockStopSignals() {
  sigset_t stop = StopSignals();
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);
}

int RunServer(const Args& args) {
  ServerSettings settings;
  std::string error;
  if (!ServerSettingsFromArgs(args, &settings, &error)) {
    std::fprintf(stderr, "inspectsync server: %s\nsee 'inspectsync server --help'\n", error.c_str());
    return kExitUsage;
  }
  const server::ServerOptions& opts = settings.server;
  const long long grace_s = settings.grace_s;
  for (const std::string& file : {opts.db_path, opts.token_keys_file}) {
    std::filesystem::path p(file);
    std::error_code ec;
    if (p.has_parent_path()) std::filesystem::create_directories(p.parent_path(), ec);
  }

  // glibc gives each thread that allocates its own malloc arena, up to 8 per
  // core, and keeps what is freed in each: with gRPC's thread pool that is
  // tens of MiB of resident memory holding nothing. Two arenas bound it.
  mallopt(M_ARENA_MAX, 2);
  // No fastbins (thread caches still serve small blocks): freed small blocks
  // parked there had to be merged back (malloc_consolidate) every time
  // SQLite asked for a page-sized block, which during a push is all the
  // time. callgrind of the server over a 5,000-finding push: malloc and
  // free 133M -> 124M instructions (malloc_consolidate's 17M gone).
  mallopt(M_MXFAST, 0);
  // Debian's Abseil tracks the order in which every absl::Mutex (gRPC's
  // locks) is taken, to report deadlock cycles: a graph update on every lock
  // of every call, 1-2 % of the server's CPU with many calls in flight. gRPC's
  // lock order is not ours to debug in production.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);

  // Blocked in every thread since main, before gRPC started any (blocking
  // again is harmless); waited for here.
  BlockStopSignals();
  sigset_t stop = StopSignals();
  // A peer that hangs up must cost a write error on its own connection, never
  // the process (the webhook deliverers also block it on their threads).
  signal(SIGPIPE, SIG_IGN);

  auto srv = server::Server::Start(opts);
  if (!srv.ok()) {
    std::fprintf(stderr, "inspectsync server: %s\n", srv.status().ToString().c_str());
    return 1;
  }
  std::printf("inspectsync server listening on %s (%s, database %s)\n", (*srv)->address().c_str(),
              opts.insecure ? "PLAINTEXT" : "TLS", opts.db_path.c_str());
  if (!(*srv)->console_url().empty())
    std::printf("office console: %s%s\n", (*srv)->console_url().c_str(),
                opts.insecure || !opts.tls_cert_file.empty()
                    ? ""
                    : (" (the browser warns about the development certificate unless it trusts " + opts.certs_dir +
                       "/ca.pem)").c_str());
  if (!opts.insecure && opts.tls_cert_file.empty())
    std::printf("tablets trust the development CA: %s/ca.pem\n", opts.certs_dir.c_str());
  std::printf("point a tablet at it:\n"
              "  inspectsync admin token issue --keys %s --user u1 --role inspector --device tablet-1 > var/tablet1.token\n"
              "  inspectsync tablet --db var/tablet1.db --server %s %s--token-file var/tablet1.token sync\n",
              opts.token_keys_file.c_str(), (*srv)->address().c_str(),
              opts.insecure ? "--insecure " : ("--ca " + opts.certs_dir + "/ca.pem ").c_str());
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

void AddServerCommand(Command& root) {
  Command server = root.Sub("server", "run the sync server until SIGTERM or SIGINT, then drain and close");
  DeclareServerFlags(server);
  server.Run(RunServer);
}

}  // namespace inspectsync::tools
