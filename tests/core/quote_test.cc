// core::Quote: client input echoed in a message stays bounded, on one line
// and valid UTF-8, whatever the input.
#include "core/quote.h"

#include <gtest/gtest.h>

#include <string>

namespace inspectsync::core {
namespace {

bool ValidUtf8(const std::string& s) {
  for (size_t i = 0; i < s.size();) {
    size_t n = Utf8SequenceLength(s, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

TEST(QuoteTest, ShortInputIsQuotedAsIs) {
  EXPECT_EQ(Quote("PS-1"), "'PS-1'");
  EXPECT_EQ(Quote(""), "''");
  EXPECT_EQ(Quote("第一小学"), "'第一小学'");
}

TEST(QuoteTest, LongInputIsCutAndSaysItsSize) {
  std::string q = Quote(std::string(10240, 'a'));
  EXPECT_EQ(q, "'" + std::string(64, 'a') + "\xE2\x80\xA6' (10240 bytes)");
  EXPECT_LT(q.size(), 100u);
  EXPECT_EQ(Quote(std::string(64, 'a')), "'" + std::string(64, 'a') + "'") << "exactly the bound is not cut";
  EXPECT_EQ(Quote("abcdef", 3), "'abc\xE2\x80\xA6' (6 bytes)");
}

TEST(QuoteTest, NeverCutsInsideACharacter) {
  // 3-byte characters: 64 bytes would end inside the 22nd.
  std::string chinese;
  for (int i = 0; i < 100; ++i) chinese += "中";
  std::string q = Quote(chinese);
  EXPECT_TRUE(ValidUtf8(q)) << q;
  // 21 whole characters (63 bytes) are shown, not 21 and a third.
  std::string want = "'";
  for (int i = 0; i < 21; ++i) want += "中";
  EXPECT_EQ(q, want + "\xE2\x80\xA6' (300 bytes)");
  // Every bound, every offset of a mix of 1- to 4-byte characters.
  std::string mix = "a\xC3\xA9\xE4\xB8\xAD\xF0\x9F\x98\x80z";  // a é 中 😀 z
  for (size_t bound = 0; bound < 16; ++bound) EXPECT_TRUE(ValidUtf8(Quote(mix, bound))) << bound;
}

TEST(QuoteTest, ControlCharactersAndBrokenUtf8AreEscaped) {
  EXPECT_EQ(Quote("a\nb\tc\rd"), "'a\\nb\\tc\\rd'");
  EXPECT_EQ(Quote(std::string("\x1b[31mred", 8)), "'\\x1B[31mred'") << "no terminal escape reaches a screen";
  EXPECT_EQ(Quote(std::string("x\0y", 3)), "'x\\x00y'");
  EXPECT_EQ(Quote("\xFF\xFE"), "'\\xFF\\xFE'");
  EXPECT_EQ(Quote("\xE4\xB8"), "'\\xE4\\xB8'") << "a character cut short in the input";
  EXPECT_EQ(Quote("\xED\xA0\x80"), "'\\xED\\xA0\\x80'") << "a surrogate is not UTF-8";
  EXPECT_EQ(Quote("\xC0\xAF"), "'\\xC0\\xAF'") << "an overlong form is not UTF-8";
  EXPECT_EQ(Quote("back\\slash"), "'back\\\\slash'") << "escapes stay unambiguous";
  std::string junk;
  for (int i = 0; i < 256; ++i) junk += static_cast<char>(i);
  std::string q = Quote(junk, 1000);
  EXPECT_TRUE(ValidUtf8(q));
  EXPECT_EQ(q.find('\n'), std::string::npos);
}

TEST(QuoteTest, DescribeByteShowsPrintableAsciiOrHex) {
  EXPECT_EQ(DescribeByte('x'), "'x'");
  EXPECT_EQ(DescribeByte(0x01), "0x01");
  EXPECT_EQ(DescribeByte(0xE4), "0xE4");
  EXPECT_EQ(DescribeByte(' '), "' '");
}

}  // namespace
}  // namespace inspectsync::core
