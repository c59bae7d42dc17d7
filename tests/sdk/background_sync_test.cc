// Background sync: backoff on transient errors, sync soon after writes, and
// a clean stop. Delays are tiny and nothing asserts on elapsed time: tests
// wait for events, with generous timeouts.
#include <gtest/gtest.h>

#include <random>

#include "core/backoff.h"
#include "tests/sdk/sdk_test_util.h"

namespace inspectsync::testing {
namespace {

using std::chrono::milliseconds;
using BackgroundSyncTest = SdkTest;

TEST(BackoffTest, DoublesWithJitterInTheUpperHalfAndStaysUnderTheCap) {
  std::mt19937_64 rng(1);
  const milliseconds base(500), cap(60'000);
  for (int failures = 1; failures <= 200; ++failures) {
    int64_t nominal = 500;
    for (int i = 1; i < failures && nominal < cap.count(); ++i) nominal *= 2;
    nominal = std::min<int64_t>(nominal, cap.count());
    for (int draw = 0; draw < 20; ++draw) {
      milliseconds d = core::BackoffDelay(failures, base, cap, rng);
      ASSERT_GE(d.count(), nominal / 2) << failures;
      ASSERT_LE(d.count(), nominal) << failures;
    }
  }
  // The jitter really varies (tablets do not retry in lockstep).
  std::set<int64_t> seen;
  for (int i = 0; i < 50; ++i) seen.insert(core::BackoffDelay(5, base, cap, rng).count());
  EXPECT_GT(seen.size(), 10u);
}

BackgroundSyncOptions FastOptions(Collector<BackgroundSyncEvent>* events) {
  BackgroundSyncOptions o;
  o.interval = milliseconds(3'600'000);  // only the first attempt, writes and retries matter
  o.debounce = milliseconds(1);
  o.backoff_base = milliseconds(1);
  o.backoff_max = milliseconds(8);
  o.on_attempt = [events](const BackgroundSyncEvent& e) { events->Add(e); };
  return o;
}

TEST_F(BackgroundSyncTest, RetriesTransientErrorsWithBackoffThenSucceeds) {
  auto c = Open();
  ASSERT_OK(c->CreateFinding(Finding()));
  server_->FailNextPushes({Unavailable("down"), Unavailable("down"), Status(StatusCode::kDeadlineExceeded, "slow"),
                           Unavailable("down"), Unavailable("down")});
  Collector<BackgroundSyncEvent> events;
  ASSERT_OK(c->StartBackgroundSync(FastOptions(&events)));
  ASSERT_TRUE(events.WaitFor([](const auto& es) { return !es.empty() && es.back().status.ok(); }));
  c->StopBackgroundSync();

  auto es = events.items();
  ASSERT_EQ(es.size(), 6u);
  for (int i = 0; i < 5; ++i) {
    EXPECT_TRUE(es[i].status.transient());
    EXPECT_EQ(es[i].consecutive_failures, i + 1);
    int64_t nominal = std::min<int64_t>(int64_t{1} << i, 8);
    EXPECT_GE(es[i].next_delay.count(), nominal / 2);
    EXPECT_LE(es[i].next_delay.count(), nominal);
  }
  EXPECT_EQ(es[5].consecutive_failures, 0);
  EXPECT_EQ(es[5].next_delay, milliseconds(3'600'000));
  EXPECT_EQ(es[5].report.pushed, 1u);
  EXPECT_EQ(Pending(*c), 0u);
}

TEST_F(BackgroundSyncTest, NonTransientErrorsWaitTheLongestDelay) {
  auto c = Open();
  ASSERT_OK(c->CreateFinding(Finding()));
  server_->FailNextPushes({Status(StatusCode::kPermissionDenied, "device revoked")});
  Collector<BackgroundSyncEvent> events;
  ASSERT_OK(c->StartBackgroundSync(FastOptions(&events)));
  ASSERT_TRUE(events.WaitFor([](const auto& es) { return !es.empty() && es.back().status.ok(); }));
  c->StopBackgroundSync();
  auto es = events.items();
  EXPECT_EQ(es[0].status.code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(es[0].next_delay, milliseconds(8));
}

TEST_F(BackgroundSyncTest, LocalWriteTriggersASyncSoon) {
  auto c = Open();
  Collector<BackgroundSyncEvent> events;
  ASSERT_OK(c->StartBackgroundSync(FastOptions(&events)));
  ASSERT_TRUE(events.WaitFor([](const auto& es) { return es.size() >= 1; }));  // the attempt at start
  // With an hour-long interval, only the write can bring the next attempt.
  auto id = c->CreateFinding(Finding());
  ASSERT_OK(id);
  ASSERT_TRUE(events.WaitFor([](const auto& es) { return es.size() >= 2 && es.back().report.pushed == 1; }));
  c->StopBackgroundSync();
  EXPECT_TRUE(server_->Find("findings", *id).has_value());
}

TEST_F(BackgroundSyncTest, StartStopAreCleanAndIdempotent) {
  auto c = Open();
  Collector<BackgroundSyncEvent> events;
  ASSERT_OK(c->StartBackgroundSync(FastOptions(&events)));
  EXPECT_EQ(c->StartBackgroundSync(FastOptions(&events)).code(), StatusCode::kFailedPrecondition);
  c->StopBackgroundSync();
  c->StopBackgroundSync();
  ASSERT_OK(c->StartBackgroundSync(FastOptions(&events)));
  ASSERT_TRUE(events.WaitFor([](const auto& es) { return !es.empty(); }));
  c.reset();  // the destructor stops and joins a running sync thread
  SUCCEED();
}

TEST_F(BackgroundSyncTest, StopFromTheCallbackEndsTheLoop) {
  auto c = Open();
  Collector<BackgroundSyncEvent> events;
  BackgroundSyncOptions o = FastOptions(&events);
  Client* raw = c.get();
  o.on_attempt = [&events, raw](const BackgroundSyncEvent& e) {
    raw->StopBackgroundSync();  // must not deadlock on its own thread
    events.Add(e);
  };
  ASSERT_OK(c->StartBackgroundSync(o));
  ASSERT_TRUE(events.WaitFor([](const auto& es) { return !es.empty(); }));
  // It can be started again; the old thread is joined first.
  Collector<BackgroundSyncEvent> more;
  ASSERT_OK(c->StartBackgroundSync(FastOptions(&more)));
  ASSERT_TRUE(more.WaitFor([](const auto& es) { return !es.empty(); }));
  c->StopBackgroundSync();
  EXPECT_EQ(events.items().size(), 1u);
}

}  // namespace
}  // namespace inspectsync::testing
