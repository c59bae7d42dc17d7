#include "client-sdk/src/grpc_channel.h"

#include <chrono>
#include <fstream>
#include <sstream>

#include "core/quote.h"

namespace inspectsync::sdk_internal {

namespace {

// gRPC retries a call that failed UNAVAILABLE before the server saw it. The
// case that matters: the server closed this client's idle connection
// (--idle-timeout-s, --max-connection-age-s) while nothing polled it, and
// the next call is written into the closed socket. Every InspectSync call is
// safe to send twice (pushes are idempotent, pulls and reads resumable), and
// gRPC only retries until the first response arrives.
constexpr const char* kRetryPolicy = R"({"methodConfig":[{"name":[{}],"retryPolicy":{
  "maxAttempts":3,"initialBackoff":"0.1s","maxBackoff":"1s","backoffMultiplier":2,
  "retryableStatusCodes":["UNAVAILABLE"]}}]})";

}  // namespace

StatusOr<std::shared_ptr<grpc::Channel>> MakeChannel(const std::string& address, const GrpcTransportOptions& options,
                                                     const grpc::ChannelArguments& given) {
  grpc::ChannelArguments args = given;
  args.SetServiceConfigJSON(kRetryPolicy);
  std::shared_ptr<grpc::ChannelCredentials> creds;
  if (options.insecure) {
    creds = grpc::InsecureChannelCredentials();
  } else {
    grpc::SslCredentialsOptions ssl;
    if (!options.ca_cert_file.empty()) {
      std::ifstream in(options.ca_cert_file);
      std::ostringstream pem;
      pem << in.rdbuf();
      if (!in || pem.str().empty())
        return FailedPrecondition("cannot read the CA certificate " + core::Quote(options.ca_cert_file, 256));
      ssl.pem_root_certs = pem.str();
    }
    creds = grpc::SslCredentials(ssl);
  }
  return grpc::CreateCustomChannel(address, creds, args);
}

StatusOr<std::string> BearerHeader(const std::string& token) {
  auto checked = CheckBearerToken(token);
  if (!checked.ok()) return checked.status();
  if (checked->empty()) return std::string();
  return "Bearer " + *checked;
}

Status FromGrpc(const grpc::Status& s) {
  if (s.ok()) return Status::Ok();
  int code = static_cast<int>(s.error_code());
  if (code < 0 || code > static_cast<int>(StatusCode::kUnauthenticated)) code = static_cast<int>(StatusCode::kUnknown);
  return Status(static_cast<StatusCode>(code), s.error_message());
}

std::unique_ptr<grpc::ClientContext> ServiceConnection::Context(bool stream) const {
  auto ctx = std::make_unique<grpc::ClientContext>();
  if (!stream) ctx->set_deadline(std::chrono::system_clock::now() + options.call_deadline);
  if (!bearer.empty()) ctx->AddMetadata("authorization", bearer);
  return ctx;
}

StatusOr<ServiceConnection> ConnectService(const std::string& address, const GrpcTransportOptions& options) {
  auto bearer = BearerHeader(options.token);
  if (!bearer.ok()) return bearer.status();
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(options.max_receive_bytes);
  auto channel = MakeChannel(address, options, args);
  if (!channel.ok()) return channel.status();
  return ServiceConnection{options, std::move(*bearer), std::move(*channel)};
}

}  // namespace inspectsync::sdk_internal
