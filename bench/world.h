// Setup of the benchmark datasets, done by the orchestrator before the timed
// phase and never timed. Everything here runs in-process, without gRPC:
//   - a server database with N findings, written through the real SyncEngine
//     (the server child later opens the same file with the production
//     settings: WAL, synchronous=FULL);
//   - "synced tablets": device databases holding everything the server has,
//     cursor at its head, written through DeviceStore::ApplyPullPage — the
//     very call Client::Sync makes for each page — fed by SyncEngine::PullPage;
//   - a tablet with N findings in its outbox, written through the SDK's
//     CreateFinding, one durable transaction each (the SDK has no batch write).
#ifndef INSPECTSYNC_BENCH_WORLD_H_
#define INSPECTSYNC_BENCH_WORLD_H_

#include <cstdint>
#include <string>
#include <vector>

#include "inspectsync/status.h"

namespace inspectsync::bench {

// Creates `db` holding `n` OPEN findings made by one loader device; appends
// their ids (creation order) to `ids`.
Status BuildServerData(const std::string& db, size_t n, uint64_t seed, std::vector<std::string>* ids);

// Creates `tablet_db`, a new device (fresh client_id) that has pulled every
// record of `server_db`.
Status BuildSyncedTablet(const std::string& server_db, const std::string& tablet_db);

// Creates `tablet_db`, an offline tablet with `n` new findings in its outbox.
// `seconds` receives the wall time of the n CreateFinding calls.
Status PrefillOutbox(const std::string& tablet_db, size_t n, uint64_t seed, double* seconds);

}  // namespace inspectsync::bench

#endif  // INSPECTSYNC_BENCH_WORLD_H_
