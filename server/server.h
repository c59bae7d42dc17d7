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
#include "server/change_feed.h"
#include "server/sync_engine.h"
#include "server/webhooks.h"

namespace inspectsync::server {

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
  EngineOptions engine;
  storage::SqliteStoreOptions store;
  int max_message_bytes = 16 * 1024 * 1024;
  // Threads for pushes (server/executor.h): as many pushes as this can wait
  // on one group commit together.
  int storage_threads = 16;
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
};

class Server {
 public:
  static StatusOr<std::unique_ptr<Server>> Start(const ServerOptions& options);
  ~Server();

  // The port actually bound (useful with port 0).
  int port() const;
  std::string address() const;
  // Stops accepting calls, lets in-flight calls finish for up to `grace`,
  // cancels the rest, then closes the database. Idempotent.
  void Shutdown(std::chrono::milliseconds grace = std::chrono::seconds(10));
  SyncEngine* engine();
  AttachmentEngine* attachments();
  Webhooks* webhooks();

 private:
  struct Impl;
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// True for 127.0.0.0/8, ::1 and localhost.
bool IsLoopbackAddress(const std::string& host_port);

}  // namespace inspectsync::server

#endif  // INSPECTSYNC_SERVER_SERVER_H_
