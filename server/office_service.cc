#include "server/office_service.h"

#include "core/problems.h"
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

StatusOr<v1::ProblemPage> ListProblems(SyncEngine* engine, const Caller& caller, const v1::ProblemQuery& query) {
  INSPECTSYNC_RETURN_IF_ERROR(core::CheckProblemQuery(query));
  auto scope = ProblemScope(engine, caller);
  if (!scope.ok()) return scope.status();
  auto sites = ReadSiteDirectory(engine->store(), /*include_deleted=*/false);
  if (!sites.ok()) return sites.status();
  auto campaigns = ReadCampaignFilter(engine->store(), query.campaign_ids(), query.sample_campaign_id());
  if (!campaigns.ok()) return campaigns.status();
  core::ProblemPager pager(query, engine->options().clock->NowMillis(), engine->options().max_page_bytes);
  INSPECTSYNC_RETURN_IF_ERROR(ForEachVisibleFinding(
      engine, *scope, *sites,
      [&](const storage::StoredRecord& r, const v1::Finding& f, const core::SiteInfo* site) {
        if (campaigns->Matches(f, site ? site->zone_id : std::string())) pager.Offer(r.id, r.version, f, site);
      }));
  return pager.Finish();
}

StatusOr<v1::ProblemReport> CountProblems(SyncEngine* engine, const Caller& caller, const v1::ProblemQuery& query) {
  INSPECTSYNC_RETURN_IF_ERROR(core::CheckProblemQuery(query));
  auto scope = ProblemScope(engine, caller);
  if (!scope.ok()) return scope.status();
  auto sites = ReadSiteDirectory(engine->store(), /*include_deleted=*/false);
  if (!sites.ok()) return sites.status();
  auto campaigns = ReadCampaignFilter(engine->store(), query.campaign_ids(), query.sample_campaign_id());
  if (!campaigns.ok()) return campaigns.status();
  core::ProblemCounter counter(query, engine->options().clock->NowMillis());
  INSPECTSYNC_RETURN_IF_ERROR(ForEachVisibleFinding(
      engine, *scope, *sites, [&](const storage::StoredRecord&, const v1::Finding& f, const core::SiteInfo* site) {
        if (campaigns->Matches(f, site ? site->zone_id : std::string())) counter.Offer(f, site);
      }));
  return counter.Finish();
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

}  // namespace inspectsync::server
