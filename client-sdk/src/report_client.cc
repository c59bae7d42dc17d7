#include "inspectsync/reports.h"

#include <grpcpp/grpcpp.h>

#include "client-sdk/src/grpc_channel.h"
#include "inspectsync/v1/reports.grpc.pb.h"

namespace inspectsync {

using sdk_internal::FromGrpc;

// The connection (options, bearer, channel, Context()) and the stub.
struct ReportClient::Impl : sdk_internal::ServiceConnection {
  std::unique_ptr<v1::ReportService::Stub> stub;

  // One unary call of the stub: its response, or the server's status.
  template <class Req, class Resp>
  StatusOr<Resp> Call(grpc::Status (v1::ReportService::Stub::*method)(grpc::ClientContext*, const Req&, Resp*),
                      const Req& request) {
    Resp resp;
    Status st = FromGrpc((stub.get()->*method)(Context().get(), request, &resp));
    if (!st.ok()) return st;
    return resp;
  }
};

ReportClient::ReportClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ReportClient::~ReportClient() = default;

StatusOr<std::unique_ptr<ReportClient>> ReportClient::Connect(const std::string& address,
                                                              const GrpcTransportOptions& options) {
  auto conn = sdk_internal::ConnectService(address, options);
  if (!conn.ok()) return conn.status();
  auto impl = std::make_unique<Impl>();
  static_cast<sdk_internal::ServiceConnection&>(*impl) = std::move(*conn);
  impl->stub = v1::ReportService::NewStub(impl->channel);
  return std::unique_ptr<ReportClient>(new ReportClient(std::move(impl)));
}

StatusOr<v1::ProgressReport> ReportClient::Progress(const v1::ProgressRequest& request) {
  return impl_->Call(&v1::ReportService::Stub::CampaignProgress, request);
}

StatusOr<v1::ItemResultsReport> ReportClient::ItemResults(const v1::ItemResultsRequest& request) {
  return impl_->Call(&v1::ReportService::Stub::ItemResults, request);
}

StatusOr<v1::InspectionSheet> ReportClient::ShowInspection(const std::string& inspection_id) {
  v1::ShowInspectionRequest request;
  request.set_inspection_id(inspection_id);
  return impl_->Call(&v1::ReportService::Stub::ShowInspection, request);
}

StatusOr<v1::FindingDossier> ReportClient::ShowFinding(const std::string& finding_id) {
  v1::ShowFindingRequest request;
  request.set_finding_id(finding_id);
  return impl_->Call(&v1::ReportService::Stub::ShowFinding, request);
}

StatusOr<v1::SubtotalsReport> ReportClient::Subtotals(const v1::SubtotalsRequest& request) {
  return impl_->Call(&v1::ReportService::Stub::Subtotals, request);
}

StatusOr<v1::SpecialReportDocument> ReportClient::SpecialReport(const std::string& zone_id,
                                                                const std::string& campaign_id) {
  v1::SpecialReportRequest request;
  request.set_zone_id(zone_id);
  request.set_campaign_id(campaign_id);
  return impl_->Call(&v1::ReportService::Stub::SpecialReport, request);
}

}  // namespace inspectsync
