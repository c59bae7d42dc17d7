#include "server/report_service.h"

#include "server/reports.h"

namespace inspectsync::server {

namespace {

// A report method: its request parsed, its work on the read pool.
template <class Req, class Resp, class Fn>
grpc::ServerUnaryReactor* Report(SyncEngine* engine, const RpcEnv& env, std::string_view name,
                                 grpc::CallbackServerContext* ctx, const grpc::ByteBuffer* req, grpc::ByteBuffer* resp,
                                 Fn fn) {
  return HandleUnary<Req, Resp>(env, UnaryMethod{name, Pool::kReads}, ctx, req, resp,
                                [engine, fn](const Caller& caller, const Req& r) { return fn(engine, caller, r); });
}

}  // namespace

grpc::ServerUnaryReactor* ReportServiceImpl::CampaignProgress(Ctx* ctx, const Bytes* req, Bytes* resp) {
  return Report<v1::ProgressRequest, v1::ProgressReport>(engine_, env_, "ReportService/CampaignProgress", ctx, req,
                                                         resp, &server::CampaignProgress);
}

grpc::ServerUnaryReactor* ReportServiceImpl::ItemResults(Ctx* ctx, const Bytes* req, Bytes* resp) {
  return Report<v1::ItemResultsRequest, v1::ItemResultsReport>(engine_, env_, "ReportService/ItemResults", ctx, req,
                                                               resp, &server::ItemResults);
}

grpc::ServerUnaryReactor* ReportServiceImpl::ShowInspection(Ctx* ctx, const Bytes* req, Bytes* resp) {
  return Report<v1::ShowInspectionRequest, v1::InspectionSheet>(engine_, env_, "ReportService/ShowInspection", ctx,
                                                                req, resp, &server::ShowInspection);
}

grpc::ServerUnaryReactor* ReportServiceImpl::Subtotals(Ctx* ctx, const Bytes* req, Bytes* resp) {
  return Report<v1::SubtotalsRequest, v1::SubtotalsReport>(engine_, env_, "ReportService/Subtotals", ctx, req, resp,
                                                           &server::Subtotals);
}

grpc::ServerUnaryReactor* ReportServiceImpl::SpecialReport(Ctx* ctx, const Bytes* req, Bytes* resp) {
  return Report<v1::SpecialReportRequest, v1::SpecialReportDocument>(engine_, env_, "ReportService/SpecialReport", ctx,
                                                                     req, resp, &server::SpecialReport);
}

grpc::ServerUnaryReactor* ReportServiceImpl::ShowFinding(Ctx* ctx, const Bytes* req, Bytes* resp) {
  return Report<v1::ShowFindingRequest, v1::FindingDossier>(engine_, env_, "ReportService/ShowFinding", ctx, req, resp,
                                                            &server::ShowFinding);
}

grpc::ServerUnaryReactor* ReportServiceImpl::ListDirectory(Ctx* ctx, const Bytes* req, Bytes* resp) {
  return Report<v1::DirectoryRequest, v1::DirectoryPage>(engine_, env_, "ReportService/ListDirectory", ctx, req, resp,
                                                         &server::ListDirectory);
}

}  // namespace inspectsync::server
