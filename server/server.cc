#include "server/server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>

#include <mutex>

#include "server/auth/certs.h"
#include "server/office_service.h"
#include "server/sync_service.h"

namespace inspectsync::server {

struct Server::Impl {
  ServerOptions options;
  std::unique_ptr<storage::ServerStore> store;
  std::unique_ptr<SyncEngine> engine;
  std::unique_ptr<auth::Authenticator> authenticator;
  std::unique_ptr<SyncServiceImpl> service;
  std::unique_ptr<OfficeServiceImpl> office;
  std::unique_ptr<grpc::Server> grpc_server;
  int port = 0;
  std::once_flag shutdown_once;
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
  impl->service = std::make_unique<SyncServiceImpl>(impl->engine.get(), impl->authenticator.get());
  impl->office = std::make_unique<OfficeServiceImpl>(impl->engine.get(), impl->authenticator.get());

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  builder.AddListeningPort(options.listen, creds, &impl->port);
  builder.RegisterService(impl->service.get());
  builder.RegisterService(impl->office.get());
  builder.SetMaxReceiveMessageSize(options.max_message_bytes);
  builder.SetMaxSendMessageSize(options.max_message_bytes);
  impl->grpc_server = builder.BuildAndStart();
  if (!impl->grpc_server || impl->port == 0)
    return Unavailable("cannot listen on " + options.listen + " (address in use or not valid?)");
  impl->grpc_server->GetHealthCheckService()->SetServingStatus(true);
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

int Server::port() const { return impl_->port; }

std::string Server::address() const {
  std::string host = impl_->options.listen.substr(0, impl_->options.listen.rfind(':'));
  return host + ":" + std::to_string(impl_->port);
}

SyncEngine* Server::engine() { return impl_->engine.get(); }

void Server::Shutdown(std::chrono::milliseconds grace) {
  std::call_once(impl_->shutdown_once, [&] {
    if (impl_->grpc_server) {
      impl_->grpc_server->GetHealthCheckService()->SetServingStatus(false);
      impl_->grpc_server->Shutdown(std::chrono::system_clock::now() + grace);
      impl_->grpc_server->Wait();
    }
    impl_->engine.reset();
    impl_->store.reset();  // closes the database: WAL checkpointed, files consistent
  });
}

}  // namespace inspectsync::server
