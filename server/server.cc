#include "server/server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>

#include "server/attachment_service.h"
#include "server/auth/certs.h"
#include "server/change_feed.h"
#include "server/integration_service.h"
#include "server/message_limits.h"
#include "server/office_service.h"
#include "server/webhooks.h"
#include "server/sync_service.h"

namespace inspectsync::server {

struct Server::Impl {
  ServerOptions options;
  std::unique_ptr<storage::ServerStore> store;
  std::unique_ptr<SyncEngine> engine;
  std::unique_ptr<auth::Authenticator> authenticator;
  std::unique_ptr<SyncServiceImpl> service;
  std::unique_ptr<OfficeServiceImpl> office;
  std::unique_ptr<AttachmentEngine> attachments;
  std::unique_ptr<AttachmentServiceImpl> attachment_service;
  std::unique_ptr<ChangeFeed> feed;
  std::unique_ptr<Webhooks> webhooks;
  std::unique_ptr<IntegrationServiceImpl> integration;
  std::unique_ptr<grpc::Server> grpc_server;
  int port = 0;
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

bool IsLoopbackAddress(const std::string& host_port) {
  std::string host = host_port;
  if (!host.empty() && host[0] == '[') {
    host = host.substr(1, host.find(']') - 1);
  } else if (auto colon = host.rfind(':'); colon != std::string::npos) {
    host = host.substr(0, colon);
  }
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

StatusOr<std::unique_ptr<Server>> Server::Start(const ServerOptions& options) {
  INSPECTSYNC_RETURN_IF_ERROR(CheckMessageLimits(options.engine, options.max_message_bytes));
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  std::shared_ptr<grpc::ServerCredentials> creds;
  if (options.insecure) {
    if (!IsLoopbackAddress(options.listen))
      return FailedPrecondition("refusing to serve plaintext on " + options.listen +
                                ": --insecure is allowed on loopback addresses only (127.0.0.1, ::1, localhost)");
    creds = grpc::InsecureServerCredentials();
  } else {
    std::string cert_file = options.tls_cert_file, key_file = options.tls_key_file;
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
  auto authenticator = auth::Authenticator::Open(options.token_keys_file, options.engine.clock);
  if (!authenticator.ok()) return authenticator.status();
  impl->authenticator = std::move(*authenticator);
  auto store = storage::OpenSqliteServerStore(options.db_path, options.store);
  if (!store.ok()) return store.status();
  impl->store = std::move(*store);
  impl->engine = std::make_unique<SyncEngine>(impl->store.get(), options.engine);
  impl->service = std::make_unique<SyncServiceImpl>(impl->engine.get(), impl->authenticator.get(),
                                                    static_cast<size_t>(std::max(1, options.storage_threads)));
  impl->office = std::make_unique<OfficeServiceImpl>(impl->engine.get(), impl->authenticator.get());
  AttachmentOptions att = options.attachments;
  if (att.dir.empty()) {
    auto slash = options.db_path.rfind('/');
    att.dir = (slash == std::string::npos ? std::string(".") : options.db_path.substr(0, slash)) + "/blobs";
  }
  att.clock = options.engine.clock;
  auto attachments = AttachmentEngine::Open(impl->engine.get(), att);
  if (!attachments.ok()) return attachments.status();
  impl->attachments = std::move(*attachments);
  impl->attachment_service = std::make_unique<AttachmentServiceImpl>(impl->attachments.get(),
                                                                     impl->authenticator.get(), att.chunk_bytes);
  impl->feed = std::make_unique<ChangeFeed>(impl->engine.get(), options.feed);
  impl->webhooks = std::make_unique<Webhooks>(impl->engine.get(), options.webhooks);
  impl->integration = std::make_unique<IntegrationServiceImpl>(impl->engine.get(), impl->authenticator.get(),
                                                               impl->feed.get(), impl->webhooks.get());

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  builder.AddListeningPort(options.listen, creds, &impl->port);
  builder.RegisterService(impl->service.get());
  builder.RegisterService(impl->office.get());
  builder.RegisterService(impl->attachment_service.get());
  builder.RegisterService(impl->integration.get());
  builder.SetMaxReceiveMessageSize(options.max_message_bytes);
  builder.SetMaxSendMessageSize(SendLimitBytes(options.engine, options.max_message_bytes));
  impl->grpc_server = builder.BuildAndStart();
  if (!impl->grpc_server || impl->port == 0)
    return Unavailable("cannot listen on " + options.listen + " (address in use or not valid?)");
  impl->grpc_server->GetHealthCheckService()->SetServingStatus(true);
  impl->webhooks->Start();
  if (options.gc_interval_ms > 0) {
    Impl* raw = impl.get();
    impl->gc_thread = std::thread([raw] { raw->GcLoop(); });
  }
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

int Server::port() const { return impl_->port; }

std::string Server::address() const {
  std::string host = impl_->options.listen.substr(0, impl_->options.listen.rfind(':'));
  return host + ":" + std::to_string(impl_->port);
}

SyncEngine* Server::engine() { return impl_->engine.get(); }
AttachmentEngine* Server::attachments() { return impl_->attachments.get(); }
Webhooks* Server::webhooks() { return impl_->webhooks.get(); }

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
    if (impl_->grpc_server) {
      impl_->grpc_server->GetHealthCheckService()->SetServingStatus(false);
      impl_->grpc_server->Shutdown(std::chrono::system_clock::now() + grace);
      impl_->grpc_server->Wait();
    }
    if (impl_->service) impl_->service->StopStorageThreads();
    impl_->integration.reset();
    impl_->webhooks.reset();
    impl_->feed.reset();
    impl_->attachment_service.reset();
    impl_->attachments.reset();
    impl_->engine.reset();
    impl_->store.reset();  // closes the database: WAL checkpointed, files consistent
  });
}

}  // namespace inspectsync::server
