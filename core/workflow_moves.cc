#include "core/workflow_moves.h"

#include "core/lifecycle.h"

namespace inspectsync::core {

Status CheckNoticeFinding(const std::string& id, const v1::Finding& f, const std::string& site_id) {
  if (f.site_id() != site_id)
    return FailedPrecondition("finding " + id + " is at site " + f.site_id() + ", not at the notice's site " +
                              site_id);
  if (f.status() != v1::OPEN)
    return FailedPrecondition("finding " + id + " is " + StatusName(f.status()) +
                              ": a notice is issued for OPEN findings only");
  return Status::Ok();
}

v1::RectificationNotice MakeNotice(const std::string& site_id, const std::vector<std::string>& finding_ids,
                                   const std::string& reference_no, int64_t deadline_ms, const std::string& text,
                                   int64_t issued_at_ms) {
  v1::RectificationNotice n;
  n.set_site_id(site_id);
  for (const std::string& fid : finding_ids) n.add_finding_ids(fid);
  n.set_reference_no(reference_no);
  n.set_issued_at_ms(issued_at_ms);
  n.set_deadline_ms(deadline_ms);
  n.set_text(text);
  return n;
}

FindingMove NoticeMove(const std::string& notice_id, int64_t deadline_ms) {
  FindingMove m;
  m.values.set_status(v1::NOTIFIED);
  m.values.set_deadline_ms(deadline_ms);
  m.values.set_notice_id(notice_id);
  m.fields = {"status", "deadline_ms", "notice_id"};
  return m;
}

Status CheckVerifiable(const std::string& id, const v1::Finding& f) {
  if (f.status() != v1::RECTIFIED)
    return FailedPrecondition("finding " + id + " is " + StatusName(f.status()) +
                              ": only a RECTIFIED finding is verified" +
                              (f.notice_id().empty() ? " (it has no rectification notice yet)" : ""));
  return Status::Ok();
}

v1::Verification MakeVerification(const VerificationSpec& in, int64_t verified_at_ms) {
  v1::Verification v;
  v.set_site_id(in.site_id);
  v.set_finding_id(in.finding_id);
  v.set_method(in.method);
  v.set_result(in.result);
  v.set_verifier(in.verifier);
  v.set_verified_at_ms(verified_at_ms);
  v.set_note(in.note);
  v.set_new_deadline_ms(in.new_deadline_ms);
  for (const std::string& e : in.evidence) v.add_evidence(e);
  return v;
}

FindingMove VerificationMove(const std::string& verification_id, const VerificationSpec& in) {
  FindingMove m;
  // The note always, empty too: a note left from an earlier round does not
  // describe this verification, and a move that writes all it owns leaves
  // nothing of a losing concurrent move behind (merge.h, with_lifecycle).
  m.fields = {"status", "verification_id", "verification_note"};
  m.values.set_verification_id(verification_id);
  m.values.set_verification_note(in.note);
  m.values.set_status(in.result == v1::FAILED ? v1::REOPENED : v1::CLOSED);
  if (in.result == v1::FAILED) {
    m.values.set_deadline_ms(in.new_deadline_ms);
    m.fields.push_back("deadline_ms");
  }
  return m;
}

}  // namespace inspectsync::core
