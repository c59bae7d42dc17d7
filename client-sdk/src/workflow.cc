// The inspection workflow on the device: a rectification notice and the
// findings it moves, a verification and the finding it closes or reopens,
// each as ONE atomic batch (ApplyLocked), so the outbox never holds a
// finding moved by a notice it does not also hold. And the problem list over
// the device's own records, through the same core code as the server's.
#include <set>
#include <utility>

#include "client-sdk/src/client_impl.h"
#include "client-sdk/src/record_util.h"
#include "core/lifecycle.h"
#include "core/problems.h"
#include "core/workflow_moves.h"

namespace inspectsync {

namespace {

const char kFindings[] = "findings";
const char kNotices[] = "notices";
const char kVerifications[] = "verifications";
const char kSites[] = "sites";

Edit PatchFinding(const std::string& id, v1::Finding values, std::vector<std::string> fields) {
  Edit e;
  e.op = Edit::Op::kUpdate;
  e.collection = kFindings;
  e.id = id;
  *e.body.mutable_finding() = std::move(values);
  e.fields = std::move(fields);
  return e;
}

}  // namespace

StatusOr<std::string> Client::Impl::IssueNotice(const NoticeInput& in) {
  if (in.site_id.empty()) return InvalidArgument("a rectification notice names its site (site_id)");
  const core::CollectionSpec& findings = *core::FindCollection(kFindings);
  std::string notice_id;
  size_t stored = 0;
  {
    std::lock_guard<std::mutex> lock(mu);
    // The refusals a person can act on, before the batch's own checks (which
    // would refuse the same, less specifically).
    std::set<std::string> seen;
    for (const std::string& fid : in.finding_ids) {
      if (!seen.insert(fid).second) return InvalidArgument("finding " + fid + " is listed twice");
      INSPECTSYNC_RETURN_IF_ERROR(sdk_internal::CheckId(findings, fid));
      auto view = store->GetView(kFindings, fid);
      if (!view.ok()) return view.status();
      if (!view->has_value() || (*view)->deleted) return sdk_internal::NoSuchRecord(findings, fid);
      INSPECTSYNC_RETURN_IF_ERROR(core::CheckNoticeFinding(fid, (*view)->body.finding(), in.site_id));
    }
    notice_id = ids->NewUuidV7();
    std::vector<Edit> edits;
    Edit create;
    create.op = Edit::Op::kCreate;
    create.collection = kNotices;
    create.id = notice_id;
    *create.body.mutable_notice() =
        core::MakeNotice(in.site_id, in.finding_ids, in.reference_no, in.deadline_ms, in.text, clock->NowMillis());
    edits.push_back(std::move(create));
    for (const std::string& fid : in.finding_ids) {
      core::FindingMove move = core::NoticeMove(notice_id, in.deadline_ms);
      edits.push_back(PatchFinding(fid, std::move(move.values), std::move(move.fields)));
    }
    auto ids_out = ApplyLocked(edits, nullptr, &stored);
    if (!ids_out.ok()) return ids_out.status();
  }
  if (stored > 0) NoteLocalWrite();
  return notice_id;
}

StatusOr<std::string> Client::Impl::Verify(const VerificationInput& in) {
  const core::CollectionSpec& findings = *core::FindCollection(kFindings);
  if (in.finding_id.empty()) return InvalidArgument("a verification names the finding it verifies");
  INSPECTSYNC_RETURN_IF_ERROR(sdk_internal::CheckId(findings, in.finding_id));
  std::string verification_id;
  size_t stored = 0;
  {
    std::lock_guard<std::mutex> lock(mu);
    auto view = store->GetView(kFindings, in.finding_id);
    if (!view.ok()) return view.status();
    if (!view->has_value() || (*view)->deleted) return sdk_internal::NoSuchRecord(findings, in.finding_id);
    const v1::Finding& f = (*view)->body.finding();
    INSPECTSYNC_RETURN_IF_ERROR(core::CheckVerifiable(in.finding_id, f));
    verification_id = ids->NewUuidV7();
    core::VerificationSpec spec;
    spec.finding_id = in.finding_id;
    spec.site_id = f.site_id();
    spec.method = in.method;
    spec.result = in.result;
    spec.verifier = in.verifier;
    spec.note = in.note;
    spec.new_deadline_ms = in.new_deadline_ms;
    spec.evidence.assign(in.evidence.begin(), in.evidence.end());
    Edit create;
    create.op = Edit::Op::kCreate;
    create.collection = kVerifications;
    create.id = verification_id;
    *create.body.mutable_verification() = core::MakeVerification(spec, clock->NowMillis());
    core::FindingMove move = core::VerificationMove(verification_id, spec);
    auto ids_out = ApplyLocked({create, PatchFinding(in.finding_id, std::move(move.values), std::move(move.fields))}, nullptr,
                               &stored);
    if (!ids_out.ok()) return ids_out.status();
  }
  if (stored > 0) NoteLocalWrite();
  return verification_id;
}

namespace {

// The site directory of the problem list: the device's own sites records.
StatusOr<core::SiteDirectory> Sites(storage::DeviceStore& store) {
  core::SiteDirectory dir;
  Status st = store.ForEachView(kSites, [&](storage::ViewRecord&& r) -> Status {
    if (r.body.has_site()) dir[r.id] = core::SiteInfo{r.body.site().zone_id(), r.body.site().name(), r.body.site().code()};
    return Status::Ok();
  });
  if (!st.ok()) return st;
  return dir;
}

// A device holds the inspections and assignments of its own sites only, so
// it cannot tell which findings belong to a campaign or a sample district-wide.
Status RefuseServerOnlyFilters(const v1::ProblemQuery& q) {
  if (q.campaign_ids().empty() && q.sample_campaign_id().empty()) return Status::Ok();
  return InvalidArgument(
      "campaign_ids and sample_campaign_id are answered by the server's problem list (OfficeClient), not a "
      "device's own records");
}

}  // namespace

StatusOr<v1::ProblemPage> Client::Impl::Problems(const v1::ProblemQuery& query) {
  INSPECTSYNC_RETURN_IF_ERROR(core::CheckProblemQuery(query));
  INSPECTSYNC_RETURN_IF_ERROR(RefuseServerOnlyFilters(query));
  std::lock_guard<std::mutex> lock(mu);
  auto sites = Sites(*store);
  if (!sites.ok()) return sites.status();
  // One pass over the findings, one at a time; the pager keeps one page.
  core::ProblemPager pager(query, clock->NowMillis());
  INSPECTSYNC_RETURN_IF_ERROR(store->ForEachView(kFindings, [&](storage::ViewRecord&& r) -> Status {
    if (r.body.has_finding()) pager.Offer(r.id, r.version, r.body.finding(), core::FindSite(*sites, r.body.finding().site_id()));
    return Status::Ok();
  }));
  return pager.Finish();
}

StatusOr<v1::ProblemReport> Client::Impl::CountProblems(const v1::ProblemQuery& query) {
  INSPECTSYNC_RETURN_IF_ERROR(core::CheckProblemQuery(query));
  INSPECTSYNC_RETURN_IF_ERROR(RefuseServerOnlyFilters(query));
  std::lock_guard<std::mutex> lock(mu);
  auto sites = Sites(*store);
  if (!sites.ok()) return sites.status();
  core::ProblemCounter counter(query, clock->NowMillis());
  INSPECTSYNC_RETURN_IF_ERROR(store->ForEachView(kFindings, [&](storage::ViewRecord&& r) -> Status {
    if (r.body.has_finding()) counter.Offer(r.body.finding(), core::FindSite(*sites, r.body.finding().site_id()));
    return Status::Ok();
  }));
  return counter.Finish();
}

}  // namespace inspectsync
