// The console's request rules and file formats without a network: the
// session cookie read from a Cookie header, the same-origin rule for writes
// (look-alike hosts, other ports, "null", Referer fallback), the CSRF token
// comparison, the cookie's attributes, CSV cells (quoting and the
// formula-injection guard) and the embedded assets' types.
#include <gtest/gtest.h>

#include "server/console/assets.h"
#include "server/console/http_policy.h"
#include "server/console/problems_csv.h"

namespace inspectsync::server::console {
namespace {

TEST(ConsolePolicyTest, TheSessionCookieIsFoundAmongOthersByItsExactName) {
  EXPECT_EQ(CookieValue("__Host-inspectsync=abc", "__Host-inspectsync"), "abc");
  EXPECT_EQ(CookieValue("theme=dark; __Host-inspectsync=abc; x=1", "__Host-inspectsync"), "abc");
  EXPECT_EQ(CookieValue("__Host-inspectsync2=zzz; __Host-inspectsync=abc", "__Host-inspectsync"), "abc");
  EXPECT_EQ(CookieValue("xinspectsync=abc", "inspectsync"), "");
  EXPECT_EQ(CookieValue("", "inspectsync"), "");
  EXPECT_EQ(CookieValue("inspectsync=", "inspectsync"), "");
}

TEST(ConsolePolicyTest, WritesMustComeFromTheConsolesOwnOrigin) {
  const std::string own = "https://127.0.0.1:7444";
  EXPECT_TRUE(IsSameOrigin(own, own, std::nullopt));
  EXPECT_FALSE(IsSameOrigin(own, std::string("https://127.0.0.1:7445"), std::nullopt));
  EXPECT_FALSE(IsSameOrigin(own, std::string("http://127.0.0.1:7444"), std::nullopt));
  EXPECT_FALSE(IsSameOrigin(own, std::string("https://127.0.0.1:7444.evil.example"), std::nullopt));
  EXPECT_FALSE(IsSameOrigin(own, std::string("null"), std::nullopt));
  EXPECT_FALSE(IsSameOrigin(own, std::string(""), std::nullopt));
  // The Origin decides when present, even if the Referer looks right.
  EXPECT_FALSE(IsSameOrigin(own, std::string("https://evil.example"), own + "/"));
  // Without an Origin, a page of the console as Referer.
  EXPECT_TRUE(IsSameOrigin(own, std::nullopt, own + "/#/problems"));
  EXPECT_TRUE(IsSameOrigin(own, std::nullopt, own));
  EXPECT_FALSE(IsSameOrigin(own, std::nullopt, own + ".evil.example/"));
  EXPECT_FALSE(IsSameOrigin(own, std::nullopt, std::string("https://evil.example/?u=") + own));
  EXPECT_FALSE(IsSameOrigin(own, std::nullopt, std::nullopt));
  // A request without a Host has no origin of its own.
  EXPECT_FALSE(IsSameOrigin("https://", std::string("https://"), std::nullopt));
}

TEST(ConsolePolicyTest, CsrfTokensMustMatchExactly) {
  EXPECT_TRUE(TokensEqual("abcdef", "abcdef"));
  EXPECT_FALSE(TokensEqual("abcdeg", "abcdef"));
  EXPECT_FALSE(TokensEqual("abcde", "abcdef"));
  EXPECT_FALSE(TokensEqual("", ""));
  EXPECT_FALSE(TokensEqual("x", ""));
}

TEST(ConsolePolicyTest, TheSessionCookieIsStrict) {
  EXPECT_EQ(SessionCookie("__Host-inspectsync", "s3cret", true, false),
            "__Host-inspectsync=s3cret; Path=/; HttpOnly; SameSite=Strict; Secure");
  EXPECT_EQ(SessionCookie("inspectsync", "", false, true), "inspectsync=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
}

TEST(ConsolePolicyTest, CsvCellsAreQuotedAndFormulasKeptAsText) {
  EXPECT_EQ(CsvCell("plain"), "plain");
  EXPECT_EQ(CsvCell("灭火器过期，未更换"), "灭火器过期，未更换");  // a Chinese comma is text
  EXPECT_EQ(CsvCell("a,b"), "\"a,b\"");
  EXPECT_EQ(CsvCell("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(CsvCell("one\ntwo"), "\"one\ntwo\"");
  EXPECT_EQ(CsvCell("=1+1"), "'=1+1");
  EXPECT_EQ(CsvCell("+86 10"), "'+86 10");
  EXPECT_EQ(CsvCell("-5"), "'-5");
  EXPECT_EQ(CsvCell("@SUM(A1)"), "'@SUM(A1)");
  EXPECT_EQ(CsvCell("=HYPERLINK(\"x\",\"y\")"), "\"'=HYPERLINK(\"\"x\"\",\"\"y\"\")\"");
  EXPECT_EQ(CsvCell("\t=1"), "'\t=1");
  EXPECT_EQ(CsvCell(""), "");
}

TEST(ConsolePolicyTest, AssetsAreEmbeddedWithTheirTypes) {
  const Asset* index = FindAsset("index.html");
  ASSERT_NE(index, nullptr);
  EXPECT_EQ(index->content_type, "text/html; charset=utf-8");
  EXPECT_FALSE(index->data.empty());
  const Asset* chart = FindAsset("vendor/chart.js");
  ASSERT_NE(chart, nullptr);
  EXPECT_EQ(chart->content_type, "application/javascript; charset=utf-8");
  EXPECT_EQ(chart->etag.front(), '"');
  EXPECT_EQ(FindAsset("../CMakeLists.txt"), nullptr);
  EXPECT_EQ(FindAsset(""), nullptr);
  EXPECT_EQ(ContentTypeFor("app.css"), "text/css; charset=utf-8");
  EXPECT_EQ(ContentTypeFor("views/glance.mjs"), "application/javascript; charset=utf-8");
  EXPECT_EQ(ContentTypeFor("README"), "application/octet-stream");
}

}  // namespace
}  // namespace inspectsync::server::console
