#include "inspectsync/office.h"

#include <grpcpp/grpcpp.h>

#include "client-sdk/src/grpc_channel.h"
#include "inspectsync/v1/office.grpc.pb.h"

namespace inspectsync {

using sdk_internal::FromGrpc;

// The connection (options, bearer, channel, Context()) and the stub.
struct OfficeClient::Impl : sdk_internal::ServiceConnection {
  std::unique_ptr<v1::OfficeService::Stub> stub;
};

OfficeClient::OfficeClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
OfficeClient::~OfficeClient() = default;

StatusOr<std::unique_ptr<OfficeClient>> OfficeClient::Connect(const std::string& address,
                                                              const GrpcTransportOptions& options) {
  auto conn = sdk_internal::ConnectService(address, options);
  if (!conn.ok()) return conn.status();
  auto impl = std::make_unique<Impl>();
  static_cast<sdk_internal::ServiceConnection&>(*impl) = std::move(*conn);
  impl->stub = v1::OfficeService::NewStub(impl->channel);
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
