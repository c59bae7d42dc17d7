// The deterministic simulation: one seed reproduces a whole run of a server
// and N tablets running the real core, storage, engine and SDK, connected by
// a simulated network (dropped requests, responses lost after the commit,
// duplicate and late delivery, partitions, pulls cut midway), with a skewed,
// jumping clock per tablet and crash-restarts of tablets and of the server.
// At quiescence it checks convergence and the audit invariants; on failure it
// prints the seed and the trace of steps, and the same seed replays it.
#ifndef INSPECTSYNC_TESTS_SIM_SIM_H_
#define INSPECTSYNC_TESTS_SIM_SIM_H_

#include <cstdint>
#include <string>
#include <vector>

namespace inspectsync::sim {

struct SimOptions {
  uint64_t seed = 1;
  int tablets = 3;
  int steps = 150;
  // Chance, in percent, that a push or pull meets a network fault.
  int fault_percent = 15;
  bool crash_server = true;
  bool crash_tablets = true;
  // Tablets sync under roles and assignments: tablet 0 is the office's (sees
  // everything), the others are inspectors assigned to some of the sites,
  // and the office reassigns them while they work offline. Off: every tablet
  // is an in-process caller that sees everything.
  bool scoped = true;
  bool verbose = false;  // print the trace as it runs
  std::string dir;       // where the databases go; empty = a fresh temp dir (tmpfs when there is one)
};

struct SimStats {
  uint64_t local_writes = 0;     // local edits the SDK recorded
  uint64_t refused_locally = 0;  // edits the SDK refused (illegal moves, ...)
  uint64_t acked = 0;            // mutation results delivered to tablets
  uint64_t rejected = 0;
  uint64_t conflicts = 0;
  uint64_t conflicts_resolved = 0;  // by the office's review (office_actor.cc), at the end
  uint64_t faults = 0;
  uint64_t server_crashes = 0;
  uint64_t tablet_crashes = 0;
  uint64_t syncs = 0;
  uint64_t reassignments = 0;    // assignments the office made or ended
  uint64_t history = 0;          // versions in history at the end
  // The workflow, as the tablets recorded it locally ...
  uint64_t status_moves = 0;     // lifecycle moves by inspectors (not through a notice or verification)
  uint64_t notices_issued = 0;   // IssueNotice calls the office tablet recorded
  uint64_t verifications_made = 0;
  uint64_t response_edits = 0;   // checklist responses added or removed
  uint64_t workflow_refused = 0; // workflow steps refused locally (deliberately bad ones included)
  // Server-side office writes (OfficeService's engine functions, office_actor.cc).
  uint64_t office_server_writes = 0;
  uint64_t office_server_refused = 0;  // by a state a tablet changed meanwhile (FAILED_PRECONDITION, ...)
  // ... and as the server holds it at the end.
  uint64_t server_notices = 0;
  uint64_t server_verifications = 0;
  uint64_t closed = 0;           // findings CLOSED (each through a PASSED verification)
  uint64_t reopened_now = 0;     // findings REOPENED at the end
  uint64_t templated_inspections = 0;
  // Photo evidence.
  uint64_t photos_attached = 0;   // AttachPhotoBytes calls the tablets recorded
  uint64_t photos_uploaded = 0;   // uploads the server finished (resumes included)
  uint64_t photos_fetched = 0;    // FetchAttachment calls that returned verified bytes
  uint64_t photos_rejected = 0;   // in tablets' photo dead letters at the end, each with its reason
  uint64_t photos_on_server = 0;  // distinct hashes stored on the server at the end
  // The integration change feed (feed_consumer.h).
  uint64_t feed_batches = 0;      // batches the office systems read
  uint64_t feed_changes = 0;      // changes in them (redeliveries after a crash included)
  uint64_t feed_crashes = 0;      // consumer crashes that forgot unacked changes
  // Byte budgets (issue 15): records made with every field at its limit, push
  // responses the server cut at its budget, pushes it refused because they
  // would have skipped a cut one (ABORTED), pull pages it ended early by size.
  uint64_t max_records = 0;
  uint64_t pushes_cut = 0;
  uint64_t pushes_refused = 0;
  uint64_t pull_pages_cut = 0;
  uint64_t pulls_stalled = 0;    // pulls the tablet stopped reading, cut off by the server's StreamGuard
};

struct SimResult {
  bool ok = true;
  std::string failure;             // what was violated, if !ok
  std::vector<std::string> trace;  // one line per step
  SimStats stats;
};

SimResult RunSimulation(const SimOptions& options);

// "seed 42 failed: ...\n  replay: inspectsync-sim --seed 42 --steps 150 --tablets 3 --verbose\n  trace:\n ..."
std::string DescribeFailure(const SimOptions& options, const SimResult& result);

}  // namespace inspectsync::sim

#endif  // INSPECTSYNC_TESTS_SIM_SIM_H_
