// Hybrid logical clock: monotonic whatever the wall clock does.
#include "core/hlc.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <thread>
#include <vector>

#include "core/clock.h"

namespace inspectsync::core {
namespace {

constexpr int64_t kT0 = 1'767'225'600'000;  // 2026-01-01T00:00:00.000Z

TEST(HlcTest, FollowsWallClockWhenItMovesForward) {
  ManualClock clock(kT0);
  Hlc hlc(&clock);
  EXPECT_EQ(hlc.last(), 0u);
  uint64_t a = hlc.Now();
  EXPECT_EQ(a, Hlc::Pack(kT0, 0));
  clock.Advance(5);
  uint64_t b = hlc.Now();
  EXPECT_EQ(b, Hlc::Pack(kT0 + 5, 0));
  EXPECT_EQ(hlc.last(), b);
}

TEST(HlcTest, StrictlyMonotonicWhenClockStandsStill) {
  ManualClock clock(kT0);
  Hlc hlc(&clock);
  uint64_t prev = hlc.Now();
  for (uint32_t i = 1; i <= 1000; ++i) {
    uint64_t t = hlc.Now();
    ASSERT_GT(t, prev);
    EXPECT_EQ(Hlc::Millis(t), kT0);
    EXPECT_EQ(Hlc::Logical(t), i);
    prev = t;
  }
}

TEST(HlcTest, StrictlyMonotonicWhenClockGoesBackwards) {
  ManualClock clock(kT0);
  Hlc hlc(&clock);
  uint64_t a = hlc.Now();
  clock.Set(kT0 - 60'000);  // the tablet's clock is corrected a minute back
  uint64_t b = hlc.Now();
  uint64_t c = hlc.Now();
  EXPECT_GT(b, a);
  EXPECT_GT(c, b);
  EXPECT_EQ(Hlc::Millis(b), kT0);
  EXPECT_EQ(Hlc::Logical(b), 1u);
  EXPECT_EQ(Hlc::Logical(c), 2u);
  // Once wall time passes the old high-water mark, the HLC follows it again.
  clock.Set(kT0 + 1);
  EXPECT_EQ(hlc.Now(), Hlc::Pack(kT0 + 1, 0));
}

TEST(HlcTest, JumpsBackAndForthNeverRepeat) {
  ManualClock clock(kT0);
  Hlc hlc(&clock);
  const int64_t offsets[] = {0, -5000, 10, 10, -1, 3'600'000, -3'600'000, 3'600'000, 3'600'001, 0};
  uint64_t prev = 0;
  for (int64_t off : offsets) {
    clock.Set(kT0 + off);
    uint64_t t = hlc.Now();
    EXPECT_GT(t, prev) << "offset " << off;
    EXPECT_GE(Hlc::Millis(t), kT0 + off) << "an HLC never lags the wall clock";
    prev = t;
  }
}

TEST(HlcTest, LogicalOverflowCarriesIntoMillis) {
  ManualClock clock(kT0);
  uint64_t full = Hlc::Pack(kT0, 0xFFFF);
  Hlc hlc(&clock, full);
  uint64_t t = hlc.Now();
  EXPECT_GT(t, full);
  EXPECT_EQ(t, Hlc::Pack(kT0 + 1, 0));
}

TEST(HlcTest, NegativeWallClockStillMonotonic) {
  ManualClock clock(-5);
  Hlc hlc(&clock);
  uint64_t a = hlc.Now();
  uint64_t b = hlc.Now();
  EXPECT_GT(a, 0u);
  EXPECT_GT(b, a);
}

TEST(HlcTest, ObserveRemoteAheadMovesClockPastIt) {
  ManualClock clock(kT0);
  Hlc hlc(&clock);
  hlc.Now();
  uint64_t remote = Hlc::Pack(kT0 + 3'600'000, 7);  // the server's clock is an hour ahead
  hlc.Observe(remote);
  EXPECT_EQ(hlc.last(), remote);
  uint64_t t = hlc.Now();
  EXPECT_GT(t, remote);
  EXPECT_EQ(t, Hlc::Pack(kT0 + 3'600'000, 8));
  // Local wall time catches up: back to following it.
  clock.Set(kT0 + 3'600'001);
  EXPECT_EQ(hlc.Now(), Hlc::Pack(kT0 + 3'600'001, 0));
}

TEST(HlcTest, ObserveRemoteBehindDoesNotMoveClockBack) {
  ManualClock clock(kT0);
  Hlc hlc(&clock);
  uint64_t a = hlc.Now();
  hlc.Observe(Hlc::Pack(kT0 - 10'000, 99));
  EXPECT_EQ(hlc.last(), a);
  hlc.Observe(a);  // equal: no change either
  EXPECT_EQ(hlc.last(), a);
  EXPECT_GT(hlc.Now(), a);
}

TEST(HlcTest, NowIsGreaterThanEverythingReturnedOrObserved) {
  ManualClock clock(kT0);
  Hlc hlc(&clock);
  uint64_t high = 0;  // the largest timestamp returned or received so far
  for (int i = 0; i < 100; ++i) {
    clock.Set(kT0 + (i % 5) * 700 - 1500);  // wall clock wanders both ways
    uint64_t remote = Hlc::Pack(kT0 + (i % 7) * 1000 - 3000, static_cast<uint32_t>(i));
    hlc.Observe(remote);
    high = std::max(high, remote);
    uint64_t t = hlc.Now();
    EXPECT_GT(t, high) << "step " << i;
    high = t;
  }
  EXPECT_EQ(hlc.last(), high);
}

TEST(HlcTest, RestoresFromPersistedLast) {
  // The device wrote timestamps up to `persisted`, then rebooted with its
  // wall clock an hour behind: it must still never repeat a timestamp.
  uint64_t persisted = Hlc::Pack(kT0, 42);
  ManualClock clock(kT0 - 3'600'000);
  Hlc hlc(&clock, persisted);
  EXPECT_EQ(hlc.last(), persisted);
  EXPECT_EQ(hlc.Now(), Hlc::Pack(kT0, 43));
}

TEST(HlcTest, RestoredFromOldStateFollowsWallClock) {
  ManualClock clock(kT0);
  Hlc hlc(&clock, Hlc::Pack(kT0 - 1000, 5));
  EXPECT_EQ(hlc.Now(), Hlc::Pack(kT0, 0));
}

TEST(HlcTest, PackMillisLogicalRoundTrip) {
  const int64_t millis[] = {0, 1, kT0, kT0 + 999, (int64_t{1} << 48) - 1};
  const uint32_t logicals[] = {0, 1, 42, 0x7FFF, 0xFFFF};
  for (int64_t ms : millis) {
    for (uint32_t l : logicals) {
      uint64_t h = Hlc::Pack(ms, l);
      EXPECT_EQ(Hlc::Millis(h), ms);
      EXPECT_EQ(Hlc::Logical(h), l);
    }
  }
  // Only 16 bits of logical counter are kept.
  EXPECT_EQ(Hlc::Logical(Hlc::Pack(kT0, 0x1FFFF)), 0xFFFFu);
  EXPECT_EQ(Hlc::Millis(Hlc::Pack(kT0, 0x1FFFF)), kT0);
}

TEST(HlcTest, PackedValuesCompareAsIntegers) {
  EXPECT_LT(Hlc::Pack(kT0, 0xFFFF), Hlc::Pack(kT0 + 1, 0));
  EXPECT_LT(Hlc::Pack(kT0, 1), Hlc::Pack(kT0, 2));
  EXPECT_LT(Hlc::Pack(kT0 - 1, 0xFFFF), Hlc::Pack(kT0, 0));
}

TEST(HlcTest, Format) {
  EXPECT_EQ(Hlc::Format(Hlc::Pack(kT0, 3)), "2026-01-01T00:00:00.000Z+3");
  EXPECT_EQ(Hlc::Format(Hlc::Pack(kT0, 0)), "2026-01-01T00:00:00.000Z+0");
  // One day, 1 h 2 min 3.456 s later.
  EXPECT_EQ(Hlc::Format(Hlc::Pack(kT0 + 86'400'000 + 3'723'456, 65535)), "2026-01-02T01:02:03.456Z+65535");
  EXPECT_EQ(Hlc::Format(0), "1970-01-01T00:00:00.000Z+0");
  EXPECT_EQ(Hlc::Format(Hlc::Pack(951'782'400'007, 1)), "2000-02-29T00:00:00.007Z+1");  // leap day
}

TEST(HlcTest, ConcurrentCallersGetUniqueTimestamps) {
  ManualClock clock(kT0);  // stands still: every timestamp comes from the counter
  Hlc hlc(&clock);
  constexpr int kThreads = 4, kPerThread = 2000;
  std::vector<std::vector<uint64_t>> got(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) got[t].push_back(hlc.Now());
    });
  }
  for (auto& th : threads) th.join();
  std::set<uint64_t> all;
  for (const auto& v : got) {
    for (size_t i = 1; i < v.size(); ++i) EXPECT_GT(v[i], v[i - 1]);
    all.insert(v.begin(), v.end());
  }
  EXPECT_EQ(all.size(), static_cast<size_t>(kThreads * kPerThread));
  EXPECT_EQ(hlc.last(), *all.rbegin());
}

}  // namespace
}  // namespace inspectsync::core
