// The three-way merge (MergePatch), policy by policy, plus convergence
// properties: the same concurrent edits, pushed in either order, must end in
// the same record.
#include "core/merge.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "core/hlc.h"
#include "core/lifecycle.h"
#include "core/patch.h"
#include "core/workflow_moves.h"

namespace inspectsync::core {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

constexpr int64_t kT0 = 1'767'225'600'000;  // 2026-01-01T00:00:00.000Z
const std::string kCreator = "0c0c0c0c-0c0c-7c0c-8c0c-0c0c0c0c0c0c";
const std::string kDevA = "aaaaaaaa-aaaa-7aaa-8aaa-aaaaaaaaaaaa";
const std::string kDevB = "bbbbbbbb-bbbb-7bbb-8bbb-bbbbbbbbbbbb";
const std::string kDevC = "cccccccc-cccc-7ccc-8ccc-cccccccccccc";

uint64_t At(int64_t offset_ms, uint32_t logical = 0) { return Hlc::Pack(kT0 + offset_ms, logical); }
Writer A(int64_t offset_ms) { return Writer{At(offset_ms), kDevA}; }
Writer B(int64_t offset_ms) { return Writer{At(offset_ms), kDevB}; }
Writer C(int64_t offset_ms) { return Writer{At(offset_ms), kDevC}; }

template <typename T>
const CollectionSpec& SpecFor() {
  for (const CollectionSpec* c : AllCollections())
    if (c->descriptor() == T::descriptor()) return *c;
  std::abort();
}

template <typename T>
std::vector<const FieldSpec*> MaskOf(const std::vector<std::string>& paths) {
  pb::FieldMask m;
  for (const auto& p : paths) m.add_paths(p);
  auto r = ResolveMask(SpecFor<T>(), m);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? r.value() : std::vector<const FieldSpec*>{};
}

// A record with only the masked fields of `full`, as a device sends them.
template <typename T>
T Only(const T& full, const std::vector<const FieldSpec*>& mask) {
  T out;
  CopyFields(full, mask, &out);
  return out;
}

template <typename T>
const T& As(const pb::Message& m) {
  return dynamic_cast<const T&>(m);
}

std::vector<std::string> Names(const std::vector<const FieldSpec*>& fields) {
  std::vector<std::string> out;
  for (const FieldSpec* f : fields) out.push_back(f->field->name());
  return out;
}

int FieldNumber(const pb::Descriptor* d, const char* name) { return d->FindFieldByName(name)->number(); }

// The server's state of one record: what MergePatch reads and writes.
template <typename T>
struct Server {
  T record;
  v1::FieldClocks clocks;

  // A device that saw `before` (the full record) and edited it into `after`
  // pushes a patch of `paths`. Applied to the state unless rejected.
  MergeResult Push(const std::vector<std::string>& paths, const T& before, const T& after, const Writer& w,
                   const MergeContext& context = {}) {
    auto mask = MaskOf<T>(paths);
    MergeResult r = MergePatch(SpecFor<T>(), record, clocks, mask, Only(before, mask), Only(after, mask), w, context);
    if (!r.rejected) {
      EXPECT_NE(r.merged, nullptr);
      record = As<T>(*r.merged);
      clocks = r.clocks;
    }
    return r;
  }
  Writer WriterOf(const char* field) const { return FieldWriter(clocks, FieldNumber(T::descriptor(), field)); }
};

v1::FieldClocks CreatedBy(uint64_t hlc, const std::string& device) {
  v1::FieldClocks c;
  c.set_created_hlc(hlc);
  c.set_created_device_id(device);
  return c;
}

v1::Finding BaseFinding() {
  v1::Finding f;
  f.set_inspection_id("0190f3c4-5b6a-7c8d-9e0f-a1b2c3d4e5f6");
  f.set_site_id("site-17");
  f.set_category("fire");
  f.set_title("Blocked fire exit");
  f.set_severity(v1::MEDIUM);
  f.set_description("Exit B is blocked by stacked chairs.");
  f.add_tags("fire");
  f.add_tags("exit");
  f.set_status(v1::OPEN);
  return f;
}

Server<v1::Finding> FindingServer(const v1::Finding& f = BaseFinding()) { return {f, CreatedBy(At(0), kCreator)}; }

bool SameWriter(const Writer& a, const Writer& b) { return a.hlc == b.hlc && a.device_id == b.device_id; }

// ---- Writers and field clocks ----

TEST(LwwWinsTest, HigherHlcWinsWhateverTheDevice) {
  EXPECT_TRUE(LwwWins(A(2), B(1)));
  EXPECT_FALSE(LwwWins(A(1), B(2)));
  EXPECT_TRUE(LwwWins(Writer{At(1, 1), kDevA}, Writer{At(1, 0), kDevB})) << "logical counter counts";
}

TEST(LwwWinsTest, TieBrokenByDeviceIdDeterministically) {
  EXPECT_TRUE(LwwWins(B(1), A(1)));
  EXPECT_FALSE(LwwWins(A(1), B(1)));
  EXPECT_FALSE(LwwWins(A(1), A(1))) << "a writer does not beat itself";
  // Exactly one of two distinct writers wins.
  for (const Writer& x : {A(1), B(1), C(1), A(2)})
    for (const Writer& y : {A(1), B(1), C(1), A(2)})
      if (!SameWriter(x, y)) {
        EXPECT_NE(LwwWins(x, y), LwwWins(y, x));
      }
}

TEST(FieldClockTest, UnstampedFieldBelongsToCreator) {
  v1::FieldClocks c = CreatedBy(At(0), kCreator);
  Writer w = FieldWriter(c, 5);
  EXPECT_EQ(w.hlc, At(0));
  EXPECT_EQ(w.device_id, kCreator);
}

TEST(FieldClockTest, StampAddsThenUpdatesInPlace) {
  v1::FieldClocks c = CreatedBy(At(0), kCreator);
  StampField(&c, 5, A(10));
  StampField(&c, 8, B(11));
  EXPECT_EQ(c.fields_size(), 2);
  EXPECT_TRUE(SameWriter(FieldWriter(c, 5), A(10)));
  StampField(&c, 5, B(20));
  EXPECT_EQ(c.fields_size(), 2);
  EXPECT_TRUE(SameWriter(FieldWriter(c, 5), B(20)));
  EXPECT_TRUE(SameWriter(FieldWriter(c, 8), B(11)));
  EXPECT_EQ(FieldWriter(c, 6).device_id, kCreator);
  EXPECT_EQ(c.created_hlc(), At(0));
}

// ---- The cases that are not conflicts ----

TEST(MergeTest, EditorUnchangedFieldIsNoOp) {
  auto s = FindingServer();
  v1::Finding base = s.record;
  v1::Finding b_edit = base;
  b_edit.set_title("Exit B blocked");
  ASSERT_FALSE(s.Push({"title"}, base, b_edit, B(10)).rejected);
  // A's patch names title but left it as it saw it: B's title stays.
  MergeResult r = s.Push({"title", "category"}, base, base, A(20));
  ASSERT_FALSE(r.rejected) << r.reason;
  EXPECT_EQ(s.record.title(), "Exit B blocked");
  EXPECT_THAT(r.conflicts, IsEmpty());
  EXPECT_THAT(r.changed, IsEmpty());
  EXPECT_FALSE(r.concurrent);
  EXPECT_TRUE(SameWriter(s.WriterOf("title"), B(10)));
  EXPECT_TRUE(SameWriter(s.WriterOf("category"), Writer{At(0), kCreator}));
}

TEST(MergeTest, BothSidesToSameValueIsNoConflict) {
  auto s = FindingServer();
  v1::Finding base = s.record;
  v1::Finding edit = base;
  edit.set_title("Exit B blocked");
  edit.set_severity(v1::HIGH);
  ASSERT_FALSE(s.Push({"title", "severity"}, base, edit, B(10)).rejected);
  MergeResult r = s.Push({"title", "severity"}, base, edit, A(20));
  ASSERT_FALSE(r.rejected) << r.reason;
  EXPECT_THAT(r.conflicts, IsEmpty());
  EXPECT_THAT(r.changed, IsEmpty());
  EXPECT_EQ(s.record.title(), "Exit B blocked");
  EXPECT_TRUE(SameWriter(s.WriterOf("title"), B(10))) << "nothing changed, so nothing is re-stamped";
}

TEST(MergeTest, OnlyEditorChangedIsAppliedAndStamped) {
  auto s = FindingServer();
  v1::Finding base = s.record;
  v1::Finding edit = base;
  edit.set_title("Exit B blocked");
  edit.set_deadline_ms(kT0 + 86'400'000);
  MergeResult r = s.Push({"title", "deadline_ms"}, base, edit, A(20));
  ASSERT_FALSE(r.rejected) << r.reason;
  EXPECT_EQ(s.record.title(), "Exit B blocked");
  EXPECT_EQ(s.record.deadline_ms(), kT0 + 86'400'000);
  EXPECT_THAT(r.conflicts, IsEmpty());
  EXPECT_FALSE(r.concurrent);
  EXPECT_THAT(Names(r.changed), ElementsAre("title", "deadline_ms"));
  EXPECT_TRUE(SameWriter(s.WriterOf("title"), A(20)));
  EXPECT_TRUE(SameWriter(s.WriterOf("deadline_ms"), A(20)));
  EXPECT_EQ(s.WriterOf("category").device_id, kCreator) << "unmasked fields keep their writer";
  EXPECT_EQ(r.clocks.created_hlc(), At(0));
}

TEST(MergeTest, FieldsOutsideTheMaskAreUntouched) {
  auto s = FindingServer();
  v1::Finding base = s.record;
  v1::Finding b_edit = base;
  b_edit.set_description("Chairs moved, exit still narrow.");
  ASSERT_FALSE(s.Push({"description"}, base, b_edit, B(10)).rejected);
  v1::Finding a_edit = base;
  a_edit.set_title("Narrow exit");
  a_edit.set_description("ignored: not in the mask");
  MergeResult r = s.Push({"title"}, base, a_edit, A(20));
  ASSERT_FALSE(r.rejected) << r.reason;
  v1::Finding want = base;
  want.set_title("Narrow exit");
  want.set_description("Chairs moved, exit still narrow.");
  EXPECT_EQ(s.record.SerializeAsString(), want.SerializeAsString()) << s.record.ShortDebugString();
}

TEST(MergeTest, PatchThatChangesNothingLeavesRecordAndClocksAlone) {
  auto s = FindingServer();
  v1::Finding before = s.record;
  v1::FieldClocks clocks_before = s.clocks;
  MergeResult r = s.Push({"title", "tags", "status"}, before, before, A(20));
  ASSERT_FALSE(r.rejected);
  EXPECT_EQ(s.record.SerializeAsString(), before.SerializeAsString());
  EXPECT_EQ(s.clocks.SerializeAsString(), clocks_before.SerializeAsString());
  EXPECT_THAT(r.changed, IsEmpty());
  EXPECT_THAT(r.conflicts, IsEmpty());
}

// ---- LWW ----

class LwwTest : public ::testing::Test {
 protected:
  void SetUp() override {
    s_ = FindingServer();
    base_ = s_.record;
    v1::Finding b_edit = base_;
    b_edit.set_title("Exit B blocked");
    ASSERT_FALSE(s_.Push({"title"}, base_, b_edit, B(10)).rejected);
  }
  MergeResult PushTitle(const std::string& title, const Writer& w) {
    v1::Finding edit = base_;
    edit.set_title(title);
    return s_.Push({"title"}, base_, edit, w);
  }
  Server<v1::Finding> s_;
  v1::Finding base_;
};

TEST_F(LwwTest, HigherHlcWinsAndLoserIsKept) {
  MergeResult r = PushTitle("Chairs in front of exit B", A(20));
  ASSERT_FALSE(r.rejected) << r.reason;
  EXPECT_EQ(s_.record.title(), "Chairs in front of exit B");
  EXPECT_TRUE(r.concurrent);
  EXPECT_THAT(Names(r.changed), ElementsAre("title"));
  ASSERT_EQ(r.conflicts.size(), 1u);
  const FieldConflict& c = r.conflicts[0];
  EXPECT_EQ(c.field->field->name(), "title");
  EXPECT_EQ(c.field->policy, v1::LWW);
  EXPECT_EQ(c.state, v1::CONFLICT_AUTO_RESOLVED);
  EXPECT_TRUE(c.incoming_won);
  EXPECT_TRUE(SameWriter(c.current_writer, B(10)));
  EXPECT_EQ(As<v1::Finding>(*c.base).title(), "Blocked fire exit");
  EXPECT_EQ(As<v1::Finding>(*c.winner).title(), "Chairs in front of exit B");
  EXPECT_EQ(As<v1::Finding>(*c.loser).title(), "Exit B blocked");
  EXPECT_TRUE(SameWriter(s_.WriterOf("title"), A(20)));
}

TEST_F(LwwTest, LowerHlcLosesAndIsKept) {
  MergeResult r = PushTitle("Chairs in front of exit B", A(5));
  ASSERT_FALSE(r.rejected) << r.reason;
  EXPECT_EQ(s_.record.title(), "Exit B blocked");
  EXPECT_TRUE(r.concurrent);
  EXPECT_THAT(r.changed, IsEmpty());
  ASSERT_EQ(r.conflicts.size(), 1u);
  const FieldConflict& c = r.conflicts[0];
  EXPECT_FALSE(c.incoming_won);
  EXPECT_EQ(c.state, v1::CONFLICT_AUTO_RESOLVED);
  EXPECT_EQ(As<v1::Finding>(*c.winner).title(), "Exit B blocked");
  EXPECT_EQ(As<v1::Finding>(*c.loser).title(), "Chairs in front of exit B");
  EXPECT_EQ(As<v1::Finding>(*c.base).title(), "Blocked fire exit");
  EXPECT_TRUE(SameWriter(s_.WriterOf("title"), B(10))) << "the loser does not stamp the field";
}

TEST_F(LwwTest, TieOnHlcBrokenByDeviceId) {
  // Same HLC as B's write: device "aaaa..." < "bbbb...", so A loses.
  MergeResult r = PushTitle("from A", A(10));
  ASSERT_EQ(r.conflicts.size(), 1u);
  EXPECT_FALSE(r.conflicts[0].incoming_won);
  EXPECT_EQ(s_.record.title(), "Exit B blocked");
  // And C ("cccc...") at the same HLC beats B.
  r = PushTitle("from C", C(10));
  ASSERT_EQ(r.conflicts.size(), 1u);
  EXPECT_TRUE(r.conflicts[0].incoming_won);
  EXPECT_EQ(s_.record.title(), "from C");
}

TEST_F(LwwTest, ConflictValuesHoldOnlyTheirField) {
  MergeResult r = PushTitle("x", A(20));
  ASSERT_EQ(r.conflicts.size(), 1u);
  for (const pb::Message* m : {r.conflicts[0].base.get(), r.conflicts[0].winner.get(), r.conflicts[0].loser.get()}) {
    ASSERT_NE(m, nullptr);
    EXPECT_EQ(m->GetDescriptor(), v1::Finding::descriptor());
    std::vector<const pb::FieldDescriptor*> set;
    m->GetReflection()->ListFields(*m, &set);
    ASSERT_EQ(set.size(), 1u) << m->ShortDebugString();
    EXPECT_EQ(set[0]->name(), "title");
  }
}

TEST(MergeTest, LwwOnIntegerField) {
  v1::Finding f = BaseFinding();
  f.set_deadline_ms(kT0 + 1000);
  auto s = FindingServer(f);
  v1::Finding base = s.record, b_edit = base, a_edit = base;
  b_edit.set_deadline_ms(kT0 + 2000);
  a_edit.set_deadline_ms(kT0 + 500);
  ASSERT_FALSE(s.Push({"deadline_ms"}, base, b_edit, B(30)).rejected);
  MergeResult r = s.Push({"deadline_ms"}, base, a_edit, A(20));
  ASSERT_EQ(r.conflicts.size(), 1u);
  EXPECT_EQ(s.record.deadline_ms(), kT0 + 2000) << "LWW, not MAX: B wrote later";
  EXPECT_EQ(As<v1::Finding>(*r.conflicts[0].loser).deadline_ms(), kT0 + 500);
}

// ---- LIFECYCLE ----

v1::Finding InStatus(FindingStatus s) {
  v1::Finding f = BaseFinding();
  f.set_status(s);
  f.set_deadline_ms(kT0 + 7 * 86'400'000);
  if (s == v1::VOIDED) f.set_void_reason("duplicate of an earlier finding");
  return f;
}

TEST(LifecycleMergeTest, LegalMoveByEditorAloneIsApplied) {
  auto s = FindingServer();
  v1::Finding base = s.record, edit = base;
  edit.set_status(v1::NOTIFIED);
  edit.set_deadline_ms(kT0 + 86'400'000);
  MergeResult r = s.Push({"status", "deadline_ms"}, base, edit, A(20));
  ASSERT_FALSE(r.rejected) << r.reason;
  EXPECT_EQ(s.record.status(), v1::NOTIFIED);
  EXPECT_THAT(Names(r.changed), ElementsAre("status", "deadline_ms"));
  EXPECT_TRUE(SameWriter(s.WriterOf("status"), A(20)));
}

TEST(LifecycleMergeTest, EditorsIllegalMoveIsRejected) {
  auto s = FindingServer();
  v1::Finding base = s.record, edit = base;
  edit.set_status(v1::CLOSED);
  MergeResult r = s.Push({"status"}, base, edit, A(20));
  EXPECT_TRUE(r.rejected);
  EXPECT_EQ(r.reject_code, v1::ILLEGAL_TRANSITION);
  EXPECT_EQ(r.reason, DescribeIllegalTransition(v1::OPEN, v1::CLOSED));
  EXPECT_EQ(s.record.status(), v1::OPEN);
}

TEST(LifecycleMergeTest, ClearingStatusIsIllegal) {
  auto s = FindingServer();
  v1::Finding base = s.record, edit = base;
  edit.clear_status();
  MergeResult r = s.Push({"status"}, base, edit, A(20));
  EXPECT_TRUE(r.rejected);
  EXPECT_EQ(r.reject_code, v1::ILLEGAL_TRANSITION);
}

TEST(LifecycleMergeTest, EditorsMoveIsJudgedFromWhatItSaw) {
  // The server is at RECTIFIED, where CLOSED would be legal; the editor saw
  // OPEN, where it is not.
  auto s = FindingServer(InStatus(v1::RECTIFIED));
  v1::Finding seen = InStatus(v1::OPEN), edit = seen;
  edit.set_status(v1::CLOSED);
  MergeResult r = s.Push({"status"}, seen, edit, A(20));
  EXPECT_TRUE(r.rejected);
  EXPECT_EQ(r.reject_code, v1::ILLEGAL_TRANSITION);
  EXPECT_EQ(s.record.status(), v1::RECTIFIED);
}

TEST(LifecycleMergeTest, AMoveMadeOnAStatusTheServerNeverHadIsRejected) {
  // The editor's notice (OPEN -> NOTIFIED) and its first rectification move
  // were refused; its next move, IN_RECTIFICATION -> RECTIFIED, is legal from
  // what it saw, but the server is still OPEN, which no move from
  // IN_RECTIFICATION reaches. Precedence must not jump it OPEN -> RECTIFIED.
  auto s = FindingServer(InStatus(v1::OPEN));
  v1::Finding seen = InStatus(v1::IN_RECTIFICATION), edit = InStatus(v1::RECTIFIED);
  MergeResult r = s.Push({"status"}, seen, edit, A(20));
  EXPECT_TRUE(r.rejected);
  EXPECT_EQ(r.reject_code, v1::ILLEGAL_TRANSITION);
  EXPECT_NE(r.reason.find("OPEN on the server"), std::string::npos) << r.reason;
  EXPECT_EQ(s.record.status(), v1::OPEN);
  // Through the cycle is fine: the server went RECTIFIED -> REOPENED ->
  // IN_RECTIFICATION since the editor saw RECTIFIED; the precedence decides.
  auto c = FindingServer(InStatus(v1::IN_RECTIFICATION));
  v1::Finding rectified = InStatus(v1::RECTIFIED), reopened = InStatus(v1::REOPENED);
  EXPECT_FALSE(c.Push({"status"}, rectified, reopened, A(20)).rejected);
}

TEST(LifecycleMergeTest, AMoveFromBeforeAReopenLosesToTheNewRound) {
  // The editor passed the finding on the first round's RECTIFIED; since then
  // another verifier failed it and the school reported it fixed again. The
  // status is RECTIFIED again, so without the history the pass would apply.
  MergeContext reopened;
  reopened.reopened_since_base = true;
  auto s = FindingServer(InStatus(v1::RECTIFIED));
  v1::Finding seen = InStatus(v1::RECTIFIED), pass = InStatus(v1::CLOSED);
  MergeResult r = s.Push({"status"}, seen, pass, A(20), reopened);
  ASSERT_FALSE(r.rejected) << r.reason;
  EXPECT_EQ(s.record.status(), v1::RECTIFIED);
  ASSERT_EQ(r.conflicts.size(), 1u);
  EXPECT_FALSE(r.conflicts[0].incoming_won);
  EXPECT_EQ(As<v1::Finding>(*r.conflicts[0].loser).status(), v1::CLOSED);
  // Mid-round too: precedence (CLOSED > IN_RECTIFICATION) does not decide it.
  auto t = FindingServer(InStatus(v1::IN_RECTIFICATION));
  EXPECT_FALSE(t.Push({"status"}, seen, pass, A(20), reopened).rejected);
  EXPECT_EQ(t.record.status(), v1::IN_RECTIFICATION);
  // Without a reopen in between, the same pass closes it.
  auto u = FindingServer(InStatus(v1::RECTIFIED));
  EXPECT_FALSE(u.Push({"status"}, seen, pass, A(20)).rejected);
  EXPECT_EQ(u.record.status(), v1::CLOSED);
}

TEST(LifecycleMergeTest, FurtherAlongLegalIncomingWins) {
  // Base DRAFT; the server has OPEN; the editor voided the draft. VOIDED is
  // legal from OPEN and further along: it wins, even with an older HLC.
  auto s = FindingServer(InStatus(v1::OPEN));
  v1::Finding seen = InStatus(v1::DRAFT), edit = InStatus(v1::VOIDED);
  MergeResult r = s.Push({"status", "void_reason"}, seen, edit, A(1));
  ASSERT_FALSE(r.rejected) << r.reason;
  EXPECT_EQ(s.record.status(), v1::VOIDED);
  ASSERT_EQ(r.conflicts.size(), 1u);
  const FieldConflict& c = r.conflicts[0];
  EXPECT_EQ(c.field->policy, v1::LIFECYCLE);
  EXPECT_EQ(c.state, v1::CONFLICT_AUTO_RESOLVED);
  EXPECT_TRUE(c.incoming_won);
  EXPECT_EQ(As<v1::Finding>(*c.base).status(), v1::DRAFT);
  EXPECT_EQ(As<v1::Finding>(*c.winner).status(), v1::VOIDED);
  EXPECT_EQ(As<v1::Finding>(*c.loser).status(), v1::OPEN);
}

TEST(LifecycleMergeTest, FurtherAlongCurrentStays) {
  // The server went OPEN -> NOTIFIED -> IN_RECTIFICATION; a late device
  // notifies again from OPEN. The server's status stays, even against a newer HLC.
  auto s = FindingServer(InStatus(v1::IN_RECTIFICATION));
  v1::Finding seen = InStatus(v1::OPEN), edit = InStatus(v1::NOTIFIED);
  MergeResult r = s.Push({"status"}, seen, edit, A(1'000'000));
  ASSERT_FALSE(r.rejected) << r.reason;
  EXPECT_EQ(s.record.status(), v1::IN_RECTIFICATION);
  ASSERT_EQ(r.conflicts.size(), 1u);
  EXPECT_FALSE(r.conflicts[0].incoming_won);
  EXPECT_EQ(As<v1::Finding>(*r.conflicts[0].loser).status(), v1::NOTIFIED);
  EXPECT_THAT(r.changed, IsEmpty());
}

TEST(LifecycleMergeTest, VoidArrivingAfterNoticeKeepsNotified) {
  // Server: OPEN -> NOTIFIED (by B). A, offline, voided the OPEN finding.
  auto s = FindingServer(InStatus(v1::OPEN));
  v1::Finding base = s.record;
  ASSERT_FALSE(s.Push({"status", "deadline_ms"}, base, InStatus(v1::NOTIFIED), B(10)).rejected);
  MergeResult r = s.Push({"status", "void_reason"}, base, InStatus(v1::VOIDED), A(20));
  ASSERT_FALSE(r.rejected) << r.reason;
  EXPECT_EQ(s.record.status(), v1::NOTIFIED);
  ASSERT_GE(r.conflicts.size(), 1u);
  EXPECT_EQ(r.conflicts[0].field->field->name(), "status");
  EXPECT_FALSE(r.conflicts[0].incoming_won);
  EXPECT_EQ(As<v1::Finding>(*r.conflicts[0].loser).status(), v1::VOIDED);
}

// Sibling moves from one base (OPEN -> NOTIFIED, OPEN -> VOIDED) settle by
// LifecyclePrecedence, not by arrival: a notice issued concurrently with a
// void stands even when the void reached the server first.
TEST(LifecycleMergeTest, NoticeArrivingAfterVoidKeepsNotified) {
  auto s = FindingServer(InStatus(v1::OPEN));
  v1::Finding base = s.record;
  ASSERT_FALSE(s.Push({"status", "void_reason"}, base, InStatus(v1::VOIDED), A(10)).rejected);
  MergeResult r = s.Push({"status", "deadline_ms"}, base, InStatus(v1::NOTIFIED), B(20));
  ASSERT_FALSE(r.rejected) << r.reason;
  EXPECT_EQ(s.record.status(), v1::NOTIFIED);
  ASSERT_GE(r.conflicts.size(), 1u);
  EXPECT_EQ(r.conflicts[0].field->field->name(), "status");
  EXPECT_TRUE(r.conflicts[0].incoming_won);
}

// For every base status with two legal next statuses, concurrent moves
// settle on the same status whichever arrives first.
TEST(LifecycleMergeTest, SiblingMovesConvergeInEitherOrder) {
  for (FindingStatus from : {v1::DRAFT, v1::OPEN, v1::RECTIFIED}) {
    std::vector<FindingStatus> next = NextStatuses(from);
    ASSERT_EQ(next.size(), 2u) << StatusName(from);
    FindingStatus x = next[0], y = next[1];
    auto s1 = FindingServer(InStatus(from)), s2 = FindingServer(InStatus(from));
    v1::Finding base = s1.record;
    std::vector<std::string> mask = {"status", "deadline_ms", "void_reason"};
    EXPECT_FALSE(s1.Push(mask, base, InStatus(x), A(10)).rejected);
    EXPECT_FALSE(s1.Push(mask, base, InStatus(y), B(20)).rejected);
    EXPECT_FALSE(s2.Push(mask, base, InStatus(y), B(20)).rejected);
    EXPECT_FALSE(s2.Push(mask, base, InStatus(x), A(10)).rejected);
    EXPECT_EQ(StatusName(s1.record.status()), StatusName(s2.record.status()))
        << "from " << StatusName(from) << ": " << StatusName(x) << " then " << StatusName(y) << " vs. the reverse";
  }
}

// ---- Fields that go with the status (with_lifecycle) ----

// Two verifiers of one RECTIFIED finding at once: the office on the server
// and an inspector's tablet offline. Each writes its verification's move
// (core/workflow_moves.h); the status is settled by the precedence, and the
// verification id, note and deadline must follow it, in either order.
class ConcurrentVerifyTest : public ::testing::Test {
 protected:
  static constexpr int64_t kDeadline0 = kT0 + 7 * 86'400'000;
  static constexpr int64_t kDeadline1 = kT0 + 21 * 86'400'000;
  const std::string kNotice = "0190f3c4-0000-7000-8000-00000000a001";
  const std::string kFailId = "0190f3c4-0000-7000-8000-00000000f001";
  const std::string kPassId = "0190f3c4-0000-7000-8000-00000000b001";

  ConcurrentVerifyTest() {
    rectified_ = InStatus(v1::RECTIFIED);
    rectified_.set_notice_id(kNotice);
    rectified_.set_deadline_ms(kDeadline0);
  }
  // The finding after verification `id` with `result` on `rectified_`, and the move's fields.
  v1::Finding Verified(const std::string& id, v1::VerificationResult result, const std::string& note,
                       std::vector<std::string>* fields) const {
    VerificationSpec in;
    in.result = result;
    in.note = note;
    if (result == v1::FAILED) in.new_deadline_ms = kDeadline1;
    FindingMove m = VerificationMove(id, in);
    v1::Finding after = rectified_;
    for (const std::string& name : m.fields)
      CopyField(m.values, v1::Finding::descriptor()->FindFieldByName(name), &after);
    *fields = m.fields;
    return after;
  }
  // Two verifiers at once, one FAILED and the other PASSED, pushed in the
  // order asked. The PASSED one has the later HLC, so LWW alone would let its
  // id and note stand. (Which of them is the office's does not matter to the
  // merge: the server's own write is an edit like a tablet's.)
  Server<v1::Finding> Run(bool failed_first, const std::string& pass_note = "Exit cleared.") {
    std::vector<std::string> fail_fields, pass_fields;
    v1::Finding failed = Verified(kFailId, v1::FAILED, "Still blocked.", &fail_fields);
    v1::Finding passed = Verified(kPassId, v1::PASSED, pass_note, &pass_fields);
    Server<v1::Finding> s = FindingServer(rectified_);
    auto push_failed = [&] { results_.push_back(s.Push(fail_fields, rectified_, failed, B(10))); };
    auto push_passed = [&] { results_.push_back(s.Push(pass_fields, rectified_, passed, A(20))); };
    if (failed_first) {
      push_failed();
      push_passed();
    } else {
      push_passed();
      push_failed();
    }
    for (const MergeResult& r : results_) EXPECT_FALSE(r.rejected) << r.reason;
    return s;
  }
  const FieldConflict* ConflictOn(const MergeResult& r, const std::string& field) const {
    for (const FieldConflict& c : r.conflicts)
      if (c.field->field->name() == field) return &c;
    return nullptr;
  }
  v1::Finding rectified_;
  std::vector<MergeResult> results_;
};

TEST_F(ConcurrentVerifyTest, ServerFailedThenTabletPassedNamesTheFailedVerification) {
  auto s = Run(/*failed_first=*/true);
  EXPECT_EQ(s.record.status(), v1::REOPENED);
  EXPECT_EQ(s.record.verification_id(), kFailId);  // not the later PASSED one
  EXPECT_EQ(s.record.verification_note(), "Still blocked.");
  EXPECT_EQ(s.record.deadline_ms(), kDeadline1);
  // The pass lost as a whole; each of its values is kept.
  const MergeResult& late = results_[1];
  ASSERT_NE(ConflictOn(late, "status"), nullptr);
  EXPECT_FALSE(ConflictOn(late, "status")->incoming_won);
  const FieldConflict* id = ConflictOn(late, "verification_id");
  ASSERT_NE(id, nullptr);
  EXPECT_FALSE(id->incoming_won);
  EXPECT_EQ(id->state, v1::CONFLICT_AUTO_RESOLVED);
  EXPECT_EQ(As<v1::Finding>(*id->winner).verification_id(), kFailId);
  EXPECT_EQ(As<v1::Finding>(*id->loser).verification_id(), kPassId);
  const FieldConflict* note = ConflictOn(late, "verification_note");
  ASSERT_NE(note, nullptr);
  EXPECT_FALSE(note->incoming_won);
  EXPECT_EQ(note->state, v1::CONFLICT_OPEN);  // REVIEW text: a person sees the lost note
  EXPECT_EQ(As<v1::Finding>(*note->loser).verification_note(), "Exit cleared.");
  EXPECT_THAT(late.changed, IsEmpty());
}

TEST_F(ConcurrentVerifyTest, TabletPassedThenServerFailedNamesTheFailedVerification) {
  auto s = Run(/*failed_first=*/false);
  EXPECT_EQ(s.record.status(), v1::REOPENED);
  EXPECT_EQ(s.record.verification_id(), kFailId);  // though its HLC is the older
  EXPECT_EQ(s.record.verification_note(), "Still blocked.");
  EXPECT_EQ(s.record.deadline_ms(), kDeadline1);
  const FieldConflict* id = ConflictOn(results_[1], "verification_id");
  ASSERT_NE(id, nullptr);
  EXPECT_TRUE(id->incoming_won);
  EXPECT_EQ(As<v1::Finding>(*id->loser).verification_id(), kPassId);
}

// The symmetric case: a tablet's FAILED against the office's PASSED, written
// on the server later (a newer HLC) and with no note.
TEST_F(ConcurrentVerifyTest, TabletFailedAgainstServerPassedInEitherOrder) {
  for (bool failed_first : {true, false}) {
    SCOPED_TRACE(failed_first ? "tablet's FAILED first" : "office's PASSED first");
    results_.clear();
    auto s = Run(failed_first, /*pass_note=*/"");
    EXPECT_EQ(s.record.status(), v1::REOPENED);
    EXPECT_EQ(s.record.verification_id(), kFailId);
    EXPECT_EQ(s.record.verification_note(), "Still blocked.");
    EXPECT_EQ(s.record.deadline_ms(), kDeadline1);
  }
}

TEST_F(ConcurrentVerifyTest, BothOrdersEndInTheSameRecord) {
  for (std::string pass_note : {"Exit cleared.", ""}) {
    results_.clear();
    auto one = Run(true, pass_note);
    results_.clear();
    auto other = Run(false, pass_note);
    EXPECT_EQ(one.record.SerializeAsString(), other.record.SerializeAsString())
        << one.record.ShortDebugString() << "\nvs " << other.record.ShortDebugString();
  }
}

TEST_F(ConcurrentVerifyTest, ALosingMovesValueLosesWhereTheServerKeptTheBase) {
  // The office's FAILED has no note (its move writes it empty, as the base
  // is): the tablet's pass note must still not land on the reopened finding.
  std::vector<std::string> fail_fields, pass_fields;
  v1::Finding failed = Verified(kFailId, v1::FAILED, "", &fail_fields);
  v1::Finding passed = Verified(kPassId, v1::PASSED, "Exit cleared.", &pass_fields);
  auto s = FindingServer(rectified_);
  ASSERT_FALSE(s.Push(fail_fields, rectified_, failed, B(10)).rejected);
  MergeResult r = s.Push(pass_fields, rectified_, passed, A(20));
  ASSERT_FALSE(r.rejected) << r.reason;
  EXPECT_EQ(s.record.verification_note(), "");
  const FieldConflict* note = ConflictOn(r, "verification_note");
  ASSERT_NE(note, nullptr);
  EXPECT_FALSE(note->incoming_won);
  EXPECT_EQ(As<v1::Finding>(*note->loser).verification_note(), "Exit cleared.");
}

TEST_F(ConcurrentVerifyTest, WithoutAStatusConflictTheFieldsOwnPolicyDecides) {
  // Two FAILED verifications: the status agrees, so the id, the deadline and
  // the note go by LWW, all from the later one (written together, one clock).
  std::vector<std::string> fields_a, fields_b;
  v1::Finding a = Verified(kFailId, v1::FAILED, "Still blocked.", &fields_a);
  v1::Finding b = Verified(kPassId, v1::FAILED, "Chairs back.", &fields_b);
  b.set_deadline_ms(kDeadline1 + 86'400'000);
  auto s = FindingServer(rectified_);
  ASSERT_FALSE(s.Push(fields_a, rectified_, a, A(30)).rejected);
  ASSERT_FALSE(s.Push(fields_b, rectified_, b, B(10)).rejected);
  EXPECT_EQ(s.record.verification_id(), kFailId);
  EXPECT_EQ(s.record.deadline_ms(), kDeadline1);
  EXPECT_EQ(s.record.verification_note(), "Still blocked.");
  // And a deadline changed alone, with no status move, is plain LWW.
  v1::Finding later = s.record;
  later.set_deadline_ms(kDeadline1 + 2 * 86'400'000);
  ASSERT_FALSE(s.Push({"deadline_ms"}, rectified_, later, C(40)).rejected);
  EXPECT_EQ(s.record.deadline_ms(), kDeadline1 + 2 * 86'400'000);
}

TEST_F(ConcurrentVerifyTest, AStaleMoveFromBeforeAReopenLeavesTheRoundsIdsAlone) {
  // The tablet passed round one's RECTIFIED; meanwhile the office failed it
  // and the school reported it fixed again. Its id and note lose with it.
  std::vector<std::string> fields;
  v1::Finding passed = Verified(kPassId, v1::PASSED, "Exit cleared.", &fields);
  v1::Finding round2 = rectified_;
  round2.set_verification_id(kFailId);
  round2.set_deadline_ms(kDeadline1);
  auto s = FindingServer(round2);
  MergeContext reopened;
  reopened.reopened_since_base = true;
  MergeResult r = s.Push(fields, rectified_, passed, A(50), reopened);
  ASSERT_FALSE(r.rejected) << r.reason;
  EXPECT_EQ(s.record.status(), v1::RECTIFIED);
  EXPECT_EQ(s.record.verification_id(), kFailId);
  EXPECT_EQ(s.record.verification_note(), "");
  ASSERT_NE(ConflictOn(r, "verification_id"), nullptr);
  EXPECT_EQ(As<v1::Finding>(*ConflictOn(r, "verification_id")->loser).verification_id(), kPassId);
}

TEST(WithLifecycleSchemaTest, TheFieldsAStatusMoveWrites) {
  std::vector<std::string> marked;
  for (const FieldSpec& f : SpecFor<v1::Finding>().fields())
    if (f.with_lifecycle) marked.push_back(f.field->name());
  EXPECT_THAT(marked, ElementsAre("deadline_ms", "verification_note", "notice_id", "verification_id"));
}

// ---- MAX ----

class MaxTest : public ::testing::Test {
 protected:
  // Server moved severity from `base` to `server`, then the editor (who saw
  // `base`) pushes `editor` with an HLC older than the server's write.
  MergeResult Run(v1::Severity base, v1::Severity server, v1::Severity editor) {
    v1::Finding f = BaseFinding();
    f.set_severity(base);
    s_ = FindingServer(f);
    v1::Finding b_edit = f, a_edit = f;
    b_edit.set_severity(server);
    a_edit.set_severity(editor);
    EXPECT_FALSE(s_.Push({"severity"}, f, b_edit, B(30)).rejected);
    return s_.Push({"severity"}, f, a_edit, A(20));
  }
  Server<v1::Finding> s_;
};

TEST_F(MaxTest, HigherIncomingWinsDespiteOlderHlc) {
  MergeResult r = Run(v1::LOW, v1::MEDIUM, v1::HIGH);
  EXPECT_EQ(s_.record.severity(), v1::HIGH);
  ASSERT_EQ(r.conflicts.size(), 1u);
  EXPECT_EQ(r.conflicts[0].field->policy, v1::MAX);
  EXPECT_EQ(r.conflicts[0].state, v1::CONFLICT_AUTO_RESOLVED);
  EXPECT_TRUE(r.conflicts[0].incoming_won);
  EXPECT_EQ(As<v1::Finding>(*r.conflicts[0].loser).severity(), v1::MEDIUM);
  EXPECT_THAT(Names(r.changed), ElementsAre("severity"));
}

TEST_F(MaxTest, HigherCurrentStays) {
  MergeResult r = Run(v1::LOW, v1::CRITICAL, v1::HIGH);
  EXPECT_EQ(s_.record.severity(), v1::CRITICAL);
  ASSERT_EQ(r.conflicts.size(), 1u);
  EXPECT_FALSE(r.conflicts[0].incoming_won);
  EXPECT_EQ(As<v1::Finding>(*r.conflicts[0].loser).severity(), v1::HIGH);
  EXPECT_THAT(r.changed, IsEmpty());
}

TEST_F(MaxTest, BothLoweredTheHigherOfTheTwoStands) {
  Run(v1::CRITICAL, v1::LOW, v1::MEDIUM);
  EXPECT_EQ(s_.record.severity(), v1::MEDIUM);
  Run(v1::CRITICAL, v1::MEDIUM, v1::LOW);
  EXPECT_EQ(s_.record.severity(), v1::MEDIUM);
}

TEST(MergeTest, MaxOnlyEditorLoweringIsApplied) {
  // Not a conflict: one side changed it, that side's value is taken.
  v1::Finding f = BaseFinding();
  f.set_severity(v1::HIGH);
  auto s = FindingServer(f);
  v1::Finding edit = f;
  edit.set_severity(v1::LOW);
  MergeResult r = s.Push({"severity"}, f, edit, A(20));
  EXPECT_THAT(r.conflicts, IsEmpty());
  EXPECT_EQ(s.record.severity(), v1::LOW);
}

// ---- SET ----

std::set<std::string> AsSet(const pb::RepeatedPtrField<std::string>& v) { return {v.begin(), v.end()}; }

v1::Finding WithTags(std::initializer_list<const char*> tags) {
  v1::Finding f = BaseFinding();
  f.clear_tags();
  for (const char* t : tags) f.add_tags(t);
  return f;
}

TEST(SetMergeTest, AdditionsAndRemovalsOfBothSides) {
  auto s = FindingServer(WithTags({"fire", "exit", "gym"}));
  v1::Finding base = s.record;
  // B removed "fire", added "chairs"; A removed "exit", added "urgent".
  ASSERT_FALSE(s.Push({"tags"}, base, WithTags({"exit", "gym", "chairs"}), B(30)).rejected);
  MergeResult r = s.Push({"tags"}, base, WithTags({"fire", "gym", "urgent"}), A(20));
  ASSERT_FALSE(r.rejected) << r.reason;
  EXPECT_EQ(AsSet(s.record.tags()), (std::set<std::string>{"gym", "chairs", "urgent"}));
  EXPECT_EQ(s.record.tags_size(), 3);
  EXPECT_THAT(r.conflicts, IsEmpty()) << "a set merge loses nothing, so it is no conflict";
  EXPECT_TRUE(r.concurrent);
  EXPECT_THAT(Names(r.changed), ElementsAre("tags"));
  EXPECT_TRUE(SameWriter(s.WriterOf("tags"), A(20)));
}

TEST(SetMergeTest, SameAdditionOnBothSidesKeptOnce) {
  auto s = FindingServer(WithTags({"fire"}));
  v1::Finding base = s.record;
  ASSERT_FALSE(s.Push({"tags"}, base, WithTags({"fire", "exit", "b-wing"}), B(10)).rejected);
  MergeResult r = s.Push({"tags"}, base, WithTags({"fire", "exit", "a-wing"}), A(20));
  EXPECT_THAT(s.record.tags(), UnorderedElementsAre("fire", "exit", "b-wing", "a-wing"));
  EXPECT_THAT(r.conflicts, IsEmpty());
}

TEST(SetMergeTest, SameRemovalOnBothSides) {
  auto s = FindingServer(WithTags({"fire", "exit", "gym"}));
  v1::Finding base = s.record;
  ASSERT_FALSE(s.Push({"tags"}, base, WithTags({"fire", "gym"}), B(10)).rejected);
  s.Push({"tags"}, base, WithTags({"fire", "exit-b"}), A(20));  // removed exit and gym, added exit-b
  EXPECT_THAT(s.record.tags(), UnorderedElementsAre("fire", "exit-b"));
}

TEST(SetMergeTest, DuplicatesInIncomingAreNotDuplicatedInResult) {
  auto s = FindingServer(WithTags({"fire"}));
  v1::Finding base = s.record;
  ASSERT_FALSE(s.Push({"tags"}, base, WithTags({"fire", "b"}), B(10)).rejected);
  s.Push({"tags"}, base, WithTags({"fire", "a", "a", "b"}), A(20));
  EXPECT_THAT(s.record.tags(), UnorderedElementsAre("fire", "a", "b"));
}

TEST(SetMergeTest, ReorderIsNotAChange) {
  auto s = FindingServer(WithTags({"fire", "exit"}));
  v1::Finding base = s.record;
  MergeResult r = s.Push({"tags"}, base, WithTags({"exit", "fire"}), A(20));
  EXPECT_THAT(r.changed, IsEmpty());
  EXPECT_THAT(s.record.tags(), ElementsAre("fire", "exit"));
}

TEST(SetMergeTest, EitherOrderGivesTheSameSet) {
  const auto base = WithTags({"fire", "exit", "gym"});
  const auto a = WithTags({"fire", "gym", "urgent"}), b = WithTags({"exit", "chairs", "urgent"});
  auto s1 = FindingServer(base), s2 = FindingServer(base);
  s1.Push({"tags"}, base, a, A(20));
  s1.Push({"tags"}, base, b, B(10));
  s2.Push({"tags"}, base, b, B(10));
  s2.Push({"tags"}, base, a, A(20));
  EXPECT_EQ(AsSet(s1.record.tags()), AsSet(s2.record.tags()));
  EXPECT_EQ(AsSet(s1.record.tags()), (std::set<std::string>{"chairs", "urgent"}));
}

TEST(SetMergeTest, InspectionInspectors) {
  v1::Inspection i;
  i.set_site_id("site-17");
  i.add_inspectors("u-ana");
  i.add_inspectors("u-ben");
  Server<v1::Inspection> s{i, CreatedBy(At(0), kCreator)};
  v1::Inspection b_edit = i, a_edit;
  b_edit.add_inspectors("u-cai");
  a_edit = i;
  a_edit.clear_inspectors();
  a_edit.add_inspectors("u-ana");  // A removed u-ben
  ASSERT_FALSE(s.Push({"inspectors"}, i, b_edit, B(10)).rejected);
  MergeResult r = s.Push({"inspectors"}, i, a_edit, A(20));
  ASSERT_FALSE(r.rejected) << r.reason;
  EXPECT_THAT(s.record.inspectors(), UnorderedElementsAre("u-ana", "u-cai"));
  EXPECT_TRUE(r.concurrent);
}

// ---- REVIEW ----

TEST(ReviewMergeTest, LaterValueStandsAndConflictIsOpen) {
  auto s = FindingServer();
  v1::Finding base = s.record, b_edit = base, a_edit = base;
  b_edit.set_description("B: chairs removed, door still sticks.");
  a_edit.set_description("A: exit blocked again on Friday.");
  ASSERT_FALSE(s.Push({"description"}, base, b_edit, B(10)).rejected);
  MergeResult r = s.Push({"description"}, base, a_edit, A(20));
  ASSERT_FALSE(r.rejected) << r.reason;
  EXPECT_EQ(s.record.description(), a_edit.description());
  ASSERT_EQ(r.conflicts.size(), 1u);
  const FieldConflict& c = r.conflicts[0];
  EXPECT_EQ(c.field->policy, v1::REVIEW);
  EXPECT_EQ(c.state, v1::CONFLICT_OPEN);
  EXPECT_TRUE(c.incoming_won);
  EXPECT_EQ(As<v1::Finding>(*c.loser).description(), b_edit.description());
  EXPECT_EQ(As<v1::Finding>(*c.base).description(), base.description());
}

TEST(ReviewMergeTest, EarlierIncomingLosesConflictStillOpen) {
  auto s = FindingServer();
  v1::Finding base = s.record, b_edit = base, a_edit = base;
  b_edit.set_description("B later");
  a_edit.set_description("A earlier");
  ASSERT_FALSE(s.Push({"description"}, base, b_edit, B(30)).rejected);
  MergeResult r = s.Push({"description"}, base, a_edit, A(20));
  EXPECT_EQ(s.record.description(), "B later");
  ASSERT_EQ(r.conflicts.size(), 1u);
  EXPECT_EQ(r.conflicts[0].state, v1::CONFLICT_OPEN);
  EXPECT_FALSE(r.conflicts[0].incoming_won);
  EXPECT_EQ(As<v1::Finding>(*r.conflicts[0].loser).description(), "A earlier");
}

TEST(ReviewMergeTest, InspectionNotes) {
  v1::Inspection i;
  i.set_notes("ok");
  Server<v1::Inspection> s{i, CreatedBy(At(0), kCreator)};
  v1::Inspection b_edit = i, a_edit = i;
  b_edit.set_notes("gate locked");
  a_edit.set_notes("gate open");
  s.Push({"notes"}, i, b_edit, B(10));
  MergeResult r = s.Push({"notes"}, i, a_edit, A(20));
  ASSERT_EQ(r.conflicts.size(), 1u);
  EXPECT_EQ(r.conflicts[0].state, v1::CONFLICT_OPEN);
  EXPECT_EQ(s.record.notes(), "gate open");
}

// ---- Invariants and the changed list ----

TEST(MergeInvariantTest, NoticeWithoutDeadlineIsRejected) {
  auto s = FindingServer();
  v1::Finding base = s.record, edit = base;
  edit.set_status(v1::NOTIFIED);  // legal move, but no deadline anywhere
  MergeResult r = s.Push({"status"}, base, edit, A(20));
  EXPECT_TRUE(r.rejected);
  EXPECT_EQ(r.reject_code, v1::INVALID);
  EXPECT_THAT(r.reason, ::testing::HasSubstr("deadline_ms"));
  EXPECT_EQ(s.record.status(), v1::OPEN);
}

TEST(MergeInvariantTest, ConcurrentEditsThatTogetherBreakAnInvariantAreRejected) {
  // The finding carries a void reason. B clears it; A, who saw it, voids the
  // finding. Each edit is fine alone; merged, a VOIDED finding has no reason.
  v1::Finding f = BaseFinding();
  f.set_void_reason("probably a duplicate");
  auto s = FindingServer(f);
  v1::Finding b_edit = f, a_edit = f;
  b_edit.clear_void_reason();
  a_edit.set_status(v1::VOIDED);
  ASSERT_FALSE(s.Push({"void_reason"}, f, b_edit, B(10)).rejected);
  MergeResult r = s.Push({"status"}, f, a_edit, A(20));
  EXPECT_TRUE(r.rejected);
  EXPECT_EQ(r.reject_code, v1::INVALID);
  EXPECT_THAT(r.reason, ::testing::HasSubstr("void_reason"));
  EXPECT_EQ(s.record.status(), v1::OPEN);
}

TEST(MergeTest, ChangedListsExactlyTheFieldsThatDifferFromCurrent) {
  auto s = FindingServer();
  v1::Finding base = s.record;
  v1::Finding b_edit = base;
  b_edit.set_category("electrical");
  b_edit.add_tags("urgent");
  ASSERT_FALSE(s.Push({"category", "tags"}, base, b_edit, B(10)).rejected);
  v1::Finding c_edit = base;
  c_edit.set_description("C's later description");
  ASSERT_FALSE(s.Push({"description"}, base, c_edit, C(30)).rejected);

  v1::Finding a_edit = base;
  a_edit.set_severity(v1::HIGH);                 // only A: applied
  a_edit.add_tags("urgent");                     // same as B: nothing
  a_edit.set_description("A's description");     // REVIEW, older than C: loses
  a_edit.set_category("structural");             // LWW, newer than B: wins
  MergeResult r = s.Push({"title", "severity", "tags", "description", "category"}, base, a_edit, A(20));
  ASSERT_FALSE(r.rejected) << r.reason;
  EXPECT_THAT(Names(r.changed), ElementsAre("category", "severity"));
  ASSERT_EQ(r.conflicts.size(), 2u);
  EXPECT_EQ(r.conflicts[0].field->field->name(), "description");
  EXPECT_FALSE(r.conflicts[0].incoming_won);
  EXPECT_EQ(r.conflicts[1].field->field->name(), "category");
  EXPECT_TRUE(r.conflicts[1].incoming_won);
  EXPECT_TRUE(r.concurrent);
  EXPECT_EQ(s.record.title(), base.title());
  EXPECT_EQ(s.record.description(), "C's later description");
  EXPECT_EQ(s.record.category(), "structural");
  EXPECT_EQ(s.record.severity(), v1::HIGH);
}

// ---- Convergence property ----

// Two devices edit the same base concurrently (random fields, values from
// small pools so that ties and equal values happen, HLC ties included). The
// server receives the two patches in either order; both orders must end in
// the same record, and LWW fields must hold the (hlc, device) winner's value.
TEST(MergePropertyTest, ConcurrentEditsConvergeInEitherOrder) {
  std::mt19937_64 rng(20260101);
  auto pick = [&](size_t n) { return static_cast<size_t>(rng() % n); };
  const char* titles[] = {"Blocked fire exit", "Exit blocked", "Chairs at exit"};
  const char* texts[] = {"Exit B is blocked by stacked chairs.", "cleared", "blocked again"};
  const v1::Severity severities[] = {v1::LOW, v1::MEDIUM, v1::HIGH, v1::CRITICAL};
  const char* tag_pool[] = {"fire", "exit", "gym", "urgent"};
  const std::vector<std::string> all_fields = {"title", "category", "deadline_ms", "severity", "description", "tags"};
  const v1::Finding base = BaseFinding();

  auto random_edit = [&](std::vector<std::string>* mask) {
    v1::Finding e = base;
    mask->clear();
    for (const auto& f : all_fields)
      if (pick(2)) mask->push_back(f);
    if (mask->empty()) mask->push_back("title");
    e.set_title(titles[pick(3)]);
    e.set_category(pick(2) ? "fire" : "egress");
    e.set_deadline_ms(pick(2) ? 0 : kT0 + static_cast<int64_t>(pick(3)) * 1000);
    e.set_severity(severities[pick(4)]);
    e.set_description(texts[pick(3)]);
    e.clear_tags();
    for (const char* t : tag_pool)
      if (pick(2)) e.add_tags(t);
    return e;
  };

  const CollectionSpec& spec = SpecFor<v1::Finding>();
  for (int iter = 0; iter < 2000; ++iter) {
    std::vector<std::string> mask_a, mask_b;
    v1::Finding ea = random_edit(&mask_a), eb = random_edit(&mask_b);
    Writer wa{At(static_cast<int64_t>(pick(3))), kDevA}, wb{At(static_cast<int64_t>(pick(3))), kDevB};
    auto s1 = FindingServer(base), s2 = FindingServer(base);
    ASSERT_FALSE(s1.Push(mask_a, base, ea, wa).rejected);
    ASSERT_FALSE(s1.Push(mask_b, base, eb, wb).rejected);
    ASSERT_FALSE(s2.Push(mask_b, base, eb, wb).rejected);
    ASSERT_FALSE(s2.Push(mask_a, base, ea, wa).rejected);
    SCOPED_TRACE("iteration " + std::to_string(iter) + "\nA: " + ea.ShortDebugString() +
                 "\nB: " + eb.ShortDebugString());
    for (const auto& name : all_fields) {
      const FieldSpec& f = *spec.FindField(name);
      EXPECT_TRUE(FieldEquals(s1.record, s2.record, f))
          << name << ": " << FieldToString(s1.record, f.field) << " vs " << FieldToString(s2.record, f.field);
    }
    // Oracle for the LWW title.
    bool a_in = std::find(mask_a.begin(), mask_a.end(), "title") != mask_a.end() && ea.title() != base.title();
    bool b_in = std::find(mask_b.begin(), mask_b.end(), "title") != mask_b.end() && eb.title() != base.title();
    std::string want = base.title();
    if (a_in && b_in) want = LwwWins(wa, wb) ? ea.title() : eb.title();
    else if (a_in) want = ea.title();
    else if (b_in) want = eb.title();
    EXPECT_EQ(s1.record.title(), want);
    if (HasFailure()) break;
  }
}

}  // namespace
}  // namespace inspectsync::core

namespace inspectsync::core {
namespace {

// Each side stays within max_items, but together they would not: the later
// edit is rejected with a reason, nothing is silently dropped.
TEST(SetMergeLimitTest, UnionPastMaxItemsIsRejected) {
  const CollectionSpec& spec = *FindCollection("findings");
  const FieldSpec& tags = *spec.FindField("tags");
  v1::Finding base, current, incoming;
  for (uint32_t i = 0; i < tags.max_items; ++i) current.add_tags("server-" + std::to_string(i));
  incoming.add_tags("device-tag");
  v1::FieldClocks clocks;
  MergeResult r = MergePatch(spec, current, clocks, {&tags}, base, incoming, Writer{1, "d"});
  ASSERT_TRUE(r.rejected);
  EXPECT_EQ(r.reject_code, v1::INVALID);
  EXPECT_NE(r.reason.find("limit is " + std::to_string(tags.max_items)), std::string::npos) << r.reason;
}

}  // namespace
}  // namespace inspectsync::core
