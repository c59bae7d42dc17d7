// inspectsync-sim: run the deterministic simulation over many seeds, or
// replay one with its trace. `make sim SEEDS=100000` drives it.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "tests/sim/sim.h"

int main(int argc, char** argv) {
  inspectsync::sim::SimOptions o;
  uint64_t seeds = 1;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> long long {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", a.c_str());
        std::exit(2);
      }
      return std::atoll(argv[++i]);
    };
    if (a == "--seed") o.seed = static_cast<uint64_t>(next());
    else if (a == "--seeds") seeds = static_cast<uint64_t>(next());
    else if (a == "--steps") o.steps = static_cast<int>(next());
    else if (a == "--tablets") o.tablets = static_cast<int>(next());
    else if (a == "--faults") o.fault_percent = static_cast<int>(next());
    else if (a == "--unscoped") o.scoped = false;
    else if (a == "--dir" && i + 1 < argc) o.dir = argv[++i];  // keep the databases here
    else if (a == "--verbose") o.verbose = true;
    else {
      std::fprintf(stderr,
                   "usage: inspectsync-sim [--seed S] [--seeds N] [--steps K] [--tablets T] [--faults PCT] [--unscoped] [--verbose]\n"
                   "  runs seeds S..S+N-1; on the first failure prints the seed, the replay command and the trace\n");
      return 2;
    }
  }
  uint64_t first = o.seed;
  inspectsync::sim::SimStats total;
  for (uint64_t s = first; s < first + seeds; ++s) {
    o.seed = s;
    auto r = inspectsync::sim::RunSimulation(o);
    if (!r.ok) {
      std::fputs(inspectsync::sim::DescribeFailure(o, r).c_str(), stdout);
      return 1;
    }
    total.local_writes += r.stats.local_writes;
    total.acked += r.stats.acked;
    total.conflicts += r.stats.conflicts;
    total.conflicts_resolved += r.stats.conflicts_resolved;
    total.faults += r.stats.faults;
    total.server_crashes += r.stats.server_crashes;
    total.tablet_crashes += r.stats.tablet_crashes;
    total.rejected += r.stats.rejected;
    total.reassignments += r.stats.reassignments;
    total.status_moves += r.stats.status_moves;
    total.notices_issued += r.stats.notices_issued;
    total.verifications_made += r.stats.verifications_made;
    total.response_edits += r.stats.response_edits;
    total.workflow_refused += r.stats.workflow_refused;
    total.office_server_writes += r.stats.office_server_writes;
    total.office_server_refused += r.stats.office_server_refused;
    total.refused_locally += r.stats.refused_locally;
    total.server_notices += r.stats.server_notices;
    total.server_verifications += r.stats.server_verifications;
    total.closed += r.stats.closed;
    total.reopened_now += r.stats.reopened_now;
    total.templated_inspections += r.stats.templated_inspections;
    total.photos_attached += r.stats.photos_attached;
    total.photos_uploaded += r.stats.photos_uploaded;
    total.photos_fetched += r.stats.photos_fetched;
    total.photos_rejected += r.stats.photos_rejected;
    total.photos_on_server += r.stats.photos_on_server;
    total.feed_batches += r.stats.feed_batches;
    total.feed_changes += r.stats.feed_changes;
    total.feed_crashes += r.stats.feed_crashes;
    total.max_records += r.stats.max_records;
    total.pushes_cut += r.stats.pushes_cut;
    total.pushes_refused += r.stats.pushes_refused;
    total.pull_pages_cut += r.stats.pull_pages_cut;
    total.pulls_stalled += r.stats.pulls_stalled;
    if ((s - first + 1) % 100 == 0 || s + 1 == first + seeds)
      std::printf("%llu seeds ok: %llu writes, %llu results, %llu rejected, %llu conflicts, %llu faults, "
                  "%llu server and %llu tablet crashes, %llu reassignments\n",
                  (unsigned long long)(s - first + 1), (unsigned long long)total.local_writes,
                  (unsigned long long)total.acked, (unsigned long long)total.rejected,
                  (unsigned long long)total.conflicts, (unsigned long long)total.faults,
                  (unsigned long long)total.server_crashes, (unsigned long long)total.tablet_crashes,
                  (unsigned long long)total.reassignments);
    if ((s - first + 1) % 100 == 0 || s + 1 == first + seeds)
      std::printf("  workflow: %llu inspector moves, %llu notices and %llu verifications issued (%llu refused "
                  "locally), %llu response edits, %llu edits refused locally in all; on the server: %llu notices, "
                  "%llu verifications, %llu findings closed, %llu reopened, %llu inspections on the template\n",
                  (unsigned long long)total.status_moves, (unsigned long long)total.notices_issued,
                  (unsigned long long)total.verifications_made, (unsigned long long)total.workflow_refused,
                  (unsigned long long)total.response_edits, (unsigned long long)total.refused_locally,
                  (unsigned long long)total.server_notices, (unsigned long long)total.server_verifications,
                  (unsigned long long)total.closed, (unsigned long long)total.reopened_now,
                  (unsigned long long)total.templated_inspections);
    if ((s - first + 1) % 100 == 0 || s + 1 == first + seeds)
      std::printf("  office server-side writes: %llu written, %llu refused by a state that moved on\n",
                  (unsigned long long)total.office_server_writes, (unsigned long long)total.office_server_refused);
    if ((s - first + 1) % 100 == 0 || s + 1 == first + seeds)
      std::printf("  photos: %llu attached, %llu uploads finished, %llu fetched; at the end %llu on the server, "
                  "%llu in tablets' dead letters with a reason\n",
                  (unsigned long long)total.photos_attached, (unsigned long long)total.photos_uploaded,
                  (unsigned long long)total.photos_fetched, (unsigned long long)total.photos_on_server,
                  (unsigned long long)total.photos_rejected);
    if ((s - first + 1) % 100 == 0 || s + 1 == first + seeds) {
      std::printf("  conflict review: %llu conflicts resolved by the office\n",
                  (unsigned long long)total.conflicts_resolved);
      std::printf("  change feed: %llu batches, %llu changes read, %llu consumer crashes\n",
                  (unsigned long long)total.feed_batches, (unsigned long long)total.feed_changes,
                  (unsigned long long)total.feed_crashes);
      std::printf("  byte budgets: %llu records at every limit, %llu push responses cut, %llu pushes refused "
                  "past a cut, %llu pull pages ended by size; %llu pulls cut off for not reading\n",
                  (unsigned long long)total.max_records, (unsigned long long)total.pushes_cut,
                  (unsigned long long)total.pushes_refused, (unsigned long long)total.pull_pages_cut,
                  (unsigned long long)total.pulls_stalled);
    }
    std::fflush(stdout);
  }
  return 0;
}
