// DeviceStore and scope: the scope page is kept and sent back, records
// outside a narrowed scope leave the device in the same transaction, records
// with unsent edits stay until those are resolved, and backfilled records are
// checked against the next scope even if the stream that carried them was cut.
#include <gtest/gtest.h>

#include <filesystem>

#include "storage/device_store.h"
#include "tests/sdk/sdk_test_util.h"

namespace inspectsync::testing {
namespace {

using storage::DeviceStore;

constexpr char kClient[] = "01890a5d-ac96-774b-bcce-b302099a9000";

v1::Record FindingAtSite(const std::string& id, const std::string& site, uint64_t version) {
  v1::Record r;
  r.set_collection("findings");
  r.set_id(id);
  r.set_version(version);
  v1::Finding f = Finding("at " + site);
  f.set_site_id(site);
  f.set_status(v1::OPEN);
  *r.mutable_body()->mutable_finding() = f;
  return r;
}

v1::Record Zone(const std::string& id, uint64_t version) {
  v1::Record r;
  r.set_collection("zones");
  r.set_id(id);
  r.set_version(version);
  r.mutable_body()->mutable_zone()->set_name("North");
  return r;
}

v1::ScopeSet Keys(std::vector<std::string> keys) {
  v1::ScopeSet s;
  for (auto& k : keys) s.add_keys(k);
  return s;
}

class DeviceScopeTest : public SdkTest {
 protected:
  std::unique_ptr<DeviceStore> OpenStore() {
    auto s = DeviceStore::Open(dir_.File("scope.db"), kClient);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? std::move(*s) : nullptr;
  }

  // A page at `cursor` with `records`, carrying `scope` when given.
  static v1::PullResponse Page(uint64_t cursor, std::vector<v1::Record> records, const v1::ScopeSet* scope,
                               bool backfill = false) {
    v1::PullResponse p;
    for (auto& r : records) *p.add_records() = std::move(r);
    p.set_next_cursor(cursor);
    p.set_head(cursor);
    if (scope) *p.mutable_scope() = *scope;
    p.set_backfill(backfill);
    return p;
  }

  static size_t Count(DeviceStore& s, const std::string& collection) { return s.ListView(collection)->size(); }

  const std::string a1_ = "01890a5d-ac96-774b-bcce-b302099a9a01", a2_ = "01890a5d-ac96-774b-bcce-b302099a9a02",
                    b1_ = "01890a5d-ac96-774b-bcce-b302099a9b01", z_ = "01890a5d-ac96-774b-bcce-b302099a9c01";
};

TEST_F(DeviceScopeTest, ANarrowedScopeRemovesRecordsOutsideItButNotReferenceData) {
  auto s = OpenStore();
  EXPECT_EQ(s->synced_scope(), nullptr) << "no scope before the first scope page";
  v1::ScopeSet ab = Keys({"site-a", "site-b"});
  ASSERT_TRUE(s->ApplyPullPage(Page(4, {FindingAtSite(a1_, "site-a", 1), FindingAtSite(b1_, "site-b", 2),
                                        FindingAtSite(a2_, "site-a", 3), Zone(z_, 4)},
                                    &ab),
                               0)
                  .ok());
  ASSERT_NE(s->synced_scope(), nullptr);
  EXPECT_EQ(s->synced_scope()->keys_size(), 2);
  EXPECT_EQ(Count(*s, "findings"), 3u);

  v1::ScopeSet a = Keys({"site-a"});
  ASSERT_TRUE(s->ApplyPullPage(Page(4, {}, &a), 0).ok());
  EXPECT_EQ(Count(*s, "findings"), 2u);
  EXPECT_FALSE(s->GetView("findings", b1_)->has_value());
  EXPECT_EQ(s->ServerVersion("findings", b1_).value(), 0u) << "its server state went too";
  EXPECT_EQ(Count(*s, "zones"), 1u) << "zones are seen by everyone";

  // Reopened, the device still knows its scope (it sends it with each pull).
  s.reset();
  s = OpenStore();
  ASSERT_NE(s->synced_scope(), nullptr);
  EXPECT_EQ(s->synced_scope()->keys(0), "site-a");
}

TEST_F(DeviceScopeTest, ARecordWithUnsentEditsStaysUntilTheyAreResolved) {
  auto s = OpenStore();
  v1::ScopeSet ab = Keys({"site-a", "site-b"});
  ASSERT_TRUE(s->ApplyPullPage(Page(2, {FindingAtSite(a1_, "site-a", 1), FindingAtSite(b1_, "site-b", 2)}, &ab), 0)
                  .ok());
  // An offline edit of the finding at B.
  v1::Mutation m;
  m.set_client_id(kClient);
  m.set_mutation_id(1);
  m.set_collection("findings");
  m.set_record_id(b1_);
  m.set_op(v1::PATCH);
  m.set_base_version(2);
  m.mutable_mask()->add_paths("title");
  m.mutable_body()->mutable_finding()->set_title("edited offline");
  m.set_hlc(10);
  ASSERT_TRUE(s->AppendMutation(m, 10).ok());

  v1::ScopeSet a = Keys({"site-a"});
  ASSERT_TRUE(s->ApplyPullPage(Page(2, {}, &a), 0).ok());
  auto kept = s->GetView("findings", b1_);
  ASSERT_TRUE(kept.ok() && kept->has_value()) << "never dropped with an edit unsent";
  EXPECT_EQ((*kept)->body.finding().title(), "edited offline");

  // The server refuses the edit (B is no longer the device's): it goes to the
  // dead letter, and the next scope page (unchanged) removes the record.
  v1::MutationResult r;
  r.set_mutation_id(1);
  r.set_outcome(v1::REJECTED);
  r.set_reject_code(v1::PERMISSION_DENIED);
  r.set_reason("findings record belongs to a site you are not assigned to");
  ASSERT_TRUE(s->ApplyPushResults({r}, 11, 0).ok());
  ASSERT_EQ(s->ListRejected()->size(), 1u);
  ASSERT_TRUE(s->ApplyPullPage(Page(2, {}, &a), 0).ok());
  EXPECT_FALSE(s->GetView("findings", b1_)->has_value());
  EXPECT_EQ(s->ListRejected()->size(), 1u) << "the refused edit stays visible";
}

TEST_F(DeviceScopeTest, BackfillFromACutStreamIsCheckedAgainstTheNextScope) {
  auto s = OpenStore();
  v1::ScopeSet a = Keys({"site-a"});
  ASSERT_TRUE(s->ApplyPullPage(Page(5, {FindingAtSite(a1_, "site-a", 1)}, &a), 0).ok());
  // A pull backfills site B, and the stream is cut before its scope page.
  ASSERT_TRUE(s->ApplyPullPage(Page(5, {FindingAtSite(b1_, "site-b", 2)}, nullptr, /*backfill=*/true), 0).ok());
  EXPECT_EQ(Count(*s, "findings"), 2u);
  // Meanwhile B was taken away again: the next pull's scope is still {A},
  // identical to what the device holds, yet B's record must go.
  ASSERT_TRUE(s->ApplyPullPage(Page(5, {}, &a), 0).ok());
  EXPECT_EQ(Count(*s, "findings"), 1u);
  EXPECT_FALSE(s->GetView("findings", b1_)->has_value());
}

TEST_F(DeviceScopeTest, AnUnchangedScopeCostsNoWrite) {
  auto s = OpenStore();
  v1::ScopeSet a = Keys({"site-a"});
  ASSERT_TRUE(s->ApplyPullPage(Page(5, {FindingAtSite(a1_, "site-a", 1)}, &a), 0).ok());
  // A noop pull (same cursor, same scope) commits nothing: the WAL does not grow.
  auto wal = std::filesystem::file_size(dir_.File("scope.db") + "-wal");
  ASSERT_TRUE(s->ApplyPullPage(Page(5, {}, &a), 0).ok());
  EXPECT_EQ(std::filesystem::file_size(dir_.File("scope.db") + "-wal"), wal);
  v1::ScopeSet ab = Keys({"site-a", "site-b"});
  ASSERT_TRUE(s->ApplyPullPage(Page(5, {}, &ab), 0).ok());
  EXPECT_GT(std::filesystem::file_size(dir_.File("scope.db") + "-wal"), wal) << "a new scope is stored";
}

// The device created a finding at a site it held only between two scope
// pages (assigned, then unassigned, without a pull in between): the push
// result stored it, and the next scope page, equal to the last one, must
// still remove it (the simulation found it, seed 100004 with 5 tablets).
TEST_F(DeviceScopeTest, ARecordStoredFromAPushOutsideTheSyncedScopeLeavesWithTheNextScopePage) {
  auto s = OpenStore();
  v1::ScopeSet a = Keys({"site-a"});
  ASSERT_TRUE(s->ApplyPullPage(Page(1, {FindingAtSite(a1_, "site-a", 1)}, &a), 0).ok());
  v1::Mutation m;
  m.set_client_id(kClient);
  m.set_mutation_id(s->next_mutation_id());
  m.set_collection("findings");
  m.set_record_id(b1_);
  m.set_op(v1::CREATE);
  *m.mutable_body() = FindingAtSite(b1_, "site-b", 0).body();
  ASSERT_TRUE(s->AppendMutation(m, 1).ok());
  v1::MutationResult r;
  r.set_mutation_id(m.mutation_id());
  r.set_outcome(v1::APPLIED);
  *r.mutable_record() = FindingAtSite(b1_, "site-b", 2);
  ASSERT_TRUE(s->ApplyPushResults({r}, 2, 0).ok());
  EXPECT_EQ(Count(*s, "findings"), 2u);
  // The same scope as before: site-b was gained and lost in between.
  ASSERT_TRUE(s->ApplyPullPage(Page(3, {}, &a), 3).ok());
  EXPECT_EQ(Count(*s, "findings"), 1u);
  EXPECT_FALSE(s->GetView("findings", b1_)->has_value());
}

}  // namespace
}  // namespace inspectsync::testing
