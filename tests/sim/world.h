// The simulated world: a server (real SyncEngine over a real SQLite file),
// tablets (real SDK Clients on their own SQLite files) and the network
// between them. Single-threaded and driven by one RNG, so a seed replays.
#ifndef INSPECTSYNC_TESTS_SIM_WORLD_H_
#define INSPECTSYNC_TESTS_SIM_WORLD_H_

#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "client-sdk/src/raw_pull.h"
#include "core/clock.h"
#include "inspectsync/client.h"
#include "server/attachments.h"
#include "server/stream_guard.h"
#include "server/sync_engine.h"
#include "tests/sim/sim.h"

namespace inspectsync::sim {

class World;

// One mutation result that reached a tablet (the tablet may act on it).
struct Acked {
  int tablet = 0;
  v1::Mutation mutation;
  v1::MutationResult result;
};

// The server side: crash = drop the engine and the store without ceremony
// and reopen the same file.
class SimServer {
 public:
  SimServer(std::string db_path, core::ManualClock* clock, uint64_t seed);
  Status Open();
  void Crash();
  server::SyncEngine* engine() { return engine_.get(); }
  server::AttachmentEngine* attachments() { return attachments_.get(); }
  storage::ServerStore* store() { return store_.get(); }
  int restarts() const { return restarts_; }
  // Responses' byte budget (EngineOptions::max_page_bytes): small in some
  // seeds, so pages and push responses are cut by size inside the run.
  static size_t PageBudget(uint64_t seed);

 private:
  std::string db_path_;
  core::ManualClock* clock_;
  uint64_t seed_;
  int restarts_ = 0;
  std::unique_ptr<storage::ServerStore> store_;
  std::unique_ptr<server::SyncEngine> engine_;
  std::unique_ptr<server::AttachmentEngine> attachments_;
};

// A tablet's link to the server, with faults drawn from the world's RNG.
// A Transport and the SDK's internal raw-pull interface, as the gRPC
// transport is: the Client pulls through PullRaw, the path tablets run.
class SimTransport : public Transport, public sdk_internal::RawPullTransport {
 public:
  SimTransport(World* world, int tablet) : world_(world), tablet_(tablet) {}
  Status Push(const v1::PushRequest& request, v1::PushResponse* response) override;
  Status Pull(const v1::PullRequest& request,
              const std::function<Status(const v1::PullResponse&)>& on_page) override;
  Status PullRaw(const v1::PullRequest& request, const sdk_internal::RawPageHandler& on_page) override;
  // Photos over the server's AttachmentEngine; an upload may be cut midway.
  StatusOr<v1::UploadResult> UploadAttachment(const v1::AttachmentMeta& meta, uint64_t offset,
                                              const ChunkReader& read) override;
  StatusOr<v1::AttachmentStatusResponse> AttachmentStatus(const std::string& sha256) override;
  Status DownloadAttachment(const std::string& sha256, uint64_t offset,
                            const std::function<Status(const v1::DownloadChunk&)>& on_chunk) override;

 private:
  World* world_;
  int tablet_;
};

struct SimTablet {
  int index = 0;
  std::string db_path;
  int64_t skew_ms = 0;  // tablet clock = world clock + skew
  int opens = 0;
  bool partitioned = false;
  // Who the tablet's token says it is; empty role = all-powerful (no scope).
  server::Caller caller;
  std::shared_ptr<SimTransport> net;
  std::unique_ptr<Client> client;
};

class World {
 public:
  World(const SimOptions& options, std::string dir);
  ~World();
  Status Start();

  // ---- used by the steps and the checks ----
  std::mt19937_64& rng() { return rng_; }
  uint64_t Rand(uint64_t n) { return n ? rng_() % n : 0; }
  bool Chance(int percent) { return static_cast<int>(rng_() % 100) < percent; }
  // The office's server-side writes draw from their own stream (same seed),
  // so adding them left the tablets' draws, and the rare events the seed
  // shards are checked to meet, where they were.
  std::mt19937_64& office_rng() { return office_rng_; }
  void Trace(const std::string& line);
  int64_t Now() { return clock_.NowMillis(); }
  void Advance(int64_t ms) { clock_.Advance(ms); }

  SimServer& server() { return server_; }
  std::vector<SimTablet>& tablets() { return tablets_; }
  Status OpenTablet(SimTablet& t);
  void CrashTablet(SimTablet& t);
  void CrashServer();
  // Re-delivers push requests that were "delayed" in the network, after
  // newer ones: the server must answer them from its ledger.
  void DeliverLate();

  // The sites (record ids) every finding and inspection belongs to.
  const std::vector<std::string>& sites() const { return sites_; }
  // The office assigns tablet `t`'s inspector to `site`, or ends that
  // assignment if there is one (scoped runs only).
  void ToggleAssignment(SimTablet& t, size_t site);

  // The office tablet publishes the checklist template once (sim.cc); in
  // some seeds at every limit, and then one inspection on it is too.
  bool template_published = false;
  bool max_inspection_made = false;
  // Conflicts the office resolved (office_actor.cc).
  std::vector<std::string> resolved_conflicts;

  std::vector<Acked>& acked() { return acked_; }
  SimResult& result() { return result_; }
  const SimOptions& options() const { return options_; }
  // Faults are off during the final heal-and-sync.
  void set_faults(bool on) { faults_on_ = on; }
  // First violation wins; later ones are usually consequences.
  void Fail(const std::string& what);
  bool failed() const { return !result_.ok; }
  // History captured at earlier points; the store's must start with it.
  std::vector<std::string>& history_snapshot() { return history_snapshot_; }

 private:
  friend class SimTransport;
  SimOptions options_;
  std::string dir_;
  std::mt19937_64 rng_;
  std::mt19937_64 office_rng_;
  core::ManualClock clock_;
  SimServer server_;
  // The server's stream limits on the world's clock: a tablet that stops
  // reading a pull is cut off by them (SimTransport::Pull).
  server::StreamGuard streams_;
  std::vector<SimTablet> tablets_;
  std::vector<Acked> acked_;
  std::vector<std::pair<int, v1::PushRequest>> late_;  // (tablet, request)
  std::vector<std::string> sites_;
  std::map<std::pair<int, size_t>, std::string> assignments_;  // (tablet, site) -> active assignment id
  uint64_t office_mid_ = 1;
  uint64_t next_office_id_ = 1;
  Status OfficePush(const v1::Mutation& m);
  std::vector<std::string> history_snapshot_;
  bool faults_on_ = true;
  SimResult result_;
};

// Invariant checks (checks.cc). Each returns "" or what is wrong.
std::string CheckHistory(World& w);
std::string CheckConvergence(World& w);
std::string CheckAcknowledged(World& w);
std::string CheckConflicts(World& w);
// The cross-record rules hold on the server's final state: NOTIFIED and later
// findings name a notice of their site that lists them, CLOSED / REOPENED
// ones a PASSED / FAILED verification of them; notices and verifications name
// findings of their own site; inspections use published template items.
std::string CheckWorkflow(World& w);
// Photo evidence: nothing queued after the heal; every hash a server finding
// names is stored on the server or in a tablet's photo dead letter with a
// reason; stored photos fetch back with their hash verified.
std::string CheckAttachments(World& w);

}  // namespace inspectsync::sim

#endif  // INSPECTSYNC_TESTS_SIM_WORLD_H_
