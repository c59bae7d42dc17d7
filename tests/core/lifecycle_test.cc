// The finding lifecycle: transitions, invariants, overdue.
#include "core/lifecycle.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <iterator>
#include <set>
#include <utility>
#include <vector>

namespace inspectsync::core {
namespace {

using ::testing::HasSubstr;
using ::testing::UnorderedElementsAreArray;

constexpr int64_t kT0 = 1'767'225'600'000;  // 2026-01-01T00:00:00.000Z

const FindingStatus kAll[] = {v1::FINDING_STATUS_UNSPECIFIED, v1::DRAFT, v1::OPEN, v1::NOTIFIED,
                              v1::IN_RECTIFICATION, v1::RECTIFIED, v1::CLOSED, v1::REOPENED, v1::VOIDED};

// DESIGN.md: DRAFT -> OPEN -> NOTIFIED -> IN_RECTIFICATION -> RECTIFIED -> CLOSED;
// RECTIFIED -> REOPENED -> IN_RECTIFICATION; VOIDED only before NOTIFIED.
const std::set<std::pair<FindingStatus, FindingStatus>> kLegal = {
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

TEST(LifecycleTest, FullTransitionTable) {
  // Every (from, to) pair, including from == to and UNSPECIFIED.
  for (FindingStatus from : kAll) {
    for (FindingStatus to : kAll) {
      EXPECT_EQ(IsLegalTransition(from, to), kLegal.count({from, to}) == 1)
          << StatusName(from) << " -> " << StatusName(to);
    }
  }
}

TEST(LifecycleTest, RepresentativeIllegalMoves) {
  EXPECT_FALSE(IsLegalTransition(v1::OPEN, v1::CLOSED));             // skipping verification
  EXPECT_FALSE(IsLegalTransition(v1::DRAFT, v1::NOTIFIED));          // skipping OPEN
  EXPECT_FALSE(IsLegalTransition(v1::NOTIFIED, v1::VOIDED));         // void after a notice
  EXPECT_FALSE(IsLegalTransition(v1::IN_RECTIFICATION, v1::VOIDED));
  EXPECT_FALSE(IsLegalTransition(v1::IN_RECTIFICATION, v1::CLOSED));
  EXPECT_FALSE(IsLegalTransition(v1::NOTIFIED, v1::OPEN));           // backwards
  EXPECT_FALSE(IsLegalTransition(v1::REOPENED, v1::RECTIFIED));
  EXPECT_FALSE(IsLegalTransition(v1::CLOSED, v1::REOPENED));         // closed is final
  EXPECT_FALSE(IsLegalTransition(v1::VOIDED, v1::OPEN));             // voided is final
  EXPECT_FALSE(IsLegalTransition(v1::OPEN, v1::OPEN));               // not a transition
  EXPECT_FALSE(IsLegalTransition(v1::FINDING_STATUS_UNSPECIFIED, v1::OPEN));
  EXPECT_FALSE(IsLegalTransition(v1::OPEN, v1::FINDING_STATUS_UNSPECIFIED));
  EXPECT_FALSE(IsLegalTransition(static_cast<FindingStatus>(99), v1::OPEN));
  EXPECT_FALSE(IsLegalTransition(v1::OPEN, static_cast<FindingStatus>(99)));
}

TEST(LifecycleTest, NextStatusesMatchesTable) {
  for (FindingStatus from : kAll) {
    std::vector<FindingStatus> want;
    for (const auto& [f, t] : kLegal)
      if (f == from) want.push_back(t);
    EXPECT_THAT(NextStatuses(from), UnorderedElementsAreArray(want)) << StatusName(from);
  }
}

TEST(LifecycleTest, ClosedAndVoidedAreTerminal) {
  EXPECT_TRUE(NextStatuses(v1::CLOSED).empty());
  EXPECT_TRUE(NextStatuses(v1::VOIDED).empty());
  for (FindingStatus to : kAll) {
    EXPECT_FALSE(IsLegalTransition(v1::CLOSED, to)) << StatusName(to);
    EXPECT_FALSE(IsLegalTransition(v1::VOIDED, to)) << StatusName(to);
  }
}

TEST(LifecycleTest, VoidOnlyBeforeNotice) {
  for (FindingStatus from : kAll) {
    bool before_notice = from == v1::DRAFT || from == v1::OPEN;
    EXPECT_EQ(IsLegalTransition(from, v1::VOIDED), before_notice) << StatusName(from);
  }
}

TEST(LifecycleTest, EveryStatusReachableFromDraft) {
  std::set<FindingStatus> seen = {v1::DRAFT};
  std::vector<FindingStatus> todo = {v1::DRAFT};
  while (!todo.empty()) {
    FindingStatus s = todo.back();
    todo.pop_back();
    for (FindingStatus n : NextStatuses(s))
      if (seen.insert(n).second) todo.push_back(n);
  }
  EXPECT_EQ(seen.size(), 8u) << "all statuses but UNSPECIFIED";
  EXPECT_EQ(seen.count(v1::FINDING_STATUS_UNSPECIFIED), 0u);
}

TEST(LifecycleTest, InitialStatuses) {
  for (FindingStatus s : kAll) EXPECT_EQ(IsInitialStatus(s), s == v1::DRAFT || s == v1::OPEN) << StatusName(s);
}

TEST(LifecycleTest, PrecedenceGrowsAlongTheMainPathAndIsATotalOrder) {
  const FindingStatus path[] = {v1::DRAFT, v1::OPEN, v1::NOTIFIED, v1::IN_RECTIFICATION, v1::RECTIFIED, v1::CLOSED};
  for (size_t i = 1; i < std::size(path); ++i)
    EXPECT_LT(LifecyclePrecedence(path[i - 1]), LifecyclePrecedence(path[i])) << StatusName(path[i]);
  // A notice beats a concurrent void; a failed verification beats a concurrent pass.
  EXPECT_LT(LifecyclePrecedence(v1::VOIDED), LifecyclePrecedence(v1::NOTIFIED));
  EXPECT_LT(LifecyclePrecedence(v1::CLOSED), LifecyclePrecedence(v1::REOPENED));
  // No ties: concurrent moves resolve the same whatever the arrival order.
  std::set<int> seen;
  for (FindingStatus s : kAll) {
    if (s != v1::FINDING_STATUS_UNSPECIFIED) {
      EXPECT_TRUE(seen.insert(LifecyclePrecedence(s)).second) << StatusName(s);
    }
  }
  EXPECT_EQ(LifecyclePrecedence(v1::FINDING_STATUS_UNSPECIFIED), -1);
  EXPECT_EQ(LifecyclePrecedence(static_cast<FindingStatus>(99)), -1);
}

TEST(LifecycleTest, StatusNames) {
  EXPECT_EQ(StatusName(v1::OPEN), "OPEN");
  EXPECT_EQ(StatusName(v1::IN_RECTIFICATION), "IN_RECTIFICATION");
  EXPECT_EQ(StatusName(static_cast<FindingStatus>(99)), "99");
}

TEST(LifecycleTest, DescribeIllegalTransitionListsTheWayForward) {
  EXPECT_EQ(DescribeIllegalTransition(v1::OPEN, v1::CLOSED),
            "OPEN -> CLOSED is not allowed; from OPEN a finding may go to NOTIFIED, VOIDED");
  EXPECT_EQ(DescribeIllegalTransition(v1::NOTIFIED, v1::VOIDED),
            "NOTIFIED -> VOIDED is not allowed; from NOTIFIED a finding may go to IN_RECTIFICATION");
  EXPECT_EQ(DescribeIllegalTransition(v1::RECTIFIED, v1::OPEN),
            "RECTIFIED -> OPEN is not allowed; from RECTIFIED a finding may go to CLOSED, REOPENED");
}

TEST(LifecycleTest, DescribeIllegalTransitionFromTerminal) {
  EXPECT_EQ(DescribeIllegalTransition(v1::CLOSED, v1::REOPENED),
            "CLOSED -> REOPENED is not allowed; CLOSED is final");
  EXPECT_EQ(DescribeIllegalTransition(v1::VOIDED, v1::OPEN), "VOIDED -> OPEN is not allowed; VOIDED is final");
  EXPECT_THAT(DescribeIllegalTransition(v1::OPEN, static_cast<FindingStatus>(99)), HasSubstr("OPEN -> 99"));
}

v1::Finding WithStatus(FindingStatus s, int64_t deadline_ms = 0, const char* void_reason = "") {
  v1::Finding f;
  f.set_status(s);
  f.set_deadline_ms(deadline_ms);
  f.set_void_reason(void_reason);
  return f;
}

TEST(FindingInvariantsTest, VoidedNeedsReason) {
  Status s = CheckFindingInvariants(WithStatus(v1::VOIDED));
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("void_reason"));
  EXPECT_TRUE(CheckFindingInvariants(WithStatus(v1::VOIDED, 0, "duplicate of another finding")).ok());
}

TEST(FindingInvariantsTest, NoticedStatusesNeedDeadline) {
  for (FindingStatus s : {v1::NOTIFIED, v1::IN_RECTIFICATION, v1::REOPENED}) {
    Status st = CheckFindingInvariants(WithStatus(s));
    EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << StatusName(s);
    EXPECT_THAT(st.message(), HasSubstr("deadline_ms"));
    EXPECT_THAT(st.message(), HasSubstr(StatusName(s)));
    EXPECT_FALSE(CheckFindingInvariants(WithStatus(s, -1)).ok()) << "negative deadline is no deadline";
    EXPECT_TRUE(CheckFindingInvariants(WithStatus(s, kT0)).ok()) << StatusName(s);
  }
}

TEST(FindingInvariantsTest, OtherStatusesNeedNothing) {
  for (FindingStatus s : {v1::FINDING_STATUS_UNSPECIFIED, v1::DRAFT, v1::OPEN, v1::RECTIFIED, v1::CLOSED})
    EXPECT_TRUE(CheckFindingInvariants(WithStatus(s)).ok()) << StatusName(s);
}

TEST(OverdueTest, DeadlinePassedOnOpenFinding) {
  for (FindingStatus s : {v1::OPEN, v1::NOTIFIED, v1::IN_RECTIFICATION, v1::REOPENED}) {
    v1::Finding f = WithStatus(s, kT0);
    EXPECT_TRUE(IsOverdue(f, kT0 + 1)) << StatusName(s);
    EXPECT_FALSE(IsOverdue(f, kT0)) << "due at the deadline, not overdue yet";
    EXPECT_FALSE(IsOverdue(f, kT0 - 1)) << StatusName(s);
  }
}

TEST(OverdueTest, NeverForSettledFindings) {
  for (FindingStatus s : {v1::RECTIFIED, v1::CLOSED, v1::VOIDED})
    EXPECT_FALSE(IsOverdue(WithStatus(s, kT0, "r"), kT0 + 86'400'000)) << StatusName(s);
}

TEST(OverdueTest, NeverWithoutDeadline) {
  EXPECT_FALSE(IsOverdue(WithStatus(v1::NOTIFIED, 0), kT0));
  EXPECT_FALSE(IsOverdue(WithStatus(v1::NOTIFIED, -5), kT0));
}

}  // namespace
}  // namespace inspectsync::core
