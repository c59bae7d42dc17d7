// Admission (server/admission.h) over a real store and key ring: a token
// that verifies is not enough — revoked tokens, tokens made to live too long,
// deactivated or removed users and tokens of a role the user no longer has
// are refused, naming the person, and a change takes effect on the next call.
#include "server/admission.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/ids.h"
#include "tests/testing/auth.h"
#include "tests/testing/mutations.h"
#include "tests/testing/temp_dir.h"

namespace inspectsync::server {
namespace {

using ::testing::HasSubstr;

const std::string kLi = "0190a000-0000-7000-8000-00000000a11a";

class AdmissionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = storage::OpenSqliteServerStore(dir_.File("server.db"));
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
    EngineOptions o;
    o.clock = &clock_;
    engine_ = std::make_unique<SyncEngine>(store_.get(), o);
    auto a = auth::Authenticator::Open(auth_.keys_file(), &clock_);
    ASSERT_TRUE(a.ok()) << a.status().ToString();
    authenticator_ = std::move(*a);
    admission_ = std::make_unique<Admission>(authenticator_.get(), engine_.get());
  }

  std::string Bearer(const std::string& user, const std::string& role, int64_t ttl_s = 3600) {
    return "Bearer " + auth_.Token(user, role, "tablet-1", clock_.NowMillis() / 1000, ttl_s);
  }

  // The office's directory entry for `id`, created or replaced.
  void PutUser(const std::string& id, v1::Role role, bool active) {
    v1::RecordBody b;
    b.mutable_user()->set_name("Li Na");
    b.mutable_user()->set_role(role);
    b.mutable_user()->set_active(active);
    v1::Mutation m;
    m.set_collection("users");
    m.set_record_id(id);
    if (!created_) {
      m.set_op(v1::CREATE);
      *m.mutable_body() = b;
      created_ = true;
    } else {
      m.set_op(v1::PATCH);
      for (const char* f : {"role", "active"}) m.mutable_mask()->add_paths(f);
      b.mutable_user()->clear_name();
      *m.mutable_body() = b;
    }
    auto r = engine_->WriteAll({m}, Caller("office-system"));
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }

  void DeleteUser(const std::string& id) {
    v1::Mutation m;
    m.set_collection("users");
    m.set_record_id(id);
    m.set_op(v1::DELETE);
    auto r = engine_->WriteAll({m}, Caller("office-system"));
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }

  testing::TempDir dir_;
  testing::TestAuth auth_{dir_.path()};
  core::ManualClock clock_;
  std::unique_ptr<storage::ServerStore> store_;
  std::unique_ptr<SyncEngine> engine_;
  std::unique_ptr<auth::Authenticator> authenticator_;
  std::unique_ptr<Admission> admission_;
  bool created_ = false;
};

TEST_F(AdmissionTest, AUserWithoutADirectoryEntryIsLetInWithTheirToken) {
  auto caller = admission_->Admit(Bearer("office-bootstrap", "office"));
  ASSERT_TRUE(caller.ok()) << caller.status().ToString();
  EXPECT_EQ(caller->user, "office-bootstrap");
  EXPECT_EQ(caller->role, "office");
  EXPECT_EQ(caller->device, "tablet-1");
}

TEST_F(AdmissionTest, ADeactivatedUserIsRefusedAtOnceAndLetInAgainWhenReactivated) {
  const std::string token = Bearer(kLi, "inspector");
  PutUser(kLi, v1::INSPECTOR, true);
  ASSERT_TRUE(admission_->Admit(token).ok());
  PutUser(kLi, v1::INSPECTOR, false);
  auto refused = admission_->Admit(token);
  EXPECT_EQ(refused.status().code(), StatusCode::kPermissionDenied);
  EXPECT_THAT(refused.status().message(), HasSubstr("Li Na (" + kLi + ") is deactivated"));
  PutUser(kLi, v1::INSPECTOR, true);
  EXPECT_TRUE(admission_->Admit(token).ok());
}

TEST_F(AdmissionTest, ATokenOfARoleTheUserNoLongerHasIsRefused) {
  const std::string token = Bearer(kLi, "zone_director");
  PutUser(kLi, v1::ZONE_DIRECTOR, true);
  ASSERT_TRUE(admission_->Admit(token).ok());
  PutUser(kLi, v1::INSPECTOR, true);
  auto refused = admission_->Admit(token);
  EXPECT_EQ(refused.status().code(), StatusCode::kPermissionDenied);
  EXPECT_THAT(refused.status().message(), HasSubstr("grants the role zone_director"));
  EXPECT_THAT(refused.status().message(), HasSubstr("is inspector"));
  EXPECT_TRUE(admission_->Admit(Bearer(kLi, "inspector")).ok()) << "a new token of the new role works";
}

TEST_F(AdmissionTest, ARemovedUserIsRefused) {
  PutUser(kLi, v1::INSPECTOR, true);
  DeleteUser(kLi);
  auto refused = admission_->Admit(Bearer(kLi, "inspector"));
  EXPECT_EQ(refused.status().code(), StatusCode::kPermissionDenied);
  EXPECT_THAT(refused.status().message(), HasSubstr("removed"));
}

TEST_F(AdmissionTest, ARevokedTokenIsRefusedWithinASecondAndOthersAreNot) {
  const std::string token = Bearer(kLi, "inspector"), other = Bearer(kLi, "inspector");
  ASSERT_TRUE(admission_->Admit(token).ok());
  auto ring = auth::KeyRing::Load(auth_.keys_file());
  ASSERT_TRUE(ring.ok());
  auto id = auth::TokenId(token.substr(7));
  ASSERT_TRUE(id.ok());
  ASSERT_TRUE(ring->Revoke(*id, clock_.NowMillis() / 1000 + 3600).ok());
  ASSERT_TRUE(ring->Save(auth_.keys_file()).ok());
  clock_.Advance(1001);  // the key file is looked at once a second
  auto refused = admission_->Admit(token);
  EXPECT_EQ(refused.status().code(), StatusCode::kUnauthenticated);
  EXPECT_THAT(refused.status().message(), HasSubstr("revoked"));
  EXPECT_TRUE(admission_->Admit(other).ok()) << "another token of the same user still works";
}

TEST_F(AdmissionTest, TokensMadeToLiveLongerThanTheServerAllowsAreRefused) {
  auto refused = admission_->Admit(Bearer(kLi, "inspector", 91 * 86400));
  EXPECT_EQ(refused.status().code(), StatusCode::kUnauthenticated);
  EXPECT_THAT(refused.status().message(), HasSubstr("at most 90 days"));
  EXPECT_TRUE(admission_->Admit(Bearer(kLi, "inspector", 90 * 86400)).ok());
}

TEST_F(AdmissionTest, MissingMalformedAndRolelessCredentialsAreRefused) {
  EXPECT_EQ(admission_->Admit("").status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(admission_->Admit("Basic abc").status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(admission_->Admit("Bearer isv1.xyz.abc").status().code(), StatusCode::kUnauthenticated);
}

}  // namespace
}  // namespace inspectsync::server
