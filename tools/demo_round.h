// The world of `inspectsync demo` (tools/cmd_demo.cc): a district's round of
// inspections, end to end, on a real TLS server on a loopback port and
// several tablets (SDK clients over gRPC, each with its own SQLite file and
// token). One Round method per act of the round, over a shared world:
//
//   setup      the office: 3 zones, 12 schools and kindergartens, inspectors
//              assigned by zone, a checklist template, a special campaign
//              with a team, and a random spot check drawn from a seed;
//   inspect    inspectors run the checklist offline at their sites; every
//              failed item becomes a finding with the item's category and
//              default severity; two of them edit one finding concurrently;
//   notice     the office issues rectification notices with deadlines (one
//              recorded late, so its finding is overdue);
//   rectify    the school reports the fix; a first on-site verification
//              fails (reopened, new deadline), a second passes (closed);
//   reassign   an inspector moves zone: backfill and eviction;
//   report     the problem list and the counts by zone x category x status;
//   systems    the office's own systems settle the conflict, follow the
//              change feed, export and read the summary.
//
// The setup and inspect acts live in demo_round.cc, the later ones in
// cmd_demo.cc.
#ifndef INSPECTSYNC_TOOLS_DEMO_ROUND_H_
#define INSPECTSYNC_TOOLS_DEMO_ROUND_H_

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "inspectsync/client.h"
#include "server/auth/token.h"
#include "server/server.h"

namespace inspectsync::tools::demo {

inline constexpr int64_t kDay = 86'400'000;

struct Tablet {
  std::string name;
  server::Caller caller;
  std::unique_ptr<Client> client;
  std::vector<v1::Conflict> conflicts;
  std::vector<RejectedMutation> rejected;
};

struct SiteSeed {
  const char* name;
  v1::SiteKind kind;
  int zone;
};
inline const char* const kZoneNames[] = {"North zone", "South zone", "East zone"};
inline const SiteSeed kSites[] = {
    {"No. 1 Primary School", v1::PRIMARY_SCHOOL, 0},    {"No. 4 Middle School", v1::MIDDLE_SCHOOL, 0},
    {"Sunflower Kindergarten", v1::KINDERGARTEN, 0},    {"Little Pines Kindergarten", v1::KINDERGARTEN, 0},
    {"No. 2 Primary School", v1::PRIMARY_SCHOOL, 1},    {"No. 6 Middle School", v1::MIDDLE_SCHOOL, 1},
    {"Rainbow Kindergarten", v1::KINDERGARTEN, 1},      {"Riverside Primary School", v1::PRIMARY_SCHOOL, 1},
    {"No. 3 Primary School", v1::PRIMARY_SCHOOL, 2},    {"Experimental Middle School", v1::MIDDLE_SCHOOL, 2},
    {"Bamboo Kindergarten", v1::KINDERGARTEN, 2},       {"Hillside Kindergarten", v1::KINDERGARTEN, 2},
};
inline constexpr int kSiteCount = sizeof(kSites) / sizeof(kSites[0]);

// The checklist: item id, category, text, default severity, evidence required.
struct ItemSeed {
  const char* id;
  const char* category;
  const char* text;
  v1::Severity severity;
  bool evidence;
};
inline const ItemSeed kItems[] = {
    {"supplies-expiry", "prevention-supplies", "Prevention supplies sufficient and within their expiry date", v1::MEDIUM, true},
    {"signage", "signage", "Prevention signage visible at entrances and canteen", v1::LOW, false},
    {"extinguishers", "fire-safety", "Fire extinguishers inspected within the year", v1::HIGH, true},
    {"gas-alarm", "gas-safety", "Kitchen gas alarm serviced and working", v1::HIGH, true},
    {"duty-log", "records", "Staff duty log complete for the last month", v1::LOW, false},
};

// Prints a failed step with what it was, and returns it.
Status Check(const Status& s, const std::string& what);
// A step of an act: on failure print what it was, and end the act with it.
#define DEMO_OK(expr, what) INSPECTSYNC_RETURN_IF_ERROR(::inspectsync::tools::demo::Check((expr), (what)))

// Every live record on the server, by collection and id.
using ServerState = std::map<std::string, std::map<std::string, v1::Record>>;
StatusOr<ServerState> ReadServer(storage::ServerStore* store);
// A tablet's records against the server's within its scope, every
// collection. "" when equal.
std::string Diff(Tablet& t, server::SyncEngine* engine, const ServerState& server);
// The random tail of a UUIDv7 (its head is the creation time, alike for all).
std::string Short(const std::string& id);

namespace fs = std::filesystem;

// The shared world of one round: the server, the tablets and what each act
// leaves for the next (the district's ids, the findings, the followed one).
// One method per act, in the order CmdDemo runs them; each prints its line
// and returns the first failed step (already printed), and any check that
// fails clears ok_ so the round still runs to the end and reports everything.
class Round {
 public:
  Round(uint64_t seed, long long n_findings, fs::path dir)
      : seed_(seed), n_findings_(n_findings), dir_(std::move(dir)), rng_(seed),
        now_(static_cast<int64_t>(std::time(nullptr)) * 1000) {}

  Status Start(size_t n_tablets);
  Status SetUp();
  Status Inspect();
  Status EditConcurrently();
  Status IssueNotices();
  Status RectifyAndVerify();
  Status CheckConvergence();
  Status Reassign();
  Status CheckConflicts();
  Status Report();
  Status OfficeSystems();
  void Stop();
  bool ok() const { return ok_; }

 private:
  StatusOr<std::string> IssueToken(const std::string& user, const std::string& role, const std::string& device);
  Status SyncAll(SyncReport* total);
  StatusOr<std::string> CreateAsOffice(const std::string& collection, const v1::RecordBody& body) {
    return tablets_.back().client->Create(collection, body);
  }
  v1::RecordBody Campaign(const std::string& name, v1::InspectionKind kind) const;
  Status CreateZonesAndSites();
  Status AssignInspectors();
  Status PublishTemplate();
  Status CreateCampaignAndTeam();
  Status DrawSpotCheck();
  Status InspectSite(size_t inspector, const std::string& site, const std::string& campaign_id,
                     v1::InspectionKind kind);
  Status MoveFollowed(v1::FindingStatus to);
  Status PrintProblemList();
  Status PrintCounts();
  std::string DiffFromServer(Tablet& t) {
    auto state = ReadServer(store());
    if (!state.ok()) return "cannot read the server: " + state.status().ToString();
    return Diff(t, engine(), *state);
  }
  server::SyncEngine* engine() { return server_->engine(); }
  storage::ServerStore* store() { return engine()->store(); }
  Tablet& office() { return tablets_.back(); }
  size_t inspectors() const { return tablets_.size() - 1; }
  const char* SiteName(const std::string& id) { return kSites[site_index_[id]].name; }
  const char* ZoneName(const std::string& id) const {
    for (size_t z = 0; z < zones_.size(); ++z)
      if (zones_[z] == id) return kZoneNames[z];
    return "";
  }

  const uint64_t seed_;
  const long long n_findings_;
  const fs::path dir_;
  std::mt19937_64 rng_;
  const int64_t now_;
  bool ok_ = true;

  server::ServerOptions options_;
  std::unique_ptr<server::Server> server_;
  std::optional<auth::KeyRing> ring_;
  std::vector<Tablet> tablets_;  // the last is the office's, the others inspectors'

  std::vector<std::string> zones_, sites_;
  std::map<std::string, int> site_index_;
  std::vector<int> zone_of_;                   // inspector -> zone index
  std::vector<std::string> zone_assignment_;   // inspector -> assignment id
  std::string special_, spot_;                 // campaign ids
  std::vector<std::string> sampled_;
  size_t spotter_ = 0;
  bool reproducible_ = false;

  std::vector<std::string> findings_;  // every finding, in creation order
  int inspections_ = 0, failed_items_ = 0;
  v1::Finding gas_;
  std::string followed_;  // the finding followed from capture to closure
  SyncReport total_;
  std::string conflict_note_;
  std::string late_site_;
};

}  // namespace inspectsync::tools::demo

#endif  // INSPECTSYNC_TOOLS_DEMO_ROUND_H_
