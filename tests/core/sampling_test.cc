// The spot-check sample: the pinned generator, proportional allocation across
// zones, reproducibility, exclusions, uniformity, and the errors.
//
// Every "random" input here comes from fixed seeds, so these tests are
// deterministic; the statistical bounds are still wide (> 6 sigma) so a
// change of seeds would not make them flaky either.
#include "core/sampling.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "inspectsync/v1/records.pb.h"

namespace inspectsync::core {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr int kPrimary = v1::PRIMARY_SCHOOL;
constexpr int kMiddle = v1::MIDDLE_SCHOOL;
constexpr int kKindergarten = v1::KINDERGARTEN;

std::string Id(const std::string& prefix, int i) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d", i);
  return prefix + buf;
}

// `n` sites of `kind` in `zone`, ids "<prefix>0000"...
void AddSites(std::vector<SampleCandidate>* out, const std::string& prefix, int n, int kind, const std::string& zone) {
  for (int i = 0; i < n; ++i) out->push_back({Id(prefix, i), kind, zone});
}

// The district of DOMAIN.md: 79 schools (primary and middle) in three
// zones, 307 kindergartens in four; 26 schools and 10 kindergartens sampled.
SampleRequest District(uint64_t seed) {
  SampleRequest r;
  AddSites(&r.candidates, "n-pri-", 20, kPrimary, "north");
  AddSites(&r.candidates, "n-mid-", 10, kMiddle, "north");   // north: 30 schools
  AddSites(&r.candidates, "s-pri-", 25, kPrimary, "south");  // south: 25
  AddSites(&r.candidates, "e-mid-", 24, kMiddle, "east");    // east: 24
  AddSites(&r.candidates, "n-kg-", 100, kKindergarten, "north");
  AddSites(&r.candidates, "s-kg-", 80, kKindergarten, "south");
  AddSites(&r.candidates, "e-kg-", 70, kKindergarten, "east");
  AddSites(&r.candidates, "w-kg-", 57, kKindergarten, "west");
  r.strata = {{"schools", {kPrimary, kMiddle}, 26}, {"kindergartens", {kKindergarten}, 10}};
  r.seed = seed;
  return r;
}

// The same candidates in another order (a Fisher-Yates shuffle).
std::vector<SampleCandidate> Reordered(std::vector<SampleCandidate> c, uint64_t seed) {
  SplitMix64 rng(seed);
  for (size_t i = c.size(); i > 1; --i) std::swap(c[i - 1], c[rng.Below(i)]);
  return c;
}

std::map<std::string, int> DrawnPerZone(const StratumSample& s) {
  std::map<std::string, int> out;
  for (const ZoneSample& z : s.zones) out[z.zone_id] = static_cast<int>(z.drawn.size());
  return out;
}

// ---- Generator and hash ----

TEST(SplitMix64Test, MatchesTheReferenceImplementation) {
  // Outputs of Vigna's splitmix64.c: pinned, since every published sample
  // depends on them.
  SplitMix64 zero(0);
  EXPECT_EQ(zero.Next(), 0xE220A8397B1DCDAFULL);
  EXPECT_EQ(zero.Next(), 0x6E789E6AA1B965F4ULL);
  EXPECT_EQ(zero.Next(), 0x06C45D188009454FULL);
  SplitMix64 r(1234567);
  EXPECT_EQ(r.Next(), 6457827717110365317ULL);
  EXPECT_EQ(r.Next(), 3203168211198807973ULL);
}

TEST(SplitMix64Test, BelowStaysInRange) {
  SplitMix64 r(7);
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(r.Below(1), 0u);
  // n just above 2^63: about half of all draws are rejected; results < n.
  const uint64_t big = (uint64_t{1} << 63) + 12345;
  for (int i = 0; i < 1000; ++i) EXPECT_LT(r.Below(big), big);
  for (int i = 0; i < 1000; ++i) EXPECT_LT(r.Below(3), 3u);
}

TEST(SplitMix64Test, BelowIsRoughlyUniform) {
  SplitMix64 r(42);
  std::vector<int> hits(7, 0);
  const int n = 70000;
  for (int i = 0; i < n; ++i) ++hits[r.Below(7)];
  for (int h : hits) EXPECT_NEAR(h, n / 7, 600);  // sigma ~ 92
}

TEST(Fnv1a64Test, StandardTestVectors) {
  EXPECT_EQ(Fnv1a64(""), 0xCBF29CE484222325ULL);
  EXPECT_EQ(Fnv1a64("a"), 0xAF63DC4C8601EC8CULL);
  EXPECT_EQ(Fnv1a64("foobar"), 0x85944171F73967E8ULL);
}

// ---- Allocation ----

TEST(AllocateLargestRemainderTest, WorkedExampleSchools) {
  // 26 of 79 schools over zones of 30, 25, 24:
  //   quotas 26*30/79 = 9.873, 26*25/79 = 8.228, 26*24/79 = 7.899
  //   floors 9 + 8 + 7 = 24; the 2 seats left go to the largest remainders,
  //   .899 (third) and .873 (first): 10, 8, 8.
  EXPECT_THAT(AllocateLargestRemainder(26, {30, 25, 24}), ElementsAre(10, 8, 8));
}

TEST(AllocateLargestRemainderTest, WorkedExampleKindergartens) {
  // 10 of 307 over 100, 80, 70, 57: quotas 3.257, 2.606, 2.280, 1.857;
  // floors 3 + 2 + 2 + 1 = 8; the 2 left go to .857 and .606: 3, 3, 2, 2.
  EXPECT_THAT(AllocateLargestRemainder(10, {100, 80, 70, 57}), ElementsAre(3, 3, 2, 2));
}

TEST(AllocateLargestRemainderTest, TiesGoToTheLowerIndex) {
  EXPECT_THAT(AllocateLargestRemainder(2, {10, 10, 10}), ElementsAre(1, 1, 0));
  EXPECT_THAT(AllocateLargestRemainder(1, {5, 5}), ElementsAre(1, 0));
}

TEST(AllocateLargestRemainderTest, EdgeCases) {
  EXPECT_THAT(AllocateLargestRemainder(0, {3, 4}), ElementsAre(0, 0));
  EXPECT_THAT(AllocateLargestRemainder(7, {3, 4}), ElementsAre(3, 4));  // everything
  EXPECT_THAT(AllocateLargestRemainder(3, {0, 6, 0}), ElementsAre(0, 3, 0));
  EXPECT_TRUE(AllocateLargestRemainder(0, {}).empty());
}

TEST(AllocateLargestRemainderTest, SumsToCountAndNeverExceedsAWeight) {
  SplitMix64 r(99);
  for (int trial = 0; trial < 2000; ++trial) {
    std::vector<int> w(1 + r.Below(8));
    int total = 0;
    for (int& x : w) total += (x = static_cast<int>(r.Below(40)));
    const int count = static_cast<int>(r.Below(static_cast<uint64_t>(total) + 1));
    std::vector<int> seats = AllocateLargestRemainder(count, w);
    int sum = 0;
    for (size_t i = 0; i < w.size(); ++i) {
      EXPECT_LE(seats[i], w[i]);
      // Hamilton's quota property: floor(quota) <= seats <= ceil(quota).
      const int64_t num = int64_t{count} * w[i];
      EXPECT_GE(seats[i], total ? num / total : 0);
      EXPECT_LE(seats[i], total ? (num + total - 1) / total : 0);
      sum += seats[i];
    }
    EXPECT_EQ(sum, count);
  }
}

// ---- The draw ----

TEST(SpotCheckSampleTest, DistrictExampleHonoursCountsAndZones) {
  auto sample = DrawSpotCheckSample(District(2026));
  ASSERT_TRUE(sample.ok()) << sample.status().ToString();
  ASSERT_EQ(sample->strata.size(), 2u);
  const StratumSample& schools = sample->strata[0];
  const StratumSample& kgs = sample->strata[1];
  EXPECT_EQ(schools.name, "schools");
  EXPECT_EQ(schools.requested, 26);
  EXPECT_EQ(schools.eligible, 79);
  EXPECT_EQ(schools.site_ids.size(), 26u);
  EXPECT_EQ(kgs.site_ids.size(), 10u);
  // The worked examples above, zones in id order: east 24, north 30, south 25.
  EXPECT_EQ(DrawnPerZone(schools), (std::map<std::string, int>{{"east", 8}, {"north", 10}, {"south", 8}}));
  EXPECT_EQ(DrawnPerZone(kgs), (std::map<std::string, int>{{"east", 2}, {"north", 3}, {"south", 3}, {"west", 2}}));
  // Each drawn id once, sorted, of the stratum's kinds and the zone it is listed under.
  EXPECT_TRUE(std::is_sorted(schools.site_ids.begin(), schools.site_ids.end()));
  EXPECT_EQ(std::set<std::string>(schools.site_ids.begin(), schools.site_ids.end()).size(), 26u);
  for (const ZoneSample& z : schools.zones)
    for (const std::string& id : z.drawn) EXPECT_EQ(id[0], z.zone_id[0]) << id;
  for (const std::string& id : kgs.site_ids) EXPECT_NE(id.find("-kg-"), std::string::npos) << id;
}

TEST(SpotCheckSampleTest, SameSeedSameSampleWhateverTheInputOrder) {
  SampleRequest a = District(7);
  auto first = DrawSpotCheckSample(a);
  ASSERT_TRUE(first.ok());
  for (uint64_t shuffle_seed = 1; shuffle_seed <= 5; ++shuffle_seed) {
    SampleRequest b = a;
    b.candidates = Reordered(a.candidates, shuffle_seed);
    auto again = DrawSpotCheckSample(b);
    ASSERT_TRUE(again.ok());
    for (size_t s = 0; s < 2; ++s) EXPECT_EQ(again->strata[s].site_ids, first->strata[s].site_ids);
  }
}

TEST(SpotCheckSampleTest, GoldenSampleIsPinned) {
  // A published seed must re-draw the same sites on any platform and in any
  // later version. If this fails, the draw changed: past samples can no
  // longer be verified. Do not update the expectation casually. (Cross-checked
  // against an independent Python transcription of the algorithm in
  // sampling.h: allocation 2 + 2, then a partial Fisher-Yates per zone.)
  SampleRequest r;
  AddSites(&r.candidates, "a", 6, kPrimary, "z1");
  AddSites(&r.candidates, "b", 4, kMiddle, "z2");
  r.strata = {{"schools", {kPrimary, kMiddle}, 4}};
  r.seed = 20260101;
  auto sample = DrawSpotCheckSample(r);
  ASSERT_TRUE(sample.ok());
  EXPECT_THAT(sample->strata[0].site_ids, ElementsAre("a0003", "a0005", "b0000", "b0001"));
}

TEST(SpotCheckSampleTest, DifferentSeedsGiveDifferentSamples) {
  std::set<std::vector<std::string>> seen;
  for (uint64_t seed = 1; seed <= 50; ++seed) {
    auto sample = DrawSpotCheckSample(District(seed));
    ASSERT_TRUE(sample.ok());
    seen.insert(sample->strata[0].site_ids);
  }
  EXPECT_EQ(seen.size(), 50u);  // C(79 over zones, 26) is astronomically large
}

TEST(SpotCheckSampleTest, ExcludedSitesAreCountedAndShiftTheAllocation) {
  SampleRequest r = District(11);
  // Exclude 20 of north's 30 schools: north has 10 eligible of 59.
  for (int i = 0; i < 20; ++i) r.excluded_site_ids.insert(Id("n-pri-", i));
  r.excluded_site_ids.insert("not-a-candidate");  // ignored: not in the request
  auto sample = DrawSpotCheckSample(r);
  ASSERT_TRUE(sample.ok()) << sample.status().ToString();
  const StratumSample& schools = sample->strata[0];
  EXPECT_EQ(schools.eligible, 59);
  EXPECT_EQ(schools.excluded, 20);
  // 26 * {24, 10, 25} / 59 = 10.576, 4.407, 11.017 -> 10 + 4 + 11 = 25, +1 east.
  EXPECT_EQ(DrawnPerZone(schools), (std::map<std::string, int>{{"east", 11}, {"north", 4}, {"south", 11}}));
  for (const ZoneSample& z : schools.zones) {
    if (z.zone_id == "north") {
      EXPECT_EQ(z.eligible, 10);
      EXPECT_EQ(z.excluded, 20);
    } else {
      EXPECT_EQ(z.excluded, 0);
    }
  }
  EXPECT_EQ(sample->strata[1].excluded, 0);
}

TEST(SpotCheckSampleTest, NoExcludedSiteIsEverDrawn) {
  for (uint64_t seed = 1; seed <= 300; ++seed) {
    SampleRequest r = District(seed);
    SplitMix64 pick(seed * 31 + 5);
    for (const SampleCandidate& c : r.candidates)
      if (pick.Below(3) == 0) r.excluded_site_ids.insert(c.site_id);  // about a third
    auto sample = DrawSpotCheckSample(r);
    ASSERT_TRUE(sample.ok()) << "seed " << seed << ": " << sample.status().ToString();
    for (const StratumSample& s : sample->strata) {
      ASSERT_EQ(static_cast<int>(s.site_ids.size()), s.requested);
      for (const std::string& id : s.site_ids) ASSERT_EQ(r.excluded_site_ids.count(id), 0u) << "seed " << seed;
    }
  }
}

TEST(SpotCheckSampleTest, ZoneWithEveryoneExcludedIsReportedAndGetsNone) {
  SampleRequest r;
  AddSites(&r.candidates, "a", 3, kKindergarten, "z1");
  AddSites(&r.candidates, "b", 5, kKindergarten, "z2");
  for (int i = 0; i < 3; ++i) r.excluded_site_ids.insert(Id("a", i));
  r.strata = {{"kindergartens", {kKindergarten}, 2}};
  auto sample = DrawSpotCheckSample(r);
  ASSERT_TRUE(sample.ok());
  const StratumSample& s = sample->strata[0];
  ASSERT_EQ(s.zones.size(), 2u);
  EXPECT_EQ(s.zones[0].zone_id, "z1");
  EXPECT_EQ(s.zones[0].eligible, 0);
  EXPECT_EQ(s.zones[0].excluded, 3);
  EXPECT_TRUE(s.zones[0].drawn.empty());
  EXPECT_EQ(s.zones[1].drawn.size(), 2u);
}

TEST(SpotCheckSampleTest, ZonesAreDrawnIndependently) {
  // Changing one zone (an exclusion there) or another stratum's count leaves
  // the other zones' draws as they were: a correction does not reshuffle the
  // whole district.
  SampleRequest r = District(5);
  auto before = DrawSpotCheckSample(r);
  r.excluded_site_ids.insert(Id("w-kg-", 0));
  r.strata[0].count = 20;
  auto after = DrawSpotCheckSample(r);
  ASSERT_TRUE(before.ok() && after.ok());
  // The premise: west's exclusion does not move a seat between zones.
  ASSERT_EQ(DrawnPerZone(after->strata[1]), DrawnPerZone(before->strata[1]));
  const auto& kb = before->strata[1].zones;
  const auto& ka = after->strata[1].zones;
  for (size_t z = 0; z < kb.size(); ++z) {
    if (kb[z].zone_id != "west") {
      EXPECT_EQ(ka[z].drawn, kb[z].drawn) << kb[z].zone_id;
    }
  }
}

TEST(SpotCheckSampleTest, ZeroCountStillReportsTallies) {
  SampleRequest r = District(1);
  r.strata[1].count = 0;
  auto sample = DrawSpotCheckSample(r);
  ASSERT_TRUE(sample.ok());
  EXPECT_TRUE(sample->strata[1].site_ids.empty());
  EXPECT_EQ(sample->strata[1].eligible, 307);
  EXPECT_EQ(sample->strata[1].zones.size(), 4u);
}

TEST(SpotCheckSampleTest, SitesOfOtherKindsAreIgnored) {
  SampleRequest r;
  AddSites(&r.candidates, "p", 5, kPrimary, "z");
  AddSites(&r.candidates, "u", 5, v1::SITE_KIND_UNSPECIFIED, "z");
  r.strata = {{"primary", {kPrimary}, 5}};
  auto sample = DrawSpotCheckSample(r);
  ASSERT_TRUE(sample.ok());
  EXPECT_EQ(sample->strata[0].eligible, 5);
  for (const std::string& id : sample->strata[0].site_ids) EXPECT_EQ(id[0], 'p');
}

TEST(SpotCheckSampleTest, EachSiteIsDrawnAboutEquallyOften) {
  // One zone: each of 10 sites is drawn with probability 3/10.
  SampleRequest r;
  AddSites(&r.candidates, "s", 10, kPrimary, "z");
  r.strata = {{"schools", {kPrimary}, 3}};
  std::map<std::string, int> hits;
  const int runs = 3000;
  for (int seed = 1; seed <= runs; ++seed) {
    r.seed = static_cast<uint64_t>(seed);
    auto sample = DrawSpotCheckSample(r);
    ASSERT_TRUE(sample.ok());
    for (const std::string& id : sample->strata[0].site_ids) ++hits[id];
  }
  ASSERT_EQ(hits.size(), 10u);
  for (const auto& [id, n] : hits) EXPECT_NEAR(n, runs * 3 / 10, 160) << id;  // sigma ~ 25
}

TEST(SpotCheckSampleTest, WithinAZoneEachSiteGetsItsZonesShare) {
  // Zones of 6 and 4 sites, 5 drawn: allocation 3 and 2, so every site's
  // inclusion probability is 1/2, whichever zone it is in.
  SampleRequest r;
  AddSites(&r.candidates, "a", 6, kKindergarten, "z1");
  AddSites(&r.candidates, "b", 4, kKindergarten, "z2");
  r.strata = {{"kindergartens", {kKindergarten}, 5}};
  std::map<std::string, int> hits;
  const int runs = 2000;
  for (int seed = 1; seed <= runs; ++seed) {
    r.seed = static_cast<uint64_t>(seed) * 0x9E3779B97F4A7C15ULL;  // spread-out seeds
    auto sample = DrawSpotCheckSample(r);
    ASSERT_TRUE(sample.ok());
    for (const std::string& id : sample->strata[0].site_ids) ++hits[id];
  }
  ASSERT_EQ(hits.size(), 10u);
  for (const auto& [id, n] : hits) EXPECT_NEAR(n, runs / 2, 150) << id;  // sigma ~ 22
}

// ---- Errors ----

TEST(SpotCheckSampleTest, AskingForMoreThanEligibleNamesTheStratumAndCounts) {
  SampleRequest r = District(1);
  for (int i = 0; i < 60; ++i) r.excluded_site_ids.insert(Id("n-kg-", i));
  r.strata[1].count = 250;  // 307 - 60 = 247 eligible
  auto sample = DrawSpotCheckSample(r);
  ASSERT_FALSE(sample.ok());
  EXPECT_EQ(sample.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(sample.status().message(),
              AllOf(HasSubstr("stratum 'kindergartens' asks for 250 sites but only 247 are eligible"),
                    HasSubstr("60 more are excluded")));
  EXPECT_THAT(sample.status().message(), ::testing::Not(HasSubstr("'schools'")));
}

TEST(SpotCheckSampleTest, EveryShortStratumIsNamedInOneError) {
  SampleRequest r = District(1);
  r.strata[0].count = 80;
  r.strata[1].count = 400;
  auto sample = DrawSpotCheckSample(r);
  ASSERT_FALSE(sample.ok());
  EXPECT_THAT(sample.status().message(),
              AllOf(HasSubstr("'schools' asks for 80 sites but only 79"),
                    HasSubstr("'kindergartens' asks for 400 sites but only 307")));
}

TEST(SpotCheckSampleTest, MalformedRequestsAreInvalidArguments) {
  struct Case {
    const char* why;
    void (*mutate)(SampleRequest*);
    const char* message;
  };
  const Case cases[] = {
      {"overlapping kinds", [](SampleRequest* r) { r->strata[1].kinds.insert(kPrimary); },
       "is in sampling strata 'schools' and 'kindergartens'"},
      {"duplicate site", [](SampleRequest* r) { r->candidates.push_back(r->candidates[3]); },
       "is a sampling candidate twice"},
      {"empty site id", [](SampleRequest* r) { r->candidates[0].site_id.clear(); }, "empty site id"},
      {"negative count", [](SampleRequest* r) { r->strata[0].count = -1; }, "asks for -1 sites"},
      {"no kinds", [](SampleRequest* r) { r->strata[0].kinds.clear(); }, "'schools' has no site kinds"},
      {"duplicate name", [](SampleRequest* r) { r->strata[1].name = "schools"; }, "named twice"},
      {"no name", [](SampleRequest* r) { r->strata[0].name.clear(); }, "has no name"},
  };
  for (const Case& c : cases) {
    SampleRequest r = District(1);
    c.mutate(&r);
    auto sample = DrawSpotCheckSample(r);
    ASSERT_FALSE(sample.ok()) << c.why;
    EXPECT_EQ(sample.status().code(), StatusCode::kInvalidArgument) << c.why;
    EXPECT_THAT(sample.status().message(), HasSubstr(c.message)) << c.why;
  }
}

}  // namespace
}  // namespace inspectsync::core
