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
      const v1::Finding& f = (*view)->body.finding();
      if (f.site_id() != in.site_id)
        return FailedPrecondition("finding " + fid + " is at site " + f.site_id() + ", not at the notice's site " +
                                  in.site_id);
      if (f.status() != v1::OPEN)
        return FailedPrecondition("finding " + fid + " is " + core::StatusName(f.status()) +
                                  ": a notice is issued for OPEN findings only");
    }
    notice_id = ids->NewUuidV7();
    std::vector<Edit> edits;
    Edit create;
    create.op = Edit::Op::kCreate;
    create.collection = kNotices;
    create.id = notice_id;
    v1::RectificationNotice* n = create.body.mutable_notice();
    n->set_site_id(in.site_id);
    for (const std::string& fid : in.finding_ids) n->add_finding_ids(fid);
    n->set_reference_no(in.reference_no);
    n->set_issued_at_ms(clock->NowMillis());
    n->set_deadline_ms(in.deadline_ms);
    n->set_text(in.text);
    edits.push_back(std::move(create));
    for (const std::string& fid : in.finding_ids) {
      v1::Finding v;
      v.set_status(v1::NOTIFIED);
      v.set_deadline_ms(in.deadline_ms);
      v.set_notice_id(notice_id);
      edits.push_back(PatchFinding(fid, std::move(v), {"status", "deadline_ms", "notice_id"}));
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
    if (f.status() != v1::RECTIFIED)
      return FailedPrecondition("finding " + in.finding_id + " is " + core::StatusName(f.status()) +
                                ": only a RECTIFIED finding is verified");
    verification_id = ids->NewUuidV7();
    Edit create;
    create.op = Edit::Op::kCreate;
    create.collection = kVerifications;
    create.id = verification_id;
    v1::Verification* v = create.body.mutable_verification();
    v->set_site_id(f.site_id());
    v->set_finding_id(in.finding_id);
    v->set_method(in.method);
    v->set_result(in.result);
    v->set_verifier(in.verifier);
    v->set_verified_at_ms(clock->NowMillis());
    v->set_note(in.note);
    v->set_new_deadline_ms(in.new_deadline_ms);
    for (const std::string& e : in.evidence) v->add_evidence(e);

    v1::Finding values;
    std::vector<std::string> fields = {"status", "verification_id"};
    values.set_verification_id(verification_id);
    // A FAILED result moves nothing when the batch refuses it; which status
    // it asks for does not matter then. Anything but PASSED/FAILED is refused
    // by the verification's own rules, the first edit.
    values.set_status(in.result == v1::FAILED ? v1::REOPENED : v1::CLOSED);
    if (in.result == v1::FAILED) {
      values.set_deadline_ms(in.new_deadline_ms);
      fields.push_back("deadline_ms");
    }
    if (!in.note.empty()) {
      values.set_verification_note(in.note);
      fields.push_back("verification_note");
    }
    auto ids_out = ApplyLocked({create, PatchFinding(in.finding_id, std::move(values), std::move(fields))}, nullptr,
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
