// StreamGuard (server/stream_guard.h) without gRPC: streams opened with a
// cancel function the test counts, a manual clock, and Tick() by hand.
#include "server/stream_guard.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>

namespace inspectsync::server {
namespace {

using ::testing::HasSubstr;

class StreamGuardTest : public ::testing::Test {
 protected:
  StreamLimits Limits() {
    StreamLimits l;
    l.max_per_caller = 2;
    l.max_buffered_bytes = 1000;
    l.stall_ms = 60'000;
    l.max_call_ms = 600'000;
    l.tick_ms = 0;  // the test ticks
    l.clock = &clock_;
    return l;
  }

  std::unique_ptr<StreamGuard::Stream> Open(StreamGuard& g, const std::string& user, bool bounded = true,
                                            std::atomic<int>* cancels = nullptr) {
    auto s = g.Open("SyncService/Pull", user, "tablet-1", bounded, [cancels] {
      if (cancels) ++*cancels;
    });
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? std::move(*s) : nullptr;
  }

  core::ManualClock clock_;
};

TEST_F(StreamGuardTest, APerCallerCapRefusesTheNextStreamNamingTheLimitAndFreesOnClose) {
  StreamGuard g(Limits());
  auto a = Open(g, "u-li"), b = Open(g, "u-li");
  auto c = g.Open("IntegrationService/WatchChanges", "u-li", "tablet-1", false, [] {});
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), StatusCode::kResourceExhausted);
  EXPECT_THAT(c.status().message(), HasSubstr("--max-streams-per-caller"));
  EXPECT_THAT(c.status().message(), HasSubstr("2 streams open"));
  // Another user, or the same user on another device, is not affected.
  EXPECT_TRUE(g.Open("SyncService/Pull", "u-wang", "tablet-1", true, [] {}).ok());
  EXPECT_TRUE(g.Open("SyncService/Pull", "u-li", "tablet-2", true, [] {}).ok());
  a->Close();
  EXPECT_TRUE(g.Open("SyncService/Pull", "u-li", "tablet-1", true, [] {}).ok());
  EXPECT_EQ(g.stats().refused_per_caller, 1u);
}

TEST_F(StreamGuardTest, TheServerBufferIsBoundedButAnEmptyBufferTakesAnyMessage) {
  StreamGuard g(Limits());
  auto a = Open(g, "u-a"), b = Open(g, "u-b");
  ASSERT_TRUE(a->BeginWrite(5000).ok()) << "an empty buffer takes one message of any size";
  Status full = b->BeginWrite(10);
  EXPECT_EQ(full.code(), StatusCode::kResourceExhausted);
  EXPECT_THAT(full.message(), HasSubstr("--max-buffered-mb"));
  a->EndWrite();
  EXPECT_EQ(g.stats().buffered_bytes, 0u);
  ASSERT_TRUE(b->BeginWrite(600).ok());
  ASSERT_TRUE(a->BeginWrite(400).ok());
  EXPECT_EQ(b->BeginWrite(1).code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(g.stats().buffered_bytes, 1000u);
  b.reset();  // a stream closed with a write pending releases its bytes
  EXPECT_EQ(g.stats().buffered_bytes, 400u);
  EXPECT_EQ(g.stats().refused_buffer, 2u);
}

TEST_F(StreamGuardTest, AReaderThatStopsReadingIsCancelledAfterTheStallTimeOnly) {
  StreamGuard g(Limits());
  std::atomic<int> stalled{0}, reading{0}, waiting{0};
  auto s = Open(g, "u-a", true, &stalled), r = Open(g, "u-b", true, &reading);
  auto w = Open(g, "u-c", false, &waiting);  // a watch waiting for commits: no write pending
  ASSERT_TRUE(s->BeginWrite(100).ok());
  clock_.Advance(30'000);
  ASSERT_TRUE(r->BeginWrite(100).ok());
  g.Tick();
  EXPECT_EQ(stalled.load(), 0);
  clock_.Advance(30'000);  // s: 60 s pending; r: 30 s
  g.Tick();
  EXPECT_EQ(stalled.load(), 1);
  EXPECT_EQ(reading.load(), 0);
  r->EndWrite();  // r's client took its message
  clock_.Advance(300'000);
  g.Tick();
  g.Tick();
  EXPECT_EQ(stalled.load(), 1) << "cancelled once";
  EXPECT_EQ(reading.load(), 0);
  EXPECT_EQ(waiting.load(), 0) << "a stream the server is not writing to is not stalled";
  EXPECT_EQ(g.stats().cancelled_stalled, 1u);
}

TEST_F(StreamGuardTest, AnUploadWhoseClientStopsSendingIsCancelled) {
  StreamGuard g(Limits());
  std::atomic<int> cancels{0};
  auto u = Open(g, "u-a", true, &cancels);
  u->BeginRead();
  clock_.Advance(59'000);
  g.Tick();
  EXPECT_EQ(cancels.load(), 0);
  clock_.Advance(1'000);
  g.Tick();
  EXPECT_EQ(cancels.load(), 1);
}

TEST_F(StreamGuardTest, BoundedStreamsRunOutOfTimeWatchesDoNot) {
  StreamLimits l = Limits();
  l.stall_ms = 0;  // only the call limit
  StreamGuard g(l);
  std::atomic<int> pull_cancels{0}, watch_cancels{0};
  auto pull = Open(g, "u-a", true, &pull_cancels), watch = Open(g, "u-b", false, &watch_cancels);
  EXPECT_TRUE(pull->CheckDeadline().ok());
  clock_.Advance(600'000);
  // Not blocked: the stream itself ends at its next step, with a message.
  Status late = pull->CheckDeadline();
  EXPECT_EQ(late.code(), StatusCode::kDeadlineExceeded);
  EXPECT_THAT(late.message(), HasSubstr("--max-call-s"));
  EXPECT_TRUE(watch->CheckDeadline().ok());
  g.Tick();
  EXPECT_EQ(pull_cancels.load(), 0) << "not blocked: left to end itself with DEADLINE_EXCEEDED";
  // Blocked in a write past its limit: the watchdog cancels it.
  ASSERT_TRUE(pull->BeginWrite(10).ok());
  ASSERT_TRUE(watch->BeginWrite(10).ok());
  g.Tick();
  EXPECT_EQ(pull_cancels.load(), 1);
  EXPECT_EQ(watch_cancels.load(), 0);
  EXPECT_EQ(g.stats().cancelled_overtime, 1u);
}

TEST_F(StreamGuardTest, AClosedStreamIsNeverCancelledAndLeavesNoTrace) {
  StreamGuard g(Limits());
  std::atomic<int> cancels{0};
  auto s = Open(g, "u-a", true, &cancels);
  ASSERT_TRUE(s->BeginWrite(100).ok());
  s->Close();
  s->Close();  // idempotent
  clock_.Advance(3'600'000);
  g.Tick();
  EXPECT_EQ(cancels.load(), 0);
  EXPECT_EQ(g.stats().open, 0u);
  EXPECT_EQ(g.stats().buffered_bytes, 0u);
}

TEST_F(StreamGuardTest, ACancelThatClosesTheStreamInlineDoesNotDeadlock) {
  // gRPC may complete a call inside TryCancel, on the watchdog's thread.
  StreamGuard g(Limits());
  std::unique_ptr<StreamGuard::Stream> s;
  auto opened = g.Open("SyncService/Pull", "u-a", "tablet-1", true, [&s] { s.reset(); });
  ASSERT_TRUE(opened.ok());
  s = std::move(*opened);
  ASSERT_TRUE(s->BeginWrite(100).ok());
  clock_.Advance(60'000);
  g.Tick();
  EXPECT_EQ(s, nullptr);
  EXPECT_EQ(g.stats().open, 0u);
}

TEST_F(StreamGuardTest, TheWatchdogThreadCancelsWithoutATestTicking) {
  StreamLimits l = Limits();
  l.tick_ms = 5;
  StreamGuard g(l);
  std::atomic<int> cancels{0};
  auto s = Open(g, "u-a", true, &cancels);
  ASSERT_TRUE(s->BeginWrite(100).ok());
  clock_.Advance(60'000);
  for (int i = 0; i < 2000 && cancels.load() == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_EQ(cancels.load(), 1);
}

}  // namespace
}  // namespace inspectsync::server
