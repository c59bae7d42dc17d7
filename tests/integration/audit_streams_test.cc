// What the outside audit of issue 15 did with streams, against the real
// `inspectsync server` process: a pull whose client stops reading, a pull
// blocked past --max-call-s, too many streams from one caller, and access
// taken away while streams are open — a token revoked (`inspectsync admin
// token revoke`), its key removed, its user deactivated.
#include <grpcpp/grpcpp.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <thread>

#include "core/ids.h"
#include "inspectsync/v1/integration.grpc.pb.h"
#include "inspectsync/v1/sync.grpc.pb.h"
#include "tests/testing/auth.h"
#include "tests/testing/mutations.h"
#include "tests/testing/run_binary.h"
#include "tests/testing/server_process.h"
#include "tests/testing/temp_dir.h"

namespace inspectsync {
namespace {

using ::testing::HasSubstr;
using testing::Batch;
using testing::CreateFinding;
using testing::CreateRecord;

const std::string kOfficeClient = "0190a000-0000-7000-8000-0000000000f1";
const std::string kErpUser = "0190a000-0000-7000-8000-00000000e4b1";

class AuditStreamsTest : public ::testing::Test {
 protected:
  void Start(std::vector<std::string> extra = {}) {
    proc_ = std::make_unique<testing::ServerProcess>(INSPECTSYNC_BINARY, dir_.File("server.db"), std::move(extra));
    ASSERT_TRUE(proc_->ok()) << proc_->output();
    auto channel = Channel();
    sync_ = v1::SyncService::NewStub(channel);
    feed_ = v1::IntegrationService::NewStub(channel);
    office_ = Token("u-office", "office", "office-pc");
  }

  // A channel on a connection of its own whose client takes at most 64 KiB
  // ahead of what it has read: a client that stops reading stops the server.
  std::shared_ptr<grpc::Channel> Channel() {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_HTTP2_BDP_PROBE, 0);
    args.SetInt(GRPC_ARG_HTTP2_STREAM_LOOKAHEAD_BYTES, 64 << 10);
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    args.SetMaxReceiveMessageSize(64 << 20);
    return grpc::CreateCustomChannel(proc_->address(), auth_.ChannelCredentials(), args);
  }

  std::string Token(const std::string& user, const std::string& role, const std::string& device) {
    return auth_.Token(user, role, device, core::SystemClock()->NowMillis() / 1000);
  }

  static std::unique_ptr<grpc::ClientContext> Ctx(const std::string& token, int seconds = 120) {
    auto ctx = std::make_unique<grpc::ClientContext>();
    ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(seconds));
    ctx->AddMetadata("authorization", "Bearer " + token);
    return ctx;
  }

  grpc::Status Push(const std::vector<v1::Mutation>& ms, const std::string& token) {
    v1::PushResponse resp;
    grpc::Status st = sync_->Push(Ctx(token).get(), Batch(ms), &resp);
    for (const auto& r : resp.results()) EXPECT_NE(r.outcome(), v1::REJECTED) << r.reason();
    return st;
  }

  // `n` findings of about `bytes` each, at one site, pushed by the office.
  void Seed(int n, size_t bytes) {
    const std::string site = ids_.NewUuidV7();
    std::vector<v1::Mutation> batch = {CreateRecord(kOfficeClient, ++mid_, "sites", site, testing::SiteBody(ids_.NewUuidV7()))};
    for (int i = 0; i < n; ++i) {
      v1::Finding f = testing::FindingAt(site);
      f.set_description(std::string(bytes, 'd'));
      batch.push_back(CreateFinding(kOfficeClient, ++mid_, ids_.NewUuidV7(), f));
      if (batch.size() == 200 || i == n - 1) {
        ASSERT_TRUE(Push(batch, office_).ok());
        batch.clear();
      }
    }
  }

  static v1::PullRequest PullFrom(uint64_t cursor, uint32_t page_size) {
    v1::PullRequest r;
    r.set_protocol_version(1);
    r.set_client_id("0190a000-0000-7000-8000-0000000000c7");
    r.set_cursor(cursor);
    r.set_page_size(page_size);
    return r;
  }

  static v1::WatchRequest Watch() {
    v1::WatchRequest r;
    r.set_protocol_version(1);
    return r;
  }

  // Reads a stream to its end; the status it ended with.
  template <class Reader, class Message>
  static grpc::Status Drain(Reader* reader, Message* m, int* messages = nullptr) {
    while (reader->Read(m))
      if (messages) ++*messages;
    return reader->Finish();
  }

  testing::RunResult Admin(std::vector<std::string> args) {
    args.insert(args.begin(), {INSPECTSYNC_BINARY, "admin"});
    args.insert(args.end(), {"--keys", auth_.keys_file()});
    return testing::RunBinary(args);
  }

  testing::TempDir dir_;
  testing::TestAuth auth_{dir_.path()};
  core::IdGenerator ids_{core::SystemClock(), 3};
  uint64_t mid_ = 0;
  std::unique_ptr<testing::ServerProcess> proc_;
  std::unique_ptr<v1::SyncService::Stub> sync_;
  std::unique_ptr<v1::IntegrationService::Stub> feed_;
  std::string office_;
};

TEST_F(AuditStreamsTest, APullWhoseClientStopsReadingIsCutOffAndTheServerKeepsServing) {
  Start({"--stall-timeout-s", "1"});
  Seed(1500, 3000);  // ~4.5 MB: far more than the paused client's window
  auto ctx = Ctx(office_);
  auto paused = sync_->Pull(ctx.get(), PullFrom(0, 200));
  v1::PullResponse page;
  ASSERT_TRUE(paused->Read(&page));
  // ...and reads no more. The server cuts it off once a page waits unread.
  ASSERT_TRUE(proc_->WaitForOutput("cancelled SyncService/Pull")) << proc_->output();
  EXPECT_THAT(proc_->output(), HasSubstr("has not taken the next message"));
  int later = 0;
  grpc::Status st = Drain(paused.get(), &page, &later);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::CANCELLED) << st.error_message();
  EXPECT_LT(later, 7) << "the pull did not run to its end";
  // Everyone else is served as before.
  auto ctx2 = Ctx(Token("u-office", "office", "office-pc-2"));
  auto full = sync_->Pull(ctx2.get(), PullFrom(0, 200));
  int pages = 0;
  ASSERT_TRUE(Drain(full.get(), &page, &pages).ok());
  EXPECT_EQ(page.next_cursor(), page.head());
  EXPECT_EQ(page.head(), 1501u);
}

TEST_F(AuditStreamsTest, APullBlockedPastTheCallLimitIsCancelledOnATimer) {
  Start({"--max-call-s", "2", "--stall-timeout-s", "0"});
  Seed(1500, 3000);
  auto ctx = Ctx(office_);
  auto paused = sync_->Pull(ctx.get(), PullFrom(0, 200));
  v1::PullResponse page;
  ASSERT_TRUE(paused->Read(&page));
  ASSERT_TRUE(proc_->WaitForOutput("cancelled SyncService/Pull")) << proc_->output();
  EXPECT_THAT(proc_->output(), HasSubstr("--max-call-s"));
  EXPECT_EQ(Drain(paused.get(), &page).error_code(), grpc::StatusCode::CANCELLED);
}

TEST_F(AuditStreamsTest, OneCallerMayHoldOnlySoManyStreams) {
  Start({"--max-streams-per-caller", "3"});
  std::vector<std::unique_ptr<grpc::ClientContext>> ctxs;
  std::vector<std::unique_ptr<grpc::ClientReader<v1::ChangeBatch>>> watches;
  v1::ChangeBatch b;
  for (int i = 0; i < 3; ++i) {
    ctxs.push_back(Ctx(office_));
    watches.push_back(feed_->WatchChanges(ctxs.back().get(), Watch()));
    ASSERT_TRUE(watches.back()->Read(&b)) << "watch " << i << " is open";
  }
  auto ctx = Ctx(office_);
  auto fourth = feed_->WatchChanges(ctx.get(), Watch());
  grpc::Status st = Drain(fourth.get(), &b);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(st.error_message(), HasSubstr("--max-streams-per-caller"));
  // The same user on another device has a budget of its own; closing one frees a slot.
  auto other_ctx = Ctx(Token("u-office", "office", "office-laptop"));
  auto other = feed_->WatchChanges(other_ctx.get(), Watch());
  EXPECT_TRUE(other->Read(&b));
  ctxs[0]->TryCancel();
  Drain(watches[0].get(), &b);
  grpc::Status again;
  for (int attempt = 0; attempt < 100; ++attempt) {  // the server learns of the cancel asynchronously
    auto c = Ctx(office_);
    auto w = feed_->WatchChanges(c.get(), Watch());
    if (w->Read(&b)) {
      c->TryCancel();
      Drain(w.get(), &b);
      again = grpc::Status::OK;
      break;
    }
    again = w->Finish();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(again.ok()) << again.error_message();
  for (auto& c : ctxs) c->TryCancel();
  other_ctx->TryCancel();
}

TEST_F(AuditStreamsTest, RevokingATokenEndsItsOpenWatchAndRefusesItsCallsButNoOtherToken) {
  Start();
  const std::string erp = Token("u-erp", "integration", "erp-host"), other = Token("u-erp", "integration", "erp-2");
  auto ctx = Ctx(erp);
  auto watch = feed_->WatchChanges(ctx.get(), Watch());
  v1::ChangeBatch b;
  ASSERT_TRUE(watch->Read(&b));
  const std::string token_file = dir_.File("erp.token");
  std::ofstream(token_file) << erp << "\n";
  testing::RunResult revoked = Admin({"token", "revoke", "--token-file", token_file});
  ASSERT_TRUE(revoked.exited && revoked.exit_code == 0) << revoked.output;
  EXPECT_THAT(revoked.output, HasSubstr("revoked token"));
  grpc::Status st = Drain(watch.get(), &b);  // ends within a heartbeat
  EXPECT_EQ(st.error_code(), grpc::StatusCode::UNAUTHENTICATED) << st.error_message();
  EXPECT_THAT(st.error_message(), HasSubstr("revoked"));
  v1::ConsumerList consumers;
  EXPECT_EQ(feed_->ListConsumers(Ctx(erp).get(), {}, &consumers).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_TRUE(feed_->ListConsumers(Ctx(other).get(), {}, &consumers).ok()) << "another token of the same user";
  testing::RunResult list = Admin({"token", "revoked"});
  EXPECT_THAT(list.output, HasSubstr(*auth::TokenId(erp)));
}

TEST_F(AuditStreamsTest, RemovingAKeyEndsTheWatchesOfTheTokensItSigned) {
  Start();
  std::string old_key = auth::KeyRing::Load(auth_.keys_file())->Keys()[0].id;
  auto ctx = Ctx(office_);
  auto watch = feed_->WatchChanges(ctx.get(), Watch());
  v1::ChangeBatch b;
  ASSERT_TRUE(watch->Read(&b));
  ASSERT_EQ(Admin({"key", "rotate"}).exit_code, 0);
  testing::RunResult removed = Admin({"key", "remove", old_key});
  ASSERT_EQ(removed.exit_code, 0) << removed.output;
  grpc::Status st = Drain(watch.get(), &b);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::UNAUTHENTICATED) << st.error_message();
  v1::ConsumerList consumers;
  EXPECT_TRUE(feed_->ListConsumers(Ctx(Token("u-office", "office", "office-pc")).get(), {}, &consumers).ok())
      << "a token of the new key works";
}

TEST_F(AuditStreamsTest, DeactivatingAUserEndsTheirWatchAndRefusesTheirCallsUntilReactivated) {
  Start();
  auto user = [&](bool active, uint64_t base) {
    v1::RecordBody body;
    body.mutable_user()->set_name("档案系统");
    body.mutable_user()->set_role(v1::INTEGRATION);
    body.mutable_user()->set_active(active);
    if (base == 0) return CreateRecord(kOfficeClient, ++mid_, "users", kErpUser, body);
    v1::Mutation m = CreateRecord(kOfficeClient, ++mid_, "users", kErpUser, body);
    m.set_op(v1::PATCH);
    m.set_base_version(base);
    m.mutable_mask()->add_paths("active");
    body.mutable_user()->clear_name();
    body.mutable_user()->clear_role();
    *m.mutable_body() = body;
    m.mutable_base_body()->mutable_user()->set_active(!active);  // the value the patch was made on
    return m;
  };
  ASSERT_TRUE(Push({user(true, 0)}, office_).ok());
  const std::string erp = Token(kErpUser, "integration", "erp-host");
  auto ctx = Ctx(erp);
  auto watch = feed_->WatchChanges(ctx.get(), Watch());
  v1::ChangeBatch b;
  ASSERT_TRUE(watch->Read(&b));
  ASSERT_TRUE(Push({user(false, 1)}, office_).ok());
  grpc::Status st = Drain(watch.get(), &b);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::PERMISSION_DENIED) << st.error_message();
  EXPECT_THAT(st.error_message(), HasSubstr("档案系统"));
  EXPECT_THAT(st.error_message(), HasSubstr("deactivated"));
  v1::ConsumerList consumers;
  EXPECT_EQ(feed_->ListConsumers(Ctx(erp).get(), {}, &consumers).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(Push({user(true, 2)}, office_).ok());
  EXPECT_TRUE(feed_->ListConsumers(Ctx(erp).get(), {}, &consumers).ok());
}

TEST_F(AuditStreamsTest, ALongPullEndsWhenItsTokenIsRevokedMidway) {
  Start();
  Seed(600, 2000);
  const std::string token = Token("u-office", "office", "office-tablet");
  auto ctx = Ctx(token);
  auto pull = sync_->Pull(ctx.get(), PullFrom(0, 20));  // 30 pages; the client holds a few
  v1::PullResponse page;
  ASSERT_TRUE(pull->Read(&page));
  const std::string token_file = dir_.File("tablet.token");
  std::ofstream(token_file) << token;
  ASSERT_EQ(Admin({"token", "revoke", "--token-file", token_file}).exit_code, 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));  // the server looks at its key file once a second
  int more = 0;
  grpc::Status st = Drain(pull.get(), &page, &more);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::UNAUTHENTICATED) << st.error_message();
  EXPECT_LT(more, 29) << "the pull stopped before its end";
}

}  // namespace
}  // namespace inspectsync
