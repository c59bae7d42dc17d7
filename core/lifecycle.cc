#include "core/lifecycle.h"

namespace inspectsync::core {

namespace {
struct Edge {
  FindingStatus from, to;
};
constexpr Edge kEdges[] = {
    {v1::DRAFT, v1::OPEN},
    {v1::DRAFT, v1::VOIDED},
    {v1::OPEN, v1::NOTIFIED},
    {v1::OPEN, v1::VOIDED},
    {v1::NOTIFIED, v1::IN_RECTIFICATION},
    {v1::IN_RECTIFICATION, v1::RECTIFIED},
    {v1::RECTIFIED, v1::CLOSED},
    {v1::RECTIFIED, v1::REOPENED},
    {v1::REOPENED, v1::IN_RECTIFICATION},
};
}  // namespace

bool IsInitialStatus(FindingStatus s) { return s == v1::DRAFT || s == v1::OPEN; }

bool IsLegalTransition(FindingStatus from, FindingStatus to) {
  for (const Edge& e : kEdges)
    if (e.from == from && e.to == to) return true;
  return false;
}

std::vector<FindingStatus> NextStatuses(FindingStatus from) {
  std::vector<FindingStatus> out;
  for (const Edge& e : kEdges)
    if (e.from == from) out.push_back(e.to);
  return out;
}

int LifecyclePrecedence(FindingStatus s) {
  switch (s) {
    case v1::DRAFT: return 0;
    case v1::OPEN: return 1;
    case v1::VOIDED: return 2;
    case v1::NOTIFIED: return 3;
    case v1::IN_RECTIFICATION: return 4;
    case v1::RECTIFIED: return 5;
    case v1::CLOSED: return 6;
    case v1::REOPENED: return 7;
    default: return -1;
  }
}

std::string StatusName(FindingStatus s) {
  const std::string& n = v1::FindingStatus_Name(s);
  return n.empty() ? std::to_string(static_cast<int>(s)) : n;
}

std::string DescribeIllegalTransition(FindingStatus from, FindingStatus to) {
  std::string next;
  for (FindingStatus s : NextStatuses(from)) next += (next.empty() ? "" : ", ") + StatusName(s);
  std::string out = StatusName(from) + " -> " + StatusName(to) + " is not allowed; ";
  if (next.empty()) return out + StatusName(from) + " is final";
  return out + "from " + StatusName(from) + " a finding may go to " + next;
}

Status CheckFindingInvariants(const v1::Finding& f) {
  if (f.status() == v1::VOIDED && f.void_reason().empty())
    return InvalidArgument("a VOIDED finding needs a void_reason");
  if ((f.status() == v1::NOTIFIED || f.status() == v1::IN_RECTIFICATION || f.status() == v1::REOPENED) &&
      f.deadline_ms() <= 0)
    return InvalidArgument("a finding in status " + StatusName(f.status()) + " needs a rectification deadline (deadline_ms)");
  return Status::Ok();
}

bool IsOverdue(const v1::Finding& f, int64_t now_ms) {
  if (f.deadline_ms() <= 0) return false;
  switch (f.status()) {
    case v1::RECTIFIED:
    case v1::CLOSED:
    case v1::VOIDED:
      return false;
    default:
      return f.deadline_ms() < now_ms;
  }
}

}  // namespace inspectsync::core
