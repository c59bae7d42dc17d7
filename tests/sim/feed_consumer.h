// Office systems reading the change feed in the simulation: each consumer
// has a fixed filter and a durable cursor on the server, reads batches
// through ChangeFeed (engine level) with random page sizes, acks after
// processing, sometimes crashes (forgetting everything not acked) and loses
// its watch whenever the server crashes. At quiescence it reads to the head,
// and CheckFeed asserts that what each consumer processed-and-acked is the
// filtered history: every matching seq exactly once, in order, no gap.
//
// The consumers draw from their own RNG (seeded from the world's seed), so
// adding them left every other part of a seed's run as it was.
#ifndef INSPECTSYNC_TESTS_SIM_FEED_CONSUMER_H_
#define INSPECTSYNC_TESTS_SIM_FEED_CONSUMER_H_

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "inspectsync/v1/integration.pb.h"
#include "server/change_feed.h"

namespace inspectsync::sim {

class World;

class FeedConsumers {
 public:
  explicit FeedConsumers(uint64_t seed);
  // One random action of one consumer: read a batch, ack, crash, reconnect.
  void Step(World& w);
  // After the heal: every consumer reads to the head and acks; then checks.
  std::string Check(World& w);

 private:
  struct Consumer {
    std::string name;
    v1::ChangeFilter filter;
    std::optional<server::Watch> watch;  // the open "connection"
    int watch_restarts = -1;             // server incarnation the watch belongs to
    uint64_t cursor = 0;                 // processed up to here (in memory)
    bool knows_cursor = true;            // false after a crash, until a watch reads the stored one
    std::vector<uint64_t> pending;       // processed, not acked
    std::vector<uint64_t> acked;         // processed and acked: the durable outcome
  };
  void Setup(World& w);
  // Reads one batch; returns whether it was caught up.
  bool Read(World& w, Consumer& c);
  void Ack(World& w, Consumer& c);
  server::FeedOptions Options();

  std::mt19937_64 rng_;
  bool set_up_ = false;
  std::vector<Consumer> consumers_;
};

}  // namespace inspectsync::sim

#endif  // INSPECTSYNC_TESTS_SIM_FEED_CONSUMER_H_
