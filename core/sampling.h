// The office's random spot-check sample ("26 schools and 10 kindergartens
// sampled"): which sites a spot-check round visits.
//
// A sample must be reproducible: the office publishes the seed with the
// round, and anyone can re-draw the same sites later, on any platform and
// compiler, to show the draw was not hand-picked. So nothing here uses
// std::shuffle or the std:: distributions (their algorithms are
// implementation-defined); the generator (SplitMix64) and the bounded draw
// (rejection sampling) are written out below and pinned by tests. Changing
// either, or the order of draws, changes every past sample: don't.
//
// The draw, per stratum (e.g. "schools" = primary + middle, 26 sites):
//   1. Candidates are sorted by site id, so the input order does not matter.
//   2. A site is eligible if its kind is the stratum's and it is not
//      excluded (it already has an open spot check in the period).
//   3. The count is split across zones in proportion to each zone's eligible
//      sites, by the largest-remainder method (ties to the smaller zone id),
//      so every zone is visited about as often as its size warrants.
//   4. Within each zone, `allocation` sites are drawn uniformly without
//      replacement (a partial Fisher-Yates shuffle of the zone's sites in id
//      order), from a generator seeded by (seed, stratum name, zone id).
//      Seeding per zone keeps zones independent: excluding a site in one
//      zone, or changing another stratum, does not reshuffle this zone.
//
// Thread-safety: pure functions on values; SplitMix64 is a value.
#ifndef INSPECTSYNC_CORE_SAMPLING_H_
#define INSPECTSYNC_CORE_SAMPLING_H_

#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "inspectsync/status.h"

namespace inspectsync::core {

// SplitMix64 (Steele, Lea & Flood, "Fast splittable pseudorandom number
// generators", OOPSLA 2014; constants as in Vigna's reference splitmix64.c).
// Small, fully specified, and good enough for drawing a sample; not for
// anything secret.
class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t Next();
  // Uniform in [0, n), without modulo bias: draws below 2^64 mod n are
  // rejected so every remainder class is equally likely. REQUIRES: n > 0.
  uint64_t Below(uint64_t n);

 private:
  uint64_t state_;
};

// FNV-1a, 64 bit: a fixed, portable hash for deriving per-zone seeds
// (std::hash is implementation-defined).
uint64_t Fnv1a64(std::string_view data);

// Splits `count` in proportion to `weights` by the largest-remainder
// (Hamilton) method: each gets floor(count * w / sum), and the seats left go
// to the largest remainders, ties to the lower index. Exact integer
// arithmetic, so no float rounding decides a seat. Never gives an entry more
// than its weight. REQUIRES: weights >= 0, 0 <= count <= sum of weights.
std::vector<int> AllocateLargestRemainder(int count, const std::vector<int>& weights);

struct SampleCandidate {
  std::string site_id;
  int kind = 0;  // v1::SiteKind value (kept an int: core/sampling needs no proto)
  std::string zone_id;  // "" is a zone of its own (sites not yet zoned)
};

struct SampleStratum {
  std::string name;     // "schools"; appears in errors and the report
  std::set<int> kinds;  // {PRIMARY_SCHOOL, MIDDLE_SCHOOL}
  int count = 0;        // sites to draw
};

struct SampleRequest {
  std::vector<SampleCandidate> candidates;
  std::vector<SampleStratum> strata;  // kinds must not overlap between strata
  std::set<std::string> excluded_site_ids;
  uint64_t seed = 0;
};

// One zone of one stratum, for the report. Zones whose every site is
// excluded are listed too (eligible 0), so the report shows why they got none.
struct ZoneSample {
  std::string zone_id;
  int eligible = 0;
  int excluded = 0;
  std::vector<std::string> drawn;  // site ids, sorted
};

struct StratumSample {
  std::string name;
  int requested = 0;
  int eligible = 0;
  int excluded = 0;
  std::vector<std::string> site_ids;  // every drawn site of the stratum, sorted
  std::vector<ZoneSample> zones;      // sorted by zone id
};

struct SpotCheckSample {
  uint64_t seed = 0;
  std::vector<StratumSample> strata;  // in the order of the request
};

// Draws the sample (see the top of this file).
// INVALID_ARGUMENT for a malformed request: an empty or duplicate site id, an
// empty or duplicate stratum name, a stratum with no kinds or a negative
// count, a kind in two strata (a site could be drawn twice).
// FAILED_PRECONDITION when a stratum asks for more sites than are eligible,
// naming the stratum, the count asked, the eligible and excluded counts, for
// every such stratum. Never returns fewer sites than asked.
StatusOr<SpotCheckSample> DrawSpotCheckSample(const SampleRequest& request);

}  // namespace inspectsync::core

#endif  // INSPECTSYNC_CORE_SAMPLING_H_
