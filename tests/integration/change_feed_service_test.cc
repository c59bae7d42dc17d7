// The change feed over real gRPC with TLS and tokens: a consumer resumes with
// no gap and no repeat across a SIGKILLed server process; a watch follows
// pushes live and hears heartbeats when idle; filters; server shutdown ends
// a watch; bad input refused with the right code, changing nothing.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <map>
#include <thread>

#include "core/ids.h"
#include "inspectsync/v1/integration.grpc.pb.h"
#include "inspectsync/v1/sync.grpc.pb.h"
#include "server/server.h"
#include "tests/testing/auth.h"
#include "tests/testing/mutations.h"
#include "tests/testing/server_process.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/test_server.h"

namespace inspectsync {
namespace {

using testing::Batch;
using testing::CreateFinding;
using testing::CreateRecord;

const std::string kClient = "0190a000-0000-7000-8000-0000000000e1";

// A channel to one server, and the calls the tests make over it.
struct Conn {
  Conn(const std::string& address, const testing::TestAuth& auth) {
    auto channel = grpc::CreateChannel(address, auth.ChannelCredentials());
    sync = v1::SyncService::NewStub(channel);
    feed = v1::IntegrationService::NewStub(channel);
    int64_t now_s = core::SystemClock()->NowMillis() / 1000;
    office = auth.Token("u-office", "office", "office-pc", now_s);
    integration = auth.Token("u-erp", "integration", "erp-host", now_s);
    inspector = auth.Token("u-li", "inspector", "tablet-li", now_s);
  }

  static std::unique_ptr<grpc::ClientContext> Ctx(const std::string& token, int seconds = 30) {
    auto ctx = std::make_unique<grpc::ClientContext>();
    ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(seconds));
    ctx->AddMetadata("authorization", "Bearer " + token);
    return ctx;
  }

  void Push(std::vector<v1::Mutation> ms) {
    v1::PushResponse resp;
    grpc::Status st = sync->Push(Ctx(office).get(), Batch(std::move(ms)), &resp);
    ASSERT_TRUE(st.ok()) << st.error_message();
    for (const auto& r : resp.results()) ASSERT_NE(r.outcome(), v1::REJECTED) << r.reason();
  }

  grpc::Status Ack(const std::string& consumer, uint64_t cursor, bool rewind = false,
                   v1::ConsumerCursor* out = nullptr, const std::string& token = "") {
    v1::AckCursorRequest req;
    req.set_consumer(consumer);
    req.set_cursor(cursor);
    req.set_rewind(rewind);
    v1::ConsumerCursor ignored;
    return feed->AckCursor(Ctx(token.empty() ? integration : token).get(), req, out ? out : &ignored);
  }

  std::unique_ptr<v1::SyncService::Stub> sync;
  std::unique_ptr<v1::IntegrationService::Stub> feed;
  std::string office, integration, inspector;
};

v1::WatchRequest Watch(const std::string& consumer = "", uint32_t page = 0, bool stop_at_head = false) {
  v1::WatchRequest r;
  r.set_protocol_version(1);
  r.set_consumer(consumer);
  r.set_page_size(page);
  r.set_stop_at_head(stop_at_head);
  return r;
}

class FeedTest : public ::testing::Test {
 protected:
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
  std::vector<v1::Mutation> Findings(const std::string& site, int n) {
    std::vector<v1::Mutation> ms;
    for (int i = 0; i < n; ++i) ms.push_back(FindingOf(site));
    return ms;
  }

  testing::TempDir dir_;
  testing::TestAuth auth_{dir_.path()};
  core::IdGenerator ids_{core::SystemClock(), 11};
  std::map<std::string, std::string> names_;
  uint64_t mid_ = 0;
};

// An in-process server on the same files each time it starts.
class InProcessFeedTest : public FeedTest {
 protected:
  void Start(int64_t heartbeat_ms = 3'600'000) {
    server::ServerOptions o = testing::TlsServerOptions(auth_, dir_.File("server.db"));
    o.feed.heartbeat_ms = heartbeat_ms;
    auto s = server::Server::Start(o);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    server_ = std::move(*s);
    conn_ = std::make_unique<Conn>(server_->address(), auth_);
  }

  std::unique_ptr<server::Server> server_;
  std::unique_ptr<Conn> conn_;
};

// The consumer processes a batch, then acks its cursor; whatever it received
// and did not ack before the server died comes again, and nothing else.
TEST_F(FeedTest, AConsumerResumesWithNoGapAcrossAKilledServer) {
  std::string db = dir_.File("server.db");
  auto proc = std::make_unique<testing::ServerProcess>(INSPECTSYNC_BINARY, db);
  ASSERT_TRUE(proc->ok());
  auto conn = std::make_unique<Conn>(proc->address(), auth_);
  std::vector<v1::Mutation> first = {Site("s-a", "z-n")};
  for (auto& m : Findings("s-a", 11)) first.push_back(std::move(m));
  conn->Push(first);  // seqs 1..12

  std::vector<uint64_t> processed;  // seqs of batches processed and acked
  {
    auto ctx = Conn::Ctx(conn->integration);
    auto reader = conn->feed->WatchChanges(ctx.get(), Watch("erp", 4));
    v1::ChangeBatch b;
    for (int i = 0; i < 2; ++i) {
      ASSERT_TRUE(reader->Read(&b));
      for (const auto& c : b.changes()) processed.push_back(c.seq());
      ASSERT_TRUE(conn->Ack("erp", b.cursor()).ok());
    }
    // A third batch arrives but the consumer dies before acking it.
    ASSERT_TRUE(reader->Read(&b));
    EXPECT_EQ(b.changes_size(), 4);
    ctx->TryCancel();
    reader->Finish();
  }
  EXPECT_EQ(proc->Kill(SIGKILL) & 0x7f, SIGKILL);
  conn.reset();

  proc = std::make_unique<testing::ServerProcess>(INSPECTSYNC_BINARY, db);
  ASSERT_TRUE(proc->ok());
  conn = std::make_unique<Conn>(proc->address(), auth_);
  conn->Push(Findings("s-a", 5));  // seqs 13..17
  {
    auto ctx = Conn::Ctx(conn->integration);
    auto reader = conn->feed->WatchChanges(ctx.get(), Watch("erp", 3, /*stop_at_head=*/true));
    v1::ChangeBatch b;
    uint64_t last_cursor = 0;
    while (reader->Read(&b)) {
      for (const auto& c : b.changes()) processed.push_back(c.seq());
      ASSERT_TRUE(conn->Ack("erp", b.cursor()).ok());
      last_cursor = b.cursor();
    }
    grpc::Status st = reader->Finish();
    EXPECT_TRUE(st.ok()) << st.error_message();
    EXPECT_EQ(last_cursor, 17u);
  }
  std::vector<uint64_t> want;
  for (uint64_t s = 1; s <= 17; ++s) want.push_back(s);
  EXPECT_EQ(processed, want);  // every seq once, in order

  v1::ConsumerList list;
  ASSERT_TRUE(conn->feed->ListConsumers(Conn::Ctx(conn->office).get(), v1::ListConsumersRequest(), &list).ok());
  ASSERT_EQ(list.consumers_size(), 1);
  EXPECT_EQ(list.consumers(0).consumer(), "erp");
  EXPECT_EQ(list.consumers(0).cursor(), 17u);
  EXPECT_EQ(list.consumers(0).behind(), 0u);
  EXPECT_EQ(list.consumers(0).updated_by(), "u-erp");
}

TEST_F(InProcessFeedTest, AWatchFollowsAPushLiveWithoutANewCall) {
  Start();
  conn_->Push({Site("s-a", "z-n")});
  auto ctx = Conn::Ctx(conn_->integration);
  auto reader = conn_->feed->WatchChanges(ctx.get(), Watch());
  v1::ChangeBatch b;
  ASSERT_TRUE(reader->Read(&b));
  EXPECT_EQ(b.changes_size(), 1);
  EXPECT_TRUE(b.caught_up());
  conn_->Push({FindingOf("s-a"), FindingOf("s-a")});
  ASSERT_TRUE(reader->Read(&b));  // no heartbeat can come first: it is an hour away
  ASSERT_EQ(b.changes_size(), 2);
  EXPECT_EQ(b.changes(0).seq(), 2u);
  EXPECT_EQ(b.changes(1).seq(), 3u);
  EXPECT_EQ(b.changes(0).body().finding().site_id(), Id("s-a"));
  EXPECT_EQ(b.changes(0).zone_id(), Id("z-n"));
  EXPECT_EQ(b.cursor(), 3u);
  EXPECT_TRUE(b.caught_up());
  ctx->TryCancel();
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::CANCELLED);
}

TEST_F(InProcessFeedTest, AnIdleWatchHearsHeartbeats) {
  Start(/*heartbeat_ms=*/50);
  conn_->Push({Site("s-a", "z-n")});
  auto ctx = Conn::Ctx(conn_->office);
  auto reader = conn_->feed->WatchChanges(ctx.get(), Watch());
  v1::ChangeBatch b;
  ASSERT_TRUE(reader->Read(&b));
  EXPECT_EQ(b.changes_size(), 1);
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(reader->Read(&b));
    EXPECT_EQ(b.changes_size(), 0);
    EXPECT_EQ(b.cursor(), 1u);
    EXPECT_EQ(b.head(), 1u);
    EXPECT_TRUE(b.caught_up());
  }
  ctx->TryCancel();
  reader->Finish();
}

TEST_F(InProcessFeedTest, FiltersSelectZonesSitesAndCollections) {
  Start();
  conn_->Push({Site("s-a", "z-n"), Site("s-c", "z-s"), FindingOf("s-a"), FindingOf("s-c"), FindingOf("s-c")});
  v1::WatchRequest r = Watch("", 0, true);
  r.mutable_filter()->add_zone_ids(Id("z-s"));
  r.mutable_filter()->add_collections("findings");
  auto ctx = Conn::Ctx(conn_->integration);
  auto reader = conn_->feed->WatchChanges(ctx.get(), r);
  std::vector<uint64_t> seqs;
  v1::ChangeBatch b;
  while (reader->Read(&b))
    for (const auto& c : b.changes()) {
      seqs.push_back(c.seq());
      EXPECT_EQ(c.zone_id(), Id("z-s"));
      EXPECT_EQ(c.scope(), Id("s-c"));
    }
  EXPECT_TRUE(reader->Finish().ok());
  EXPECT_EQ(seqs, (std::vector<uint64_t>{4, 5}));
  EXPECT_EQ(b.cursor(), 5u);
}

TEST_F(InProcessFeedTest, ShutdownEndsAnOpenWatchPromptly) {
  Start();
  auto ctx = Conn::Ctx(conn_->integration, 120);
  auto reader = conn_->feed->WatchChanges(ctx.get(), Watch());
  v1::ChangeBatch b;
  ASSERT_TRUE(reader->Read(&b));  // caught up on an empty server: the watch now waits
  EXPECT_TRUE(b.caught_up());
  std::thread stop([&] { server_->Shutdown(std::chrono::seconds(60)); });
  EXPECT_FALSE(reader->Read(&b));
  grpc::Status st = reader->Finish();
  stop.join();
  // Ended by the feed (not cancelled at the end of the 60 s grace).
  EXPECT_EQ(st.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_NE(st.error_message().find("resume the watch after cursor 0"), std::string::npos) << st.error_message();
}

TEST_F(InProcessFeedTest, BadRequestsAreRefusedWithTheRightCode) {
  Start();
  conn_->Push({Site("s-a", "z-n"), FindingOf("s-a")});
  ASSERT_TRUE(conn_->Ack("erp", 2).ok());
  auto watch_status = [&](const v1::WatchRequest& r, const std::string& token) {
    auto ctx = Conn::Ctx(token);
    auto reader = conn_->feed->WatchChanges(ctx.get(), r);
    v1::ChangeBatch b;
    while (reader->Read(&b)) {
    }
    return reader->Finish();
  };
  grpc::Status st = watch_status(Watch("Office ERP"), conn_->integration);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(st.error_message().find("consumer name"), std::string::npos) << st.error_message();
  st = watch_status(Watch("", 5001), conn_->integration);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(st.error_message().find("page_size"), std::string::npos);
  v1::WatchRequest old = Watch();
  old.set_protocol_version(0);
  EXPECT_EQ(watch_status(old, conn_->integration).error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  st = watch_status(Watch("", 0, true), conn_->inspector);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_NE(st.error_message().find("roles office and integration"), std::string::npos);

  st = conn_->Ack("erp", 1);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_NE(st.error_message().find("rewind"), std::string::npos);
  st = conn_->Ack("erp", 3);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(st.error_message().find("beyond the server's head"), std::string::npos);
  EXPECT_EQ(conn_->Ack("ERP!", 1).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(conn_->Ack("erp", 2, false, nullptr, conn_->inspector).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  v1::ConsumerList list;
  EXPECT_EQ(conn_->feed->ListConsumers(Conn::Ctx(conn_->inspector).get(), v1::ListConsumersRequest(), &list)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);

  // Nothing of that changed the consumer.
  ASSERT_TRUE(conn_->feed->ListConsumers(Conn::Ctx(conn_->office).get(), v1::ListConsumersRequest(), &list).ok());
  ASSERT_EQ(list.consumers_size(), 1);
  EXPECT_EQ(list.consumers(0).cursor(), 2u);
  v1::ConsumerCursor cur;
  ASSERT_TRUE(conn_->Ack("erp", 1, /*rewind=*/true, &cur).ok());
  EXPECT_EQ(cur.cursor(), 1u);
  EXPECT_EQ(cur.behind(), 1u);
}

}  // namespace
}  // namespace inspectsync
