// DeviceStore: the view fold, the outbox/ack bookkeeping and the guards that
// keep a stale or repeated answer from the server from doing harm.
#include "storage/device_store.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "storage/sqlite_util.h"
#include "storage/wal_checkpointer.h"
#include "tests/sdk/sdk_test_util.h"

namespace inspectsync::testing {
namespace {

using storage::DeviceStore;
using storage::FoldView;
using storage::ViewRecord;

constexpr char kClient[] = "01890a5d-ac96-774b-bcce-b302099a8000";
constexpr char kId[] = "01890a5d-ac96-774b-bcce-b302099a8001";

v1::Mutation Create(uint64_t mid, const v1::Finding& f) {
  v1::Mutation m;
  m.set_client_id(kClient);
  m.set_mutation_id(mid);
  m.set_collection("findings");
  m.set_record_id(kId);
  m.set_op(v1::CREATE);
  *m.mutable_body()->mutable_finding() = f;
  m.set_hlc(mid);
  return m;
}

v1::Mutation PatchTitle(uint64_t mid, const std::string& title) {
  v1::Mutation m = Create(mid, v1::Finding());
  m.set_op(v1::PATCH);
  m.mutable_mask()->add_paths("title");
  m.mutable_body()->mutable_finding()->set_title(title);
  return m;
}

v1::Record ServerRecord(uint64_t version, const std::string& title, bool deleted = false) {
  v1::Record r;
  r.set_collection("findings");
  r.set_id(kId);
  r.set_version(version);
  r.set_deleted(deleted);
  v1::Finding f = Finding(title);
  f.set_status(v1::OPEN);
  *r.mutable_body()->mutable_finding() = f;
  return r;
}

ViewRecord AsView(const v1::Record& r) {
  ViewRecord v;
  v.collection = r.collection();
  v.id = r.id();
  v.version = r.version();
  v.deleted = r.deleted();
  v.body = r.body();
  return v;
}

TEST(FoldViewTest, ServerStatePlusPendingInOrder) {
  ViewRecord server = AsView(ServerRecord(5, "server"));
  auto v = FoldView("findings", kId, &server, {PatchTitle(1, "a"), PatchTitle(2, "b")});
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->body.finding().title(), "b");
  EXPECT_EQ(v->body.finding().description(), server.body.finding().description());
  EXPECT_EQ(v->version, 5u);
  EXPECT_TRUE(v->pending);

  v = FoldView("findings", kId, &server, {});
  EXPECT_FALSE(v->pending);
  EXPECT_EQ(v->body.finding().title(), "server");
}

TEST(FoldViewTest, CreateDeleteAndPatchOnTombstone) {
  // Nothing at all: no row.
  EXPECT_FALSE(FoldView("findings", kId, nullptr, {}).has_value());
  // A patch of a record the device never had shows nothing.
  EXPECT_FALSE(FoldView("findings", kId, nullptr, {PatchTitle(1, "x")}).has_value());
  // A local create.
  auto v = FoldView("findings", kId, nullptr, {Create(1, Finding("new")), PatchTitle(2, "newer")});
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->body.finding().title(), "newer");
  EXPECT_EQ(v->version, 0u);
  // A pending delete tombstones.
  v1::Mutation del = Create(3, v1::Finding());
  del.set_op(v1::DELETE);
  del.clear_body();
  ViewRecord server = AsView(ServerRecord(5, "server"));
  v = FoldView("findings", kId, &server, {del});
  EXPECT_TRUE(v->deleted);
  // Deleted on the server, edited here: the update wins, as on the server.
  ViewRecord tomb = AsView(ServerRecord(6, "server", /*deleted=*/true));
  v = FoldView("findings", kId, &tomb, {PatchTitle(4, "kept")});
  EXPECT_FALSE(v->deleted);
  EXPECT_EQ(v->body.finding().title(), "kept");
}

class DeviceStoreTest : public ::testing::Test {
 protected:
  std::unique_ptr<DeviceStore> OpenStore() {
    auto s = DeviceStore::Open(dir_.File("store.db"), kClient);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? std::move(*s) : nullptr;
  }
  TempDir dir_;
};

TEST_F(DeviceStoreTest, MutationIdsAreAllocatedInOrderOnly) {
  auto s = OpenStore();
  EXPECT_EQ(s->next_mutation_id(), 1u);
  EXPECT_EQ(s->AppendMutation(Create(2, Finding()), 2).code(), StatusCode::kInternal);
  ASSERT_OK(s->AppendMutation(Create(1, Finding()), 1));
  EXPECT_EQ(s->next_mutation_id(), 2u);
  EXPECT_EQ(*s->OutboxCount(), 1u);
}

TEST_F(DeviceStoreTest, BatchAppendIsInOrderAndAllOrNothing) {
  auto s = OpenStore();
  v1::Mutation second = PatchTitle(2, "patched");
  EXPECT_EQ(s->AppendMutations({Create(1, Finding("made")), PatchTitle(3, "gap")}, 3).code(), StatusCode::kInternal);
  EXPECT_EQ(*s->OutboxCount(), 0u);
  EXPECT_EQ(s->next_mutation_id(), 1u);
  ASSERT_OK(s->AppendMutations({Create(1, Finding("made")), second}, 2));
  EXPECT_EQ(s->next_mutation_id(), 3u);
  EXPECT_EQ(s->last_hlc(), 2u);
  EXPECT_EQ(*s->OutboxCount(), 2u);
  auto v = s->GetView("findings", kId);
  ASSERT_TRUE(v->has_value());
  EXPECT_EQ((*v)->body.finding().title(), "patched");  // both folded, in order
  EXPECT_TRUE((*v)->pending);
}

TEST_F(DeviceStoreTest, AckThroughCoversOnlyProcessedPrefix) {
  auto s = OpenStore();
  ASSERT_OK(s->AppendMutation(Create(1, Finding()), 1));
  ASSERT_OK(s->AppendMutation(PatchTitle(2, "a"), 2));
  ASSERT_OK(s->AppendMutation(PatchTitle(3, "b"), 3));
  EXPECT_EQ(*s->AckThrough(), 0u);
  v1::MutationResult r;
  r.set_mutation_id(1);
  r.set_outcome(v1::APPLIED);
  *r.mutable_record() = ServerRecord(10, "t");
  ASSERT_OK(s->ApplyPushResults({r}, 0, 0));
  // Stored, but not acknowledged before it is durable (the server would forget it).
  EXPECT_EQ(*s->AckThrough(), 0u);
  ASSERT_OK(s->MakeDurable());
  EXPECT_EQ(*s->AckThrough(), 1u);
  // A duplicate answer for an already processed mutation changes nothing.
  auto again = s->ApplyPushResults({r}, 0, 0);
  ASSERT_OK(again);
  EXPECT_TRUE(again->processed.empty());
  // An outcome this build does not know keeps the mutation for a resend.
  v1::MutationResult odd;
  odd.set_mutation_id(2);
  odd.set_outcome(static_cast<v1::Outcome>(42));
  auto kept = s->ApplyPushResults({odd}, 0, 0);
  ASSERT_OK(kept);
  EXPECT_TRUE(kept->processed.empty());
  EXPECT_EQ(*s->OutboxCount(), 2u);
  auto batch = s->OutboxBatch(0, 100, 10, 1 << 20);
  ASSERT_EQ(batch->size(), 2u);
  EXPECT_EQ((*batch)[0].mutation_id(), 2u);
}

TEST_F(DeviceStoreTest, OlderServerVersionsNeverOverwriteNewerOnes) {
  auto s = OpenStore();
  v1::PullResponse page;
  *page.add_records() = ServerRecord(9, "nine");
  page.set_next_cursor(9);
  ASSERT_OK(s->ApplyPullPage(page, 0));
  v1::PullResponse stale;
  *stale.add_records() = ServerRecord(4, "four");
  stale.set_next_cursor(4);
  ASSERT_OK(s->ApplyPullPage(stale, 0));
  EXPECT_EQ(s->cursor(), 9u);  // never moves back
  auto v = s->GetView("findings", kId);
  ASSERT_TRUE(v->has_value());
  EXPECT_EQ((*v)->body.finding().title(), "nine");
  EXPECT_EQ((*v)->version, 9u);
  EXPECT_EQ(*s->ServerVersion("findings", kId), 9u);
}

TEST_F(DeviceStoreTest, StateSurvivesReopen) {
  {
    auto s = OpenStore();
    ASSERT_OK(s->AppendMutation(Create(1, Finding()), 77));
    v1::PullResponse page;
    page.set_next_cursor(12);
    ASSERT_OK(s->ApplyPullPage(page, 99));
  }
  auto s = DeviceStore::Open(dir_.File("store.db"), "01890a5d-ac96-774b-bcce-b302099a8fff");
  ASSERT_OK(s);
  EXPECT_EQ((*s)->client_id(), kClient);  // the first id stays
  EXPECT_EQ((*s)->next_mutation_id(), 2u);
  EXPECT_EQ((*s)->cursor(), 12u);
  EXPECT_EQ((*s)->last_hlc(), 99u);
  EXPECT_EQ(*(*s)->OutboxCount(), 1u);
}

// The main file's size, whatever the WAL holds.
uintmax_t MainFileBytes(const std::string& path) { return std::filesystem::file_size(path); }

// Writes `rows` rows of 4 KiB in one transaction: about `rows` WAL pages.
void WriteRows(SQLite::Database& db, int rows) {
  SQLite::Transaction txn(db);
  db.exec("CREATE TABLE IF NOT EXISTS t (x BLOB)");
  SQLite::Statement q(db, "INSERT INTO t (x) VALUES (zeroblob(4096))");
  for (int i = 0; i < rows; ++i) {
    q.exec();
    q.reset();
  }
  txn.commit();
}

bool Eventually(const std::function<bool()>& f) {
  for (int i = 0; i < 1000 && !f(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  return f();
}

TEST(WalCheckpointerTest, TheCommitItselfNeverCheckpoints) {
  TempDir dir;
  std::string path = dir.File("w.db");
  auto db = storage::OpenDatabase(path);
  ASSERT_OK(db);
  auto ckpt = storage::WalCheckpointer::Start(**db, path, /*pages=*/1 << 30);  // never due
  ASSERT_OK(ckpt);
  uintmax_t before = MainFileBytes(path);
  WriteRows(**db, 3000);  // far past SQLite's own auto-checkpoint threshold (1,000 pages)
  EXPECT_EQ(MainFileBytes(path), before);  // everything is still in the WAL only
  EXPECT_EQ((*ckpt)->checkpoints(), 0);
  EXPECT_EQ((*db)->execAndGet("SELECT COUNT(*) FROM t").getInt(), 3000);
}

TEST(WalCheckpointerTest, ABigCommitIsCheckpointedBehindAndSurvivesReopen) {
  TempDir dir;
  std::string path = dir.File("w.db");
  {
    auto db = storage::OpenDatabase(path);
    ASSERT_OK(db);
    auto ckpt = storage::WalCheckpointer::Start(**db, path, /*pages=*/100);
    ASSERT_OK(ckpt);
    WriteRows(**db, 500);
    ASSERT_TRUE(Eventually([&] { return (*ckpt)->checkpoints() >= 1; }));
    EXPECT_GE(MainFileBytes(path), 500u * 4096u);  // the pages reached the main file
    WriteRows(**db, 50);                             // under the threshold: stays in the WAL
  }
  auto db = storage::OpenDatabase(path);
  ASSERT_OK(db);
  EXPECT_EQ((*db)->execAndGet("SELECT COUNT(*) FROM t").getInt(), 550);
}

TEST_F(DeviceStoreTest, BigTransactionsAreCheckpointedBehindTheCommit) {
  {
    auto s = OpenStore();
    std::vector<v1::Mutation> many;
    for (uint64_t i = 1; i <= 3000; ++i) {
      v1::Mutation m = Create(i, Finding(std::string(1000, 'x')));
      if (i > 1) m.set_record_id("01890a5d-ac96-774b-bcce-" + std::to_string(100000000000 + i));
      many.push_back(m);
    }
    ASSERT_OK(s->AppendMutations(many, 3000));
    // The background checkpoint copies the pages into the main file.
    EXPECT_TRUE(Eventually([&] { return MainFileBytes(dir_.File("store.db")) > 3000u * 1000u; }));
    ASSERT_OK(s->AppendMutation(PatchTitle(3001, "last"), 3001));
  }
  auto s = OpenStore();
  EXPECT_EQ(*s->OutboxCount(), 3001u);
  auto v = s->GetView("findings", kId);
  ASSERT_TRUE(v.ok() && v->has_value());
  EXPECT_EQ((*v)->body.finding().title(), "last");
}

TEST_F(DeviceStoreTest, RejectedResultMovesToDeadLetterAtomically) {
  auto s = OpenStore();
  ASSERT_OK(s->AppendMutation(Create(1, Finding("mine")), 1));
  v1::MutationResult r;
  r.set_mutation_id(1);
  r.set_outcome(v1::REJECTED);
  r.set_reject_code(v1::ALREADY_EXISTS);
  auto applied = s->ApplyPushResults({r}, 0, 1234);
  ASSERT_OK(applied);
  ASSERT_EQ(applied->rejected.size(), 1u);
  EXPECT_FALSE(applied->rejected[0].reason.empty());  // never a silent loss
  EXPECT_EQ(*s->OutboxCount(), 0u);
  EXPECT_FALSE(s->GetView("findings", kId)->has_value());
  auto letters = s->ListRejected();
  ASSERT_EQ(letters->size(), 1u);
  EXPECT_EQ((*letters)[0].code, v1::ALREADY_EXISTS);
  EXPECT_EQ((*letters)[0].rejected_at_ms, 1234);
  EXPECT_EQ((*letters)[0].mutation.body().finding().title(), "mine");
}

TEST_F(DeviceStoreTest, AResultRecordForAnotherRecordIsIgnored) {
  auto s = OpenStore();
  ASSERT_OK(s->AppendMutation(Create(1, Finding()), 1));
  v1::MutationResult r;
  r.set_mutation_id(1);
  r.set_outcome(v1::APPLIED);
  *r.mutable_record() = ServerRecord(3, "t");
  r.mutable_record()->set_id("01890a5d-ac96-774b-bcce-b302099a8999");
  ASSERT_OK(s->ApplyPushResults({r}, 0, 0));
  EXPECT_EQ(*s->ServerVersion("findings", "01890a5d-ac96-774b-bcce-b302099a8999"), 0u);
}

// Results and pages are stored from the record in hand, and with nothing
// pending the view is the server state as it is; a record that still has
// pending edits keeps them folded in, in every path.
TEST_F(DeviceStoreTest, AppliedResultWithOtherEditsPendingKeepsThemInTheView) {
  auto s = OpenStore();
  ASSERT_OK(s->AppendMutation(Create(1, Finding("created")), 1));
  ASSERT_OK(s->AppendMutation(PatchTitle(2, "edited"), 2));
  v1::MutationResult r;
  r.set_mutation_id(1);
  r.set_outcome(v1::APPLIED);
  *r.mutable_record() = ServerRecord(10, "created");
  ASSERT_OK(s->ApplyPushResults({r}, 0, 0));
  auto v = s->GetView("findings", kId);
  ASSERT_TRUE(v->has_value());
  EXPECT_EQ((*v)->body.finding().title(), "edited");
  EXPECT_TRUE((*v)->pending);
  EXPECT_EQ((*v)->version, 10u);

  r.set_mutation_id(2);
  *r.mutable_record() = ServerRecord(11, "edited");
  ASSERT_OK(s->ApplyPushResults({r}, 0, 0));
  v = s->GetView("findings", kId);
  EXPECT_EQ((*v)->body.finding().title(), "edited");
  EXPECT_FALSE((*v)->pending);
  EXPECT_EQ((*v)->version, 11u);
  EXPECT_EQ(*s->ServerVersion("findings", kId), 11u);
}

TEST_F(DeviceStoreTest, MergedResultShowsTheServersBodyNotTheLocalOne) {
  auto s = OpenStore();
  ASSERT_OK(s->AppendMutation(Create(1, Finding("mine")), 1));
  v1::MutationResult r;
  r.set_mutation_id(1);
  r.set_outcome(v1::MERGED);
  *r.mutable_record() = ServerRecord(7, "merged on the server");
  ASSERT_OK(s->ApplyPushResults({r}, 0, 0));
  auto v = s->GetView("findings", kId);
  ASSERT_TRUE(v->has_value());
  EXPECT_EQ((*v)->body.finding().title(), "merged on the server");
  EXPECT_FALSE((*v)->pending);
}

TEST_F(DeviceStoreTest, AppliedResultOlderThanTheStoredStateRecomputesFromIt) {
  auto s = OpenStore();
  ASSERT_OK(s->AppendMutation(Create(1, Finding("mine")), 1));
  v1::PullResponse page;  // a newer version arrived first (e.g. after a lost push response)
  *page.add_records() = ServerRecord(20, "newer");
  page.set_next_cursor(20);
  ASSERT_OK(s->ApplyPullPage(page, 0));
  EXPECT_EQ((*s->GetView("findings", kId))->body.finding().title(), "mine");  // still pending on top
  v1::MutationResult r;
  r.set_mutation_id(1);
  r.set_outcome(v1::APPLIED);
  *r.mutable_record() = ServerRecord(5, "mine");
  ASSERT_OK(s->ApplyPushResults({r}, 0, 0));
  auto v = s->GetView("findings", kId);
  EXPECT_EQ((*v)->body.finding().title(), "newer");
  EXPECT_EQ((*v)->version, 20u);
  EXPECT_FALSE((*v)->pending);
}

TEST_F(DeviceStoreTest, PulledRecordsFoldPendingEditsAlsoAfterReopen) {
  {
    auto s = OpenStore();
    v1::PullResponse page;
    *page.add_records() = ServerRecord(3, "server");
    page.set_next_cursor(3);
    ASSERT_OK(s->ApplyPullPage(page, 0));
    ASSERT_OK(s->AppendMutation(PatchTitle(1, "local"), 1));
  }
  // The pending count is reloaded from the file: the pulled version must not
  // hide the local edit.
  auto s = OpenStore();
  v1::PullResponse page;
  *page.add_records() = ServerRecord(8, "server again");
  page.set_next_cursor(8);
  ASSERT_OK(s->ApplyPullPage(page, 0));
  auto v = s->GetView("findings", kId);
  EXPECT_EQ((*v)->body.finding().title(), "local");
  EXPECT_TRUE((*v)->pending);
  EXPECT_EQ((*v)->version, 8u);
}

// Schema v4: with nothing pending, a record has no view row at all (its view
// is its server state, body stored once); a pending edit gets a row with its
// own body, which goes again once the edit is acknowledged.
TEST_F(DeviceStoreTest, OnlyRecordsWithPendingEditsHaveAViewRow) {
  auto s = OpenStore();
  auto view_rows = [&] {
    SQLite::Database db(dir_.File("store.db"), SQLite::OPEN_READONLY);
    return db.execAndGet("SELECT COUNT(*) FROM local_view").getInt();
  };
  auto body_bytes = [&] {
    SQLite::Database db(dir_.File("store.db"), SQLite::OPEN_READONLY);
    return db.execAndGet("SELECT COALESCE(SUM(length(body)), 0) FROM local_view").getInt();
  };
  v1::PullResponse page;
  *page.add_records() = ServerRecord(4, "pulled");
  page.set_next_cursor(4);
  ASSERT_OK(s->ApplyPullPage(page, 0));
  EXPECT_EQ(view_rows(), 0);
  EXPECT_EQ((*s->GetView("findings", kId))->body.finding().title(), "pulled");
  EXPECT_EQ((*s->GetView("findings", kId))->version, 4u);
  EXPECT_FALSE((*s->GetView("findings", kId))->pending);
  auto listed = s->ListView("findings");
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].body.finding().title(), "pulled");
  EXPECT_EQ((*listed)[0].body.finding().description(), ServerRecord(4, "x").body().finding().description());

  ASSERT_OK(s->AppendMutation(PatchTitle(1, "local"), 1));
  EXPECT_EQ(view_rows(), 1);
  EXPECT_GT(body_bytes(), 0);
  EXPECT_EQ((*s->GetView("findings", kId))->body.finding().title(), "local");
  listed = s->ListView("findings");
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].body.finding().title(), "local");
  EXPECT_TRUE((*listed)[0].pending);

  v1::MutationResult r;
  r.set_mutation_id(1);
  r.set_outcome(v1::APPLIED);
  *r.mutable_record() = ServerRecord(6, "local");
  ASSERT_OK(s->ApplyPushResults({r}, 0, 0));
  EXPECT_EQ(view_rows(), 0);
  auto v = s->GetView("findings", kId);
  EXPECT_EQ((*v)->body.finding().title(), "local");
  EXPECT_EQ((*v)->version, 6u);
  EXPECT_FALSE((*v)->pending);
}

// ListView merges view rows and server rows in id order: a pending edit
// stands for its record, a pending delete hides it, a local create shows
// without a server row, a server tombstone does not show.
TEST_F(DeviceStoreTest, ListViewMergesViewRowsWithServerState) {
  auto s = OpenStore();
  auto rec = [](const std::string& id, uint64_t version, const std::string& title, bool deleted = false) {
    v1::Record r = ServerRecord(version, title, deleted);
    r.set_id(id);
    return r;
  };
  auto with_id = [](v1::Mutation m, const std::string& id) {
    m.set_record_id(id);
    return m;
  };
  const std::string a = "01890a5d-ac96-774b-bcce-b302099a8a01", b = "01890a5d-ac96-774b-bcce-b302099a8a02",
                    c = "01890a5d-ac96-774b-bcce-b302099a8a03", d = "01890a5d-ac96-774b-bcce-b302099a8a04",
                    e = "01890a5d-ac96-774b-bcce-b302099a8a05", f = "01890a5d-ac96-774b-bcce-b302099a8a06";
  v1::PullResponse page;
  *page.add_records() = rec(a, 1, "a");
  *page.add_records() = rec(b, 2, "b");
  *page.add_records() = rec(d, 3, "d", /*deleted=*/true);
  *page.add_records() = rec(e, 4, "e");
  *page.add_records() = rec(f, 5, "f");
  page.set_next_cursor(5);
  ASSERT_OK(s->ApplyPullPage(page, 0));
  v1::Mutation del = with_id(Create(3, v1::Finding()), e);
  del.set_op(v1::DELETE);
  del.clear_body();
  ASSERT_OK(s->AppendMutations({with_id(PatchTitle(1, "b edited"), b), with_id(Create(2, Finding("c new")), c), del},
                               3));
  auto listed = s->ListView("findings");
  ASSERT_TRUE(listed.ok());
  std::vector<std::string> got;
  for (const ViewRecord& r : *listed) got.push_back(r.id + "=" + r.body.finding().title() + (r.pending ? "*" : ""));
  EXPECT_EQ(got, (std::vector<std::string>{a + "=a", b + "=b edited*", c + "=c new*", f + "=f"}));
  EXPECT_TRUE((*s->GetView("findings", e))->deleted);
  EXPECT_TRUE((*s->GetView("findings", d))->deleted);
  EXPECT_FALSE((*s->GetView("findings", "01890a5d-ac96-774b-bcce-b302099a8a09")).has_value());
}

// server_records as schema v1-v4 had it (WITHOUT ROWID, keyed by its primary key).
void BackToServerRecordsWithoutRowid(SQLite::Database& db) {
  db.exec(
      "CREATE TABLE server_records_old (collection TEXT NOT NULL, id TEXT NOT NULL, version INTEGER NOT NULL, "
      "deleted INTEGER NOT NULL, record BLOB NOT NULL, PRIMARY KEY (collection, id)) WITHOUT ROWID;"
      "INSERT INTO server_records_old SELECT collection, id, version, deleted, record FROM server_records;"
      "DROP TABLE server_records;"
      "ALTER TABLE server_records_old RENAME TO server_records;");
}

// A v1 file (every view row with its own body) opens and reads the same; its
// rows that equal the server state go (v2, then v4).
TEST_F(DeviceStoreTest, MigratesAVersion1FileKeepingWhatTheAppSees) {
  {
    auto s = OpenStore();
    v1::PullResponse page;
    *page.add_records() = ServerRecord(4, "pulled");
    page.set_next_cursor(4);
    ASSERT_OK(s->ApplyPullPage(page, 0));
  }
  {
    // Back to what v1 wrote: a view row with a literal body for every record.
    SQLite::Database db(dir_.File("store.db"), SQLite::OPEN_READWRITE);
    std::string body = ServerRecord(4, "pulled").body().SerializeAsString();
    SQLite::Statement q(db,
                        "INSERT INTO local_view (collection, id, version, deleted, pending, body) "
                        "SELECT collection, id, version, deleted, 0, ? FROM server_records");
    q.bind(1, body.data(), static_cast<int>(body.size()));
    ASSERT_EQ(q.exec(), 1);
    // ... and without what later versions added.
    db.exec("DROP TABLE attachment_uploads; DROP TABLE attachment_blobs");
    BackToServerRecordsWithoutRowid(db);
    db.exec("PRAGMA user_version=1");
  }
  auto s = OpenStore();
  EXPECT_EQ((*s->GetView("findings", kId))->body.finding().title(), "pulled");
  SQLite::Database db(dir_.File("store.db"), SQLite::OPEN_READONLY);
  EXPECT_EQ(db.execAndGet("PRAGMA user_version").getInt(), 5);  // and on through the later migrations
  EXPECT_EQ(db.execAndGet("SELECT COUNT(*) FROM local_view").getInt(), 0);
}

// A v3 file (a view row for every record: pointers with an empty body when
// nothing is pending, a literal body for pending edits) migrates to v4: the
// pointer rows go, the pending rows stay, and the app sees the same views
// before and after, pending edits and their later results included.
TEST_F(DeviceStoreTest, MigratesAVersion3FileKeepingWhatTheAppSees) {
  const std::string other = "01890a5d-ac96-774b-bcce-b302099a8b01";
  std::vector<ViewRecord> before;
  {
    auto s = OpenStore();
    v1::PullResponse page;
    *page.add_records() = ServerRecord(4, "pulled");
    v1::Record o = ServerRecord(5, "other");
    o.set_id(other);
    *page.add_records() = o;
    v1::Record gone = ServerRecord(6, "tombstone", /*deleted=*/true);
    gone.set_id("01890a5d-ac96-774b-bcce-b302099a8b02");
    *page.add_records() = gone;
    page.set_next_cursor(6);
    ASSERT_OK(s->ApplyPullPage(page, 0));
    ASSERT_OK(s->AppendMutation(PatchTitle(1, "local"), 1));
    before = *s->ListView("findings");
  }
  {
    // Back to what v3 wrote: a pointer row (empty body) for every record
    // with nothing pending; the pending row (literal body) is v3's too.
    SQLite::Database db(dir_.File("store.db"), SQLite::OPEN_READWRITE);
    ASSERT_EQ(db.exec("INSERT INTO local_view (collection, id, version, deleted, pending, body) "
                      "SELECT collection, id, version, deleted, 0, x'' FROM server_records s WHERE NOT EXISTS "
                      "(SELECT 1 FROM local_view v WHERE v.collection = s.collection AND v.id = s.id)"),
              2);
    BackToServerRecordsWithoutRowid(db);
    db.exec("PRAGMA user_version=3");
  }
  auto s = OpenStore();
  {
    SQLite::Database db(dir_.File("store.db"), SQLite::OPEN_READONLY);
    EXPECT_EQ(db.execAndGet("PRAGMA user_version").getInt(), 5);
    EXPECT_EQ(db.execAndGet("SELECT COUNT(*) FROM local_view").getInt(), 1);
    EXPECT_EQ(db.execAndGet("SELECT id FROM local_view").getString(), kId);
    EXPECT_EQ(db.execAndGet("SELECT COUNT(*) FROM server_records").getInt(), 3);  // v5 copied every row
  }
  auto after = s->ListView("findings");
  ASSERT_TRUE(after.ok());
  ASSERT_EQ(after->size(), before.size());
  for (size_t i = 0; i < before.size(); ++i) {
    EXPECT_EQ((*after)[i].id, before[i].id);
    EXPECT_EQ((*after)[i].version, before[i].version);
    EXPECT_EQ((*after)[i].pending, before[i].pending);
    EXPECT_EQ((*after)[i].body.SerializeAsString(), before[i].body.SerializeAsString());
  }
  EXPECT_EQ((*s->GetView("findings", kId))->body.finding().title(), "local");
  EXPECT_EQ((*s->GetView("findings", other))->body.finding().title(), "other");
  EXPECT_TRUE((*s->GetView("findings", "01890a5d-ac96-774b-bcce-b302099a8b02"))->deleted);
  // The pending edit's result lands on the migrated file as on a new one.
  v1::MutationResult r;
  r.set_mutation_id(1);
  r.set_outcome(v1::APPLIED);
  *r.mutable_record() = ServerRecord(7, "local");
  ASSERT_OK(s->ApplyPushResults({r}, 0, 0));
  auto v = s->GetView("findings", kId);
  EXPECT_EQ((*v)->body.finding().title(), "local");
  EXPECT_EQ((*v)->version, 7u);
  EXPECT_FALSE((*v)->pending);
  SQLite::Database db(dir_.File("store.db"), SQLite::OPEN_READONLY);
  EXPECT_EQ(db.execAndGet("SELECT COUNT(*) FROM local_view").getInt(), 0);
}

}  // namespace
}  // namespace inspectsync::testing
