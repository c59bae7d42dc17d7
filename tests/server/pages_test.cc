// Responses bounded by bytes (issue 15, item 1), at engine level over a real
// SQLite store: pull pages of records at every limit, a legacy record larger
// than any page, push responses cut at their budget with the resend mark
// that keeps a pipelined push from skipping the rest, watch batches, and the
// start-up check of the message limits against the schema.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "core/ids.h"
#include "core/record_bounds.h"
#include "core/workflow.h"
#include "server/change_feed.h"
#include "server/message_limits.h"
#include "server/sync_engine.h"
#include "tests/testing/legacy_record.h"
#include "tests/testing/max_records.h"
#include "tests/testing/mutations.h"
#include "tests/testing/temp_dir.h"

namespace inspectsync::server {
namespace {

using ::testing::HasSubstr;
using testing::Batch;
using testing::CreateRecord;

const std::string kA = "0190a000-0000-7000-8000-00000000000a";
const std::string kB = "0190a000-0000-7000-8000-00000000000b";
const std::string kSite = "0190a000-0000-7000-8000-0000000005e1";

class PagesTest : public ::testing::Test {
 protected:
  void Open(size_t max_page_bytes) {
    engine_.reset();
    store_.reset();
    auto s = storage::OpenSqliteServerStore(dir_.File("server.db"));
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
    EngineOptions o;
    o.clock = &clock_;
    o.id_seed = 15;
    o.max_page_bytes = max_page_bytes;
    engine_ = std::make_unique<SyncEngine>(store_.get(), o);
  }

  // Creates `body` in `collection` (under `id`, or a fresh one) from client A.
  std::string Create(const std::string& collection, const v1::RecordBody& body, std::string id = "") {
    if (id.empty()) id = ids_.NewUuidV7();
    auto r = engine_->Push(Batch({CreateRecord(kA, next_a_++, collection, id, body)}), Caller{});
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (r.ok()) {
      EXPECT_EQ(r->results(0).outcome(), v1::APPLIED) << collection << ": " << r->results(0).reason();
    }
    return id;
  }

  // Findings, templates and inspections with every field at its limit.
  void SeedMaximalRecords(int findings, int templates, int inspections) {
    for (int i = 0; i < findings; ++i) {
      v1::RecordBody b;
      *b.mutable_finding() = testing::MaxFinding(kSite, {}, "f" + std::to_string(i));
      Create("findings", b);
    }
    v1::ChecklistTemplate first;
    for (int v = 1; v <= templates; ++v) {
      v1::RecordBody b;
      *b.mutable_checklist_template() = testing::MaxTemplate("epi", static_cast<uint32_t>(v));
      if (v == 1) first = b.checklist_template();
      Create("templates", b, core::TemplateRecordId("epi", static_cast<uint32_t>(v)));
    }
    for (int i = 0; i < inspections; ++i) {
      v1::RecordBody b;
      *b.mutable_inspection() = testing::MaxInspection(kSite, first, {}, "i" + std::to_string(i));
      Create("inspections", b);
    }
  }

  struct Pulled {
    std::vector<v1::Record> records;
    std::vector<size_t> page_bytes, page_records;
    uint64_t last_cursor = 0;
  };

  // A whole pull as the gRPC service sends it (NextPageOut), pages parsed
  // back as a device reads them.
  Pulled Pull(uint32_t page_size, uint64_t cursor = 0) {
    v1::PullRequest req;
    req.set_protocol_version(1);
    req.set_client_id(kB);
    req.set_cursor(cursor);
    req.set_page_size(page_size);
    auto plan = engine_->StartPull(req, Caller{});
    EXPECT_TRUE(plan.ok()) << plan.status().ToString();
    Pulled out;
    v1::PullPageOut page;
    for (int guard = 0; plan.ok() && !plan->done && guard < 100000; ++guard) {
      Status st = engine_->NextPageOut(req, &*plan, &page);
      EXPECT_TRUE(st.ok()) << st.ToString();
      if (!st.ok()) break;
      v1::PullResponse parsed;
      EXPECT_TRUE(parsed.ParseFromString(page.SerializeAsString()));
      out.page_bytes.push_back(page.ByteSizeLong());
      out.page_records.push_back(static_cast<size_t>(parsed.records_size()));
      for (auto& r : *parsed.mutable_records()) out.records.push_back(std::move(r));
      out.last_cursor = parsed.next_cursor();
    }
    return out;
  }

  testing::TempDir dir_;
  core::ManualClock clock_;
  core::IdGenerator ids_{&clock_, 15};
  std::unique_ptr<storage::ServerStore> store_;
  std::unique_ptr<SyncEngine> engine_;
  uint64_t next_a_ = 1;
};

// Findings, templates and inspections with every field at its limit, pulled
// with the largest page size a tablet may ask for: no page passes the byte
// budget (by count alone one page would hold all ~14 MB), every record
// arrives once, and the pull reaches the head.
TEST_F(PagesTest, PagesOfMaximalRecordsStayWithinTheBudgetAndReachTheHead) {
  Open(4 << 20);
  SeedMaximalRecords(/*findings=*/250, /*templates=*/3, /*inspections=*/2);
  const uint64_t head = *store_->Head();
  Pulled p = Pull(/*page_size=*/5000);
  EXPECT_EQ(p.last_cursor, head);
  ASSERT_EQ(p.records.size(), 255u);
  std::set<uint64_t> versions;
  for (const auto& r : p.records) versions.insert(r.version());
  EXPECT_EQ(versions.size(), 255u);
  EXPECT_EQ(*versions.rbegin(), head);
  EXPECT_GE(p.page_bytes.size(), 4u);
  for (size_t i = 0; i < p.page_bytes.size(); ++i) {
    EXPECT_LE(p.page_bytes[i], size_t{4} << 20) << "page " << i << " of " << p.page_records[i] << " records";
    EXPECT_GE(p.page_records[i], 1u);
  }
  // A small budget and many findings: pages of a few records each.
  Open(64 << 10);
  p = Pull(5000);
  EXPECT_EQ(p.records.size(), 255u);
  EXPECT_EQ(p.last_cursor, head);
  for (size_t i = 0; i < p.page_bytes.size(); ++i)
    if (p.page_records[i] > 1) {
      EXPECT_LE(p.page_bytes[i], size_t{64} << 10) << "page " << i;
    }
}

// A record stored before the limits, larger than the budget (6 MiB against
// 4 MiB), between ordinary ones: it travels alone in its page, the pull
// moves past it to the head, and nothing is lost or repeated.
TEST_F(PagesTest, ALegacyRecordOverTheBudgetGoesAloneAndThePullMovesPastIt) {
  Open(4 << 20);
  for (int i = 0; i < 3; ++i) Create("findings", [] {
    v1::RecordBody b;
    *b.mutable_finding() = testing::FindingAt(kSite);
    return b;
  }());
  const std::string legacy = ids_.NewUuidV7();
  auto v = testing::WriteLegacyFinding(store_.get(), legacy, kSite, 6 << 20);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  for (int i = 0; i < 3; ++i) Create("findings", [] {
    v1::RecordBody b;
    *b.mutable_finding() = testing::FindingAt(kSite);
    return b;
  }());
  for (uint64_t cursor : {uint64_t{0}, *v - 1}) {
    Pulled p = Pull(5000, cursor);
    EXPECT_EQ(p.last_cursor, *store_->Head());
    std::set<std::string> ids;
    size_t legacy_pages = 0;
    for (size_t i = 0, at = 0; i < p.page_records.size(); at += p.page_records[i], ++i) {
      for (size_t k = at; k < at + p.page_records[i]; ++k) {
        ids.insert(p.records[k].id());
        if (p.records[k].id() == legacy) {
          ++legacy_pages;
          EXPECT_EQ(p.page_records[i], 1u) << "the legacy record shares its page";
          EXPECT_GT(p.page_bytes[i], size_t{6} << 20);
        }
      }
      if (p.page_bytes[i] > (size_t{4} << 20)) {
        EXPECT_EQ(p.page_records[i], 1u);
      }
    }
    EXPECT_EQ(legacy_pages, 1u);
    EXPECT_EQ(ids.size(), p.records.size());
    EXPECT_EQ(p.records.size(), cursor == 0 ? 7u : 4u);
  }
}

// The store itself stops reading once past the byte limit: it hands over
// the rows that fit and one more, not page_size rows of any size.
TEST_F(PagesTest, TheStoreReadStopsByBytes) {
  Open(4 << 20);
  SeedMaximalRecords(40, 0, 0);
  storage::ChangeQuery q;
  q.upto = *store_->Head();
  q.limit = 5001;
  q.max_bytes = 100 << 10;
  std::vector<storage::StoredRecord> rows;
  ASSERT_TRUE(store_->ReadChanges(q, &rows).ok());
  size_t bytes = 0;
  for (const auto& r : rows) bytes += storage::PageBytes(r);
  EXPECT_GT(bytes, q.max_bytes);
  EXPECT_LE(bytes - storage::PageBytes(rows.back()), q.max_bytes);
  EXPECT_LT(rows.size(), 40u);
  // Scoped walks (a tablet's pull) stop the same way.
  q.scope.mode = storage::ScopeFilter::kOnly;
  q.scope.keys = {kSite};
  rows.clear();
  ASSERT_TRUE(store_->ReadChanges(q, &rows).ok());
  bytes = 0;
  for (const auto& r : rows) bytes += storage::PageBytes(r);
  EXPECT_GT(bytes, q.max_bytes);
  EXPECT_LE(bytes - storage::PageBytes(rows.back()), q.max_bytes);
}

// A body with a field this build does not know would be stored as it came,
// past every bound (here 5 MiB in a finding): REJECTED INVALID naming the
// field, nothing written; the next mutation of the batch proceeds.
TEST_F(PagesTest, ABodyWithAnUnknownFieldIsRejectedAndChangesNothing) {
  Open(4 << 20);
  v1::Finding f = testing::FindingAt(kSite);
  f.GetReflection()->MutableUnknownFields(&f)->AddLengthDelimited(42, std::string(5 << 20, 'u'));
  v1::Mutation bad = testing::CreateFinding(kA, 1, ids_.NewUuidV7(), f);
  v1::Mutation good = testing::CreateFinding(kA, 2, ids_.NewUuidV7(), testing::FindingAt(kSite));
  auto r = engine_->Push(Batch({bad, good}), Caller{});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->results_size(), 2);
  EXPECT_EQ(r->results(0).outcome(), v1::REJECTED);
  EXPECT_EQ(r->results(0).reject_code(), v1::INVALID);
  EXPECT_THAT(r->results(0).reason(), HasSubstr("field number 42 of inspectsync.v1.Finding"));
  EXPECT_EQ(r->results(1).outcome(), v1::APPLIED);
  EXPECT_EQ(*store_->Head(), 1u);
}

// ---------------------------------------------------------------- push

class PushCutTest : public PagesTest {
 protected:
  // Findings at every limit, created by client B, and a PATCH of each one's
  // title by client A (ids first..first+n-1): small requests whose results
  // each carry a whole ~25 KB record.
  std::vector<v1::Mutation> PatchesOfLargeRecords(int n, uint64_t first) {
    std::vector<v1::Mutation> out;
    for (int i = 0; i < n; ++i) {
      const std::string id = ids_.NewUuidV7();
      v1::Finding f = testing::MaxFinding(kSite, {}, "p" + std::to_string(i));
      auto r = engine_->Push(Batch({testing::CreateFinding(kB, next_b_++, id, f)}), Caller{});
      EXPECT_TRUE(r.ok() && r->results(0).outcome() == v1::APPLIED);
      v1::Finding after = f;
      after.set_title("checked again " + std::to_string(i));
      out.push_back(testing::PatchFinding(kA, first + static_cast<uint64_t>(i), id, r->results(0).record().version(),
                                          f, after, {"title"}));
    }
    return out;
  }
  uint64_t ResendFrom(const std::string& client) {
    uint64_t mark = 0;
    EXPECT_TRUE(store_->Write([&](storage::ServerWriteTxn& txn) -> Status {
                  auto m = txn.ResendFrom(client);
                  if (!m.ok()) return m.status();
                  mark = *m;
                  return Status::Ok();
                }).ok());
    return mark;
  }
  uint64_t next_b_ = 1;
};

size_t Encoded(const v1::PushResponse& r) { return r.ByteSizeLong(); }

// 300 small patches to large records: the response would hold 300 whole
// records (~7.5 MB against a 256 KiB budget). The engine stops once the
// response reached the budget, leaves the rest unapplied, and marks where
// the device must resume; a pipelined push past the mark is ABORTED and
// changes nothing; resending from the mark proceeds and clears it.
TEST_F(PushCutTest, AFullResponseIsCutAndAPipelinedPushCannotSkipTheRest) {
  Open(256 << 10);
  std::vector<v1::Mutation> patches = PatchesOfLargeRecords(300, 1);
  const uint64_t head0 = *store_->Head();
  v1::PushRequest batch1 = Batch(std::vector<v1::Mutation>(patches.begin(), patches.begin() + 150));
  auto r1 = engine_->Push(batch1, Caller{});
  ASSERT_TRUE(r1.ok()) << r1.status().ToString();
  const int answered = r1->results_size();
  ASSERT_GT(answered, 1);
  ASSERT_LT(answered, 150);
  for (int i = 0; i < answered; ++i) EXPECT_EQ(r1->results(i).mutation_id(), static_cast<uint64_t>(i + 1));
  const size_t last = r1->results(answered - 1).ByteSizeLong() + 4;
  EXPECT_LE(Encoded(*r1), (size_t{256} << 10) + last);
  EXPECT_GE(Encoded(*r1) + 16, size_t{256} << 10);
  EXPECT_EQ(*store_->Head(), head0 + static_cast<uint64_t>(answered)) << "only the answered ones are applied";
  EXPECT_EQ(ResendFrom(kA), static_cast<uint64_t>(answered + 1));

  // The device's next batch was already on the wire: refused, nothing changes.
  v1::PushRequest batch2 = Batch(std::vector<v1::Mutation>(patches.begin() + 150, patches.end()));
  auto r2 = engine_->Push(batch2, Caller{});
  ASSERT_FALSE(r2.ok());
  EXPECT_EQ(r2.status().code(), StatusCode::kAborted);
  EXPECT_THAT(r2.status().message(), HasSubstr("resend from mutation " + std::to_string(answered + 1)));
  EXPECT_EQ(*store_->Head(), head0 + static_cast<uint64_t>(answered));

  // The response was lost: the same batch again gets the same answers (from
  // the ledger) and is cut at the same place.
  auto again = engine_->Push(batch1, Caller{});
  ASSERT_TRUE(again.ok());
  ASSERT_EQ(again->results_size(), answered);
  for (int i = 0; i < answered; ++i)
    EXPECT_EQ(again->results(i).SerializeAsString(), r1->results(i).SerializeAsString()) << i;
  EXPECT_EQ(*store_->Head(), head0 + static_cast<uint64_t>(answered));

  // Resending from the mark, in cut batches, until all 300 are in: nothing
  // lost, nothing twice; the mark is gone at the end.
  std::set<uint64_t> results;
  for (int i = 0; i < answered; ++i) results.insert(r1->results(i).mutation_id());
  for (size_t from = static_cast<size_t>(answered); from < patches.size();) {
    auto r = engine_->Push(Batch(std::vector<v1::Mutation>(patches.begin() + static_cast<long>(from), patches.end())),
                           Caller{});
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ASSERT_GE(r->results_size(), 1);
    for (const auto& res : r->results()) {
      EXPECT_EQ(res.outcome(), v1::APPLIED) << res.reason();
      EXPECT_TRUE(results.insert(res.mutation_id()).second);
    }
    from += static_cast<size_t>(r->results_size());
  }
  EXPECT_EQ(results.size(), 300u);
  EXPECT_EQ(*store_->Head(), head0 + 300);
  EXPECT_EQ(ResendFrom(kA), 0u);
}

// A late duplicate of a batch whose every mutation was processed since is cut
// at the same place but sets no mark: the unanswered ones were processed, so
// the device's later pushes must not be refused.
TEST_F(PushCutTest, ALateDuplicateOfProcessedMutationsSetsNoMark) {
  Open(256 << 10);
  std::vector<v1::Mutation> patches = PatchesOfLargeRecords(40, 1);
  v1::PushRequest all = Batch(patches);
  for (size_t from = 0; from < patches.size();) {
    auto r = engine_->Push(Batch(std::vector<v1::Mutation>(patches.begin() + static_cast<long>(from), patches.end())),
                           Caller{});
    ASSERT_TRUE(r.ok());
    from += static_cast<size_t>(r->results_size());
  }
  const uint64_t head = *store_->Head();
  auto late = engine_->Push(all, Caller{});
  ASSERT_TRUE(late.ok());
  EXPECT_LT(late->results_size(), 40);
  EXPECT_EQ(*store_->Head(), head);
  EXPECT_EQ(ResendFrom(kA), 0u);
  v1::Finding f = testing::FindingAt(kSite);
  auto next = engine_->Push(Batch({testing::CreateFinding(kA, 41, ids_.NewUuidV7(), f)}), Caller{});
  ASSERT_TRUE(next.ok()) << next.status().ToString();
  EXPECT_EQ(next->results(0).outcome(), v1::APPLIED);
}

// ---------------------------------------------------------------- watch

// The integration feed over the same records: every batch within the
// budget, one change at least (the legacy record alone), every version once.
TEST_F(PagesTest, WatchBatchesStayWithinTheBudget) {
  Open(128 << 10);
  SeedMaximalRecords(60, 0, 0);
  auto legacy = testing::WriteLegacyFinding(store_.get(), ids_.NewUuidV7(), kSite, 300 << 10);
  ASSERT_TRUE(legacy.ok());
  SeedMaximalRecords(20, 0, 0);
  ChangeFeed feed(engine_.get());
  v1::WatchRequest req;
  req.set_protocol_version(1);
  req.set_page_size(5000);
  req.set_stop_at_head(true);
  auto w = feed.Start(req);
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  std::set<uint64_t> seqs;
  int batches = 0;
  for (int guard = 0; !w->done() && guard < 1000; ++guard) {
    auto b = feed.Next(&*w);
    ASSERT_TRUE(b.ok()) << b.status().ToString();
    ++batches;
    if (b->changes_size() > 1) {
      EXPECT_LE(b->ByteSizeLong(), size_t{128} << 10) << "batch " << batches;
    }
    for (const auto& c : b->changes()) {
      EXPECT_TRUE(seqs.insert(c.seq()).second);
      if (c.seq() == *legacy) {
        EXPECT_EQ(b->changes_size(), 1);
      }
    }
  }
  EXPECT_EQ(seqs.size(), *store_->Head());
  EXPECT_GT(batches, 10);
}

// ---------------------------------------------------------------- start-up

// The server refuses limits under which a record the schema allows could
// not travel, naming the collection, its size and the flag to change.
TEST(MessageLimitsTest, LimitsTooSmallForTheSchemaAreRefusedWithTheFigures) {
  EngineOptions o;
  EXPECT_TRUE(CheckMessageLimits(o, 16 << 20).ok()) << CheckMessageLimits(o, 16 << 20).ToString();
  const core::RecordBounds inspections = core::BoundsOf(*core::FindCollection("inspections"), o.limits);

  Status small_message = CheckMessageLimits(o, 4 << 20);
  EXPECT_EQ(small_message.code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(small_message.message(), HasSubstr("collection 'inspections'"));
  EXPECT_THAT(small_message.message(), HasSubstr(std::to_string(inspections.record) + " bytes"));
  EXPECT_THAT(small_message.message(), HasSubstr("--max-message-bytes"));

  o.max_page_bytes = 1 << 20;
  Status small_page = CheckMessageLimits(o, 16 << 20);
  EXPECT_EQ(small_page.code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(small_page.message(), HasSubstr("collection 'inspections'"));
  EXPECT_THAT(small_page.message(), HasSubstr("--max-page-bytes (1048576)"));

  // A server-wide string cap shrinks every record: the same limits then fit.
  o.limits.max_string_bytes = 300;
  EXPECT_TRUE(CheckMessageLimits(o, 4 << 20).ok()) << CheckMessageLimits(o, 4 << 20).ToString();

  o.max_page_bytes = 8 << 20;
  EXPECT_THAT(CheckMessageLimits(o, 4 << 20).message(), HasSubstr("larger than the message limit"));

  // The server sends what a device may receive: a lone legacy record of a
  // whole old request, a push response one result past its budget.
  EXPECT_GE(SendLimitBytes(EngineOptions{}, 16 << 20), 64 << 20);
  EXPECT_GE(static_cast<size_t>(SendLimitBytes(EngineOptions{}, 48 << 20)), (size_t{48} << 20) + inspections.record);
}

}  // namespace
}  // namespace inspectsync::server
