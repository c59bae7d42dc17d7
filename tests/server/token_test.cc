// Bearer tokens: signing, tamper, expiry, wrong key, rotation, key file.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <fstream>

#include "core/clock.h"
#include "server/auth/authenticator.h"
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

// The Authenticator remembers verified tokens, but a cached token still
// expires on time, and removing its key from the key file stops it at the
// next reload, exactly as without the cache.
TEST(AuthenticatorTest, CachedTokensStillExpireAndStopWithTheirKey) {
  testing::TempDir dir;
  std::string path = dir.File("keys");
  core::ManualClock clock(kNow * 1000);
  auto auth = Authenticator::Open(path, &clock);
  ASSERT_TRUE(auth.ok()) << auth.status().ToString();
  auto ring = KeyRing::Load(path);
  ASSERT_TRUE(ring.ok());
  std::string old_key = ring->Keys()[0].id;
  v1::TokenClaims short_lived = Claims();
  short_lived.set_expires_at_s(kNow + 60);
  std::string expiring = "Bearer " + *ring->Sign(short_lived);
  std::string old_token = "Bearer " + *ring->Sign(Claims());

  for (int i = 0; i < 3; ++i) {  // verified once, then answered from the cache
    auto id = (*auth)->Authenticate(old_token);
    ASSERT_TRUE(id.ok()) << id.status().ToString();
    EXPECT_EQ(id->user, "u-zhang");
    EXPECT_EQ(id->device, "tablet-07");
    ASSERT_TRUE((*auth)->Authenticate(expiring).ok());
  }
  std::string tampered = old_token;
  tampered[7] = tampered[7] == 'A' ? 'B' : 'A';
  EXPECT_EQ((*auth)->Authenticate(tampered).status().code(), StatusCode::kUnauthenticated);

  clock.Advance(61 * 1000);
  auto expired = (*auth)->Authenticate(expiring);
  EXPECT_EQ(expired.status().code(), StatusCode::kUnauthenticated);
  EXPECT_NE(expired.status().message().find("expired"), std::string::npos);
  ASSERT_TRUE((*auth)->Authenticate(old_token).ok());

  // Rotate, then remove the old key: its cached token stops verifying.
  ring->AddKey();
  ASSERT_TRUE(ring->RemoveKey(old_key).ok());
  ASSERT_TRUE(ring->Save(path).ok());
  // A modification time the first load cannot have had (file times are coarse).
  struct timespec times[2] = {{kNow + 5, 0}, {kNow + 5, 0}};
  ASSERT_EQ(utimensat(AT_FDCWD, path.c_str(), times, 0), 0);
  std::string new_token = "Bearer " + *ring->Sign(Claims());
  clock.Advance(2 * 1000);  // the key file is checked at most once a second
  EXPECT_EQ((*auth)->Authenticate(old_token).status().code(), StatusCode::kUnauthenticated);
  EXPECT_TRUE((*auth)->Authenticate(new_token).ok());
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
  c = Claims();
  c.set_user(std::string(257, 'u'));  // it would be every version's author
  EXPECT_EQ(ring->Sign(c).status().code(), StatusCode::kInvalidArgument);
  c = Claims();
  c.set_device(std::string(257, 'd'));
  EXPECT_EQ(ring->Sign(c).status().code(), StatusCode::kInvalidArgument);
}

TEST(TokenTest, ARevokedTokenIsRefusedAndTheRevocationOutlivesReloadsUntilTheTokenExpires) {
  testing::TempDir dir;
  std::string path = dir.File("keys");
  auto ring = KeyRing::LoadOrCreate(path);
  std::string token = *ring->Sign(Claims()), other = *ring->Sign(Claims());
  auto id = TokenId(token);
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(id->size(), 16u);
  EXPECT_NE(*id, *TokenId(other)) << "every token gets its own id";
  ASSERT_TRUE(ring->Revoke(*id, kNow + 3600).ok());
  ASSERT_TRUE(ring->Save(path).ok());
  auto reloaded = KeyRing::Load(path);
  ASSERT_TRUE(reloaded.ok()) << reloaded.status().ToString();
  auto refused = reloaded->Verify(token, kNow);
  EXPECT_EQ(refused.status().code(), StatusCode::kUnauthenticated);
  EXPECT_NE(refused.status().message().find("revoked"), std::string::npos);
  EXPECT_TRUE(reloaded->Verify(other, kNow).ok());
  // Once the token has expired its revocation is no longer needed.
  reloaded->PruneRevocations(kNow + 3599);
  EXPECT_TRUE(reloaded->IsRevoked(*id));
  reloaded->PruneRevocations(kNow + 3601);
  EXPECT_FALSE(reloaded->IsRevoked(*id));
  EXPECT_EQ(ring->Revoke("not-an-id", kNow).code(), StatusCode::kInvalidArgument);
}

TEST(TokenTest, ATokenSignedBeforeTokenIdsIsNamedByItsHash) {
  // Sign gives every token an id; an old one is made by hand (TokenId does
  // not verify the signature: a revoked token need not verify any more).
  std::string old = "isv1." + Base64UrlEncode(Claims().SerializeAsString()) + "." + Base64UrlEncode("signature");
  auto claims = DecodeClaims(old);
  ASSERT_TRUE(claims.ok());
  EXPECT_EQ(claims->user(), "u-zhang");
  EXPECT_TRUE(claims->token_id().empty());
  auto id = TokenId(old);
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(id->size(), 16u);
  EXPECT_EQ(*id, *TokenId(old)) << "the same token, the same name";
  std::string other = "isv1." + Base64UrlEncode(Claims("office").SerializeAsString()) + "." + Base64UrlEncode("sig");
  auto other_id = TokenId(other);
  ASSERT_TRUE(other_id.ok());
  EXPECT_NE(*id, *other_id) << "another token, another name";
  EXPECT_EQ(TokenId(old + "x").status().code(), StatusCode::kInvalidArgument) << "a signature cut short";
  EXPECT_EQ(DecodeClaims("isv1.%%%.x").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(DecodeClaims("garbage").status().code(), StatusCode::kInvalidArgument);
}

TEST(TokenTest, ALongerLifeThanTheServerAllowsIsRefused) {
  testing::TempDir dir;
  auto ring = KeyRing::LoadOrCreate(dir.File("keys"));
  v1::TokenClaims c = Claims();
  c.set_expires_at_s(kNow + 91 * 86400);
  std::string token = *ring->Sign(c);
  EXPECT_TRUE(ring->Verify(token, kNow).ok()) << "no limit given";
  auto refused = ring->Verify(token, kNow, 90 * 86400);
  EXPECT_EQ(refused.status().code(), StatusCode::kUnauthenticated);
  EXPECT_NE(refused.status().message().find("91 days"), std::string::npos) << refused.status().message();
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
