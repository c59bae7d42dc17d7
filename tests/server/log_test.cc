// Rate-limited log lines (server/log.h): a client that causes errors at will
// cannot flood the log, and what was left out is counted.
#include "server/log.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace inspectsync::server {
namespace {

using ::testing::HasSubstr;

class LogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SetLogSinkForTest([this](const std::string& line) { lines_.push_back(line); }, &clock_);
  }
  void TearDown() override { SetLogSinkForTest(nullptr); }
  core::ManualClock clock_;
  std::vector<std::string> lines_;
};

TEST_F(LogTest, AFloodOfOneKindWritesABurstThenCountsTheRest) {
  for (int i = 0; i < 1000; ++i) LogLimited("bad-request", "bad request " + std::to_string(i));
  ASSERT_EQ(lines_.size(), static_cast<size_t>(kLogBurst));
  EXPECT_EQ(lines_.front(), "bad request 0");
  // Another kind has its own budget.
  LogLimited("tls", "handshake failed");
  EXPECT_EQ(lines_.back(), "handshake failed");
  // Plain lines are never limited.
  for (int i = 0; i < 100; ++i) Log("started");
  EXPECT_EQ(lines_.size(), static_cast<size_t>(kLogBurst) + 101);
  // The next window says how many were left out, then writes again.
  lines_.clear();
  clock_.Advance(kLogWindowMs);
  LogLimited("bad-request", "bad request again");
  ASSERT_EQ(lines_.size(), 2u);
  EXPECT_EQ(lines_[0], "(990 more lines like the next were left out in the last 60 s)");
  EXPECT_EQ(lines_[1], "bad request again");
}

TEST_F(LogTest, ConcurrentLoggersStayWithinTheBudget) {
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([] {
      for (int i = 0; i < 200; ++i) LogLimited("stream-cancelled", "cancelled");
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(lines_.size(), static_cast<size_t>(kLogBurst));
}

}  // namespace
}  // namespace inspectsync::server
