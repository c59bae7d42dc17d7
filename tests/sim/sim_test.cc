// The simulation under ctest: 12 shards of 25 seeds (300 seeds per CI run),
// plus variations that stress one dimension. A failure prints the seed, the
// command that replays it and the trace.
#include <gtest/gtest.h>

#include "tests/sim/sim.h"

namespace inspectsync::sim {
namespace {

constexpr int kSeedsPerShard = 25;

// Returns the summed figures, so a test can check the workflow was exercised.
SimStats RunSeeds(uint64_t first, int count, SimOptions base) {
  SimStats total;
  for (int i = 0; i < count; ++i) {
    SimOptions o = base;
    o.seed = first + static_cast<uint64_t>(i);
    SimResult r = RunSimulation(o);
    EXPECT_TRUE(r.ok) << DescribeFailure(o, r);
    if (!r.ok) return total;
    // Guard against a harness that silently does nothing.
    EXPECT_GT(r.stats.local_writes, 0u) << "seed " << o.seed;
    EXPECT_EQ(r.stats.acked >= r.stats.local_writes, true) << "seed " << o.seed;
    total.server_notices += r.stats.server_notices;
    total.server_verifications += r.stats.server_verifications;
    total.closed += r.stats.closed;
    total.status_moves += r.stats.status_moves;
    total.templated_inspections += r.stats.templated_inspections;
    total.max_records += r.stats.max_records;
    total.pushes_cut += r.stats.pushes_cut;
    total.pushes_refused += r.stats.pushes_refused;
    total.pull_pages_cut += r.stats.pull_pages_cut;
    total.pulls_stalled += r.stats.pulls_stalled;
  }
  return total;
}

class SimShard : public ::testing::TestWithParam<int> {};

TEST_P(SimShard, ConvergesAndKeepsEveryInvariant) {
  SimStats s = RunSeeds(1 + static_cast<uint64_t>(GetParam()) * kSeedsPerShard, kSeedsPerShard, SimOptions{});
  // The workflow ran, not only plain edits: notices, rectification moves,
  // verifications, findings closed, inspections on the published template.
  EXPECT_GT(s.server_notices, 0u);
  EXPECT_GT(s.status_moves, 0u);
  EXPECT_GT(s.server_verifications, 0u);
  EXPECT_GT(s.closed, 0u);
  EXPECT_GT(s.templated_inspections, 0u);
  // Byte budgets were met inside the runs (issue 15): records at every
  // limit, push responses cut and the pipelined push behind them refused,
  // pull pages ended by size.
  EXPECT_GT(s.max_records, 0u);
  EXPECT_GT(s.pushes_cut, 0u);
  EXPECT_GT(s.pushes_refused, 0u);
  EXPECT_GT(s.pull_pages_cut, 0u);
  // Tablets stopped reading pulls and the server's watchdog cut them off.
  EXPECT_GT(s.pulls_stalled, 0u);
}

INSTANTIATE_TEST_SUITE_P(Seeds, SimShard, ::testing::Range(0, 12));

TEST(SimVariants, ManyTabletsFewSteps) {
  SimOptions o;
  o.tablets = 8;
  o.steps = 120;
  RunSeeds(10'001, 5, o);
}

TEST(SimVariants, HostileNetwork) {
  SimOptions o;
  o.fault_percent = 60;
  o.steps = 200;
  RunSeeds(20'001, 10, o);
}

TEST(SimVariants, LongRunTwoTablets) {
  SimOptions o;
  o.tablets = 2;
  o.steps = 600;
  RunSeeds(30'001, 3, o);
}

// Every tablet an all-seeing in-process caller: convergence of everything
// everywhere, the shape the simulation had before scopes.
TEST(SimVariants, Unscoped) {
  SimOptions o;
  o.scoped = false;
  RunSeeds(40'001, 20, o);
}

// Reassignment-heavy: many inspectors over three sites, long runs.
TEST(SimVariants, ManyInspectorsLongRun) {
  SimOptions o;
  o.tablets = 5;
  o.steps = 400;
  RunSeeds(50'001, 5, o);
}

TEST(SimHarness, SameSeedSameTrace) {
  SimOptions o;
  o.seed = 77;
  SimResult a = RunSimulation(o), b = RunSimulation(o);
  ASSERT_TRUE(a.ok) << DescribeFailure(o, a);
  EXPECT_EQ(a.trace, b.trace);
  EXPECT_EQ(a.stats.history, b.stats.history);
}

}  // namespace
}  // namespace inspectsync::sim
