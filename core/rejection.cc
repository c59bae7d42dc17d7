#include "core/rejection.h"

namespace inspectsync::core {

StatusCode RejectStatusCode(v1::RejectCode code, v1::MutationOp op) {
  switch (code) {
    case v1::REJECT_CODE_UNSPECIFIED: return StatusCode::kOk;
    case v1::INVALID:
    case v1::UNKNOWN_COLLECTION:
    case v1::NOT_DELETABLE:
    case v1::IMMUTABLE: return StatusCode::kInvalidArgument;
    case v1::ILLEGAL_TRANSITION:
      return op == v1::CREATE ? StatusCode::kInvalidArgument : StatusCode::kFailedPrecondition;
    case v1::NOT_FOUND: return StatusCode::kNotFound;
    case v1::ALREADY_EXISTS: return StatusCode::kAlreadyExists;
    case v1::PERMISSION_DENIED: return StatusCode::kPermissionDenied;
    case v1::WORKFLOW:
    case v1::BASE_AHEAD:
    case v1::CLOCK_DRIFT:
    default:  // a code newer than this build: the state, not the edit, is the likelier cause
      return StatusCode::kFailedPrecondition;
  }
}

Status RejectionStatus(const Rejection& r, v1::MutationOp op) {
  if (r.ok()) return Status::Ok();
  return Status(RejectStatusCode(r.code, op), r.reason);
}

}  // namespace inspectsync::core
