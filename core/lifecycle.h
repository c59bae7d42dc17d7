// The finding lifecycle (DESIGN.md):
//
//   DRAFT -> OPEN -> NOTIFIED -> IN_RECTIFICATION -> RECTIFIED -> CLOSED
//                                        ^                 |
//                                        +--- REOPENED <---+  (failed verification)
//   DRAFT, OPEN -> VOIDED (with a reason; never after a notice)
//
// OVERDUE is derived: a deadline in the past on a finding that is not
// RECTIFIED, CLOSED or VOIDED.
#ifndef INSPECTSYNC_CORE_LIFECYCLE_H_
#define INSPECTSYNC_CORE_LIFECYCLE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "inspectsync/status.h"
#include "inspectsync/v1/records.pb.h"

namespace inspectsync::core {

using v1::FindingStatus;

// Statuses a finding may be created in.
bool IsInitialStatus(FindingStatus s);
// Whether a finding may move from `from` to `to` in one step. from == to is
// not a transition (and returns false).
bool IsLegalTransition(FindingStatus from, FindingStatus to);
// The statuses reachable from `from` in one step.
std::vector<FindingStatus> NextStatuses(FindingStatus from);
// Decides concurrent moves of one finding: when two people moved it from
// the same status, the higher precedence stands and the other is kept as the
// conflict's loser. A total order, so the result does not depend on arrival:
//   DRAFT < OPEN < VOIDED < NOTIFIED < IN_RECTIFICATION < RECTIFIED < CLOSED < REOPENED
// Further along wins (a notice beats a concurrent void: voiding after a notice
// is not allowed); a failed verification (REOPENED) beats a concurrent pass
// (CLOSED): two verifiers disagreeing must not hide a hazard.
int LifecyclePrecedence(FindingStatus s);
// "OPEN -> CLOSED is not allowed; from OPEN a finding may go to NOTIFIED, VOIDED"
std::string DescribeIllegalTransition(FindingStatus from, FindingStatus to);
std::string StatusName(FindingStatus s);

// Rules a finding must satisfy in whatever status it is in: VOIDED carries a
// void_reason; NOTIFIED and later open statuses carry a deadline.
Status CheckFindingInvariants(const v1::Finding& f);

bool IsOverdue(const v1::Finding& f, int64_t now_ms);

}  // namespace inspectsync::core

#endif  // INSPECTSYNC_CORE_LIFECYCLE_H_
