// inspectsync: the command line — server, tablet simulator, demo.
#include <grpc/grpc.h>
#include <openssl/crypto.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "tools/commands.h"

namespace {
const char* kUsage =
    "usage: inspectsync <command> [flags]\n"
    "commands:\n"
    "  server   run the sync server                 (inspectsync server --help)\n"
    "  tablet   act as a tablet on a local database (inspectsync tablet --help)\n"
    "  admin    tokens, keys; office: CSV imports, templates, campaigns, samples, notices, problems\n"
    "           (inspectsync admin --help)\n"
    "  certs    create development TLS certificates (inspectsync certs --help)\n"
    "  demo     start a server and several tablets, edit offline, sync, check convergence\n";
}

int main(int argc, char** argv) {
  if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "help")) {
    std::fputs(kUsage, argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  std::string cmd = argv[1];
  std::vector<std::string> args(argv + 2, argv + argc);
  using namespace inspectsync::tools;
  int (*run)(const std::vector<std::string>&) = cmd == "server"   ? CmdServer
                                                : cmd == "tablet" ? CmdTablet
                                                : cmd == "demo"   ? CmdDemo
                                                : cmd == "admin"  ? CmdAdmin
                                                : cmd == "certs"  ? CmdCerts
                                                                  : nullptr;
  if (run == nullptr) {
    std::fprintf(stderr, "inspectsync: unknown command '%s'\n%s", cmd.c_str(), kUsage);
    return 2;
  }
  // OpenSSL keeps an error queue per thread and frees it when the thread
  // ends, through a thread-local key that its atexit handler deletes. A
  // thread of gRPC's that ends after that handler (gRPC stops some of its
  // threads during static destruction) leaks its queue: 904 bytes that
  // LeakSanitizer reported once in a few dozen runs of a command or of the
  // server. Without the handler the key outlives every thread; the process
  // is ending anyway, and it is the first OpenSSL call, as the flag needs.
  OPENSSL_init_crypto(OPENSSL_INIT_NO_ATEXIT, nullptr);
  // When its last channel goes, gRPC shuts itself down on a thread of its
  // own; a reference held for the whole command and a shutdown that waits
  // keep that thread from outliving the command.
  // A thread started with SIGTERM unblocked would take the server's SIGTERM
  // and end the process with it, before any drain: block first (the
  // threads gRPC starts inherit the mask), then start gRPC.
  if (run == CmdServer) BlockStopSignals();
  grpc_init();
  int rc = run(args);
  grpc_shutdown_blocking();
  return rc;
}
