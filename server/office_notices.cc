// Rectification notices and on-site verifications, server-side. The records
// and the finding moves are core's (core/workflow_moves.h), the same the SDK
// builds on a device (Client::IssueNotice, Client::Verify); here they are one
// SyncEngine::WriteAll, so the engine's lifecycle and workflow rules decide
// again inside the transaction (a finding another office notified a moment
// ago is refused there, not moved twice).
//
// A notice's id derives from (site, reference number): a second notice with
// the same reference at the same site collides inside the transaction
// (ALREADY_EXISTS), whatever races; the scan before the write also finds one
// a tablet issued under a UUIDv7 and names it.
#include <algorithm>
#include <map>
#include <set>

#include "core/hex.h"
#include "core/ids.h"
#include "core/workflow_moves.h"
#include "server/office_refs.h"
#include "server/office_writes.h"
#include "server/site_directory.h"

namespace inspectsync::server {

namespace {

const char kNotices[] = "notices";
const char kFindings[] = "findings";

// Names of zones, read once per call.
class ZoneNames {
 public:
  explicit ZoneNames(storage::ServerStore* store) : store_(store) {}
  const std::string& Of(const std::string& zone_id) {
    auto it = names_.find(zone_id);
    if (it != names_.end()) return it->second;
    std::string name;
    auto rec = store_->GetRecord("zones", zone_id);
    v1::Zone z;
    if (rec.ok() && rec->has_value() && z.ParseFromString((*rec)->body)) name = z.name();
    return names_[zone_id] = name;
  }

 private:
  storage::ServerStore* store_;
  std::map<std::string, std::string> names_;
};

bool Closed(v1::FindingStatus s) { return s == v1::CLOSED || s == v1::VOIDED; }

// The view of a stored notice: names, status from its findings' statuses
// now, and (with_findings) the findings themselves.
StatusOr<v1::NoticeView> MakeView(SyncEngine* engine, const std::string& id, uint64_t version,
                                  const v1::RectificationNotice& n, const core::SiteDirectory& sites,
                                  ZoneNames& zones, int64_t now_ms, bool with_findings) {
  v1::NoticeView out;
  out.set_notice_id(id);
  out.set_version(version);
  *out.mutable_notice() = n;
  if (const core::SiteInfo* s = core::FindSite(sites, n.site_id())) {
    out.set_site_name(s->name);
    out.set_site_code(s->code);
    out.set_zone_id(s->zone_id);
    out.set_zone_name(zones.Of(s->zone_id));
  }
  bool all_closed = true, overdue = false;
  for (const std::string& fid : n.finding_ids()) {
    auto rec = engine->store()->GetRecord(kFindings, fid);
    if (!rec.ok()) return rec.status();
    v1::Finding f;
    if (!rec->has_value() || !f.ParseFromString((*rec)->body)) continue;
    const bool late = !Closed(f.status()) && f.deadline_ms() > 0 && f.deadline_ms() < now_ms;
    all_closed = all_closed && Closed(f.status());
    overdue = overdue || late;
    if (!with_findings) continue;
    v1::NoticeFinding* nf = out.add_findings();
    nf->set_finding_id(fid);
    nf->set_title(f.title());
    nf->set_status(f.status());
    nf->set_deadline_ms(f.deadline_ms());
    nf->set_overdue(late);
  }
  out.set_status(all_closed ? v1::NOTICE_CLOSED : overdue ? v1::NOTICE_OVERDUE : v1::NOTICE_OPEN);
  return out;
}

// ALREADY_EXISTS if the site already has a live notice with `reference_no`.
Status CheckReferenceFree(SyncEngine* engine, const std::string& site_id, const std::string& site_text,
                          const std::string& reference_no) {
  std::string clash;
  INSPECTSYNC_RETURN_IF_ERROR(engine->store()->ScanCollection(kNotices, [&](const storage::StoredRecord& r) -> Status {
    if (r.deleted || r.scope != site_id || !clash.empty()) return Status::Ok();
    v1::RectificationNotice n;
    if (n.ParseFromString(r.body) && n.reference_no() == reference_no) clash = r.id;
    return Status::Ok();
  }));
  if (!clash.empty())
    return AlreadyExists(site_text + " already has notice '" + reference_no + "' (notice " + clash +
                         "); a reference number is used once per site");
  return Status::Ok();
}

// The OPEN findings of `site_id`, in id order.
StatusOr<std::vector<std::string>> OpenFindings(SyncEngine* engine, const std::string& site_id) {
  std::vector<std::string> out;
  v1::Finding f;
  INSPECTSYNC_RETURN_IF_ERROR(engine->store()->ScanCollection(kFindings, [&](const storage::StoredRecord& r) -> Status {
    if (r.deleted || r.scope != site_id) return Status::Ok();
    if (f.ParseFromString(r.body) && f.status() == v1::OPEN) out.push_back(r.id);
    return Status::Ok();
  }));
  return out;
}

// The findings a notice request names, checked: live, at the site, OPEN.
StatusOr<std::vector<std::string>> NoticeFindings(SyncEngine* engine, const v1::IssueNoticeRequest& req,
                                                  const std::string& site_id, const std::string& site_text) {
  if (req.all_open() == !req.finding_ids().empty())
    return InvalidArgument("name the findings (finding_ids) or ask for every OPEN finding of the site (all_open), "
                           "one of the two");
  if (req.all_open()) {
    auto open = OpenFindings(engine, site_id);
    if (!open.ok()) return open.status();
    if (open->empty()) return FailedPrecondition(site_text + " has no OPEN finding to notify");
    return open;
  }
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (const std::string& fid : req.finding_ids()) {
    if (!seen.insert(fid).second) return InvalidArgument("finding_ids: finding " + fid + " is listed twice");
    auto f = office::Resolve(engine, kFindings, fid, "finding_ids");
    if (!f.ok()) return f.status();
    INSPECTSYNC_RETURN_IF_ERROR(core::CheckNoticeFinding(fid, f->body.finding(), site_id));
    out.push_back(fid);
  }
  return out;
}

}  // namespace

StatusOr<v1::NoticeView> IssueNotice(SyncEngine* engine, const Caller& caller, const v1::IssueNoticeRequest& req) {
  INSPECTSYNC_RETURN_IF_ERROR(
      office::RequireRole(caller, {Role::kOffice, Role::kIntegration}, "issuing a rectification notice"));
  const int64_t now = engine->options().clock->NowMillis();
  auto site = office::Resolve(engine, "sites", req.site(), "site");
  if (!site.ok()) return site.status();
  const std::string site_text = office::Describe("site", req.site(), site->body.site().name());
  if (req.reference_no().empty()) return InvalidArgument("reference_no is required (the notice's number)");
  INSPECTSYNC_RETURN_IF_ERROR(office::CheckFuture("deadline_ms", req.deadline_ms(), now));
  INSPECTSYNC_RETURN_IF_ERROR(CheckReferenceFree(engine, site->rec.id, site_text, req.reference_no()));
  auto findings = NoticeFindings(engine, req, site->rec.id, site_text);
  if (!findings.ok()) return findings.status();

  const std::string id = core::NameBasedUuid("notice:" + site->rec.id + ":" + req.reference_no());
  std::vector<v1::Mutation> ms;
  v1::RecordBody body;
  *body.mutable_notice() =
      core::MakeNotice(site->rec.id, *findings, req.reference_no(), req.deadline_ms(), req.text(), now);
  const v1::RectificationNotice notice = body.notice();
  ms.push_back(office::CreateMutation(kNotices, id, std::move(body)));
  for (const std::string& fid : *findings) {
    core::FindingMove move = core::NoticeMove(id, req.deadline_ms());
    v1::RecordBody values;
    *values.mutable_finding() = std::move(move.values);
    ms.push_back(office::PatchMutation(kFindings, fid, std::move(values), move.fields));
  }
  auto written = engine->WriteAll(std::move(ms), caller);
  if (!written.ok()) {
    if (written.status().code() == StatusCode::kAlreadyExists)
      return AlreadyExists(site_text + " already has notice '" + req.reference_no() + "'; nothing was written");
    return written.status();
  }
  auto sites = ReadSiteDirectory(engine->store(), /*include_deleted=*/true);
  if (!sites.ok()) return sites.status();
  ZoneNames zones(engine->store());
  return MakeView(engine, id, office::VersionOf(*written, id), notice, *sites, zones, now, /*with_findings=*/true);
}

StatusOr<v1::NoticeList> ListNotices(SyncEngine* engine, const Caller& caller, const v1::NoticeQuery& req) {
  INSPECTSYNC_RETURN_IF_ERROR(office::RequireRole(caller, {Role::kOffice, Role::kIntegration, Role::kZoneDirector},
                                                  "the list of notices"));
  for (int s : req.statuses())
    if (!v1::NoticeStatus_IsValid(s) || s == v1::NOTICE_STATUS_UNSPECIFIED)
      return InvalidArgument("statuses: " + std::to_string(s) + " is not a notice status (NOTICE_OPEN, "
                             "NOTICE_OVERDUE, NOTICE_CLOSED)");
  auto scope = engine->ScopeOf(caller);
  if (!scope.ok()) return scope.status();
  std::set<std::string> site_ids, zone_ids;
  for (const std::string& ref : req.sites()) {
    auto s = office::Resolve(engine, "sites", ref, "sites");
    if (!s.ok()) return s.status();
    site_ids.insert(s->rec.id);
  }
  for (const std::string& ref : req.zones()) {
    auto z = office::Resolve(engine, "zones", ref, "zones");
    if (!z.ok()) return z.status();
    zone_ids.insert(z->rec.id);
  }
  auto sites = ReadSiteDirectory(engine->store(), /*include_deleted=*/true);
  if (!sites.ok()) return sites.status();
  ZoneNames zones(engine->store());
  const int64_t now = engine->options().clock->NowMillis();
  std::set<int> statuses(req.statuses().begin(), req.statuses().end());
  v1::NoticeList out;
  out.set_as_of_ms(now);
  Status inner = Status::Ok();
  INSPECTSYNC_RETURN_IF_ERROR(engine->store()->ScanCollection(kNotices, [&](const storage::StoredRecord& r) -> Status {
    if (r.deleted || !scope->Contains(r.scope)) return Status::Ok();
    if (!site_ids.empty() && site_ids.count(r.scope) == 0) return Status::Ok();
    if (!zone_ids.empty() && zone_ids.count(core::ZoneOfScope(*sites, r.scope)) == 0) return Status::Ok();
    v1::RectificationNotice n;
    if (!n.ParseFromString(r.body)) return DataLoss("stored notice " + r.id + " is corrupt");
    auto view = MakeView(engine, r.id, r.version, n, *sites, zones, now, /*with_findings=*/false);
    if (!view.ok()) return view.status();
    if (!statuses.empty() && statuses.count(view->status()) == 0) return Status::Ok();
    *out.add_notices() = std::move(*view);
    return Status::Ok();
  }));
  std::sort(out.mutable_notices()->begin(), out.mutable_notices()->end(),
            [](const v1::NoticeView& a, const v1::NoticeView& b) {
              if (a.notice().deadline_ms() != b.notice().deadline_ms())
                return a.notice().deadline_ms() < b.notice().deadline_ms();
              if (a.notice().reference_no() != b.notice().reference_no())
                return a.notice().reference_no() < b.notice().reference_no();
              return a.notice_id() < b.notice_id();
            });
  return out;
}

StatusOr<v1::NoticeView> GetNotice(SyncEngine* engine, const Caller& caller, const v1::GetNoticeRequest& req) {
  INSPECTSYNC_RETURN_IF_ERROR(office::RequireRole(caller, {Role::kOffice, Role::kIntegration, Role::kZoneDirector},
                                                  "reading a notice"));
  auto scope = engine->ScopeOf(caller);
  if (!scope.ok()) return scope.status();
  auto found = office::Resolve(engine, kNotices, req.notice_id(), "notice_id", &*scope);
  if (!found.ok()) return found.status();
  auto sites = ReadSiteDirectory(engine->store(), /*include_deleted=*/true);
  if (!sites.ok()) return sites.status();
  ZoneNames zones(engine->store());
  return MakeView(engine, found->rec.id, found->rec.version, found->body.notice(), *sites, zones,
                  engine->options().clock->NowMillis(), /*with_findings=*/true);
}

StatusOr<v1::RecordVerificationReply> RecordVerification(SyncEngine* engine, const Caller& caller,
                                                         const v1::RecordVerificationRequest& req) {
  INSPECTSYNC_RETURN_IF_ERROR(
      office::RequireRole(caller, {Role::kOffice, Role::kZoneDirector}, "recording a verification"));
  const int64_t now = engine->options().clock->NowMillis();
  auto scope = engine->ScopeOf(caller);
  if (!scope.ok()) return scope.status();
  auto found = office::Resolve(engine, kFindings, req.finding_id(), "finding_id", &*scope);
  if (!found.ok()) return found.status();
  const v1::Finding& f = found->body.finding();
  if (req.result() != v1::PASSED && req.result() != v1::FAILED)
    return InvalidArgument("result must be PASSED or FAILED (got " + std::to_string(req.result()) + ")");
  if (req.method() != v1::VERIFICATION_METHOD_UNSPECIFIED && !v1::VerificationMethod_IsValid(req.method()))
    return InvalidArgument("method " + std::to_string(req.method()) + " is not ON_SITE or DESK");
  INSPECTSYNC_RETURN_IF_ERROR(core::CheckVerifiable(found->rec.id, f));
  if (req.result() == v1::FAILED) {
    INSPECTSYNC_RETURN_IF_ERROR(office::CheckFuture("new_deadline_ms", req.new_deadline_ms(), now));
    if (req.new_deadline_ms() <= f.deadline_ms())
      return InvalidArgument("new_deadline_ms " + std::to_string(req.new_deadline_ms()) +
                             " is not after the finding's deadline " + std::to_string(f.deadline_ms()) +
                             "; a failed verification gives more time, not less");
  } else if (req.new_deadline_ms() != 0) {
    return InvalidArgument("new_deadline_ms is for a FAILED verification; a PASSED one closes the finding");
  }
  for (const std::string& e : req.evidence())
    if (!core::IsSha256Hex(e))
      return InvalidArgument("evidence: '" + e + "' is not a photo id (64 lowercase hex digits, its SHA-256)");
  std::string verifier = caller.user;
  if (!req.verifier().empty()) {
    auto u = office::Resolve(engine, "users", req.verifier(), "verifier");
    if (!u.ok()) return u.status();
    verifier = u->rec.id;
  }
  core::VerificationSpec spec;
  spec.finding_id = found->rec.id;
  spec.site_id = f.site_id();
  spec.method = req.method() == v1::VERIFICATION_METHOD_UNSPECIFIED ? v1::ON_SITE : req.method();
  spec.result = req.result();
  spec.verifier = verifier;
  spec.note = req.note();
  spec.new_deadline_ms = req.new_deadline_ms();
  spec.evidence.assign(req.evidence().begin(), req.evidence().end());
  const std::string id = engine->NewRecordId();
  v1::RecordBody body;
  *body.mutable_verification() = core::MakeVerification(spec, now);
  core::FindingMove move = core::VerificationMove(id, spec);
  v1::RecordBody values;
  *values.mutable_finding() = std::move(move.values);
  auto written = engine->WriteAll({office::CreateMutation("verifications", id, std::move(body)),
                                   office::PatchMutation(kFindings, found->rec.id, std::move(values), move.fields)},
                                  caller);
  if (!written.ok()) return written.status();
  v1::RecordVerificationReply out;
  out.set_verification_id(id);
  const v1::Record& rec = written->back().record();
  out.set_finding_status(rec.body().finding().status());
  out.set_finding_version(rec.version());
  out.set_finding_title(rec.body().finding().title());
  out.set_deadline_ms(rec.body().finding().deadline_ms());
  auto site = engine->store()->GetRecord("sites", f.site_id());
  v1::Site s;
  if (site.ok() && site->has_value() && s.ParseFromString((*site)->body)) {
    out.set_site_name(s.name());
    out.set_site_code(s.code());
  }
  return out;
}

}  // namespace inspectsync::server
