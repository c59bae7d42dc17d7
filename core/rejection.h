// A refused edit (RejectCode + a reason a person can act on), and the one
// table that turns it into a Status where a caller gets a Status instead of
// a MutationResult: the SDK's local writes (Client::Create/Update/Delete,
// IssueNotice, Verify) and the server's own writes (SyncEngine::WriteAll:
// imports, conflict resolutions). A push answers with the RejectCode itself.
//
// Thread-safety: values and pure functions.
#ifndef INSPECTSYNC_CORE_REJECTION_H_
#define INSPECTSYNC_CORE_REJECTION_H_

#include <string>

#include "inspectsync/status.h"
#include "inspectsync/v1/sync.pb.h"

namespace inspectsync::core {

struct Rejection {
  v1::RejectCode code = v1::REJECT_CODE_UNSPECIFIED;
  std::string reason;
  bool ok() const { return code == v1::REJECT_CODE_UNSPECIFIED; }
};

// The status of a refusal with `code` of an edit with operation `op`, as
// gRPC defines the codes: INVALID_ARGUMENT when the edit is wrong whatever
// the records hold (fix the edit), FAILED_PRECONDITION when it does not fit
// the records as they are now (fix the state first, do not retry as is).
//
//   RejectCode           Status               why
//   INVALID              INVALID_ARGUMENT     malformed id, mask, value, body
//   UNKNOWN_COLLECTION   INVALID_ARGUMENT     names no collection of this build
//   NOT_DELETABLE        INVALID_ARGUMENT     the schema forbids it for the collection
//   IMMUTABLE            INVALID_ARGUMENT     the schema forbids it for the collection
//   ILLEGAL_TRANSITION   FAILED_PRECONDITION  a move not allowed from the current status;
//                        INVALID_ARGUMENT     ... but on a CREATE: a record is created as
//                                             DRAFT or OPEN whatever exists
//   WORKFLOW             FAILED_PRECONDITION  another record is missing or does not fit
//   BASE_AHEAD           FAILED_PRECONDITION  the device's copy is ahead of the server's
//   CLOCK_DRIFT          FAILED_PRECONDITION  set the device's clock, then retry
//   NOT_FOUND            NOT_FOUND
//   ALREADY_EXISTS       ALREADY_EXISTS
//   PERMISSION_DENIED    PERMISSION_DENIED
//   UNSPECIFIED          OK                   not a refusal
//
// Before this table the SDK mapped INVALID -> INVALID_ARGUMENT and every
// other rule -> FAILED_PRECONDITION, and refused the checks of the mutation
// alone (ValidateMutation) with INVALID_ARGUMENT whatever their code; the
// server mapped NOT_DELETABLE and IMMUTABLE to FAILED_PRECONDITION (no
// server-side write ever deletes or patches such a record). Both agree with
// this table wherever they could meet.
StatusCode RejectStatusCode(v1::RejectCode code, v1::MutationOp op);
// Status(RejectStatusCode(r.code, op), r.reason); OK when r.ok().
Status RejectionStatus(const Rejection& r, v1::MutationOp op);

}  // namespace inspectsync::core

#endif  // INSPECTSYNC_CORE_REJECTION_H_
