#include "inspectsync/office.h"

#include <grpcpp/grpcpp.h>

#include <fstream>
#include <sstream>

#include "inspectsync/v1/office.grpc.pb.h"

namespace inspectsync {

namespace {

// grpc::StatusCode values are google.rpc.Code, like ours.
Status FromGrpc(const grpc::Status& s) {
  if (s.ok()) return Status::Ok();
  return Status(static_cast<StatusCode>(s.error_code()), s.error_message());
}

}  // namespace

struct OfficeClient::Impl {
  GrpcTransportOptions options;
  std::unique_ptr<v1::OfficeService::Stub> stub;

  std::unique_ptr<grpc::ClientContext> Context() const {
    auto ctx = std::make_unique<grpc::ClientContext>();
    ctx->set_deadline(std::chrono::system_clock::now() + options.call_deadline);
    if (!options.token.empty()) ctx->AddMetadata("authorization", "Bearer " + options.token);
    return ctx;
  }
};

OfficeClient::OfficeClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
OfficeClient::~OfficeClient() = default;

StatusOr<std::unique_ptr<OfficeClient>> OfficeClient::Connect(const std::string& address,
                                                              const GrpcTransportOptions& options) {
  std::shared_ptr<grpc::ChannelCredentials> creds;
  if (options.insecure) {
    creds = grpc::InsecureChannelCredentials();
  } else {
    grpc::SslCredentialsOptions ssl;
    if (!options.ca_cert_file.empty()) {
      std::ifstream in(options.ca_cert_file);
      if (!in) return FailedPrecondition("cannot read the CA certificate " + options.ca_cert_file);
      std::stringstream pem;
      pem << in.rdbuf();
      ssl.pem_root_certs = pem.str();
    }
    creds = grpc::SslCredentials(ssl);
  }
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(options.max_receive_bytes);
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->stub = v1::OfficeService::NewStub(grpc::CreateCustomChannel(address, creds, args));
  return std::unique_ptr<OfficeClient>(new OfficeClient(std::move(impl)));
}

StatusOr<v1::ProblemPage> OfficeClient::ListAll(v1::ProblemQuery query) {
  v1::ProblemPage all;
  for (bool first = true;; first = false) {
    v1::ProblemPage page;
    Status st = FromGrpc(impl_->stub->ListProblems(impl_->Context().get(), query, &page));
    if (!st.ok()) return st;
    if (first) all.set_as_of_ms(page.as_of_ms());
    for (auto& p : *page.mutable_problems()) *all.add_problems() = std::move(p);
    if (page.next_page_token().empty()) return all;
    query.set_page_token(page.next_page_token());
  }
}

StatusOr<v1::ProblemReport> OfficeClient::Count(const v1::ProblemQuery& query) {
  v1::ProblemReport report;
  Status st = FromGrpc(impl_->stub->CountProblems(impl_->Context().get(), query, &report));
  if (!st.ok()) return st;
  return report;
}

}  // namespace inspectsync
