// ReportService (proto/inspectsync/v1/reports.proto): campaign progress, the
// records review, subtotals and the special report. The gRPC adapter only:
// the reports are engine-level functions (server/reports.h), run on the
// read pool (server/rpc.h), which decide who sees what (office and
// integration: every zone; zone_director: their zones; inspector:
// PERMISSION_DENIED).
//
// Thread-safety: calls run concurrently; the engine and store are thread-safe.
#ifndef INSPECTSYNC_SERVER_REPORT_SERVICE_H_
#define INSPECTSYNC_SERVER_REPORT_SERVICE_H_

#include <grpcpp/grpcpp.h>

#include "inspectsync/v1/reports.grpc.pb.h"
#include "server/rpc.h"
#include "server/sync_engine.h"

namespace inspectsync::server {

// Every method raw (server/rpc.h says why).
namespace report_raw {
using S = v1::ReportService;
using Base = S::WithRawCallbackMethod_CampaignProgress<S::WithRawCallbackMethod_ItemResults<
    S::WithRawCallbackMethod_ShowInspection<S::WithRawCallbackMethod_Subtotals<
        S::WithRawCallbackMethod_SpecialReport<S::WithRawCallbackMethod_ShowFinding<
            S::WithRawCallbackMethod_ListDirectory<S::Service>>>>>>>;
}  // namespace report_raw

class ReportServiceImpl final : public report_raw::Base {
 public:
  ReportServiceImpl(SyncEngine* engine, RpcEnv env) : engine_(engine), env_(env) {}

  using Bytes = grpc::ByteBuffer;
  using Ctx = grpc::CallbackServerContext;

  grpc::ServerUnaryReactor* CampaignProgress(Ctx* ctx, const Bytes* req, Bytes* resp) override;  // -> ProgressReport
  grpc::ServerUnaryReactor* ItemResults(Ctx* ctx, const Bytes* req, Bytes* resp) override;       // -> ItemResultsReport
  grpc::ServerUnaryReactor* ShowInspection(Ctx* ctx, const Bytes* req, Bytes* resp) override;    // -> InspectionSheet
  grpc::ServerUnaryReactor* Subtotals(Ctx* ctx, const Bytes* req, Bytes* resp) override;         // -> SubtotalsReport
  grpc::ServerUnaryReactor* SpecialReport(Ctx* ctx, const Bytes* req, Bytes* resp) override;     // -> SpecialReportDocument
  grpc::ServerUnaryReactor* ShowFinding(Ctx* ctx, const Bytes* req, Bytes* resp) override;       // -> FindingDossier
  grpc::ServerUnaryReactor* ListDirectory(Ctx* ctx, const Bytes* req, Bytes* resp) override;     // -> DirectoryPage

 private:
  SyncEngine* engine_;
  RpcEnv env_;
};

}  // namespace inspectsync::server

#endif  // INSPECTSYNC_SERVER_REPORT_SERVICE_H_
