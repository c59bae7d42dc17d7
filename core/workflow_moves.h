// The office's two workflow steps as record edits, built once for the SDK
// (Client::IssueNotice, Client::Verify: a device batch) and the server
// (OfficeService IssueNotice / RecordVerification: one WriteAll): a
// rectification notice and the patches that move its findings to NOTIFIED;
// a verification and the patch that closes or reopens its finding. Both
// callers then run the edits through the one edit pipeline (core/edit.h,
// core/workflow.h), which enforces the rules again against the state they
// land on; the checks here are the refusals a person can act on, in the
// words they read, before that.
//
// Thread-safety: pure functions.
#ifndef INSPECTSYNC_CORE_WORKFLOW_MOVES_H_
#define INSPECTSYNC_CORE_WORKFLOW_MOVES_H_

#include <cstdint>
#include <string>
#include <vector>

#include "inspectsync/status.h"
#include "inspectsync/v1/records.pb.h"

namespace inspectsync::core {

// A PATCH of a finding: the new values of `fields` (top-level field names).
struct FindingMove {
  v1::Finding values;
  std::vector<std::string> fields;
};

// FAILED_PRECONDITION unless finding `id` (as `f` is now) may be listed on a
// notice to `site_id`: at that site, and OPEN.
Status CheckNoticeFinding(const std::string& id, const v1::Finding& f, const std::string& site_id);

// The notice record, issued at `issued_at_ms`.
v1::RectificationNotice MakeNotice(const std::string& site_id, const std::vector<std::string>& finding_ids,
                                   const std::string& reference_no, int64_t deadline_ms, const std::string& text,
                                   int64_t issued_at_ms);

// The move of a listed finding: NOTIFIED, naming the notice, with its deadline.
FindingMove NoticeMove(const std::string& notice_id, int64_t deadline_ms);

// FAILED_PRECONDITION unless finding `id` may be verified now: RECTIFIED
// (which a finding reaches only through a notice).
Status CheckVerifiable(const std::string& id, const v1::Finding& f);

struct VerificationSpec {
  std::string finding_id;
  std::string site_id;  // the finding's
  v1::VerificationMethod method = v1::VERIFICATION_METHOD_UNSPECIFIED;
  v1::VerificationResult result = v1::VERIFICATION_RESULT_UNSPECIFIED;
  std::string verifier;  // user id
  std::string note;
  int64_t new_deadline_ms = 0;
  std::vector<std::string> evidence;
};

v1::Verification MakeVerification(const VerificationSpec& in, int64_t verified_at_ms);

// The finding's move by verification `verification_id`: PASSED -> CLOSED;
// FAILED -> REOPENED with the new deadline; the note (empty too) travels as
// the finding's verification_note. Anything but PASSED/FAILED is refused by the
// verification's own rules, the edit before this one, so which status it
// asks for then does not matter.
FindingMove VerificationMove(const std::string& verification_id, const VerificationSpec& in);

}  // namespace inspectsync::core

#endif  // INSPECTSYNC_CORE_WORKFLOW_MOVES_H_
