#include "server/office_service.h"

#include "core/problems.h"
#include "server/finding_names.h"
#include "server/office_writes.h"
#include "server/report_filter.h"
#include "server/site_directory.h"

namespace inspectsync::server {

namespace {

// Which findings the caller may list: all, or those at the sites of `scope`.
StatusOr<Scope> ProblemScope(SyncEngine* engine, const Caller& caller) {
  auto role = ParseRole(caller.role);
  if (!role.ok()) return role.status();
  if (*role == Role::kInspector)
    return Status(StatusCode::kPermissionDenied,
                  "the problem list is for the office, zone directors and integrations; an inspector's tablet "
                  "lists the findings of its own sites (sync, then Client::Problems)");
  return engine->ScopeOf(caller);
}

// Calls `offer` with every live finding the caller may see, and its site.
Status ForEachVisibleFinding(SyncEngine* engine, const Scope& scope, const core::SiteDirectory& sites,
                             const std::function<void(const storage::StoredRecord&, const v1::Finding&,
                                                      const core::SiteInfo*)>& offer) {
  v1::Finding f;  // reused: one finding in memory at a time
  return engine->store()->ScanCollection("findings", [&](const storage::StoredRecord& r) -> Status {
    if (r.deleted) return Status::Ok();
    // The scope key is the site, fixed at creation: filter before parsing.
    if (!scope.all && !scope.Contains(r.scope)) return Status::Ok();
    if (!f.ParseFromString(r.body)) return DataLoss("stored finding " + r.id + " is corrupt");
    offer(r, f, core::FindSite(sites, f.site_id()));
    return Status::Ok();
  });
}

}  // namespace

StatusOr<v1::ProblemPage> ListProblems(SyncEngine* engine, const Caller& caller, const v1::ProblemQuery& asked) {
  INSPECTSYNC_RETURN_IF_ERROR(core::CheckProblemQuery(asked));
  v1::ProblemQuery query = asked;
  INSPECTSYNC_RETURN_IF_ERROR(ResolvePlaces(engine, &query));
  auto scope = ProblemScope(engine, caller);
  if (!scope.ok()) return scope.status();
  auto sites = ReadSiteDirectory(engine->store(), /*include_deleted=*/false);
  if (!sites.ok()) return sites.status();
  auto campaigns = ReadCampaignFilter(engine, query.campaign_ids(), query.sample_campaign_id());
  if (!campaigns.ok()) return campaigns.status();
  core::ProblemPager pager(query, engine->options().clock->NowMillis(), engine->options().max_page_bytes);
  INSPECTSYNC_RETURN_IF_ERROR(ForEachVisibleFinding(
      engine, *scope, *sites,
      [&](const storage::StoredRecord& r, const v1::Finding& f, const core::SiteInfo* site) {
        if (campaigns->Matches(f, site ? site->zone_id : std::string())) pager.Offer(r.id, r.version, f, site);
      }));
  return pager.Finish();
}

StatusOr<v1::ProblemReport> CountProblems(SyncEngine* engine, const Caller& caller, const v1::ProblemQuery& asked) {
  INSPECTSYNC_RETURN_IF_ERROR(core::CheckProblemQuery(asked));
  v1::ProblemQuery query = asked;
  INSPECTSYNC_RETURN_IF_ERROR(ResolvePlaces(engine, &query));
  auto scope = ProblemScope(engine, caller);
  if (!scope.ok()) return scope.status();
  auto sites = ReadSiteDirectory(engine->store(), /*include_deleted=*/false);
  if (!sites.ok()) return sites.status();
  auto campaigns = ReadCampaignFilter(engine, query.campaign_ids(), query.sample_campaign_id());
  if (!campaigns.ok()) return campaigns.status();
  core::ProblemCounter counter(query, engine->options().clock->NowMillis());
  INSPECTSYNC_RETURN_IF_ERROR(ForEachVisibleFinding(
      engine, *scope, *sites, [&](const storage::StoredRecord&, const v1::Finding& f, const core::SiteInfo* site) {
        if (campaigns->Matches(f, site ? site->zone_id : std::string())) counter.Offer(f, site);
      }));
  v1::ProblemReport report = counter.Finish();
  auto names = FindingNames::Read(engine->store());
  if (!names.ok()) return names.status();
  NameZones(*names, &report);
  return report;
}

grpc::ServerUnaryReactor* OfficeServiceImpl::ListProblems(grpc::CallbackServerContext* ctx,
                                                          const grpc::ByteBuffer* req, grpc::ByteBuffer* resp) {
  static constexpr UnaryMethod kList{"OfficeService/ListProblems", Pool::kReads};
  return HandleUnary<v1::ProblemQuery, v1::ProblemPage>(
      env_, kList, ctx, req, resp,
      [this](const Caller& caller, const v1::ProblemQuery& q) { return server::ListProblems(engine_, caller, q); });
}

grpc::ServerUnaryReactor* OfficeServiceImpl::CountProblems(grpc::CallbackServerContext* ctx,
                                                           const grpc::ByteBuffer* req, grpc::ByteBuffer* resp) {
  static constexpr UnaryMethod kCount{"OfficeService/CountProblems", Pool::kReads};
  return HandleUnary<v1::ProblemQuery, v1::ProblemReport>(
      env_, kCount, ctx, req, resp,
      [this](const Caller& caller, const v1::ProblemQuery& q) { return server::CountProblems(engine_, caller, q); });
}

grpc::ServerUnaryReactor* OfficeServiceImpl::CreateTeam(grpc::CallbackServerContext* ctx, const grpc::ByteBuffer* req,
                                                      grpc::ByteBuffer* resp) {
  static constexpr UnaryMethod kMethod{"OfficeService/CreateTeam", Pool::kWrites};
  return HandleUnary<v1::CreateTeamRequest, v1::TeamReply>(
      env_, kMethod, ctx, req, resp,
      [this](const Caller& caller, const v1::CreateTeamRequest& r) { return server::CreateTeam(engine_, caller, r); });
}

grpc::ServerUnaryReactor* OfficeServiceImpl::UpdateTeam(grpc::CallbackServerContext* ctx, const grpc::ByteBuffer* req,
                                                      grpc::ByteBuffer* resp) {
  static constexpr UnaryMethod kMethod{"OfficeService/UpdateTeam", Pool::kWrites};
  return HandleUnary<v1::UpdateTeamRequest, v1::TeamReply>(
      env_, kMethod, ctx, req, resp,
      [this](const Caller& caller, const v1::UpdateTeamRequest& r) { return server::UpdateTeam(engine_, caller, r); });
}

grpc::ServerUnaryReactor* OfficeServiceImpl::AssignCampaign(grpc::CallbackServerContext* ctx, const grpc::ByteBuffer* req,
                                                      grpc::ByteBuffer* resp) {
  static constexpr UnaryMethod kMethod{"OfficeService/AssignCampaign", Pool::kWrites};
  return HandleUnary<v1::AssignCampaignRequest, v1::AssignCampaignReply>(
      env_, kMethod, ctx, req, resp,
      [this](const Caller& caller, const v1::AssignCampaignRequest& r) { return server::AssignCampaign(engine_, caller, r); });
}

grpc::ServerUnaryReactor* OfficeServiceImpl::AssignSites(grpc::CallbackServerContext* ctx, const grpc::ByteBuffer* req,
                                                      grpc::ByteBuffer* resp) {
  static constexpr UnaryMethod kMethod{"OfficeService/AssignSites", Pool::kWrites};
  return HandleUnary<v1::AssignSitesRequest, v1::AssignSitesReply>(
      env_, kMethod, ctx, req, resp,
      [this](const Caller& caller, const v1::AssignSitesRequest& r) { return server::AssignSites(engine_, caller, r); });
}

grpc::ServerUnaryReactor* OfficeServiceImpl::ListTeams(grpc::CallbackServerContext* ctx, const grpc::ByteBuffer* req,
                                                     grpc::ByteBuffer* resp) {
  static constexpr UnaryMethod kMethod{"OfficeService/ListTeams", Pool::kReads};
  return HandleUnary<v1::ListTeamsRequest, v1::TeamList>(
      env_, kMethod, ctx, req, resp,
      [this](const Caller& caller, const v1::ListTeamsRequest& r) { return server::ListTeams(engine_, caller, r); });
}

grpc::ServerUnaryReactor* OfficeServiceImpl::IssueNotice(grpc::CallbackServerContext* ctx, const grpc::ByteBuffer* req,
                                                      grpc::ByteBuffer* resp) {
  static constexpr UnaryMethod kMethod{"OfficeService/IssueNotice", Pool::kWrites};
  return HandleUnary<v1::IssueNoticeRequest, v1::NoticeView>(
      env_, kMethod, ctx, req, resp,
      [this](const Caller& caller, const v1::IssueNoticeRequest& r) { return server::IssueNotice(engine_, caller, r); });
}

grpc::ServerUnaryReactor* OfficeServiceImpl::ListNotices(grpc::CallbackServerContext* ctx, const grpc::ByteBuffer* req,
                                                      grpc::ByteBuffer* resp) {
  static constexpr UnaryMethod kMethod{"OfficeService/ListNotices", Pool::kReads};
  return HandleUnary<v1::NoticeQuery, v1::NoticeList>(
      env_, kMethod, ctx, req, resp,
      [this](const Caller& caller, const v1::NoticeQuery& r) { return server::ListNotices(engine_, caller, r); });
}

grpc::ServerUnaryReactor* OfficeServiceImpl::GetNotice(grpc::CallbackServerContext* ctx, const grpc::ByteBuffer* req,
                                                      grpc::ByteBuffer* resp) {
  static constexpr UnaryMethod kMethod{"OfficeService/GetNotice", Pool::kReads};
  return HandleUnary<v1::GetNoticeRequest, v1::NoticeView>(
      env_, kMethod, ctx, req, resp,
      [this](const Caller& caller, const v1::GetNoticeRequest& r) { return server::GetNotice(engine_, caller, r); });
}

grpc::ServerUnaryReactor* OfficeServiceImpl::RecordVerification(grpc::CallbackServerContext* ctx, const grpc::ByteBuffer* req,
                                                      grpc::ByteBuffer* resp) {
  static constexpr UnaryMethod kMethod{"OfficeService/RecordVerification", Pool::kWrites};
  return HandleUnary<v1::RecordVerificationRequest, v1::RecordVerificationReply>(
      env_, kMethod, ctx, req, resp,
      [this](const Caller& caller, const v1::RecordVerificationRequest& r) { return server::RecordVerification(engine_, caller, r); });
}

grpc::ServerUnaryReactor* OfficeServiceImpl::CorrectSite(grpc::CallbackServerContext* ctx, const grpc::ByteBuffer* req,
                                                      grpc::ByteBuffer* resp) {
  static constexpr UnaryMethod kMethod{"OfficeService/CorrectSite", Pool::kWrites};
  return HandleUnary<v1::CorrectSiteRequest, v1::CorrectionReply>(
      env_, kMethod, ctx, req, resp,
      [this](const Caller& caller, const v1::CorrectSiteRequest& r) { return server::CorrectSite(engine_, caller, r); });
}

grpc::ServerUnaryReactor* OfficeServiceImpl::RenameZone(grpc::CallbackServerContext* ctx, const grpc::ByteBuffer* req,
                                                      grpc::ByteBuffer* resp) {
  static constexpr UnaryMethod kMethod{"OfficeService/RenameZone", Pool::kWrites};
  return HandleUnary<v1::RenameZoneRequest, v1::CorrectionReply>(
      env_, kMethod, ctx, req, resp,
      [this](const Caller& caller, const v1::RenameZoneRequest& r) { return server::RenameZone(engine_, caller, r); });
}

grpc::ServerUnaryReactor* OfficeServiceImpl::DeactivateUser(grpc::CallbackServerContext* ctx, const grpc::ByteBuffer* req,
                                                      grpc::ByteBuffer* resp) {
  static constexpr UnaryMethod kMethod{"OfficeService/DeactivateUser", Pool::kWrites};
  return HandleUnary<v1::DeactivateUserRequest, v1::CorrectionReply>(
      env_, kMethod, ctx, req, resp,
      [this](const Caller& caller, const v1::DeactivateUserRequest& r) { return server::DeactivateUser(engine_, caller, r); });
}

grpc::ServerUnaryReactor* OfficeServiceImpl::EndAssignment(grpc::CallbackServerContext* ctx, const grpc::ByteBuffer* req,
                                                      grpc::ByteBuffer* resp) {
  static constexpr UnaryMethod kMethod{"OfficeService/EndAssignment", Pool::kWrites};
  return HandleUnary<v1::EndAssignmentRequest, v1::CorrectionReply>(
      env_, kMethod, ctx, req, resp,
      [this](const Caller& caller, const v1::EndAssignmentRequest& r) { return server::EndAssignment(engine_, caller, r); });
}

grpc::ServerUnaryReactor* OfficeServiceImpl::ListDevices(grpc::CallbackServerContext* ctx, const grpc::ByteBuffer* req,
                                                       grpc::ByteBuffer* resp) {
  static constexpr UnaryMethod kMethod{"OfficeService/ListDevices", Pool::kReads};
  return HandleUnary<v1::ListDevicesRequest, v1::DeviceList>(
      env_, kMethod, ctx, req, resp,
      [this](const Caller& caller, const v1::ListDevicesRequest& r) { return server::ListDevices(engine_, caller, r); });
}

grpc::ServerUnaryReactor* OfficeServiceImpl::CreateCampaign(grpc::CallbackServerContext* ctx, const grpc::ByteBuffer* req,
                                                          grpc::ByteBuffer* resp) {
  static constexpr UnaryMethod kMethod{"OfficeService/CreateCampaign", Pool::kWrites};
  return HandleUnary<v1::CreateCampaignRequest, v1::CampaignReply>(
      env_, kMethod, ctx, req, resp,
      [this](const Caller& caller, const v1::CreateCampaignRequest& r) { return server::CreateCampaign(engine_, caller, r); });
}

grpc::ServerUnaryReactor* OfficeServiceImpl::DrawSample(grpc::CallbackServerContext* ctx, const grpc::ByteBuffer* req,
                                                      grpc::ByteBuffer* resp) {
  static constexpr UnaryMethod kMethod{"OfficeService/DrawSample", Pool::kWrites};
  return HandleUnary<v1::DrawSampleRequest, v1::SampleReply>(
      env_, kMethod, ctx, req, resp,
      [this](const Caller& caller, const v1::DrawSampleRequest& r) { return server::DrawSample(engine_, caller, r); });
}

}  // namespace inspectsync::server
