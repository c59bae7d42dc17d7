// ChangeFeed over a real SyncEngine and SQLite store: batches in seq order
// with no gap, filters by collection / zone / site, the scan bound of a
// filtered feed, consumers' cursors, bad input, and the commit wake-up.
#include <gtest/gtest.h>

#include <future>
#include <map>
#include <set>

#include "core/ids.h"
#include "server/change_feed.h"
#include "tests/testing/mutations.h"
#include "tests/testing/temp_dir.h"

namespace inspectsync::server {
namespace {

using testing::Batch;
using testing::CreateFinding;
using testing::CreateRecord;

const std::string kClient = "0190a000-0000-7000-8000-0000000000f1";

class ChangeFeedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = storage::OpenSqliteServerStore(dir_.File("server.db"));
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
    EngineOptions o;
    o.clock = &clock_;
    engine_ = std::make_unique<SyncEngine>(store_.get(), o);
  }

  ChangeFeed& Feed(FeedOptions o = {}) {
    if (!feed_) feed_ = std::make_unique<ChangeFeed>(engine_.get(), o);
    return *feed_;
  }

  void Push(std::vector<v1::Mutation> ms) {
    auto r = engine_->Push(Batch(std::move(ms)), Caller{"u-office"});
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    for (const auto& res : r->results()) ASSERT_NE(res.outcome(), v1::REJECTED) << res.reason();
  }
  // Record ids are UUIDs: tests name them, Id() maps a name to its UUID.
  std::string Id(const std::string& name) {
    auto it = names_.find(name);
    if (it == names_.end()) it = names_.emplace(name, ids_.NewUuidV7()).first;
    return it->second;
  }
  v1::Mutation Site(const std::string& id, const std::string& zone) {
    return CreateRecord(kClient, ++mid_, "sites", Id(id), testing::SiteBody(Id(zone)));
  }
  v1::Mutation FindingOf(const std::string& site) {
    return CreateFinding(kClient, ++mid_, ids_.NewUuidV7(), testing::FindingAt(Id(site)));
  }
  v1::Mutation ZoneAssignment(const std::string& zone) {
    return CreateRecord(kClient, ++mid_, "assignments", ids_.NewUuidV7(),
                        testing::AssignmentBody("u-director", Id(zone), /*zone=*/true));
  }
  v1::Mutation Zone(const std::string& id) {
    v1::RecordBody b;
    b.mutable_zone()->set_name("Zone " + id);
    return CreateRecord(kClient, ++mid_, "zones", Id(id), b);
  }

  v1::WatchRequest Req(uint32_t page = 0) {
    v1::WatchRequest r;
    r.set_protocol_version(1);
    r.set_page_size(page);
    return r;
  }

  // Reads batches until caught up; the seqs, in order.
  std::vector<uint64_t> Drain(Watch* w, int* batches = nullptr) {
    std::vector<uint64_t> seqs;
    for (int n = 0; n < 10000; ++n) {
      auto b = Feed().Next(w);
      EXPECT_TRUE(b.ok()) << b.status().ToString();
      if (!b.ok()) break;
      if (batches) ++*batches;
      for (const auto& c : b->changes()) seqs.push_back(c.seq());
      EXPECT_EQ(b->cursor(), w->cursor);
      if (b->caught_up()) break;
    }
    return seqs;
  }

  testing::TempDir dir_;
  core::ManualClock clock_;
  core::IdGenerator ids_{&clock_, 7};
  std::unique_ptr<storage::ServerStore> store_;
  std::unique_ptr<SyncEngine> engine_;
  std::unique_ptr<ChangeFeed> feed_;
  std::map<std::string, std::string> names_;
  uint64_t mid_ = 0;
};

TEST_F(ChangeFeedTest, BatchesCoverEveryCommitInOrderWithNoGap) {
  Push({Site("s-a", "z-n"), FindingOf("s-a"), FindingOf("s-a")});
  Push({FindingOf("s-a"), Zone("z-n")});
  auto w = Feed().Start(Req(2));
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  int batches = 0;
  auto seqs = Drain(&*w, &batches);
  EXPECT_EQ(seqs, (std::vector<uint64_t>{1, 2, 3, 4, 5}));
  EXPECT_EQ(batches, 3);
  // A change carries its version exactly as history holds it.
  Watch again = *Feed().Start(Req(1));
  auto b = Feed().Next(&again);
  ASSERT_TRUE(b.ok());
  ASSERT_EQ(b->changes_size(), 1);
  const v1::Change& c = b->changes(0);
  EXPECT_EQ(c.collection(), "sites");
  EXPECT_EQ(c.record_id(), Id("s-a"));
  EXPECT_EQ(c.op(), v1::CREATE);
  EXPECT_EQ(c.scope(), Id("s-a"));
  EXPECT_EQ(c.zone_id(), Id("z-n"));
  EXPECT_EQ(c.meta().author(), "u-office");
  EXPECT_EQ(c.body().site().zone_id(), Id("z-n"));
  EXPECT_FALSE(b->caught_up());
  EXPECT_EQ(b->head(), 5u);
}

TEST_F(ChangeFeedTest, FiltersByCollectionZoneSiteAndReference) {
  // seq 1 zone z-n, 2 site s-a (z-n), 3 site s-c (z-s), 4 finding@a, 5 finding@c,
  // 6 zone assignment of z-n, 7 zone assignment of z-s.
  Push({Zone("z-n"), Site("s-a", "z-n"), Site("s-c", "z-s"), FindingOf("s-a"), FindingOf("s-c"),
        ZoneAssignment("z-n"), ZoneAssignment("z-s")});
  auto run = [&](const v1::ChangeFilter& f) {
    v1::WatchRequest r = Req();
    *r.mutable_filter() = f;
    auto w = Feed().Start(r);
    EXPECT_TRUE(w.ok()) << w.status().ToString();
    return w.ok() ? Drain(&*w) : std::vector<uint64_t>{};
  };
  v1::ChangeFilter f;
  f.add_collections("findings");
  EXPECT_EQ(run(f), (std::vector<uint64_t>{4, 5}));
  f.Clear();
  f.add_zone_ids(Id("z-n"));
  EXPECT_EQ(run(f), (std::vector<uint64_t>{2, 4, 6}));
  f.set_include_reference(true);
  EXPECT_EQ(run(f), (std::vector<uint64_t>{1, 2, 4, 6}));
  f.Clear();
  f.add_site_ids(Id("s-c"));
  EXPECT_EQ(run(f), (std::vector<uint64_t>{3, 5}));
  f.add_zone_ids(Id("z-n"));  // kinds combine with AND: s-c is not in z-n
  EXPECT_EQ(run(f), (std::vector<uint64_t>{}));
  f.Clear();
  f.add_zone_ids(Id("z-s"));
  f.add_collections("findings");
  f.add_collections("assignments");
  EXPECT_EQ(run(f), (std::vector<uint64_t>{5, 7}));

  // A site created later in a watched zone joins the filter: the directory
  // follows the sites collection.
  v1::WatchRequest r = Req();
  r.mutable_filter()->add_zone_ids(Id("z-s"));
  auto w = Feed().Start(r);
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(Drain(&*w), (std::vector<uint64_t>{3, 5, 7}));
  Push({Site("s-d", "z-s"), FindingOf("s-d"), FindingOf("s-a")});
  auto b = Feed().Next(&*w);
  ASSERT_TRUE(b.ok());
  ASSERT_EQ(b->changes_size(), 2);
  EXPECT_EQ(b->changes(0).seq(), 8u);
  EXPECT_EQ(b->changes(1).seq(), 9u);
  EXPECT_EQ(b->changes(1).zone_id(), Id("z-s"));
  EXPECT_EQ(b->cursor(), 10u);
  EXPECT_TRUE(b->caught_up());
}

TEST_F(ChangeFeedTest, AFilteredFeedScansABoundedWindowPerBatchAndStillAdvances) {
  std::vector<v1::Mutation> ms = {Site("s-a", "z-n")};
  for (int i = 0; i < 40; ++i) ms.push_back(FindingOf("s-a"));
  Push(ms);
  Push({Site("s-c", "z-s"), FindingOf("s-c")});  // seqs 42, 43
  FeedOptions o;
  o.scan_window = 5;
  o.max_empty_windows = 2;
  Feed(o);
  v1::WatchRequest r = Req(1);
  r.mutable_filter()->add_site_ids(Id("s-c"));
  auto w = Feed().Start(r);
  ASSERT_TRUE(w.ok());
  std::vector<uint64_t> cursors, seqs;
  for (int i = 0; i < 100; ++i) {
    auto b = Feed().Next(&*w);
    ASSERT_TRUE(b.ok());
    cursors.push_back(b->cursor());
    for (const auto& c : b->changes()) seqs.push_back(c.seq());
    if (b->caught_up()) break;
  }
  // Ten rows (two windows of five) per empty batch, then the matches.
  ASSERT_GE(cursors.size(), 4u);
  EXPECT_EQ(cursors[0], 10u);
  EXPECT_EQ(cursors[1], 20u);
  EXPECT_EQ(seqs, (std::vector<uint64_t>{42, 43}));
  EXPECT_EQ(cursors.back(), 43u);
}

TEST_F(ChangeFeedTest, StopAtHeadEndsAtTheHeadOfTheStart) {
  Push({Site("s-a", "z-n"), FindingOf("s-a")});
  v1::WatchRequest r = Req();
  r.set_stop_at_head(true);
  auto w = Feed().Start(r);
  ASSERT_TRUE(w.ok());
  Push({FindingOf("s-a")});
  auto b = Feed().Next(&*w);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->changes_size(), 2);
  EXPECT_TRUE(w->done());
  EXPECT_FALSE(b->caught_up());  // the head moved on; this watch does not follow
}

TEST_F(ChangeFeedTest, ConsumersResumeFromTheirAckedCursor) {
  Push({Site("s-a", "z-n"), FindingOf("s-a"), FindingOf("s-a"), FindingOf("s-a")});
  v1::WatchRequest r = Req(2);
  r.set_consumer("office-erp");
  auto w = Feed().Start(r);
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(w->cursor, 0u);  // a new consumer starts at the beginning
  auto b = Feed().Next(&*w);
  ASSERT_TRUE(b.ok());
  v1::AckCursorRequest ack;
  ack.set_consumer("office-erp");
  ack.set_cursor(b->cursor());
  clock_.Advance(1000);
  auto acked = Feed().Ack(ack, Caller{"u-int"});
  ASSERT_TRUE(acked.ok()) << acked.status().ToString();
  EXPECT_EQ(acked->cursor(), 2u);
  EXPECT_EQ(acked->behind(), 2u);
  EXPECT_EQ(acked->updated_by(), "u-int");
  EXPECT_EQ(acked->updated_ms(), clock_.NowMillis());

  auto again = Feed().Start(r);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->cursor, 2u);
  EXPECT_EQ(Drain(&*again), (std::vector<uint64_t>{3, 4}));
  r.set_after_seq(3);  // an explicit start wins over the stored cursor
  EXPECT_EQ(Feed().Start(r)->cursor, 3u);

  auto list = Feed().ListConsumers();
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->head(), 4u);
  ASSERT_EQ(list->consumers_size(), 1);
  EXPECT_EQ(list->consumers(0).consumer(), "office-erp");
  EXPECT_EQ(list->consumers(0).behind(), 2u);
}

TEST_F(ChangeFeedTest, BadRequestsAreRefusedAndChangeNothing) {
  Push({Site("s-a", "z-n"), FindingOf("s-a")});
  v1::AckCursorRequest ack;
  ack.set_consumer("erp");
  ack.set_cursor(2);
  ASSERT_TRUE(Feed().Ack(ack, Caller{"u"}).ok());

  for (const std::string& bad : {std::string("Office ERP"), std::string(), std::string(65, 'a'), std::string("a/b")}) {
    v1::AckCursorRequest a = ack;
    a.set_consumer(bad);
    auto st = Feed().Ack(a, Caller{"u"}).status();
    EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(st.message().find("a-z, 0-9"), std::string::npos) << st.message();
    v1::WatchRequest r = Req();
    r.set_consumer(bad);
    if (!bad.empty()) {
      EXPECT_EQ(Feed().Start(r).status().code(), StatusCode::kInvalidArgument) << bad;
    }
  }
  v1::AckCursorRequest beyond = ack;
  beyond.set_cursor(3);
  auto st = Feed().Ack(beyond, Caller{"u"}).status();
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("beyond the server's head 2"), std::string::npos) << st.message();
  v1::AckCursorRequest back = ack;
  back.set_cursor(1);
  st = Feed().Ack(back, Caller{"u"}).status();
  EXPECT_EQ(st.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(st.message().find("rewind"), std::string::npos) << st.message();
  auto list = Feed().ListConsumers();
  ASSERT_EQ(list->consumers_size(), 1);
  EXPECT_EQ(list->consumers(0).cursor(), 2u);  // unchanged by the refusals
  back.set_rewind(true);
  EXPECT_EQ(Feed().Ack(back, Caller{"u"})->cursor(), 1u);

  v1::WatchRequest r = Req(5001);
  st = Feed().Start(r).status();
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("page_size 5001"), std::string::npos);
  EXPECT_TRUE(Feed().Start(Req(5000)).ok());
  r = Req();
  r.set_protocol_version(99);
  EXPECT_EQ(Feed().Start(r).status().code(), StatusCode::kFailedPrecondition);
  r = Req();
  r.mutable_filter()->add_collections("findngs");
  st = Feed().Start(r).status();
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("unknown collection 'findngs'"), std::string::npos);
  r = Req();
  r.set_after_seq(3);
  st = Feed().Start(r).status();
  EXPECT_EQ(st.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(st.message().find("ahead of the server's head 2"), std::string::npos);
}

// The wake-up, or a failure after a minute instead of a hung test.
ChangeFeed::Wake Await(std::promise<ChangeFeed::Wake>& p) {
  auto f = p.get_future();
  if (f.wait_for(std::chrono::minutes(1)) != std::future_status::ready) {
    ADD_FAILURE() << "no wake-up";
    return ChangeFeed::Wake::kStopped;
  }
  return f.get();
}

TEST_F(ChangeFeedTest, WaitWakesOnCommitOnHeartbeatAndOnStop) {
  FeedOptions o;
  o.heartbeat_ms = 3'600'000;  // never, in this part
  Feed(o);
  Push({Site("s-a", "z-n")});
  std::promise<ChangeFeed::Wake> woke;
  uint64_t t = Feed().WaitAsync(1, [&](ChangeFeed::Wake why) { woke.set_value(why); });
  ASSERT_NE(t, 0u);
  Push({FindingOf("s-a")});
  EXPECT_EQ(Await(woke), ChangeFeed::Wake::kCommit);

  // A wait for a seq already passed fires at once (no lost wake-up).
  std::promise<ChangeFeed::Wake> passed;
  Feed().WaitAsync(1, [&](ChangeFeed::Wake why) { passed.set_value(why); });
  EXPECT_EQ(Await(passed), ChangeFeed::Wake::kCommit);

  // A cancelled wait never fires.
  uint64_t c = Feed().WaitAsync(2, [&](ChangeFeed::Wake) { ADD_FAILURE() << "cancelled wait fired"; });
  EXPECT_TRUE(Feed().CancelWait(c));
  EXPECT_FALSE(Feed().CancelWait(c));

  std::promise<ChangeFeed::Wake> stopped;
  Feed().WaitAsync(2, [&](ChangeFeed::Wake why) { stopped.set_value(why); });
  Feed().Stop();
  EXPECT_EQ(Await(stopped), ChangeFeed::Wake::kStopped);
  EXPECT_EQ(Feed().WaitAsync(2, [](ChangeFeed::Wake) {}), 0u);
  EXPECT_TRUE(Feed().stopped());
}

TEST_F(ChangeFeedTest, AnIdleWaitGetsAHeartbeat) {
  FeedOptions o;
  o.heartbeat_ms = 20;
  Feed(o);
  std::promise<ChangeFeed::Wake> woke;
  Feed().WaitAsync(0, [&](ChangeFeed::Wake why) { woke.set_value(why); });
  EXPECT_EQ(Await(woke), ChangeFeed::Wake::kHeartbeat);
}

}  // namespace
}  // namespace inspectsync::server
