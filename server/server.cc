#include "server/server.h"

#include <arpa/inet.h>
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <netdb.h>
#include <netinet/in.h>

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>

#include "server/admission.h"
#include "server/attachment_service.h"
#include "server/auth/certs.h"
#include "server/change_feed.h"
#include "server/console/console_server.h"
#include "server/integration_service.h"
#include "server/log.h"
#include "server/message_limits.h"
#include "server/office_service.h"
#include "server/report_service.h"
#include "server/sync_service.h"
#include "server/webhooks.h"

namespace inspectsync::server {

struct Server::Impl {
  ServerOptions options;
  std::unique_ptr<storage::ServerStore> store;
  std::unique_ptr<SyncEngine> engine;
  std::unique_ptr<auth::Authenticator> authenticator;
  std::unique_ptr<Admission> admission;
  std::unique_ptr<StreamGuard> streams;
  // The services' work (server/rpc.h, Pool): stopped once gRPC is done.
  std::unique_ptr<Executor> writes;
  std::unique_ptr<Executor> reads;
  std::unique_ptr<SyncServiceImpl> service;
  std::unique_ptr<OfficeServiceImpl> office;
  std::unique_ptr<AttachmentEngine> attachments;
  std::unique_ptr<AttachmentServiceImpl> attachment_service;
  std::unique_ptr<ChangeFeed> feed;
  std::unique_ptr<Webhooks> webhooks;
  std::unique_ptr<IntegrationServiceImpl> integration;
  std::unique_ptr<ReportServiceImpl> reports;
  std::unique_ptr<grpc::Server> grpc_server;
  int port = 0;
  // The office console: calls grpc_server in-process, so it stops first.
  std::unique_ptr<console::ConsoleServer> console;
  std::once_flag shutdown_once;

  // Photo GC, every options.gc_interval_ms, until Shutdown.
  std::mutex gc_mu;
  std::condition_variable gc_cv;
  bool gc_stop = false;
  std::thread gc_thread;

  void GcLoop() {
    const auto interval = std::chrono::milliseconds(options.gc_interval_ms);
    std::unique_lock<std::mutex> lock(gc_mu);
    while (!gc_cv.wait_for(lock, interval, [&] { return gc_stop; })) {
      lock.unlock();
      auto report = attachments->CollectGarbage();
      if (!report.ok()) {
        std::fprintf(stderr, "inspectsync server: photo GC: %s\n", report.status().ToString().c_str());
      } else if (report->blobs_removed + report->partials_removed > 0) {
        std::fprintf(stderr, "inspectsync server: photo GC removed %llu photos (%llu bytes), %llu stale partial uploads\n",
                     static_cast<unsigned long long>(report->blobs_removed),
                     static_cast<unsigned long long>(report->bytes_removed),
                     static_cast<unsigned long long>(report->partials_removed));
      }
      lock.lock();
    }
  }
};

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Server::~Server() { Shutdown(std::chrono::seconds(0)); }

namespace {

// The services this server answers health checks for, by name.
std::vector<std::string> ServiceNames() {
  return {v1::SyncService::service_full_name(), v1::OfficeService::service_full_name(),
          v1::AttachmentService::service_full_name(), v1::IntegrationService::service_full_name(),
          v1::ReportService::service_full_name()};
}

void SetServing(grpc::Server* server, bool serving) {
  grpc::HealthCheckServiceInterface* health = server->GetHealthCheckService();
  health->SetServingStatus(serving);  // "" (the whole server) and every service
  for (const std::string& name : ServiceNames()) health->SetServingStatus(name, serving);
}

void ApplyConnectionLimits(const ConnectionLimits& c, grpc::ServerBuilder* b) {
  auto set = [b](const char* arg, int64_t value) {
    if (value > 0) b->AddChannelArgument(arg, static_cast<int>(std::min<int64_t>(value, INT32_MAX)));
  };
  set(GRPC_ARG_SERVER_HANDSHAKE_TIMEOUT_MS, c.handshake_timeout_ms);
  set(GRPC_ARG_MAX_CONNECTION_IDLE_MS, c.idle_timeout_ms);
  set(GRPC_ARG_MAX_CONNECTION_AGE_MS, c.max_age_ms);
  set(GRPC_ARG_MAX_CONNECTION_AGE_GRACE_MS, c.max_age_grace_ms);
  set(GRPC_ARG_KEEPALIVE_TIME_MS, c.keepalive_ms);
  set(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, c.keepalive_timeout_ms);
  set(GRPC_ARG_MAX_CONCURRENT_STREAMS, c.max_streams_per_connection);
}

std::string AddressText(const sockaddr* sa) {
  char text[INET6_ADDRSTRLEN] = "?";
  if (sa->sa_family == AF_INET)
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(sa)->sin_addr, text, sizeof text);
  else if (sa->sa_family == AF_INET6)
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr, text, sizeof text);
  return text;
}

bool IsLoopback(const sockaddr* sa) {
  if (sa->sa_family == AF_INET)
    return (ntohl(reinterpret_cast<const sockaddr_in*>(sa)->sin_addr.s_addr) >> 24) == 127;
  if (sa->sa_family == AF_INET6) {
    const in6_addr& a = reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr;
    if (IN6_IS_ADDR_LOOPBACK(&a)) return true;
    return IN6_IS_ADDR_V4MAPPED(&a) && a.s6_addr[12] == 127;
  }
  return false;
}

}  // namespace

StatusOr<std::string> CheckLoopbackListen(const std::string& listen) {
  std::string host, port;
  if (!listen.empty() && listen[0] == '[') {
    size_t close = listen.find(']');
    if (close == std::string::npos) return InvalidArgument("--listen '" + listen + "': missing ']'");
    host = listen.substr(1, close - 1);
    port = close + 1 < listen.size() && listen[close + 1] == ':' ? listen.substr(close + 2) : "";
  } else if (size_t colon = listen.rfind(':'); colon != std::string::npos) {
    host = listen.substr(0, colon);
    port = listen.substr(colon + 1);
  } else {
    host = listen;
  }
  const std::string refusal = "refusing to serve plaintext on " + listen +
                              ": --insecure is allowed on loopback addresses only (127.0.0.1, ::1, localhost)";
  if (host.empty()) return FailedPrecondition(refusal + "; an empty host means every interface");
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (int rc = getaddrinfo(host.c_str(), nullptr, &hints, &found); rc != 0)
    return FailedPrecondition(refusal + "; '" + host + "' does not resolve (" + gai_strerror(rc) + ")");
  std::vector<std::string> all, elsewhere;
  for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
    std::string text = AddressText(a->ai_addr);
    if (std::find(all.begin(), all.end(), text) == all.end()) all.push_back(text);
    if (!IsLoopback(a->ai_addr)) elsewhere.push_back(text);
  }
  freeaddrinfo(found);
  if (all.empty()) return FailedPrecondition(refusal + "; '" + host + "' resolves to no address");
  if (!elsewhere.empty()) {
    std::string list;
    for (const auto& e : elsewhere) list += (list.empty() ? "" : ", ") + e;
    return FailedPrecondition(refusal + "; '" + host + "' resolves to " + list);
  }
  // Bind the checked address itself, not the name (resolved again by gRPC,
  // possibly to something else). A name with several loopback addresses
  // (localhost: 127.0.0.1 and ::1) is bound by name: each is loopback.
  if (all.size() > 1) return listen;
  return (all[0].find(':') != std::string::npos ? "[" + all[0] + "]" : all[0]) + ":" + port;
}

StatusOr<std::unique_ptr<Server>> Server::Start(const ServerOptions& options) {
  INSPECTSYNC_RETURN_IF_ERROR(CheckMessageLimits(options.engine, options.max_message_bytes));
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  std::shared_ptr<grpc::ServerCredentials> creds;
  std::string bind = options.listen;
  std::string cert_file, key_file;  // the console serves with them too
  if (options.insecure) {
    auto checked = CheckLoopbackListen(options.listen);
    if (!checked.ok()) return checked.status();
    bind = *checked;
    creds = grpc::InsecureServerCredentials();
  } else {
    cert_file = options.tls_cert_file;
    key_file = options.tls_key_file;
    if (cert_file.empty() != key_file.empty())
      return InvalidArgument("give both a TLS certificate and its key, or neither");
    if (cert_file.empty()) {
      INSPECTSYNC_RETURN_IF_ERROR(auth::EnsureDevCerts(options.certs_dir));
      auth::CertPaths paths = auth::CertPaths::In(options.certs_dir);
      cert_file = paths.server_cert;
      key_file = paths.server_key;
    }
    auto cert = auth::ReadFile(cert_file);
    if (!cert.ok()) return cert.status();
    auto key = auth::ReadFile(key_file);
    if (!key.ok()) return key.status();
    grpc::SslServerCredentialsOptions ssl;
    ssl.pem_key_cert_pairs.push_back({*key, *cert});
    creds = grpc::SslServerCredentials(ssl);
  }
  auto authenticator = auth::Authenticator::Open(options.token_keys_file, options.engine.clock, options.auth);
  if (!authenticator.ok()) return authenticator.status();
  impl->authenticator = std::move(*authenticator);
  auto store = storage::OpenSqliteServerStore(options.db_path, options.store);
  if (!store.ok()) return store.status();
  impl->store = std::move(*store);
  impl->engine = std::make_unique<SyncEngine>(impl->store.get(), options.engine);
  impl->admission = std::make_unique<Admission>(impl->authenticator.get(), impl->engine.get());
  StreamLimits stream_limits = options.streams;
  stream_limits.max_call_ms = options.engine.max_call_ms;
  impl->streams = std::make_unique<StreamGuard>(stream_limits);
  impl->writes = std::make_unique<Executor>(static_cast<size_t>(std::max(1, options.storage_threads)));
  int read_threads = options.read_threads > 0 ? options.read_threads : options.store.reader_connections;
  impl->reads = std::make_unique<Executor>(static_cast<size_t>(std::max(1, read_threads)));
  const RpcEnv env{impl->admission.get(), impl->streams.get(), impl->writes.get(), impl->reads.get()};
  impl->service = std::make_unique<SyncServiceImpl>(impl->engine.get(), env);
  impl->office = std::make_unique<OfficeServiceImpl>(impl->engine.get(), env);
  AttachmentOptions att = options.attachments;
  if (att.dir.empty()) {
    auto slash = options.db_path.rfind('/');
    att.dir = (slash == std::string::npos ? std::string(".") : options.db_path.substr(0, slash)) + "/blobs";
  }
  att.clock = options.engine.clock;
  auto attachments = AttachmentEngine::Open(impl->engine.get(), att);
  if (!attachments.ok()) return attachments.status();
  impl->attachments = std::move(*attachments);
  impl->attachment_service = std::make_unique<AttachmentServiceImpl>(impl->attachments.get(), env, att.chunk_bytes);
  impl->feed = std::make_unique<ChangeFeed>(impl->engine.get(), options.feed);
  impl->webhooks = std::make_unique<Webhooks>(impl->engine.get(), options.webhooks);
  impl->integration =
      std::make_unique<IntegrationServiceImpl>(impl->engine.get(), env, impl->feed.get(), impl->webhooks.get());
  impl->reports = std::make_unique<ReportServiceImpl>(impl->engine.get(), env);

  InstallGrpcLogFilter();
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  builder.AddListeningPort(bind, creds, &impl->port);
  ApplyConnectionLimits(options.connections, &builder);
  builder.RegisterService(impl->service.get());
  builder.RegisterService(impl->office.get());
  builder.RegisterService(impl->attachment_service.get());
  builder.RegisterService(impl->integration.get());
  builder.RegisterService(impl->reports.get());
  builder.SetMaxReceiveMessageSize(options.max_message_bytes);
  builder.SetMaxSendMessageSize(SendLimitBytes(options.engine, options.max_message_bytes));
  impl->grpc_server = builder.BuildAndStart();
  if (!impl->grpc_server || impl->port == 0)
    return Unavailable("cannot listen on " + options.listen + " (address in use or not valid?)");
  if (!options.console.listen.empty()) {
    console::ConsoleEnv cenv;
    cenv.grpc_server = impl->grpc_server.get();
    cenv.engine = impl->engine.get();
    cenv.store = impl->store.get();
    cenv.clock = options.engine.clock;
    cenv.token_keys_file = options.token_keys_file;
    cenv.insecure = options.insecure;
    cenv.tls_cert_file = cert_file;
    cenv.tls_key_file = key_file;
    cenv.max_message_bytes = static_cast<size_t>(options.max_message_bytes);
    console::ConsoleOptions console_options = options.console;
    if (options.insecure) {
      auto checked = CheckLoopbackListen(options.console.listen);
      if (!checked.ok()) {
        impl->grpc_server->Shutdown();
        return Status(checked.status().code(), "--console-listen: " + checked.status().message());
      }
      console_options.listen = *checked;
    }
    auto started = console::ConsoleServer::Start(cenv, console_options);
    if (!started.ok()) {
      impl->grpc_server->Shutdown();
      return started.status();
    }
    impl->console = std::move(*started);
  }
  SetServing(impl->grpc_server.get(), true);
  impl->webhooks->Start();
  if (options.gc_interval_ms > 0) {
    Impl* raw = impl.get();
    impl->gc_thread = std::thread([raw] { raw->GcLoop(); });
  }
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

int Server::port() const { return impl_->port; }
int Server::console_port() const { return impl_->console ? impl_->console->port() : 0; }
std::string Server::console_url() const { return impl_->console ? impl_->console->url() : ""; }

std::string Server::address() const {
  std::string host = impl_->options.listen.substr(0, impl_->options.listen.rfind(':'));
  return host + ":" + std::to_string(impl_->port);
}

SyncEngine* Server::engine() { return impl_->engine.get(); }
AttachmentEngine* Server::attachments() { return impl_->attachments.get(); }
Webhooks* Server::webhooks() { return impl_->webhooks.get(); }
StreamGuard* Server::streams() { return impl_->streams.get(); }

void Server::Shutdown(std::chrono::milliseconds grace) {
  std::call_once(impl_->shutdown_once, [&] {
    {
      std::lock_guard<std::mutex> lock(impl_->gc_mu);
      impl_->gc_stop = true;
    }
    impl_->gc_cv.notify_all();
    if (impl_->gc_thread.joinable()) impl_->gc_thread.join();
    if (impl_->webhooks) impl_->webhooks->Stop();
    // Open watches never finish on their own: end them (UNAVAILABLE, with the
    // cursor to resume from) so the shutdown below need not wait out its grace.
    if (impl_->feed) impl_->feed->Stop();
    // The console first: its requests call the services below in-process,
    // and its open live views end now.
    if (impl_->console) impl_->console->Stop();
    impl_->console.reset();
    if (impl_->grpc_server) {
      SetServing(impl_->grpc_server.get(), false);
      impl_->grpc_server->Shutdown(std::chrono::system_clock::now() + grace);
      impl_->grpc_server->Wait();
    }
    // Every call is done; what they queued has run or runs now.
    if (impl_->writes) impl_->writes->Stop();
    if (impl_->reads) impl_->reads->Stop();
    impl_->reports.reset();
    impl_->integration.reset();
    impl_->webhooks.reset();
    impl_->feed.reset();
    impl_->attachment_service.reset();
    impl_->attachments.reset();
    impl_->streams.reset();  // every call is done: no stream is open
    impl_->engine.reset();
    impl_->store.reset();  // closes the database: WAL checkpointed, files consistent
  });
}

}  // namespace inspectsync::server
