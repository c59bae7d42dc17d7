#include "core/sampling.h"

#include <algorithm>
#include <map>
#include <utility>

namespace inspectsync::core {

// ---- Generator ----

uint64_t SplitMix64::Next() {
  uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

uint64_t SplitMix64::Below(uint64_t n) {
  // 2^64 mod n, computed in 64 bits as (2^64 - n) mod n. Draws under it are
  // the incomplete last block of residues; rejecting them leaves each of the
  // n residues with the same number of preimages. At most half the draws are
  // rejected (n > 2^63), usually almost none.
  const uint64_t threshold = (0 - n) % n;
  while (true) {
    uint64_t x = Next();
    if (x >= threshold) return x % n;
  }
}

uint64_t Fnv1a64(std::string_view data) {
  uint64_t h = 0xCBF29CE484222325ULL;
  for (char c : data) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001B3ULL;
  }
  return h;
}

// ---- Allocation ----

std::vector<int> AllocateLargestRemainder(int count, const std::vector<int>& weights) {
  std::vector<int> seats(weights.size(), 0);
  int64_t total = 0;
  for (int w : weights) total += w;
  if (count <= 0 || total <= 0) return seats;
  // quota_i = count * w_i / total = floor_i + rem_i / total: comparing the
  // integer numerators rem_i is exact.
  std::vector<int64_t> rem(weights.size());
  int64_t given = 0;
  for (size_t i = 0; i < weights.size(); ++i) {
    const int64_t num = int64_t{count} * weights[i];
    seats[i] = static_cast<int>(num / total);
    rem[i] = num % total;
    given += seats[i];
  }
  std::vector<size_t> order(weights.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  // stable_sort keeps index order among equal remainders: ties to the lower index.
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return rem[a] > rem[b]; });
  // The seats left are sum(rem) / total and each rem < total, so more entries
  // have a non-zero remainder than seats are left: every extra seat goes to
  // an entry whose floor is below its quota, hence below its weight.
  for (size_t k = 0; given < count && k < order.size(); ++k, ++given) ++seats[order[k]];
  return seats;
}

// ---- The draw ----

namespace {

struct ZoneBucket {
  std::vector<std::string> eligible;  // site ids, ascending (candidates are sorted)
  int excluded = 0;
};

// The generator of one (stratum, zone): mixes the names in one at a time,
// with the SplitMix64 step as the mixer, so "ab"+"c" and "a"+"bc" differ.
SplitMix64 ZoneGenerator(uint64_t seed, const std::string& stratum, const std::string& zone) {
  SplitMix64 a(seed ^ Fnv1a64(stratum));
  SplitMix64 b(a.Next() ^ Fnv1a64(zone));
  return SplitMix64(b.Next());
}

// `k` of `ids` uniformly without replacement, sorted. Partial Fisher-Yates:
// position i takes a uniform pick among the ids not yet placed.
std::vector<std::string> DrawFromZone(std::vector<std::string> ids, int k, SplitMix64* rng) {
  for (size_t i = 0; i < static_cast<size_t>(k); ++i) {
    size_t j = i + static_cast<size_t>(rng->Below(ids.size() - i));
    std::swap(ids[i], ids[j]);
  }
  ids.resize(static_cast<size_t>(k));
  std::sort(ids.begin(), ids.end());
  return ids;
}

Status CheckRequest(const SampleRequest& req, const std::vector<const SampleCandidate*>& sorted) {
  std::map<int, std::string> stratum_of_kind;
  std::set<std::string> names;
  for (const SampleStratum& s : req.strata) {
    if (s.name.empty()) return InvalidArgument("a sampling stratum has no name");
    if (!names.insert(s.name).second) return InvalidArgument("sampling stratum '" + s.name + "' is named twice");
    if (s.kinds.empty()) return InvalidArgument("sampling stratum '" + s.name + "' has no site kinds");
    if (s.count < 0)
      return InvalidArgument("sampling stratum '" + s.name + "' asks for " + std::to_string(s.count) + " sites");
    for (int kind : s.kinds) {
      auto [it, fresh] = stratum_of_kind.emplace(kind, s.name);
      if (!fresh)
        return InvalidArgument("site kind " + std::to_string(kind) + " is in sampling strata '" + it->second +
                               "' and '" + s.name + "'; a site may belong to one stratum only");
    }
  }
  for (size_t i = 0; i < sorted.size(); ++i) {
    if (sorted[i]->site_id.empty()) return InvalidArgument("a sampling candidate has an empty site id");
    if (i > 0 && sorted[i]->site_id == sorted[i - 1]->site_id)
      return InvalidArgument("site '" + sorted[i]->site_id + "' is a sampling candidate twice");
  }
  return Status::Ok();
}

}  // namespace

StatusOr<SpotCheckSample> DrawSpotCheckSample(const SampleRequest& req) {
  // Sorted by id, so the input order changes nothing.
  std::vector<const SampleCandidate*> sorted;
  sorted.reserve(req.candidates.size());
  for (const SampleCandidate& c : req.candidates) sorted.push_back(&c);
  std::sort(sorted.begin(), sorted.end(),
            [](const SampleCandidate* a, const SampleCandidate* b) { return a->site_id < b->site_id; });
  INSPECTSYNC_RETURN_IF_ERROR(CheckRequest(req, sorted));

  std::map<int, size_t> stratum_of_kind;
  for (size_t i = 0; i < req.strata.size(); ++i)
    for (int kind : req.strata[i].kinds) stratum_of_kind[kind] = i;
  // Per stratum, zone id -> its sites; std::map orders zones by id.
  std::vector<std::map<std::string, ZoneBucket>> zones(req.strata.size());
  for (const SampleCandidate* c : sorted) {
    auto it = stratum_of_kind.find(c->kind);
    if (it == stratum_of_kind.end()) continue;  // a kind this sample does not cover
    ZoneBucket& bucket = zones[it->second][c->zone_id];
    if (req.excluded_site_ids.count(c->site_id))
      ++bucket.excluded;
    else
      bucket.eligible.push_back(c->site_id);
  }

  SpotCheckSample out;
  out.seed = req.seed;
  std::string shortfalls;  // every stratum that cannot be filled, in one message
  for (size_t s = 0; s < req.strata.size(); ++s) {
    StratumSample ss;
    ss.name = req.strata[s].name;
    ss.requested = req.strata[s].count;
    for (const auto& [zone_id, bucket] : zones[s]) {
      ss.eligible += static_cast<int>(bucket.eligible.size());
      ss.excluded += bucket.excluded;
    }
    if (ss.requested > ss.eligible) {
      shortfalls += (shortfalls.empty() ? "" : "; ") + ("stratum '" + ss.name + "' asks for " +
                    std::to_string(ss.requested) + " sites but only " + std::to_string(ss.eligible) +
                    " are eligible (" + std::to_string(ss.excluded) +
                    " more are excluded: they have an open spot check in the period)");
    }
    out.strata.push_back(std::move(ss));
  }
  if (!shortfalls.empty()) return FailedPrecondition("cannot draw the spot-check sample: " + shortfalls);

  for (size_t s = 0; s < req.strata.size(); ++s) {
    StratumSample& ss = out.strata[s];
    std::vector<int> weights;
    for (const auto& [zone_id, bucket] : zones[s]) weights.push_back(static_cast<int>(bucket.eligible.size()));
    const std::vector<int> seats = AllocateLargestRemainder(ss.requested, weights);
    size_t z = 0;
    for (auto& [zone_id, bucket] : zones[s]) {
      ZoneSample zs;
      zs.zone_id = zone_id;
      zs.eligible = static_cast<int>(bucket.eligible.size());
      zs.excluded = bucket.excluded;
      if (seats[z] > 0) {
        SplitMix64 rng = ZoneGenerator(req.seed, ss.name, zone_id);
        zs.drawn = DrawFromZone(std::move(bucket.eligible), seats[z], &rng);
      }
      ss.site_ids.insert(ss.site_ids.end(), zs.drawn.begin(), zs.drawn.end());
      ss.zones.push_back(std::move(zs));
      ++z;
    }
    std::sort(ss.site_ids.begin(), ss.site_ids.end());
  }
  return out;
}

}  // namespace inspectsync::core
