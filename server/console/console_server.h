// ConsoleServer: the office console's HTTPS listener (issue 18) — the page
// and its scripts (embedded at build time, server/console/assets.h), sign-in
// sessions in cookies, and the JSON API: the RPC gateway (gateway.h), live
// events, the problem list as CSV and photos.
//
// Why cpp-httplib (Debian's libcpp-httplib-dev 0.11.4) rather than civetweb:
// a C++ API (lambdas, std::string, no C callbacks and user-data pointers);
// TLS through the same OpenSSL the rest of the server links; and chunked
// content providers, which is what server-sent events and a CSV export
// streamed page by page need. It is a single header upstream (Debian also
// ships it pre-built as libcpp-httplib.so, which is what we link, so the
// header's implementation is not compiled into every build). The header
// stays in console_server.cc only.
//
// Every response carries the contract's strict headers (a CSP allowing only
// the console's own scripts, styles and connections, nosniff, no referrer);
// every /api response is no-store. Writes need the session's CSRF token and
// a same-origin Origin (or Referer) (the rules: http_policy.h); refusals
// change nothing. /api/events ends when its session does (checked at each
// wake-up and at once on sign-out) and when the console stops.
//
// Thread-safety: Start() once; Stop() from any thread, once (the
// destructor stops too). Open live views end at Stop().
#ifndef INSPECTSYNC_SERVER_CONSOLE_CONSOLE_SERVER_H_
#define INSPECTSYNC_SERVER_CONSOLE_CONSOLE_SERVER_H_

#include <memory>
#include <string>

#include "inspectsync/status.h"
#include "server/console/console_options.h"
#include "server/sync_engine.h"

namespace grpc {
class Server;
}

namespace inspectsync::server::console {

// What the console serves from: the server's parts it calls and its TLS.
struct ConsoleEnv {
  grpc::Server* grpc_server = nullptr;  // its in-process channel
  SyncEngine* engine = nullptr;         // commit listener, Accounts
  storage::ServerStore* store = nullptr;
  core::Clock* clock = nullptr;         // the engine's (tokens, sessions)
  std::string token_keys_file;          // to sign people's tokens
  bool insecure = false;                // plain HTTP; the caller checked listen is loopback (Server::Start)
  std::string tls_cert_file, tls_key_file;  // PEM; required unless insecure
  size_t max_message_bytes = 16 << 20;  // the server's; an Import body may be this large
};

class ConsoleServer {
 public:
  // Binds options.listen and starts serving; prints the first-run password
  // line to stderr when there is one (EnsureFirstPassword). INVALID_ARGUMENT
  // for a listen address without a port, FAILED_PRECONDITION for a
  // certificate OpenSSL does not take, UNAVAILABLE if it cannot listen.
  static StatusOr<std::unique_ptr<ConsoleServer>> Start(const ConsoleEnv& env, const ConsoleOptions& options);
  ~ConsoleServer();

  int port() const;
  // "https://127.0.0.1:7444/" (http:// when insecure).
  std::string url() const;
  // Ends open live views and stops serving; returns when every request is
  // done. Idempotent.
  void Stop();

  struct Impl;

 private:
  explicit ConsoleServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace inspectsync::server::console

#endif  // INSPECTSYNC_SERVER_CONSOLE_CONSOLE_SERVER_H_
