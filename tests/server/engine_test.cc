// SyncEngine over a real SQLite store in a temp dir: push outcomes, merge by
// policy, idempotency, bad input, pull paging.
#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>

#include <atomic>
#include <algorithm>
#include <cstdio>
#include <random>
#include <set>
#include <thread>

#include "core/ids.h"
#include "inspectsync/storage/ledger.pb.h"
#include "server/sync_engine.h"
#include "tests/testing/mutations.h"
#include "tests/testing/temp_dir.h"

namespace inspectsync::server {
namespace {

using testing::Batch;
using testing::CreateFinding;
using testing::PatchFinding;
using testing::SampleFinding;

const std::string kA = "0190a000-0000-7000-8000-00000000000a";
const std::string kB = "0190a000-0000-7000-8000-00000000000b";

class EngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = storage::OpenSqliteServerStore(dir_.File("server.db"));
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
    EngineOptions o;
    o.clock = &clock_;
    o.id_seed = 42;
    o.max_batch = 10;
    engine_ = std::make_unique<SyncEngine>(store_.get(), o);
  }

  v1::MutationResult PushOne(const v1::Mutation& m) {
    auto r = engine_->Push(Batch({m}), Caller{"tester"});
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (!r.ok() || r->results_size() != 1) return {};
    return r->results(0);
  }

  uint64_t Head() { return *store_->Head(); }

  // Creates a finding from client A and returns its server version.
  uint64_t Seed(const std::string& id, const v1::Finding& f) {
    auto r = PushOne(CreateFinding(kA, next_a_++, id, f));
    EXPECT_EQ(r.outcome(), v1::APPLIED) << r.reason();
    return r.record().version();
  }

  std::vector<v1::Record> PullAll(uint64_t cursor = 0, uint32_t page = 0) {
    v1::PullRequest req;
    req.set_protocol_version(1);
    req.set_cursor(cursor);
    req.set_page_size(page);
    auto plan = engine_->StartPull(req, Caller{});
    EXPECT_TRUE(plan.ok()) << plan.status().ToString();
    std::vector<v1::Record> out;
    for (int guard = 0; guard < 10000 && !plan->done; ++guard) {
      auto p = engine_->NextPage(req, &*plan);
      EXPECT_TRUE(p.ok());
      for (const auto& r : p->records()) out.push_back(r);
      ++pages_;
    }
    return out;
  }

  testing::TempDir dir_;
  core::ManualClock clock_;
  std::unique_ptr<storage::ServerStore> store_;
  std::unique_ptr<SyncEngine> engine_;
  uint64_t next_a_ = 1;
  int pages_ = 0;
  core::IdGenerator ids_{&clock_, 7};
};

// Turns the ledger of a current store back into the per-mutation rows of
// builds before migration 11 (table mutation_results, one row per result),
// without migration 12's acked_through, and sets user_version to 10 (or
// leaves a lower one); `table_options` is "" or "WITHOUT ROWID".
void RewindLedgerToPerMutationRows(SQLite::Database& db, const std::string& table_options) {
  db.exec("CREATE TABLE mutation_results (client_id TEXT NOT NULL, mutation_id INTEGER NOT NULL, result BLOB NOT NULL, "
          "PRIMARY KEY (client_id, mutation_id)) " + table_options);
  SQLite::Statement rows(db, "SELECT client_id, results FROM push_results");
  SQLite::Statement put(db, "INSERT INTO mutation_results(client_id, mutation_id, result) VALUES(?,?,?)");
  while (rows.executeStep()) {
    storage::pb::LedgerBatch batch;
    ASSERT_TRUE(batch.ParseFromArray(rows.getColumn(1).getBlob(), rows.getColumn(1).getBytes()));
    for (const auto& r : batch.results()) {
      std::string blob = r.SerializeAsString();
      put.bind(1, rows.getColumn(0).getString());
      put.bind(2, static_cast<int64_t>(r.mutation_id()));
      put.bind(3, blob.data(), static_cast<int>(blob.size()));
      put.exec();
      put.reset();
    }
  }
  rows.reset();
  db.exec("DROP TABLE push_results");
  // Nor had clients the resend mark (migration 12), the acknowledgement mark
  // (13) or the device list's columns (14).
  for (const char* column : {"resend_from", "acked_through", "user_id", "last_push_ms", "last_pull_ms", "accepted",
                             "rejected", "last_reject_code", "last_reject_reason", "last_reject_ms"})
    if (db.execAndGet(std::string("SELECT COUNT(*) FROM pragma_table_info('clients') WHERE name='") + column + "'")
            .getInt() > 0)
      db.exec(std::string("ALTER TABLE clients DROP COLUMN ") + column);
  int version = db.execAndGet("PRAGMA user_version").getInt();
  if (version > 10) db.exec("PRAGMA user_version=10");
}

TEST_F(EngineTest, CreateIsAppliedAndVersionedBySeq) {
  std::string id = ids_.NewUuidV7();
  auto r = PushOne(CreateFinding(kA, 1, id, SampleFinding()));
  EXPECT_EQ(r.outcome(), v1::APPLIED);
  EXPECT_EQ(r.record().version(), 1u);
  EXPECT_EQ(r.record().meta().device_id(), kA);
  EXPECT_EQ(r.record().meta().author(), "tester");
  EXPECT_EQ(r.record().body().finding().title(), "Gas alarm not serviced");
  EXPECT_EQ(Head(), 1u);
}

TEST_F(EngineTest, RetriedPushIsAppliedOnceWithTheOriginalResult) {
  std::string id = ids_.NewUuidV7();
  v1::Mutation m = CreateFinding(kA, 1, id, SampleFinding());
  auto first = PushOne(m);
  auto again = PushOne(m);  // the response to the first was "lost"
  EXPECT_EQ(again.SerializeAsString(), first.SerializeAsString());
  EXPECT_EQ(Head(), 1u);
  std::vector<storage::VersionRow> hist;
  ASSERT_TRUE(store_->History("findings", id, &hist).ok());
  EXPECT_EQ(hist.size(), 1u);
}

// The ledger keeps a result's record as a reference to its history version;
// a replay (also after a restart, and of every outcome) rebuilds exactly what
// the first answer said, and ledger rows stay small.
TEST_F(EngineTest, ReplaysOfEveryOutcomeMatchTheOriginalAfterReopenAndLedgerRowsStaySmall) {
  std::string id = ids_.NewUuidV7();
  v1::Finding f = SampleFinding();
  f.set_description(std::string(400, 'd'));
  v1::Mutation create = CreateFinding(kA, 1, id, f);
  v1::MutationResult created = PushOne(create);
  ASSERT_EQ(created.outcome(), v1::APPLIED);
  v1::Finding a = f, b = f;
  a.set_responsible_org("District Gas Co.");
  b.set_responsible_org("School logistics office");
  v1::Mutation patch_a = PatchFinding(kA, 2, id, created.record().version(), f, a, {"responsible_org"},
                                      testing::kTestNowMs + 1000);
  v1::Mutation patch_b = PatchFinding(kB, 1, id, created.record().version(), f, b, {"responsible_org"},
                                      testing::kTestNowMs + 500);
  v1::Mutation dup_create = CreateFinding(kB, 2, id, f);
  v1::MutationResult applied = PushOne(patch_a);
  auto b_first = engine_->Push(Batch({patch_b, dup_create}), Caller{"tester"});
  ASSERT_TRUE(b_first.ok());
  ASSERT_EQ(b_first->results(0).outcome(), v1::CONFLICT);
  ASSERT_EQ(b_first->results(1).outcome(), v1::REJECTED);
  ASSERT_TRUE(b_first->results(1).has_record());  // ALREADY_EXISTS carries the record as it stands

  {
    SQLite::Database db(dir_.File("server.db"), SQLite::OPEN_READONLY);
    SQLite::Statement q(db, "SELECT COUNT(*) FROM push_results WHERE instr(results, ?) > 0");
    std::string description(400, 'd');
    q.bind(1, description.data(), static_cast<int>(description.size()));
    ASSERT_TRUE(q.executeStep());
    EXPECT_EQ(q.getColumn(0).getInt(), 0);  // no copy of the 400-byte description
    // Nor of a conflict's values: the ledger names conflicts by id.
    std::string loser = "School logistics office";
    q.reset();
    q.bind(1, loser.data(), static_cast<int>(loser.size()));
    ASSERT_TRUE(q.executeStep());
    EXPECT_EQ(q.getColumn(0).getInt(), 0);
    // Nor does the latest-version row: body and meta live in history only.
    EXPECT_EQ(db.execAndGet("SELECT MAX(length(body)) + MAX(length(meta)) FROM records").getInt(), 0);
  }

  uint64_t head = Head();
  engine_.reset();
  store_.reset();  // restart the server
  SetUp();
  EXPECT_EQ(PushOne(create).SerializeAsString(), created.SerializeAsString());
  EXPECT_EQ(PushOne(patch_a).SerializeAsString(), applied.SerializeAsString());
  auto b_again = engine_->Push(Batch({patch_b, dup_create}), Caller{"tester"});
  ASSERT_TRUE(b_again.ok());
  for (int i = 0; i < 2; ++i)
    EXPECT_EQ(b_again->results(i).SerializeAsString(), b_first->results(i).SerializeAsString()) << i;
  EXPECT_EQ(Head(), head);  // nothing applied twice
}

// Rows of `records` written by earlier builds hold a copy of the body and
// meta; reads never use it (they take the latest history version).
TEST_F(EngineTest, RecordsReadTheirBodyFromHistoryNotFromAnOldCopy) {
  std::string id = ids_.NewUuidV7();
  v1::MutationResult created = PushOne(CreateFinding(kA, 1, id, SampleFinding()));
  {
    SQLite::Database db(dir_.File("server.db"), SQLite::OPEN_READWRITE);
    db.exec("UPDATE records SET body = x'0102', meta = x'0304'");  // stale copies, as an old build might leave
  }
  auto rec = store_->GetRecord("findings", id);
  ASSERT_TRUE(rec.ok() && rec->has_value());
  v1::Record wire;
  ASSERT_TRUE(ToWireRecord(**rec, &wire).ok());
  EXPECT_EQ(wire.SerializeAsString(), created.record().SerializeAsString());
  auto pulled = PullAll();
  ASSERT_EQ(pulled.size(), 1u);
  EXPECT_EQ(pulled[0].SerializeAsString(), created.record().SerializeAsString());
}

// SqliteWriteTxn::RecordResult copies MutationResult field by field (to
// leave the record's body out): a new field must be added there too.
TEST(ServerStoreTest, LedgerRowsCopyEveryFieldOfAResult) {
  EXPECT_EQ(v1::MutationResult::descriptor()->field_count(), 6)
      << "add the new field to SqliteWriteTxn::RecordResult, then update this count";
  EXPECT_EQ(v1::Record::descriptor()->field_count(), 6)
      << "check that FillRecordFromHistory restores the new field of Record, then update this count";
}

// Ledger rows written before results were slimmed hold the whole record; a
// replay answers from them as they are.
TEST_F(EngineTest, ReplayAnswersFromAFullLedgerRowOfAnEarlierBuild) {
  std::string id = ids_.NewUuidV7();
  v1::Mutation create = CreateFinding(kA, 1, id, SampleFinding());
  v1::MutationResult created = PushOne(create);
  v1::MutationResult old_row = created;
  old_row.mutable_record()->mutable_body()->mutable_finding()->set_title("as stored by an earlier build");
  {
    SQLite::Database db(dir_.File("server.db"), SQLite::OPEN_READWRITE);
    SQLite::Statement q(db, "UPDATE push_results SET results=? WHERE client_id=? AND last_mutation_id=1");
    storage::pb::LedgerBatch batch;
    *batch.add_results() = old_row;
    std::string blob = batch.SerializeAsString();
    q.bind(1, blob.data(), static_cast<int>(blob.size()));
    q.bind(2, kA);
    ASSERT_EQ(q.exec(), 1);
  }
  EXPECT_EQ(PushOne(create).SerializeAsString(), old_row.SerializeAsString());
}

// The ledger keeps one row per push (migration 11): a replay of any
// mutation of an old batch, alone, finds its result in that batch's row.
TEST_F(EngineTest, ReplayOfAMutationInTheMiddleOfAnOldBatchAnswersItsOriginalResult) {
  std::vector<v1::Mutation> ms;
  for (uint64_t i = 1; i <= 8; ++i) ms.push_back(CreateFinding(kA, i, ids_.NewUuidV7(), SampleFinding()));
  auto first = engine_->Push(Batch({ms[0], ms[1], ms[2], ms[3], ms[4]}), Caller{"tester"});
  auto second = engine_->Push(Batch({ms[5], ms[6], ms[7]}), Caller{"tester"});
  ASSERT_TRUE(first.ok() && second.ok());
  uint64_t head = Head();
  {
    SQLite::Database db(dir_.File("server.db"), SQLite::OPEN_READONLY);
    EXPECT_EQ(db.execAndGet("SELECT COUNT(*) FROM push_results").getInt(), 2);
  }
  EXPECT_EQ(PushOne(ms[2]).SerializeAsString(), first->results(2).SerializeAsString());
  EXPECT_EQ(PushOne(ms[6]).SerializeAsString(), second->results(1).SerializeAsString());
  engine_.reset();
  store_.reset();  // and after a restart
  SetUp();
  EXPECT_EQ(PushOne(ms[3]).SerializeAsString(), first->results(3).SerializeAsString());
  EXPECT_EQ(PushOne(ms[0]).SerializeAsString(), first->results(0).SerializeAsString());
  EXPECT_EQ(Head(), head);
}

// A device that restarts rebuilds its batches from its outbox and may group
// them differently: a replay spanning two old batches and new mutations
// answers the old ones from the ledger and applies only the new ones.
TEST_F(EngineTest, ReplayInADifferentGroupingAppliesOnlyTheNewMutations) {
  std::vector<v1::Mutation> ms;
  for (uint64_t i = 1; i <= 7; ++i) ms.push_back(CreateFinding(kA, i, ids_.NewUuidV7(), SampleFinding()));
  auto first = engine_->Push(Batch({ms[0], ms[1], ms[2]}), Caller{"tester"});
  auto second = engine_->Push(Batch({ms[3], ms[4]}), Caller{"tester"});
  ASSERT_TRUE(first.ok() && second.ok());
  uint64_t head = Head();
  auto again = engine_->Push(Batch({ms[1], ms[2], ms[3], ms[4], ms[5]}), Caller{"tester"});
  ASSERT_TRUE(again.ok());
  ASSERT_EQ(again->results_size(), 5);
  EXPECT_EQ(again->results(0).SerializeAsString(), first->results(1).SerializeAsString());
  EXPECT_EQ(again->results(1).SerializeAsString(), first->results(2).SerializeAsString());
  EXPECT_EQ(again->results(2).SerializeAsString(), second->results(0).SerializeAsString());
  EXPECT_EQ(again->results(3).SerializeAsString(), second->results(1).SerializeAsString());
  EXPECT_EQ(again->results(4).outcome(), v1::APPLIED);
  EXPECT_EQ(Head(), head + 1);  // only ms[5] applied
  // The mixed batch's one new result is a row of its own, found again.
  auto third = engine_->Push(Batch({ms[5], ms[6]}), Caller{"tester"});
  ASSERT_TRUE(third.ok());
  EXPECT_EQ(third->results(0).SerializeAsString(), again->results(4).SerializeAsString());
  EXPECT_EQ(third->results(1).outcome(), v1::APPLIED);
  EXPECT_EQ(Head(), head + 2);
}

// Acknowledging drops whole ledger rows; a row with a result the client has
// not acknowledged yet stays, all of it, until the client acknowledges its last.
TEST_F(EngineTest, AcknowledgedBatchesAreForgottenWholeAndPartlyAcknowledgedOnesKept) {
  std::vector<v1::Mutation> ms;
  for (uint64_t i = 1; i <= 8; ++i) ms.push_back(CreateFinding(kA, i, ids_.NewUuidV7(), SampleFinding()));
  auto first = engine_->Push(Batch({ms[0], ms[1], ms[2]}), Caller{"tester"});
  auto second = engine_->Push(Batch({ms[3], ms[4], ms[5]}), Caller{"tester"});
  ASSERT_TRUE(first.ok() && second.ok());
  auto rows = [&] {
    SQLite::Database db(dir_.File("server.db"), SQLite::OPEN_READONLY);
    return db.execAndGet("SELECT COUNT(*) FROM push_results").getInt();
  };
  ASSERT_EQ(rows(), 2);
  ASSERT_TRUE(engine_->Push(Batch({ms[6]}, 4), Caller{"tester"}).ok());  // through 4: the first batch, part of the second
  EXPECT_EQ(rows(), 2);  // the first batch's row gone, the second's kept, ms[6]'s added
  v1::MutationResult forgotten = PushOne(ms[1]);
  EXPECT_EQ(forgotten.outcome(), v1::REJECTED);
  EXPECT_EQ(forgotten.reject_code(), v1::INVALID);
  EXPECT_NE(forgotten.reason().find("acknowledged"), std::string::npos) << forgotten.reason();
  EXPECT_EQ(PushOne(ms[4]).SerializeAsString(), second->results(1).SerializeAsString());
  ASSERT_TRUE(engine_->Push(Batch({ms[7]}, 7), Caller{"tester"}).ok());
  EXPECT_EQ(rows(), 1);  // only ms[7]'s
  EXPECT_EQ(PushOne(ms[4]).outcome(), v1::REJECTED);
  EXPECT_EQ(PushOne(ms[7]).outcome(), v1::APPLIED);  // its original result, replayed
}

// A mutation id at or below the client's last processed one is never
// applied, and its answer says what happened, from the ledger: a replay gets
// its original result; an id that was never processed (it arrived out of
// order), one whose result the device acknowledged, and one reused for
// another record are each told apart, with what the device must do.
TEST_F(EngineTest, AMutationIdBelowTheLastSaysWhatHappened) {
  std::vector<v1::Mutation> ms;
  for (uint64_t i = 1; i <= 7; ++i) ms.push_back(CreateFinding(kA, i, ids_.NewUuidV7(), SampleFinding()));
  auto first = engine_->Push(Batch({ms[0], ms[1]}), Caller{"tester"});  // 1, 2
  ASSERT_TRUE(first.ok());
  auto fifth = PushOne(ms[4]);  // 5: 3 and 4 skipped
  ASSERT_EQ(fifth.outcome(), v1::APPLIED);
  const uint64_t head = Head();

  v1::MutationResult late = PushOne(ms[2]);  // 3, never processed
  EXPECT_EQ(late.outcome(), v1::REJECTED);
  EXPECT_EQ(late.reject_code(), v1::INVALID);
  EXPECT_NE(late.reason().find("mutation 3 of this device was never processed"), std::string::npos) << late.reason();
  EXPECT_NE(late.reason().find("after mutation 5"), std::string::npos) << late.reason();
  EXPECT_NE(late.reason().find("Make the edit again"), std::string::npos) << late.reason();
  EXPECT_EQ(late.reason().find("acknowledged"), std::string::npos) << "the old, false answer: " << late.reason();

  // The device acknowledges through 2 (with its next push): rows dropped.
  ASSERT_TRUE(engine_->Push(Batch({ms[5]}, 2), Caller{"tester"}).ok());  // 6
  v1::MutationResult acked = PushOne(ms[0]);
  EXPECT_EQ(acked.reject_code(), v1::INVALID);
  EXPECT_NE(acked.reason().find("acknowledged the results of its mutations through 2"), std::string::npos)
      << acked.reason();
  EXPECT_NE(acked.reason().find("If it was sent before, it was processed then"), std::string::npos);
  EXPECT_NE(acked.reason().find("reused a mutation id"), std::string::npos);
  EXPECT_NE(PushOne(ms[3]).reason().find("mutation 4 of this device was never processed"), std::string::npos)
      << "above the acknowledged mark, still known as never processed";

  // Mutation 5 again: byte for byte, its original result; the same id for
  // another record, a reuse, not applied.
  EXPECT_EQ(PushOne(ms[4]).SerializeAsString(), fifth.SerializeAsString());
  v1::Mutation reused = CreateFinding(kA, 5, ids_.NewUuidV7(), SampleFinding("a new edit"));
  v1::MutationResult r = PushOne(reused);
  EXPECT_EQ(r.outcome(), v1::REJECTED);
  EXPECT_NE(r.reason().find("was processed earlier for findings record " + ms[4].record_id() + ", not for findings/" +
                            reused.record_id()),
            std::string::npos)
      << r.reason();
  EXPECT_FALSE(store_->GetRecord("findings", reused.record_id())->has_value());
  EXPECT_EQ(Head(), head + 1) << "only mutation 6 was applied";

  // The acknowledgement mark survives a restart.
  engine_.reset();
  store_.reset();
  SetUp();
  EXPECT_NE(PushOne(ms[1]).reason().find("through 2"), std::string::npos);
  EXPECT_NE(PushOne(ms[2]).reason().find("never processed"), std::string::npos);
}

// Migration 11 turns each per-mutation ledger row of an earlier build into
// a batch of one: every result stays replayable, forgetting still works.
TEST_F(EngineTest, PerMutationLedgerRowsOfAnEarlierBuildStayReplayable) {
  std::vector<v1::Mutation> ms;
  for (uint64_t i = 1; i <= 4; ++i) ms.push_back(CreateFinding(kA, i, ids_.NewUuidV7(), SampleFinding()));
  auto first = engine_->Push(Batch({ms[0], ms[1], ms[2], ms[3]}), Caller{"tester"});
  ASSERT_TRUE(first.ok());
  engine_.reset();
  store_.reset();
  {
    SQLite::Database db(dir_.File("server.db"), SQLite::OPEN_READWRITE);
    RewindLedgerToPerMutationRows(db, "");
  }
  SetUp();
  {
    SQLite::Database db(dir_.File("server.db"), SQLite::OPEN_READONLY);
    EXPECT_EQ(db.execAndGet("SELECT COUNT(*) FROM push_results").getInt(), 4);
  }
  for (int i = 0; i < 4; ++i)
    EXPECT_EQ(PushOne(ms[i]).SerializeAsString(), first->results(i).SerializeAsString()) << i;
  auto again = engine_->Push(Batch({ms[1], ms[2]}), Caller{"tester"});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->results(1).SerializeAsString(), first->results(2).SerializeAsString());
  v1::Mutation next = CreateFinding(kA, 5, ids_.NewUuidV7(), SampleFinding());
  ASSERT_TRUE(engine_->Push(Batch({next}, 2), Caller{"tester"}).ok());
  EXPECT_EQ(PushOne(ms[1]).outcome(), v1::REJECTED);  // acknowledged, forgotten
  EXPECT_EQ(PushOne(ms[2]).SerializeAsString(), first->results(2).SerializeAsString());
}

TEST_F(EngineTest, SequentialOfflineEditsOfOneDeviceChainWithoutConflict) {
  std::string id = ids_.NewUuidV7();
  v1::Finding f = SampleFinding();
  v1::Finding g = f;
  g.set_title("Gas alarm overdue for service");
  v1::Finding h = g;
  h.set_title("Gas alarm: service overdue 2 years");
  h.add_tags("kitchen");
  // All three made offline: the patches have base_version 0, bases from the local view.
  auto res = engine_->Push(Batch({CreateFinding(kA, 1, id, f), PatchFinding(kA, 2, id, 0, f, g, {"title"}),
                                  PatchFinding(kA, 3, id, 0, g, h, {"title", "tags"})}),
                           Caller{});
  ASSERT_TRUE(res.ok());
  for (const auto& r : res->results()) EXPECT_EQ(r.outcome(), v1::APPLIED) << r.reason();
  EXPECT_EQ(res->results(2).record().body().finding().title(), "Gas alarm: service overdue 2 years");
  EXPECT_EQ(res->results(2).record().body().finding().tags_size(), 1);
  std::vector<v1::Conflict> conflicts;
  ASSERT_TRUE(store_->ListConflicts({}, &conflicts).ok());
  EXPECT_TRUE(conflicts.empty());
}

TEST_F(EngineTest, DifferentFieldsEditedOnTwoDevicesMergeBothKept) {
  std::string id = ids_.NewUuidV7();
  v1::Finding f = SampleFinding();
  uint64_t v = Seed(id, f);
  v1::Finding a = f, b = f;
  a.set_responsible_org("Kindergarten No. 3");
  b.set_deadline_ms(testing::kTestNowMs + 86400000);
  EXPECT_EQ(PushOne(PatchFinding(kA, next_a_++, id, v, f, a, {"responsible_org"})).outcome(), v1::APPLIED);
  auto rb = PushOne(PatchFinding(kB, 1, id, v, f, b, {"deadline_ms"}));
  EXPECT_EQ(rb.outcome(), v1::MERGED);
  EXPECT_EQ(rb.record().body().finding().responsible_org(), "Kindergarten No. 3");
  EXPECT_EQ(rb.record().body().finding().deadline_ms(), testing::kTestNowMs + 86400000);
}

TEST_F(EngineTest, SameFieldLwwConflictKeepsBothValues) {
  std::string id = ids_.NewUuidV7();
  v1::Finding f = SampleFinding();
  uint64_t v = Seed(id, f);
  v1::Finding a = f, b = f;
  a.set_responsible_org("District Gas Co.");
  b.set_responsible_org("School logistics office");
  PushOne(PatchFinding(kA, next_a_++, id, v, f, a, {"responsible_org"}, testing::kTestNowMs + 1000));
  // B's edit happened earlier (lower HLC): A's value stands, B's is kept as the loser.
  auto rb = PushOne(PatchFinding(kB, 1, id, v, f, b, {"responsible_org"}, testing::kTestNowMs + 500));
  ASSERT_EQ(rb.outcome(), v1::CONFLICT);
  ASSERT_EQ(rb.conflicts_size(), 1);
  const v1::Conflict& c = rb.conflicts(0);
  EXPECT_EQ(c.field(), "responsible_org");
  EXPECT_EQ(c.policy(), v1::LWW);
  EXPECT_EQ(c.state(), v1::CONFLICT_AUTO_RESOLVED);
  EXPECT_EQ(c.winner_value().finding().responsible_org(), "District Gas Co.");
  EXPECT_EQ(c.loser_value().finding().responsible_org(), "School logistics office");
  EXPECT_EQ(c.winner().device_id(), kA);
  EXPECT_EQ(c.loser().device_id(), kB);
  EXPECT_EQ(rb.record().body().finding().responsible_org(), "District Gas Co.");
  std::vector<v1::Conflict> stored;
  ASSERT_TRUE(store_->ListConflicts({}, &stored).ok());
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0].id(), c.id());
}

// Migration 7: conflicts and the ledger were WITHOUT ROWID tables, where a
// row over ~1,000 bytes takes an overflow page of its own; an older store is
// converted keeping every conflict and every replayable result, and large rows
// then stay in the table's leaves.
TEST_F(EngineTest, AnOlderStoreKeepsItsConflictsAndLedgerAsRowidTables) {
  std::string id = ids_.NewUuidV7();
  v1::Finding f = SampleFinding();
  uint64_t v = Seed(id, f);
  v1::Finding a = f, b = f;
  a.set_description(std::string(600, 'a'));
  b.set_description(std::string(600, 'b'));
  PushOne(PatchFinding(kA, next_a_++, id, v, f, a, {"description"}, testing::kTestNowMs + 1000));
  v1::Mutation mb = PatchFinding(kB, 1, id, v, f, b, {"description"}, testing::kTestNowMs + 500);
  auto first = PushOne(mb);
  ASSERT_EQ(first.outcome(), v1::CONFLICT);
  std::vector<v1::Conflict> before;
  ASSERT_TRUE(store_->ListConflicts({}, &before).ok());
  ASSERT_EQ(before.size(), 1u);
  engine_.reset();
  store_.reset();
  {
    // Turn it back into a version-6 store: both tables WITHOUT ROWID.
    SQLite::Database db(dir_.File("server.db"), SQLite::OPEN_READWRITE);
    db.exec(R"sql(
CREATE TABLE c6 (id TEXT PRIMARY KEY, collection TEXT NOT NULL, record_id TEXT NOT NULL, field TEXT NOT NULL,
                 state INTEGER NOT NULL, version INTEGER NOT NULL, body BLOB NOT NULL) WITHOUT ROWID;
INSERT INTO c6 SELECT id, collection, record_id, field, state, version, body FROM conflicts;
DROP TABLE conflicts;
ALTER TABLE c6 RENAME TO conflicts;
CREATE INDEX conflicts_by_record ON conflicts(collection, record_id);
CREATE INDEX conflicts_by_state ON conflicts(state, version);
PRAGMA user_version=6;
)sql");
    RewindLedgerToPerMutationRows(db, "WITHOUT ROWID");
  }
  SetUp();
  EngineOptions o;  // another id seed: the first engine's conflict ids are taken
  o.clock = &clock_;
  o.id_seed = 43;
  engine_ = std::make_unique<SyncEngine>(store_.get(), o);
  {
    SQLite::Database db(dir_.File("server.db"), SQLite::OPEN_READONLY);
    SQLite::Statement q(db, "SELECT COUNT(*) FROM sqlite_schema WHERE name IN ('conflicts', 'push_results') "
                            "AND sql NOT LIKE '%WITHOUT ROWID%'");
    ASSERT_TRUE(q.executeStep());
    EXPECT_EQ(q.getColumn(0).getInt(), 2);
    EXPECT_EQ(db.execAndGet("SELECT COUNT(*) FROM sqlite_schema WHERE name='mutation_results'").getInt(), 0);
  }
  std::vector<v1::Conflict> after;
  ASSERT_TRUE(store_->ListConflicts({}, &after).ok());
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(after[0].SerializeAsString(), before[0].SerializeAsString());
  EXPECT_EQ(PushOne(mb).SerializeAsString(), first.SerializeAsString());  // replayed from the ledger, not re-applied
  // New conflicts and results go on being stored and found.
  v1::Finding c = f;
  c.set_description(std::string(600, 'c'));
  auto second = PushOne(PatchFinding(kB, 2, id, v, f, c, {"description"}, testing::kTestNowMs + 400));
  EXPECT_EQ(second.outcome(), v1::CONFLICT);
  std::vector<v1::Conflict> all;
  ASSERT_TRUE(store_->ListConflicts({}, &all).ok());
  EXPECT_EQ(all.size(), 2u);
  EXPECT_EQ(PushOne(PatchFinding(kB, 2, id, v, f, c, {"description"}, testing::kTestNowMs + 400)).SerializeAsString(),
            second.SerializeAsString());
}

TEST_F(EngineTest, ReviewConflictStaysOpenAndMaxTakesTheSaferValue) {
  std::string id = ids_.NewUuidV7();
  v1::Finding f = SampleFinding();
  uint64_t v = Seed(id, f);
  v1::Finding a = f, b = f;
  a.set_description("Alarm unserviced; battery missing.");
  a.set_severity(v1::HIGH);
  b.set_description("Alarm unserviced since 2024.");
  b.set_severity(v1::LOW);
  PushOne(PatchFinding(kA, next_a_++, id, v, f, a, {"description", "severity"}, testing::kTestNowMs + 10));
  auto rb = PushOne(PatchFinding(kB, 1, id, v, f, b, {"description", "severity"}, testing::kTestNowMs + 20));
  ASSERT_EQ(rb.outcome(), v1::CONFLICT);
  ASSERT_EQ(rb.conflicts_size(), 2);
  EXPECT_EQ(rb.record().body().finding().severity(), v1::HIGH);  // MAX: safer wins though B is later
  EXPECT_EQ(rb.record().body().finding().description(), "Alarm unserviced since 2024.");  // later stands
  std::vector<v1::Conflict> open;
  storage::ConflictFilter only_open;
  only_open.only_open = true;
  ASSERT_TRUE(store_->ListConflicts(only_open, &open).ok());
  ASSERT_EQ(open.size(), 1u);
  EXPECT_EQ(open[0].field(), "description");
  EXPECT_EQ(open[0].loser_value().finding().description(), "Alarm unserviced; battery missing.");
}

TEST_F(EngineTest, SetFieldsMergeAdditionsAndRemovalsOfBoth) {
  std::string id = ids_.NewUuidV7();
  v1::Finding f = SampleFinding();
  f.add_evidence("photo-1");
  f.add_evidence("photo-2");
  uint64_t v = Seed(id, f);
  v1::Finding a = f, b = f;
  a.add_evidence("photo-3");                // A adds
  b.clear_evidence();
  b.add_evidence("photo-2");                // B removes photo-1 ...
  b.add_evidence("photo-4");                // ... and adds photo-4
  PushOne(PatchFinding(kA, next_a_++, id, v, f, a, {"evidence"}));
  auto rb = PushOne(PatchFinding(kB, 1, id, v, f, b, {"evidence"}));
  EXPECT_EQ(rb.outcome(), v1::MERGED);
  const auto& ev = rb.record().body().finding().evidence();
  std::set<std::string> got(ev.begin(), ev.end());
  EXPECT_EQ(got, (std::set<std::string>{"photo-2", "photo-3", "photo-4"}));
}

TEST_F(EngineTest, LifecycleConcurrentMovesAndIllegalTransitions) {
  std::string id = ids_.NewUuidV7();
  v1::Finding f = SampleFinding();
  uint64_t v = Seed(id, f);
  // The office issues a notice (a workflow rule: NOTIFIED names one listing the finding).
  std::string notice_id = ids_.NewUuidV7();
  v1::RecordBody notice;
  notice.mutable_notice()->set_site_id(f.site_id());
  notice.mutable_notice()->add_finding_ids(id);
  notice.mutable_notice()->set_deadline_ms(testing::kTestNowMs + 7 * 86400000LL);
  ASSERT_EQ(PushOne(testing::CreateRecord(kA, next_a_++, "notices", notice_id, notice)).outcome(), v1::APPLIED);
  v1::Finding notified = f;
  notified.set_status(v1::NOTIFIED);
  notified.set_deadline_ms(testing::kTestNowMs + 7 * 86400000LL);
  notified.set_notice_id(notice_id);
  v1::Finding voided = f;
  voided.set_status(v1::VOIDED);
  voided.set_void_reason("duplicate of another finding");
  // The office moves the finding; concurrently an inspector voids: the notice wins.
  EXPECT_EQ(PushOne(PatchFinding(kA, next_a_++, id, v, f, notified, {"status", "deadline_ms", "notice_id"})).outcome(),
            v1::APPLIED);
  auto rb = PushOne(PatchFinding(kB, 1, id, v, f, voided, {"status", "void_reason"}));
  ASSERT_EQ(rb.outcome(), v1::CONFLICT) << rb.reason();
  EXPECT_EQ(rb.record().body().finding().status(), v1::NOTIFIED);
  bool saw_status = false;
  for (const auto& c : rb.conflicts())
    if (c.field() == "status") {
      saw_status = true;
      EXPECT_EQ(c.loser_value().finding().status(), v1::VOIDED);
    }
  EXPECT_TRUE(saw_status);

  // An illegal move is rejected with a readable reason and changes nothing.
  uint64_t head = Head();
  v1::Finding cur = rb.record().body().finding();
  v1::Finding closed = cur;
  closed.set_status(v1::CLOSED);
  auto bad = PushOne(PatchFinding(kB, 2, id, rb.record().version(), cur, closed, {"status"}));
  EXPECT_EQ(bad.outcome(), v1::REJECTED);
  EXPECT_EQ(bad.reject_code(), v1::ILLEGAL_TRANSITION);
  EXPECT_NE(bad.reason().find("NOTIFIED -> CLOSED is not allowed"), std::string::npos) << bad.reason();
  EXPECT_EQ(Head(), head);
}

TEST_F(EngineTest, RejectionsChangeNothing) {
  std::string id = ids_.NewUuidV7();
  v1::Finding f = SampleFinding();
  uint64_t v = Seed(id, f);
  uint64_t head = Head();

  v1::Mutation unknown = CreateFinding(kB, 1, ids_.NewUuidV7(), f);
  unknown.set_collection("photos");
  v1::Mutation bad_id = CreateFinding(kB, 2, "not-a-uuid", f);
  v1::Finding g = f;
  g.set_title("x");
  v1::Mutation bad_mask = PatchFinding(kB, 3, id, v, f, g, {"titel"});
  v1::Mutation del = CreateFinding(kB, 4, id, f);
  del.set_op(v1::DELETE);
  del.clear_body();
  v1::Mutation missing = PatchFinding(kB, 5, ids_.NewUuidV7(), 1, f, g, {"title"});
  v1::Mutation ahead = PatchFinding(kB, 6, id, v + 100, f, g, {"title"});
  v1::Mutation future = PatchFinding(kB, 7, id, v, f, g, {"title"}, testing::kTestNowMs + 3600 * 1000);
  v1::Mutation dup = CreateFinding(kB, 8, id, f);
  v1::Finding huge = f;
  huge.set_title(std::string(201, 'x'));
  v1::Mutation too_long = CreateFinding(kB, 9, ids_.NewUuidV7(), huge);

  auto res = engine_->Push(Batch({unknown, bad_id, bad_mask, del, missing, ahead, future, dup, too_long}), Caller{});
  ASSERT_TRUE(res.ok()) << res.status().ToString();
  const v1::RejectCode want[] = {v1::UNKNOWN_COLLECTION, v1::INVALID,   v1::INVALID,
                                 v1::NOT_DELETABLE,      v1::NOT_FOUND, v1::BASE_AHEAD,
                                 v1::CLOCK_DRIFT,        v1::ALREADY_EXISTS, v1::INVALID};
  ASSERT_EQ(res->results_size(), 9);
  for (int i = 0; i < 9; ++i) {
    EXPECT_EQ(res->results(i).outcome(), v1::REJECTED) << i;
    EXPECT_EQ(res->results(i).reject_code(), want[i]) << i << ": " << res->results(i).reason();
    EXPECT_FALSE(res->results(i).reason().empty());
  }
  EXPECT_NE(res->results(0).reason().find("findings, inspections"), std::string::npos);
  EXPECT_NE(res->results(2).reason().find("'titel'"), std::string::npos);
  EXPECT_NE(res->results(3).reason().find("void"), std::string::npos);
  EXPECT_EQ(Head(), head);
  auto rec = store_->GetRecord("findings", id);
  ASSERT_TRUE(rec.ok() && rec->has_value());
  EXPECT_EQ((*rec)->version, v);
}

TEST_F(EngineTest, RequestLevelErrorsFailTheCallAndChangeNothing) {
  std::vector<v1::Mutation> many;
  for (int i = 1; i <= 11; ++i) many.push_back(CreateFinding(kA, i, ids_.NewUuidV7(), SampleFinding()));
  auto big = engine_->Push(Batch(many), Caller{});
  EXPECT_EQ(big.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(big.status().message().find("limit of 10"), std::string::npos);

  auto order = engine_->Push(Batch({CreateFinding(kA, 5, ids_.NewUuidV7(), SampleFinding()),
                                    CreateFinding(kA, 4, ids_.NewUuidV7(), SampleFinding())}),
                             Caller{});
  EXPECT_EQ(order.status().code(), StatusCode::kInvalidArgument);

  auto huge = engine_->Push(Batch({CreateFinding(kA, uint64_t{1} << 63, ids_.NewUuidV7(), SampleFinding())}), Caller{});
  EXPECT_EQ(huge.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(huge.status().message().find("out of range"), std::string::npos);

  v1::PushRequest old = Batch({CreateFinding(kA, 1, ids_.NewUuidV7(), SampleFinding())});
  old.set_protocol_version(0);
  auto proto = engine_->Push(old, Caller{});
  EXPECT_EQ(proto.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(proto.status().message().find("supports 1..1"), std::string::npos);
  EXPECT_EQ(Head(), 0u);
}

TEST_F(EngineTest, DeleteAndUpdateConflictsKeepTheUpdate) {
  // Inspections can be deleted; findings cannot.
  auto make = [&](const std::string& client, uint64_t mid, const std::string& id, v1::MutationOp op, uint64_t base) {
    v1::Mutation m;
    m.set_client_id(client);
    m.set_mutation_id(mid);
    m.set_collection("inspections");
    m.set_record_id(id);
    m.set_op(op);
    m.set_base_version(base);
    m.set_hlc(core::Hlc::Pack(testing::kTestNowMs, static_cast<uint32_t>(mid)));
    return m;
  };
  std::string id = ids_.NewUuidV7();
  v1::Mutation create = make(kA, 1, id, v1::CREATE, 0);
  create.mutable_body()->mutable_inspection()->set_site_id("site-9");
  uint64_t v = PushOne(create).record().version();

  v1::Mutation patch = make(kA, 2, id, v1::PATCH, v);
  patch.mutable_mask()->add_paths("notes");
  patch.mutable_body()->mutable_inspection()->set_notes("Gate control checked.");
  patch.mutable_base_body()->mutable_inspection();
  EXPECT_EQ(PushOne(patch).outcome(), v1::APPLIED);
  // B deletes what it saw at v: the concurrent update wins.
  auto del = PushOne(make(kB, 1, id, v1::DELETE, v));
  EXPECT_EQ(del.outcome(), v1::CONFLICT);
  EXPECT_FALSE(del.record().deleted());
  ASSERT_EQ(del.conflicts_size(), 1);
  EXPECT_EQ(del.conflicts(0).field(), "deleted");

  // A delete made on the latest version goes through; a later update made on
  // an older version restores the record, with a conflict.
  uint64_t latest = del.record().version();
  auto del2 = PushOne(make(kB, 2, id, v1::DELETE, latest));
  EXPECT_EQ(del2.outcome(), v1::APPLIED);
  EXPECT_TRUE(del2.record().deleted());
  v1::Mutation late = make(kA, 3, id, v1::PATCH, latest);
  late.mutable_mask()->add_paths("notes");
  late.mutable_body()->mutable_inspection()->set_notes("Visitor log reviewed.");
  late.mutable_base_body()->mutable_inspection()->set_notes("Gate control checked.");
  auto restored = PushOne(late);
  EXPECT_EQ(restored.outcome(), v1::CONFLICT);
  EXPECT_FALSE(restored.record().deleted());
  EXPECT_EQ(restored.record().body().inspection().notes(), "Visitor log reviewed.");
}

TEST_F(EngineTest, PullStreamsLatestVersionsInPagesWithTombstones) {
  std::vector<std::string> ids;
  for (int i = 0; i < 25; ++i) {
    ids.push_back(ids_.NewUuidV7());
    Seed(ids.back(), SampleFinding("finding " + std::to_string(i)));
  }
  auto all = PullAll(0, 10);
  EXPECT_EQ(all.size(), 25u);
  EXPECT_EQ(pages_, 3);
  for (size_t i = 1; i < all.size(); ++i) EXPECT_LT(all[i - 1].version(), all[i].version());

  // Edit one: an incremental pull returns only it.
  v1::Finding f = all[3].body().finding(), g = f;
  g.set_severity(v1::CRITICAL);
  PushOne(PatchFinding(kA, next_a_++, all[3].id(), all[3].version(), f, g, {"severity"}));
  auto delta = PullAll(all.back().version());
  ASSERT_EQ(delta.size(), 1u);
  EXPECT_EQ(delta[0].id(), all[3].id());
  EXPECT_EQ(delta[0].body().finding().severity(), v1::CRITICAL);

  v1::PullRequest bad;
  bad.set_protocol_version(1);
  bad.set_page_size(1'000'000);
  EXPECT_EQ(engine_->StartPull(bad, Caller{}).status().code(), StatusCode::kInvalidArgument);
  bad.set_page_size(0);
  bad.set_cursor(Head() + 5);
  EXPECT_EQ(engine_->StartPull(bad, Caller{}).status().code(), StatusCode::kFailedPrecondition);
  bad.set_cursor(0);
  bad.add_collections("photos");
  EXPECT_EQ(engine_->StartPull(bad, Caller{}).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(EngineTest, AcknowledgedResultsArePrunedButNeverReapplied) {
  std::string id = ids_.NewUuidV7();
  v1::Mutation m1 = CreateFinding(kA, 1, id, SampleFinding());
  PushOne(m1);
  // The client has processed result 1 and says so with its next push.
  auto r = engine_->Push(Batch({CreateFinding(kA, 2, ids_.NewUuidV7(), SampleFinding())}, 1), Caller{});
  ASSERT_TRUE(r.ok());
  uint64_t head = Head();
  auto replay = PushOne(m1);
  EXPECT_EQ(replay.outcome(), v1::REJECTED);
  EXPECT_EQ(Head(), head);
}

TEST_F(EngineTest, HistoryIsAppendOnlyAndFollowsTheSeq) {
  std::string id = ids_.NewUuidV7();
  v1::Finding f = SampleFinding();
  uint64_t v = Seed(id, f);
  v1::Finding g = f;
  for (int i = 0; i < 5; ++i) {
    v1::Finding before = g;
    g.set_title("title " + std::to_string(i));
    v = PushOne(PatchFinding(kA, next_a_++, id, v, before, g, {"title"})).record().version();
  }
  std::vector<storage::VersionRow> rows;
  ASSERT_TRUE(store_->ReadHistory(0, 100, &rows).ok());
  ASSERT_EQ(rows.size(), 6u);
  for (size_t i = 0; i < rows.size(); ++i) EXPECT_EQ(rows[i].seq, i + 1);
  EXPECT_EQ(rows.back().mutation_id, next_a_ - 1);
}

TEST(ServerStoreTest, ReopenKeepsDataAndAFailedWriteLeavesNothing) {
  testing::TempDir dir;
  {
    auto s = storage::OpenSqliteServerStore(dir.File("s.db"));
    ASSERT_TRUE(s.ok());
    Status st = (*s)->Write([](storage::ServerWriteTxn& t) -> Status {
      storage::StoredRecord r;
      r.collection = "findings";
      r.id = "0190a000-0000-7000-8000-000000000001";
      INSPECTSYNC_RETURN_IF_ERROR(t.AppendVersion(&r, kA, 1, v1::CREATE));
      return Internal("boom");  // abort after writing
    });
    EXPECT_EQ(st.code(), StatusCode::kInternal);
    EXPECT_EQ(*(*s)->Head(), 0u);
    st = (*s)->Write([](storage::ServerWriteTxn& t) -> Status {
      storage::StoredRecord r;
      r.collection = "findings";
      r.id = "0190a000-0000-7000-8000-000000000002";
      return t.AppendVersion(&r, kA, 1, v1::CREATE);
    });
    ASSERT_TRUE(st.ok());
    EXPECT_EQ(*(*s)->Head(), 1u);  // the aborted write did not burn a seq
  }
  auto again = storage::OpenSqliteServerStore(dir.File("s.db"));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*(*again)->Head(), 1u);
}

// A scoped read (a tablet's pull) walks each scope's index range and merges
// them by version: the same rows, in the same order, as filtering every
// change, whatever the page size, with reference data, a collection filter and
// the caller's own writes left out; more scopes than it merges fall back to
// the filtered walk with the same answer.
TEST(ServerStoreTest, ScopedReadsMergeScopesInVersionOrder) {
  testing::TempDir dir;
  auto s = storage::OpenSqliteServerStore(dir.File("s.db"));
  ASSERT_TRUE(s.ok());
  storage::ServerStore& store = **s;
  std::vector<std::string> scopes = {"", "site-a", "site-b", "site-c"};
  for (int i = 0; i < 70; ++i) scopes.push_back("site-x" + std::to_string(i));
  std::mt19937 rng(7);
  ASSERT_TRUE(store
                  .Write([&](storage::ServerWriteTxn& t) -> Status {
                    for (int i = 0; i < 400; ++i) {
                      storage::StoredRecord r;
                      r.collection = i % 5 == 0 ? "sites" : "findings";
                      char id[40];
                      std::snprintf(id, sizeof id, "0190a000-0000-7000-8000-%012d", i);
                      r.id = id;
                      r.scope = scopes[rng() % 6];  // mostly a, b, c and reference data
                      if (i % 37 == 0) r.scope = scopes[4 + rng() % 70];
                      INSPECTSYNC_RETURN_IF_ERROR(t.AppendVersion(&r, i % 3 ? kA : kB, i + 1, v1::CREATE));
                    }
                    return Status::Ok();
                  })
                  .ok());
  storage::ChangeQuery all;
  all.upto = *store.Head();
  all.limit = 100000;
  std::vector<storage::StoredRecord> everything;
  ASSERT_TRUE(store.ReadChanges(all, &everything).ok());
  ASSERT_EQ(everything.size(), 400u);

  auto check = [&](std::vector<std::string> keys, bool unscoped, std::vector<std::string> collections,
                   std::string skip, size_t page) {
    std::vector<uint64_t> want;
    std::set<std::string> in(keys.begin(), keys.end());
    for (const auto& r : everything) {
      bool scope_ok = r.scope.empty() ? unscoped : in.count(r.scope) > 0;
      bool coll_ok = collections.empty() || std::count(collections.begin(), collections.end(), r.collection);
      std::string writer = (std::stoi(r.id.substr(24)) % 3) ? kA : kB;
      if (scope_ok && coll_ok && (skip.empty() || writer != skip)) want.push_back(r.version);
    }
    std::vector<uint64_t> got;
    storage::ChangeQuery q;
    q.upto = all.upto;
    q.limit = page;
    q.collections = collections;
    q.skip_client = skip;
    q.scope.mode = storage::ScopeFilter::kOnly;
    q.scope.keys = keys;
    q.scope.include_unscoped = unscoped;
    for (;;) {
      std::vector<storage::StoredRecord> rows;
      Status st = store.ReadChanges(q, &rows);
      EXPECT_TRUE(st.ok()) << st.ToString();
      if (!st.ok() || rows.empty()) break;
      EXPECT_LE(rows.size(), page);
      for (const auto& r : rows) got.push_back(r.version);
      q.after = rows.back().version;
    }
    EXPECT_EQ(got, want) << keys.size() << " scopes, unscoped " << unscoped << ", page " << page;
  };
  for (size_t page : {1u, 7u, 500u}) {
    check({"site-a", "site-c"}, true, {}, "", page);
    check({"site-a", "site-c", ""}, false, {}, "", page);  // "" as a key is not reference data
    check({"site-b"}, false, {"findings"}, kA, page);
    check({}, true, {}, "", page);
    check({"site-nowhere"}, false, {}, "", page);
    std::vector<std::string> many(scopes.begin() + 1, scopes.end());  // 73 scopes: the filtered walk
    check(many, true, {}, kB, page);
    many.resize(40);
    check(many, true, {"sites"}, "", page);
  }
}

TEST(ServerStoreTest, RefusesADatabaseFromANewerBuildAndAFileThatIsNotOne) {
  testing::TempDir dir;
  {
    auto s = storage::OpenSqliteServerStore(dir.File("s.db"));
    ASSERT_TRUE(s.ok());
  }
  {
    SQLite::Database db(dir.File("s.db"), SQLite::OPEN_READWRITE);
    db.exec("PRAGMA user_version=99");
  }
  auto newer = storage::OpenSqliteServerStore(dir.File("s.db"));
  EXPECT_EQ(newer.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(newer.status().message().find("newer"), std::string::npos);

  FILE* f = fopen(dir.File("junk.db").c_str(), "w");
  fputs("this is not a database, just text that is long enough to be a header........................", f);
  fclose(f);
  auto junk = storage::OpenSqliteServerStore(dir.File("junk.db"));
  EXPECT_FALSE(junk.ok());
}

}  // namespace
}  // namespace inspectsync::server

namespace inspectsync::server {
namespace {

// Several devices push while others pull, all at once, on one engine and one
// SQLite store (one writer connection, a pool of readers). Run under TSan by
// `make tsan`.
TEST(EngineConcurrencyTest, ParallelPushesAndPullsStayConsistent) {
  testing::TempDir dir;
  auto s = storage::OpenSqliteServerStore(dir.File("server.db"));
  ASSERT_TRUE(s.ok());
  core::ManualClock clock;
  EngineOptions o;
  o.clock = &clock;
  SyncEngine engine(s->get(), o);
  constexpr int kDevices = 4, kBatches = 10, kPerBatch = 10;
  std::atomic<bool> pushing{true};
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int d = 0; d < kDevices; ++d) {
    threads.emplace_back([&, d] {
      core::IdGenerator ids(&clock, 100 + d);
      std::string client = ids.NewUuidV7();
      uint64_t mid = 1;
      for (int b = 0; b < kBatches; ++b) {
        std::vector<v1::Mutation> ms;
        for (int i = 0; i < kPerBatch; ++i)
          ms.push_back(testing::CreateFinding(client, mid++, ids.NewUuidV7(), testing::SampleFinding()));
        auto r = engine.Push(testing::Batch(ms), Caller{});
        if (!r.ok() || r->results_size() != kPerBatch) ++failures;
      }
    });
  }
  std::atomic<uint64_t> max_seen{0};
  for (int p = 0; p < 2; ++p) {
    threads.emplace_back([&] {
      v1::PullRequest req;
      req.set_protocol_version(1);
      req.set_page_size(7);
      uint64_t cursor = 0;
      while (pushing || cursor < *(*s)->Head()) {
        req.set_cursor(cursor);
        auto plan = engine.StartPull(req, Caller{});
        if (!plan.ok()) {
          ++failures;
          return;
        }
        for (;;) {
          auto page = engine.NextPage(req, &*plan);
          if (!page.ok()) {
            ++failures;
            return;
          }
          for (const auto& r : page->records())
            if (r.version() <= cursor) ++failures;  // pages go forward only
          cursor = page->next_cursor();
          if (!page->has_more()) break;
        }
      }
      uint64_t prev = max_seen.load();
      while (cursor > prev && !max_seen.compare_exchange_weak(prev, cursor)) {
      }
    });
  }
  for (int d = 0; d < kDevices; ++d) threads[d].join();
  pushing = false;
  for (size_t i = kDevices; i < threads.size(); ++i) threads[i].join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(*(*s)->Head(), static_cast<uint64_t>(kDevices * kBatches * kPerBatch));
  EXPECT_EQ(max_seen.load(), static_cast<uint64_t>(kDevices * kBatches * kPerBatch));
}

}  // namespace
}  // namespace inspectsync::server

namespace inspectsync::server {
namespace {

// Concurrent writes are committed in groups (one transaction, a savepoint
// each): a failing write in a group leaves nothing and does not disturb the
// others, and the seq stays gap-free. The first write holds the writer while
// the others queue behind it, so they are very likely to form one group; the
// assertions hold however they are grouped. Run under TSan by `make tsan`.
TEST(ServerStoreTest, GroupedWritesFailAloneAndKeepTheSeqGapFree) {
  testing::TempDir dir;
  auto s = storage::OpenSqliteServerStore(dir.File("s.db"));
  ASSERT_TRUE(s.ok());
  storage::ServerStore& store = **s;
  auto append = [&](storage::ServerWriteTxn& t, const std::string& id) -> Status {
    storage::StoredRecord r;
    r.collection = "findings";
    r.id = id;
    r.body = testing::SampleFinding().SerializeAsString();
    return t.AppendVersion(&r, kA, 0, v1::CREATE);
  };
  std::atomic<bool> release{false};
  std::atomic<int> started{0};
  std::thread first([&] {
    Status st = store.Write([&](storage::ServerWriteTxn& t) -> Status {
      while (!release.load()) std::this_thread::yield();
      return append(t, "0190a000-0000-7000-8000-000000000100");
    });
    EXPECT_TRUE(st.ok()) << st.ToString();
  });
  constexpr int kWriters = 8;
  std::vector<Status> results(kWriters);
  std::vector<std::thread> writers;
  for (int i = 0; i < kWriters; ++i) {
    writers.emplace_back([&, i] {
      ++started;
      char id[40];
      snprintf(id, sizeof id, "0190a000-0000-7000-8000-%012d", i);
      results[static_cast<size_t>(i)] = store.Write([&, i](storage::ServerWriteTxn& t) -> Status {
        INSPECTSYNC_RETURN_IF_ERROR(append(t, id));
        if (i % 3 == 1) return Internal("refused after writing");  // must leave nothing
        return Status::Ok();
      });
    });
  }
  while (started.load() < kWriters) std::this_thread::yield();
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // let them queue (not asserted)
  release = true;
  first.join();
  for (auto& w : writers) w.join();

  int ok = 0;
  for (int i = 0; i < kWriters; ++i) {
    if (i % 3 == 1) {
      EXPECT_EQ(results[static_cast<size_t>(i)].code(), StatusCode::kInternal) << i;
    } else {
      EXPECT_TRUE(results[static_cast<size_t>(i)].ok()) << i << ": " << results[static_cast<size_t>(i)].ToString();
      ++ok;
    }
  }
  std::vector<storage::VersionRow> rows;
  ASSERT_TRUE(store.ReadHistory(0, 100, &rows).ok());
  ASSERT_EQ(rows.size(), static_cast<size_t>(ok + 1));
  for (size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i].seq, i + 1);  // no gap, no repeat
    int writer = -1;
    if (sscanf(rows[i].id.c_str(), "0190a000-0000-7000-8000-%d", &writer) == 1 && writer < kWriters) {
      EXPECT_NE(writer % 3, 1) << "a failed write left a version";
    }
  }
  EXPECT_EQ(*store.Head(), static_cast<uint64_t>(ok + 1));
  EXPECT_EQ(*store.CountRecords("findings"), static_cast<uint64_t>(ok + 1));
}

// The gRPC service sends NextPageOut's pages (stored bodies moved in, never
// parsed); a client reading them as PullResponse must see exactly NextPage's
// pages (Chinese text included; tombstones: tests/sdk/pull_bytes_test.cc), and the plan must advance the
// same way.
TEST(PullBytesTest, NextPageOutEncodesAsThePullResponseNextPageBuilds) {
  testing::TempDir dir;
  auto store = storage::OpenSqliteServerStore(dir.File("server.db"));
  ASSERT_TRUE(store.ok());
  core::ManualClock clock;
  EngineOptions o;
  o.clock = &clock;
  SyncEngine engine(store->get(), o);
  core::IdGenerator ids(&clock, 9);
  std::vector<v1::Mutation> batch;
  std::vector<std::string> made;
  for (int i = 0; i < 7; ++i) {
    made.push_back(ids.NewUuidV7());
    batch.push_back(CreateFinding(kA, static_cast<uint64_t>(i + 1), made.back(),
                                  SampleFinding("消防通道堵塞 " + std::to_string(i))));
  }
  ASSERT_TRUE(engine.Push(Batch(batch), Caller{"tester"}).ok());

  v1::PullRequest req;
  req.set_protocol_version(1);
  req.set_page_size(3);
  auto parsed_plan = engine.StartPull(req, Caller{});
  auto bytes_plan = engine.StartPull(req, Caller{});
  ASSERT_TRUE(parsed_plan.ok() && bytes_plan.ok());
  int pages = 0;
  v1::PullPageOut out;
  while (!parsed_plan->done) {
    ASSERT_FALSE(bytes_plan->done);
    auto parsed = engine.NextPage(req, &*parsed_plan);
    ASSERT_TRUE(parsed.ok());
    ASSERT_TRUE(engine.NextPageOut(req, &*bytes_plan, &out).ok());
    v1::PullResponse read;
    ASSERT_TRUE(read.ParseFromString(out.SerializeAsString()));
    read.set_server_hlc(parsed->server_hlc());  // the engine's clock ticks between the two
    EXPECT_EQ(read.DebugString(), parsed->DebugString()) << "page " << pages;
    // Byte for byte, too: an old client parses what it always got.
    EXPECT_EQ(read.SerializeAsString(), parsed->SerializeAsString());
    ++pages;
  }
  EXPECT_TRUE(bytes_plan->done);
  EXPECT_EQ(pages, 3);
}

}  // namespace
}  // namespace inspectsync::server
