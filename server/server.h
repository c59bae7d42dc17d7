// Server: the InspectSync gRPC server as a library — store, engine, services,
// health checking and reflection — so the CLI, the tests and the benchmarks
// all start exactly the same thing.
//
// Thread-safety: Start() once; Shutdown() from any thread, once.
#ifndef INSPECTSYNC_SERVER_SERVER_H_
#define INSPECTSYNC_SERVER_SERVER_H_

#include <chrono>
#include <memory>
#include <string>

#include "inspectsync/status.h"
#include "server/attachments.h"
#include "server/auth/authenticator.h"
#include "server/change_feed.h"
#include "server/console/console_options.h"
#include "server/stream_guard.h"
#include "server/sync_engine.h"
#include "server/webhooks.h"

namespace inspectsync::server {

// How long connections may live and what they may hold (gRPC's server
// arguments): a client that connects and never speaks, or vanishes without
// closing, must not keep a file handle forever. 0 = gRPC's default.
struct ConnectionLimits {
  // TLS handshake, and the client's HTTP/2 preface, must be done in this.
  int64_t handshake_timeout_ms = 10'000;
  // A connection with no call in flight for this long is closed (GOAWAY):
  // clients reconnect on their next call.
  int64_t idle_timeout_ms = 5 * 60'000;
  // Every connection is renewed after this (GOAWAY; calls in flight may go
  // on for max_age_grace_ms, then it is closed): a watch resumes from its
  // cursor on a new one.
  int64_t max_age_ms = 60 * 60'000;
  int64_t max_age_grace_ms = 10 * 60'000;
  // The server pings a connection quiet for keepalive_ms, and closes it if
  // no answer comes within keepalive_timeout_ms (a peer that vanished).
  int64_t keepalive_ms = 60'000;
  int64_t keepalive_timeout_ms = 20'000;
  // Calls in flight on one connection; more wait for a free slot.
  int max_streams_per_connection = 100;
};

struct ServerOptions {
  std::string listen = "127.0.0.1:7443";  // host:port; port 0 picks a free one
  std::string db_path = "var/inspectsync.db";
  // TLS is on unless `insecure` (allowed on loopback addresses only). Without
  // an explicit certificate, a development CA and a server certificate for
  // localhost/127.0.0.1 are created in certs_dir on first start.
  bool insecure = false;
  std::string certs_dir = "var/certs";
  std::string tls_cert_file;  // PEM; with tls_key_file, overrides certs_dir
  std::string tls_key_file;
  // Key ring for bearer tokens; created (mode 0600) on first start.
  std::string token_keys_file = "var/token-keys";
  auth::AuthOptions auth;
  ConnectionLimits connections;
  // Server streams' limits (server/stream_guard.h). Its max_call_ms is
  // engine.max_call_ms (--max-call-s): one limit for a pull, however it ends.
  StreamLimits streams;
  EngineOptions engine;
  storage::SqliteStoreOptions store;
  int max_message_bytes = 16 * 1024 * 1024;
  // The services' work runs on two pools (server/rpc.h, Pool), never on
  // gRPC's threads. Writes (pushes, imports, resolutions...): as many as
  // this can wait on one group commit together (server/executor.h).
  int storage_threads = 16;
  // Reads (pull pages, scans, exports, the feed...); 0 = as many as the
  // store has reader connections (store.reader_connections).
  int read_threads = 0;
  // Photo evidence. attachments.dir "" = "blobs" beside db_path; its clock
  // is engine.clock (one clock per server).
  AttachmentOptions attachments;
  // How often a background thread collects unreferenced photos; 0 = never
  // (tests call attachments()->CollectGarbage() themselves).
  int64_t gc_interval_ms = 3600 * 1000;
  // Webhook delivery (issue 8): endpoints are registered through the
  // IntegrationService; these are the deliverer's settings.
  WebhookOptions webhooks;
  // The integration change feed (heartbeat interval, batch limits).
  FeedOptions feed;
  // The office console (issue 18): off unless console.listen is set. It
  // serves over HTTPS with the certificate above (plain HTTP, loopback only,
  // when `insecure`).
  console::ConsoleOptions console;
};

class Server {
 public:
  static StatusOr<std::unique_ptr<Server>> Start(const ServerOptions& options);
  ~Server();

  // The port actually bound (useful with port 0).
  int port() const;
  // The console's port (0 when it is off), and its address for people
  // ("https://127.0.0.1:7444/"; "" when off).
  int console_port() const;
  std::string console_url() const;
  std::string address() const;
  // Stops accepting calls, lets in-flight calls finish for up to `grace`,
  // cancels the rest, then closes the database. Idempotent.
  void Shutdown(std::chrono::milliseconds grace = std::chrono::seconds(10));
  SyncEngine* engine();
  AttachmentEngine* attachments();
  Webhooks* webhooks();
  StreamGuard* streams();

 private:
  struct Impl;
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// For --insecure: what `listen` ("host:port") resolves to must all be
// loopback addresses (127.0.0.0/8, ::1). Returns the address to bind — the
// numeric address itself when the name resolves to one, so what is bound is
// what was checked — or FAILED_PRECONDITION naming what it resolved to.
StatusOr<std::string> CheckLoopbackListen(const std::string& listen);

}  // namespace inspectsync::server

#endif  // INSPECTSYNC_SERVER_SERVER_H_
