// inspectsync: the command line — server, tablet simulator, demo.
#include <grpc/grpc.h>
#include <openssl/crypto.h>

#include "tools/commands.h"

namespace {
const char* kFooter =
    "Every command prints its own usage: inspectsync <command> [<subcommand>...] --help\n"
    "Exit codes: 0 done; 1 failed (refused input, a failed call, server unreachable);\n"
    "            2 bad command line; 3 synced, but the server refused some edits (tablet rejected).";
}  // namespace

int main(int argc, char** argv) {
  using namespace inspectsync::tools;
  CommandLine cli("inspectsync", "InspectSync: offline-first sync for school safety inspections");
  Command root = cli.Root();
  root.Footer(kFooter);
  AddServerCommand(root);
  AddTabletCommands(root);
  AddAdminCommands(root);
  AddCertsCommand(root);
  AddDemoCommand(root);
  if (auto done = cli.Parse(argc, argv)) return *done;
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
  if (cli.path().front() == "server") BlockStopSignals();
  grpc_init();
  int rc = cli.Run();
  grpc_shutdown_blocking();
  return rc;
}
