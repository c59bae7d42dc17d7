// OfficeService: the problem list and its counts (proto/inspectsync/v1/
// office.proto) over the server's findings, for the office, integrations and
// zone directors; and the office's writes (teams, notices, verifications,
// corrections), whose work is server/office_writes.h. The list itself is core/problems.h, shared with the SDK, so
// the server and a tablet filter, sort and page alike; this file only decides
// who sees which findings and streams them from the store.
//
// Who sees what:
//   office, integration: every finding;
//   zone_director: findings at the sites of their scope now (the engine's
//     ScopeResolver: the sites of their assigned zones and sites);
//   inspector: PERMISSION_DENIED (their tablet lists its own sites' findings
//     with Client::Problems).
// Overdue is judged by the engine's clock (EngineOptions::clock), so tests
// move it by hand and every caller of one server agrees on "now".
//
// Cost: one pass over the findings per call, memory of one page (the pager's
// bounded heap) plus the site directory (zone and name per site).
//
// Thread-safety: calls run concurrently; the engine and store are thread-safe.
#ifndef INSPECTSYNC_SERVER_OFFICE_SERVICE_H_
#define INSPECTSYNC_SERVER_OFFICE_SERVICE_H_

#include <grpcpp/grpcpp.h>

#include "inspectsync/v1/office.grpc.pb.h"
#include "server/rpc.h"
#include "server/sync_engine.h"

namespace inspectsync::server {

// The queries without gRPC (the service maps them; tests may call them).
// INVALID_ARGUMENT for a bad query, PERMISSION_DENIED for an inspector.
StatusOr<v1::ProblemPage> ListProblems(SyncEngine* engine, const Caller& caller, const v1::ProblemQuery& query);
StatusOr<v1::ProblemReport> CountProblems(SyncEngine* engine, const Caller& caller, const v1::ProblemQuery& query);

// Raw methods (server/rpc.h says why): every request parsed by the server
// after admission. The problem list reads; the office's writes
// (server/office_writes.h) run on the write pool.
using OfficeServiceBase = v1::OfficeService::WithRawCallbackMethod_ListProblems<
    v1::OfficeService::WithRawCallbackMethod_CountProblems<
    v1::OfficeService::WithRawCallbackMethod_CreateTeam<
    v1::OfficeService::WithRawCallbackMethod_UpdateTeam<
    v1::OfficeService::WithRawCallbackMethod_AssignCampaign<
    v1::OfficeService::WithRawCallbackMethod_AssignSites<
    v1::OfficeService::WithRawCallbackMethod_ListTeams<
    v1::OfficeService::WithRawCallbackMethod_IssueNotice<
    v1::OfficeService::WithRawCallbackMethod_ListNotices<
    v1::OfficeService::WithRawCallbackMethod_GetNotice<
    v1::OfficeService::WithRawCallbackMethod_RecordVerification<
    v1::OfficeService::WithRawCallbackMethod_CorrectSite<
    v1::OfficeService::WithRawCallbackMethod_RenameZone<
    v1::OfficeService::WithRawCallbackMethod_DeactivateUser<
    v1::OfficeService::WithRawCallbackMethod_EndAssignment<
    v1::OfficeService::WithRawCallbackMethod_ListDevices<
    v1::OfficeService::WithRawCallbackMethod_CreateCampaign<
    v1::OfficeService::WithRawCallbackMethod_DrawSample<
    v1::OfficeService::Service>>>>>>>>>>>>>>>>>>;

class OfficeServiceImpl final : public OfficeServiceBase {
 public:
  OfficeServiceImpl(SyncEngine* engine, RpcEnv env) : engine_(engine), env_(env) {}

  grpc::ServerUnaryReactor* ListProblems(grpc::CallbackServerContext* ctx, const grpc::ByteBuffer* req,
                                       grpc::ByteBuffer* resp) override;
  grpc::ServerUnaryReactor* CountProblems(grpc::CallbackServerContext* ctx, const grpc::ByteBuffer* req,
                                       grpc::ByteBuffer* resp) override;
  grpc::ServerUnaryReactor* CreateTeam(grpc::CallbackServerContext* ctx, const grpc::ByteBuffer* req,
                                       grpc::ByteBuffer* resp) override;
  grpc::ServerUnaryReactor* UpdateTeam(grpc::CallbackServerContext* ctx, const grpc::ByteBuffer* req,
                                       grpc::ByteBuffer* resp) override;
  grpc::ServerUnaryReactor* AssignCampaign(grpc::CallbackServerContext* ctx, const grpc::ByteBuffer* req,
                                       grpc::ByteBuffer* resp) override;
  grpc::ServerUnaryReactor* AssignSites(grpc::CallbackServerContext* ctx, const grpc::ByteBuffer* req,
                                       grpc::ByteBuffer* resp) override;
  grpc::ServerUnaryReactor* ListTeams(grpc::CallbackServerContext* ctx, const grpc::ByteBuffer* req,
                                      grpc::ByteBuffer* resp) override;
  grpc::ServerUnaryReactor* IssueNotice(grpc::CallbackServerContext* ctx, const grpc::ByteBuffer* req,
                                       grpc::ByteBuffer* resp) override;
  grpc::ServerUnaryReactor* ListNotices(grpc::CallbackServerContext* ctx, const grpc::ByteBuffer* req,
                                       grpc::ByteBuffer* resp) override;
  grpc::ServerUnaryReactor* GetNotice(grpc::CallbackServerContext* ctx, const grpc::ByteBuffer* req,
                                       grpc::ByteBuffer* resp) override;
  grpc::ServerUnaryReactor* RecordVerification(grpc::CallbackServerContext* ctx, const grpc::ByteBuffer* req,
                                       grpc::ByteBuffer* resp) override;
  grpc::ServerUnaryReactor* CorrectSite(grpc::CallbackServerContext* ctx, const grpc::ByteBuffer* req,
                                       grpc::ByteBuffer* resp) override;
  grpc::ServerUnaryReactor* RenameZone(grpc::CallbackServerContext* ctx, const grpc::ByteBuffer* req,
                                       grpc::ByteBuffer* resp) override;
  grpc::ServerUnaryReactor* DeactivateUser(grpc::CallbackServerContext* ctx, const grpc::ByteBuffer* req,
                                       grpc::ByteBuffer* resp) override;
  grpc::ServerUnaryReactor* EndAssignment(grpc::CallbackServerContext* ctx, const grpc::ByteBuffer* req,
                                       grpc::ByteBuffer* resp) override;
  grpc::ServerUnaryReactor* ListDevices(grpc::CallbackServerContext* ctx, const grpc::ByteBuffer* req,
                                        grpc::ByteBuffer* resp) override;
  grpc::ServerUnaryReactor* CreateCampaign(grpc::CallbackServerContext* ctx, const grpc::ByteBuffer* req,
                                           grpc::ByteBuffer* resp) override;
  grpc::ServerUnaryReactor* DrawSample(grpc::CallbackServerContext* ctx, const grpc::ByteBuffer* req,
                                       grpc::ByteBuffer* resp) override;

 private:
  SyncEngine* engine_;
  RpcEnv env_;
};

}  // namespace inspectsync::server

#endif  // INSPECTSYNC_SERVER_OFFICE_SERVICE_H_
