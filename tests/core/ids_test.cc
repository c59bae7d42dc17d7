// UUIDv7 ids made on the device, and the IsUuid check used at the edge.
#include "core/ids.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <set>
#include <string>
#include <vector>

#include "core/clock.h"

namespace inspectsync::core {
namespace {

constexpr int64_t kT0 = 1'767'225'600'000;  // 2026-01-01T00:00:00.000Z
constexpr uint64_t kSeed = 0x5EED;

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

TEST(UuidV7Test, CanonicalLowercaseFormat) {
  ManualClock clock(kT0);
  IdGenerator gen(&clock, kSeed);
  for (int i = 0; i < 200; ++i) {
    std::string id = gen.NewUuidV7();
    ASSERT_EQ(id.size(), 36u) << id;
    EXPECT_TRUE(IsUuid(id)) << id;
    for (size_t p : {8u, 13u, 18u, 23u}) EXPECT_EQ(id[p], '-') << id;
    clock.Advance(i % 3);
  }
}

TEST(UuidV7Test, VersionNibbleIsSeven) {
  ManualClock clock(kT0);
  IdGenerator gen(&clock, kSeed);
  for (int i = 0; i < 200; ++i) {
    std::string id = gen.NewUuidV7();
    EXPECT_EQ(id[14], '7') << id;
  }
}

TEST(UuidV7Test, VariantBitsAreOneZero) {
  ManualClock clock(kT0);
  IdGenerator gen(&clock, kSeed);
  std::set<char> variants;
  for (int i = 0; i < 500; ++i) {
    std::string id = gen.NewUuidV7();
    int v = HexValue(id[19]);
    ASSERT_GE(v, 0) << id;
    EXPECT_EQ(v & 0xC, 0x8) << id;  // RFC 9562 variant 10xx
    variants.insert(id[19]);
  }
  // The two low bits are random: all of 8, 9, a, b turn up.
  EXPECT_EQ(variants, (std::set<char>{'8', '9', 'a', 'b'}));
}

TEST(UuidV7Test, LeadingBitsAreUnixMillis) {
  ManualClock clock(kT0);
  IdGenerator gen(&clock, kSeed);
  std::string id = gen.NewUuidV7();
  char want[16];
  std::snprintf(want, sizeof want, "%012llx", static_cast<unsigned long long>(kT0));
  EXPECT_EQ(id.substr(0, 8) + id.substr(9, 4), want) << id;
}

TEST(UuidV7Test, OrderedAcrossMilliseconds) {
  ManualClock clock(kT0);
  IdGenerator gen(&clock, kSeed);
  std::string prev = gen.NewUuidV7();
  for (int i = 0; i < 1000; ++i) {
    clock.Advance(1);
    std::string id = gen.NewUuidV7();
    EXPECT_LT(prev, id) << "ids made in later milliseconds sort later";
    prev = id;
  }
  // Also across large jumps (hours, years).
  clock.Advance(3'600'000);
  std::string hour = gen.NewUuidV7();
  clock.Advance(int64_t{365} * 86'400'000);
  std::string year = gen.NewUuidV7();
  EXPECT_LT(prev, hour);
  EXPECT_LT(hour, year);
}

TEST(UuidV7Test, UniqueWithinOneMillisecond) {
  ManualClock clock(kT0);  // stands still
  IdGenerator gen(&clock, kSeed);
  std::set<std::string> ids;
  for (int i = 0; i < 10000; ++i) ids.insert(gen.NewUuidV7());
  EXPECT_EQ(ids.size(), 10000u);
}

TEST(UuidV7Test, SameSeedSameClockSameIds) {
  ManualClock c1(kT0), c2(kT0);
  IdGenerator a(&c1, kSeed), b(&c2, kSeed);
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(a.NewUuidV7(), b.NewUuidV7());
    c1.Advance(i);
    c2.Advance(i);
  }
}

TEST(UuidV7Test, DifferentSeedsDiffer) {
  ManualClock clock(kT0);
  IdGenerator a(&clock, 1), b(&clock, 2);
  std::string ia = a.NewUuidV7(), ib = b.NewUuidV7();
  EXPECT_NE(ia, ib);
  EXPECT_EQ(ia.substr(0, 13), ib.substr(0, 13)) << "same millisecond, same time prefix";
}

TEST(UuidV7Test, ProcessWideGeneratorMakesValidIds) {
  std::string a = NewUuidV7(), b = NewUuidV7();
  EXPECT_TRUE(IsUuid(a)) << a;
  EXPECT_EQ(a[14], '7');
  EXPECT_NE(a, b);
}

TEST(IsUuidTest, AcceptsCanonicalLowercase) {
  EXPECT_TRUE(IsUuid("0190f3c4-5b6a-7c8d-9e0f-a1b2c3d4e5f6"));  // v7
  EXPECT_TRUE(IsUuid("f47ac10b-58cc-4372-a567-0e02b2c3d479"));  // v4: any version
  EXPECT_TRUE(IsUuid("00000000-0000-0000-0000-000000000000"));
  EXPECT_TRUE(IsUuid("ffffffff-ffff-ffff-ffff-ffffffffffff"));
}

TEST(IsUuidTest, RejectsUppercase) {
  EXPECT_FALSE(IsUuid("F47AC10B-58CC-4372-A567-0E02B2C3D479"));
  EXPECT_FALSE(IsUuid("f47ac10b-58cc-4372-a567-0e02b2c3d47A"));
}

TEST(IsUuidTest, RejectsWrongLength) {
  EXPECT_FALSE(IsUuid(""));
  EXPECT_FALSE(IsUuid("f47ac10b-58cc-4372-a567-0e02b2c3d47"));    // 35
  EXPECT_FALSE(IsUuid("f47ac10b-58cc-4372-a567-0e02b2c3d4790"));  // 37
  EXPECT_FALSE(IsUuid("f47ac10b58cc4372a5670e02b2c3d479"));      // no dashes
  EXPECT_FALSE(IsUuid("{f47ac10b-58cc-4372-a567-0e02b2c3d479}"));
  EXPECT_FALSE(IsUuid(" f47ac10b-58cc-4372-a567-0e02b2c3d479"));
}

TEST(IsUuidTest, RejectsMisplacedDashes) {
  EXPECT_FALSE(IsUuid("f47ac10b5-8cc-4372-a567-0e02b2c3d479"));
  EXPECT_FALSE(IsUuid("f47ac10b-58cc4-372-a567-0e02b2c3d479"));
  EXPECT_FALSE(IsUuid("f47ac10b-58cc-4372a-567-0e02b2c3d479"));
  EXPECT_FALSE(IsUuid("f47ac10b-58cc-4372-a5670-e02b2c3d479"));
  EXPECT_FALSE(IsUuid("f47ac10b-58cc-4372-a567-0e02b2c3d4-9"));  // extra dash, right length
  EXPECT_FALSE(IsUuid("------------------------------------"));
}

TEST(IsUuidTest, RejectsNonHex) {
  EXPECT_FALSE(IsUuid("g47ac10b-58cc-4372-a567-0e02b2c3d479"));
  EXPECT_FALSE(IsUuid("f47ac10b-58cc-4372-a567-0e02b2c3d47z"));
  EXPECT_FALSE(IsUuid("f47ac10b-58cc-4372-a567-0e02b2c3d4 9"));
  EXPECT_FALSE(IsUuid("f47ac10b_58cc_4372_a567_0e02b2c3d479"));
  std::string with_nul = "f47ac10b-58cc-4372-a567-0e02b2c3d479";
  with_nul[3] = '\0';
  EXPECT_FALSE(IsUuid(with_nul));
  EXPECT_FALSE(IsUuid("f47ac10b-58cc-4372-a567-0e02b2c3d4\xc3\xa9"));  // 'é' in UTF-8, 36 bytes
}

// Derived ids are stored: a change of the derivation would orphan every
// imported record and published template, so the values are pinned.
TEST(NameBasedUuidTest, IsStableAndCanonical) {
  EXPECT_EQ(NameBasedUuid("inspectsync/template/epidemic-prevention/1"), "7a749590-0bb8-82aa-9961-5651a1537337");
  EXPECT_EQ(ImportRecordId("sites", "PS-001"), "fca19107-37e4-8a7a-8d2a-88edb750596f");
  EXPECT_TRUE(IsUuid(ImportRecordId("zones", "North")));
  EXPECT_NE(ImportRecordId("zones", "N1"), ImportRecordId("sites", "N1"));  // collections never collide
  EXPECT_NE(ImportRecordId("sites", "a"), ImportRecordId("sites", "A"));    // codes are case-sensitive
}

}  // namespace
}  // namespace inspectsync::core
