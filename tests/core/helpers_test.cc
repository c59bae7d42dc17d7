// The small shared helpers of core/: hex, media sniffing, backoff, the site
// directory, each with the inputs that broke copies of them before.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <random>
#include <set>
#include <string>

#include "core/backoff.h"
#include "core/hex.h"
#include "core/media.h"
#include "core/problems.h"

namespace inspectsync::core {
namespace {

TEST(HexTest, EncodesLowercaseAndDecodesOnlyItsOwnSpelling) {
  EXPECT_EQ(HexEncode(""), "");
  EXPECT_EQ(HexEncode(std::string("\x00\x01\xab\xff", 4)), "0001abff");
  std::string out;
  ASSERT_TRUE(HexDecode("0001abff", &out));
  EXPECT_EQ(out, std::string("\x00\x01\xab\xff", 4));
  ASSERT_TRUE(HexDecode("", &out));
  EXPECT_EQ(out, "");
  EXPECT_FALSE(HexDecode("abc", &out)) << "odd length";
  EXPECT_FALSE(HexDecode("ABCD", &out)) << "uppercase is another spelling";
  EXPECT_FALSE(HexDecode("0g", &out));
  EXPECT_FALSE(HexDecode(std::string("0\0", 2), &out));
  // Round trip over every byte value.
  std::string all;
  for (int b = 0; b < 256; ++b) all.push_back(static_cast<char>(b));
  ASSERT_TRUE(HexDecode(HexEncode(all), &out));
  EXPECT_EQ(out, all);
}

TEST(HexTest, Sha256NamesAreSixtyFourLowercaseDigits) {
  const std::string good(64, 'a');
  EXPECT_TRUE(IsSha256Hex(good));
  EXPECT_TRUE(IsSha256Hex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
  EXPECT_FALSE(IsSha256Hex(std::string(63, 'a')));
  EXPECT_FALSE(IsSha256Hex(std::string(65, 'a')));
  EXPECT_FALSE(IsSha256Hex(std::string(64, 'A')));
  EXPECT_FALSE(IsSha256Hex(std::string(63, 'a') + "g"));
  EXPECT_FALSE(IsSha256Hex(""));
  EXPECT_TRUE(IsLowerHex("0123456789abcdef", 16));
  EXPECT_FALSE(IsLowerHex("0123456789abcdef", 15));
}

TEST(MediaTest, SignaturesDecideTheType) {
  EXPECT_EQ(SniffMediaType(std::string("\xFF\xD8\xFF\xE0", 4)), "image/jpeg");
  EXPECT_EQ(SniffMediaType(std::string("\x89PNG\r\n\x1A\n....", 12)), "image/png");
  EXPECT_EQ(SniffMediaType(std::string("RIFF\x10\x00\x00\x00WEBPVP8 ", 16)), "image/webp");
  EXPECT_EQ(SniffMediaType(std::string("\x00\x00\x00\x18" "ftypheic", 12)), "image/heic");
  EXPECT_EQ(SniffMediaType(std::string("\x00\x00\x00\x18" "ftypmif1", 12)), "image/heic");
  EXPECT_EQ(SniffMediaType("%PDF-1.7\n"), "application/pdf");
  for (const char* t : {"image/jpeg", "image/png", "image/webp", "image/heic", "application/pdf"})
    EXPECT_TRUE(IsAcceptedMediaType(t)) << t;
}

TEST(MediaTest, TooShortOrForeignHeadsAreNothing) {
  EXPECT_EQ(SniffMediaType(""), "");
  EXPECT_EQ(SniffMediaType(std::string("\xFF\xD8", 2)), "") << "a cut JPEG signature";
  EXPECT_EQ(SniffMediaType("RIFF"), "") << "WebP needs its 12 bytes";
  EXPECT_EQ(SniffMediaType(std::string("RIFF\x10\x00\x00\x00WAVE", 12)), "") << "a RIFF that is not WebP";
  EXPECT_EQ(SniffMediaType(std::string("\x00\x00\x00\x18" "ftypavif", 12)), "") << "AVIF shares the box";
  EXPECT_EQ(SniffMediaType(std::string("\x00\x00\x00\x18" "ftyphe", 10)), "");
  EXPECT_EQ(SniffMediaType("GIF89a......"), "");
  EXPECT_EQ(SniffMediaType("%PDF"), "");
  EXPECT_FALSE(IsAcceptedMediaType("image/gif"));
  EXPECT_FALSE(IsAcceptedMediaType(""));
  EXPECT_FALSE(IsAcceptedMediaType("IMAGE/JPEG"));
}

TEST(BackoffTest, DoublesInTheUpperHalfUpToTheCap) {
  std::mt19937_64 rng(7);
  for (int64_t failures = 1; failures <= 100; ++failures) {
    int64_t nominal = 100;
    for (int64_t i = 1; i < failures && nominal < 5000; ++i) nominal *= 2;
    nominal = std::min<int64_t>(nominal, 5000);
    for (int draw = 0; draw < 10; ++draw) {
      int64_t d = BackoffDelayMs(failures, 100, 5000, rng);
      ASSERT_GE(d, nominal / 2) << failures;
      ASSERT_LE(d, nominal) << failures;
    }
  }
  // The same seed gives the same delays (the simulation replays a run).
  std::mt19937_64 a(3), b(3);
  for (int i = 1; i < 20; ++i) EXPECT_EQ(BackoffDelayMs(i, 10, 1000, a), BackoffDelayMs(i, 10, 1000, b));
}

TEST(BackoffTest, OddArgumentsStayInBounds) {
  std::mt19937_64 rng(1);
  // No failure counted yet, or a negative count: the first delay.
  EXPECT_LE(BackoffDelayMs(0, 100, 1000, rng), 100);
  EXPECT_LE(BackoffDelayMs(-5, 100, 1000, rng), 100);
  // A zero or negative base is 1 ms; a cap below the base is the base.
  EXPECT_LE(BackoffDelayMs(1, 0, 0, rng), 1);
  EXPECT_LE(BackoffDelayMs(1, -10, 1000, rng), 1);
  int64_t d = BackoffDelayMs(10, 500, 100, rng);
  EXPECT_GE(d, 250);
  EXPECT_LE(d, 500);
  // Huge counts and caps never overflow.
  const int64_t max = std::numeric_limits<int64_t>::max();
  d = BackoffDelayMs(std::numeric_limits<int64_t>::max(), 3, max, rng);
  EXPECT_GE(d, max / 4);
  EXPECT_GE(BackoffDelayMs(1'000'000, 1000, 60'000, rng), 30'000);
  EXPECT_GE(BackoffDelay(3, std::chrono::milliseconds(8), std::chrono::milliseconds(8), rng).count(), 4);
}

TEST(SiteDirectoryTest, AScopeIsASiteOfAZoneOrAZoneItself) {
  SiteDirectory dir;
  dir["site-1"] = SiteInfo{"zone-n", "North Primary", ""};
  ASSERT_NE(FindSite(dir, "site-1"), nullptr);
  EXPECT_EQ(FindSite(dir, "site-1")->name, "North Primary");
  EXPECT_EQ(FindSite(dir, "site-2"), nullptr);
  EXPECT_EQ(FindSite(dir, ""), nullptr);
  EXPECT_EQ(ZoneOfScope(dir, "site-1"), "zone-n");
  EXPECT_EQ(ZoneOfScope(dir, "zone-s"), "zone-s") << "a zone-scoped record";
  EXPECT_EQ(ZoneOfScope(dir, ""), "") << "reference data";
}

}  // namespace
}  // namespace inspectsync::core
