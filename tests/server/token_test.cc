// Bearer tokens: signing, tamper, expiry, wrong key, rotation, key file.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "server/auth/token.h"
#include "tests/testing/temp_dir.h"

namespace inspectsync::auth {
namespace {

constexpr int64_t kNow = 1'767'225'600;

v1::TokenClaims Claims(const std::string& role = "inspector") {
  v1::TokenClaims c;
  c.set_user("u-zhang");
  c.set_role(role);
  c.set_device("tablet-07");
  c.set_issued_at_s(kNow);
  c.set_expires_at_s(kNow + 3600);
  return c;
}

TEST(TokenTest, SignedTokenVerifiesWithItsClaims) {
  testing::TempDir dir;
  auto ring = KeyRing::LoadOrCreate(dir.File("keys"));
  ASSERT_TRUE(ring.ok()) << ring.status().ToString();
  auto token = ring->Sign(Claims());
  ASSERT_TRUE(token.ok());
  auto claims = ring->Verify(*token, kNow + 10);
  ASSERT_TRUE(claims.ok()) << claims.status().ToString();
  EXPECT_EQ(claims->user(), "u-zhang");
  EXPECT_EQ(claims->role(), "inspector");
  EXPECT_EQ(claims->device(), "tablet-07");
}

TEST(TokenTest, TamperedMalformedExpiredAndForeignTokensAreUnauthenticated) {
  testing::TempDir dir;
  auto ring = KeyRing::LoadOrCreate(dir.File("keys"));
  auto other = KeyRing::LoadOrCreate(dir.File("other-keys"));
  std::string token = *ring->Sign(Claims());

  // Flip one character of the payload: the claims change, the signature does not match.
  std::string tampered = token;
  tampered[8] = tampered[8] == 'A' ? 'B' : 'A';
  // Re-sign an office claim with another server's key.
  std::string foreign = *other->Sign(Claims("office"));
  // The signature of one token on the claims of another.
  std::string office = *ring->Sign(Claims("office"));
  std::string spliced = office.substr(0, office.rfind('.')) + token.substr(token.rfind('.'));

  for (const std::string& bad : {tampered, foreign, spliced, std::string(""), std::string("isv1."),
                                 std::string("Bearer x"), std::string("isv1.!!!.???"), token + "x"}) {
    auto r = ring->Verify(bad, kNow);
    EXPECT_EQ(r.status().code(), StatusCode::kUnauthenticated) << bad;
  }
  EXPECT_NE(ring->Verify(token, kNow + 3600).status().message().find("expired"), std::string::npos);
  v1::TokenClaims future = Claims();
  future.set_issued_at_s(kNow + 86400);
  future.set_expires_at_s(kNow + 2 * 86400);
  EXPECT_NE(ring->Verify(*ring->Sign(future), kNow).status().message().find("future"), std::string::npos);
}

TEST(TokenTest, RotationKeepsOldTokensValidUntilTheOldKeyIsRemoved) {
  testing::TempDir dir;
  std::string path = dir.File("keys");
  auto ring = KeyRing::LoadOrCreate(path);
  std::string old_key = ring->Keys()[0].id;
  std::string old_token = *ring->Sign(Claims());
  std::string new_key = ring->AddKey();
  ASSERT_TRUE(ring->Save(path).ok());
  auto reloaded = KeyRing::Load(path);
  ASSERT_TRUE(reloaded.ok());
  std::string new_token = *reloaded->Sign(Claims());
  EXPECT_TRUE(reloaded->Verify(old_token, kNow).ok());
  EXPECT_TRUE(reloaded->Verify(new_token, kNow).ok());
  EXPECT_EQ(reloaded->RemoveKey(new_key).code(), StatusCode::kFailedPrecondition);  // still signing
  ASSERT_TRUE(reloaded->RemoveKey(old_key).ok());
  EXPECT_EQ(reloaded->Verify(old_token, kNow).status().code(), StatusCode::kUnauthenticated);
  EXPECT_TRUE(reloaded->Verify(new_token, kNow).ok());
}

TEST(TokenTest, KeyFileIsPrivateAndCheckedOnLoad) {
  testing::TempDir dir;
  std::string path = dir.File("keys");
  ASSERT_TRUE(KeyRing::LoadOrCreate(path).ok());
  struct stat st {};
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  chmod(path.c_str(), 0644);
  auto open = KeyRing::Load(path);
  EXPECT_EQ(open.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(open.status().message().find("chmod 600"), std::string::npos);
  std::ofstream(dir.File("junk")) << "not a key file\n";
  chmod(dir.File("junk").c_str(), 0600);
  EXPECT_EQ(KeyRing::Load(dir.File("junk")).status().code(), StatusCode::kFailedPrecondition);
}

TEST(TokenTest, SigningRefusesIncompleteClaims) {
  testing::TempDir dir;
  auto ring = KeyRing::LoadOrCreate(dir.File("keys"));
  v1::TokenClaims c = Claims("janitor");
  EXPECT_EQ(ring->Sign(c).status().code(), StatusCode::kInvalidArgument);
  c = Claims();
  c.clear_device();
  EXPECT_EQ(ring->Sign(c).status().code(), StatusCode::kInvalidArgument);
  c = Claims();
  c.set_expires_at_s(c.issued_at_s());
  EXPECT_EQ(ring->Sign(c).status().code(), StatusCode::kInvalidArgument);
}

TEST(TokenTest, Base64UrlRoundTrips) {
  for (std::string s : {std::string(""), std::string("a"), std::string("ab"), std::string("abc"),
                        std::string("\xff\xfe\x00\x01", 4)}) {
    std::string back;
    ASSERT_TRUE(Base64UrlDecode(Base64UrlEncode(s), &back));
    EXPECT_EQ(back, s);
  }
  std::string out;
  EXPECT_FALSE(Base64UrlDecode("a", &out));
  EXPECT_FALSE(Base64UrlDecode("ab+c", &out));
}

}  // namespace
}  // namespace inspectsync::auth
