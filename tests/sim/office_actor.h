// The office's conflict review and server-side writes in the simulation: now and then the office
// lists open conflicts through the engine-level API
// (server/integration_conflicts.h) and resolves one, keeping the winner,
// taking the loser or writing a new value, while the tablets go on editing
// offline. At quiescence every RESOLVED conflict must have its resolution
// version in history, by the office, on its record.
#ifndef INSPECTSYNC_TESTS_SIM_OFFICE_ACTOR_H_
#define INSPECTSYNC_TESTS_SIM_OFFICE_ACTOR_H_

#include <string>

#include "tests/sim/world.h"

namespace inspectsync::sim {

void ReviewConflicts(World& w);

// The office's writes through the server-side API (server/office_writes.h,
// what OfficeService runs), while tablets edit offline: a rectification
// notice for OPEN findings of a site, the verification of a RECTIFIED
// finding (a second verifier beside the office tablet), or a correction of a
// site's name.
// Each reads the server's state now; a tablet's edit that landed first may
// make it refused (FAILED_PRECONDITION, ALREADY_EXISTS), which is counted;
// any other refusal fails the run. Convergence and every invariant are
// checked as for the tablets' own edits.
void OfficeServerStep(World& w);

// Every conflict the office resolved is RESOLVED (not OPEN) with who, when
// and the version; that version is in history, on the conflict's record, by
// the resolver; and every resolution the actor saw succeed is among them.
std::string CheckResolutions(World& w);

}  // namespace inspectsync::sim

#endif  // INSPECTSYNC_TESTS_SIM_OFFICE_ACTOR_H_
