#include "inspectsync/office.h"

#include <grpcpp/grpcpp.h>

#include "client-sdk/src/grpc_channel.h"
#include "inspectsync/v1/office.grpc.pb.h"

namespace inspectsync {

using sdk_internal::FromGrpc;

struct OfficeClient::Impl {
  GrpcTransportOptions options;
  std::string bearer;  // checked (sdk_internal::BearerHeader); "" = none
  std::unique_ptr<v1::OfficeService::Stub> stub;

  std::unique_ptr<grpc::ClientContext> Context() const {
    auto ctx = std::make_unique<grpc::ClientContext>();
    ctx->set_deadline(std::chrono::system_clock::now() + options.call_deadline);
    if (!bearer.empty()) ctx->AddMetadata("authorization", bearer);
    return ctx;
  }
};

OfficeClient::OfficeClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
OfficeClient::~OfficeClient() = default;

StatusOr<std::unique_ptr<OfficeClient>> OfficeClient::Connect(const std::string& address,
                                                              const GrpcTransportOptions& options) {
  auto bearer = sdk_internal::BearerHeader(options.token);
  if (!bearer.ok()) return bearer.status();
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(options.max_receive_bytes);
  auto channel = sdk_internal::MakeChannel(address, options, args);
  if (!channel.ok()) return channel.status();
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->bearer = std::move(*bearer);
  impl->stub = v1::OfficeService::NewStub(*channel);
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
