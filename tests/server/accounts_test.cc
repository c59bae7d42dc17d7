// The office console's accounts (server/console/accounts.h) over a real
// SQLite store in a temp dir, with a clock moved by hand and scrypt at its
// lowest cost (N = 2^10): passwords, sign-in delays, session expiry, sign-out,
// what a password change or the users directory does to open sessions, and
// the first-run password.
#include <gtest/gtest.h>
#include <gmock/gmock.h>
#include <SQLiteCpp/SQLiteCpp.h>

#include <fstream>
#include <functional>
#include <iterator>
#include <thread>

#include "core/ids.h"
#include "server/console/accounts.h"
#include "server/office_refs.h"
#include "storage/console_store.h"
#include "tests/testing/temp_dir.h"

namespace inspectsync::server::console {
namespace {

using ::testing::HasSubstr;

constexpr char kPassword[] = "correct horse battery";

class AccountsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = storage::OpenSqliteServerStore(dir_.File("server.db"));
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
    EngineOptions o;
    o.clock = &clock_;
    engine_ = std::make_unique<SyncEngine>(store_.get(), o);
    options_.scrypt_n = 1 << 10;
    accounts_ = std::make_unique<Accounts>(engine_.get(), store_.get(), &clock_, options_);
  }

  // A user of the directory as the office imports them (id from the code).
  std::string AddUser(const std::string& code, const std::string& name, v1::Role role, bool active = true) {
    const std::string id = core::ImportRecordId("users", code);
    v1::RecordBody b;
    b.mutable_user()->set_name(name);
    b.mutable_user()->set_role(role);
    b.mutable_user()->set_active(active);
    auto w = engine_->WriteAll({office::CreateMutation("users", id, b)}, Caller());
    EXPECT_TRUE(w.ok()) << w.status().ToString();
    return id;
  }

  void PatchUser(const std::string& code, const std::function<void(v1::User*)>& change,
                 const std::vector<std::string>& fields) {
    v1::RecordBody b;
    change(b.mutable_user());
    auto w = engine_->WriteAll({office::PatchMutation("users", core::ImportRecordId("users", code), b, fields)},
                               Caller());
    ASSERT_TRUE(w.ok()) << w.status().ToString();
  }

  StatusOr<NewSession> SignIn(const std::string& login, const std::string& password,
                              const std::string& client = "192.0.2.1") {
    return accounts_->SignIn(login, password, client);
  }

  testing::TempDir dir_;
  core::ManualClock clock_;
  std::unique_ptr<storage::ServerStore> store_;
  std::unique_ptr<SyncEngine> engine_;
  AccountOptions options_;
  std::unique_ptr<Accounts> accounts_;
};

TEST_F(AccountsTest, RightPasswordSignsInWrongOneDoesNotAndUnknownUsersReadTheSame) {
  const std::string id = AddUser("wang.fang", "王芳", v1::OFFICE);
  ASSERT_TRUE(accounts_->SetPassword("wang.fang", kPassword).ok());

  auto s = SignIn("wang.fang", kPassword);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->info.user_id, id);
  EXPECT_EQ(s->info.user_name, "王芳");
  EXPECT_EQ(s->info.role, v1::OFFICE);
  EXPECT_GE(s->secret.size(), 43u);  // 32 random bytes
  EXPECT_EQ(s->secret.find_first_of("+/="), std::string::npos) << "cookie-safe base64url";
  EXPECT_FALSE(s->info.csrf_token.empty());
  EXPECT_NE(s->info.csrf_token, s->secret);
  auto checked = accounts_->Check(s->secret);
  ASSERT_TRUE(checked.ok()) << checked.status().ToString();
  EXPECT_EQ(checked->user_name, "王芳");
  EXPECT_EQ(checked->csrf_token, s->info.csrf_token);

  // By id and by name too.
  EXPECT_TRUE(SignIn(id, kPassword).ok());
  EXPECT_TRUE(SignIn("王芳", kPassword).ok());

  auto wrong = SignIn("wang.fang", "correct horse battery!");
  EXPECT_EQ(wrong.status().code(), StatusCode::kUnauthenticated);
  auto unknown = SignIn("nobody", kPassword);
  EXPECT_EQ(unknown.status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(wrong.status().message(), unknown.status().message());
  EXPECT_EQ(wrong.status().message(), "wrong user name or password");
  // A user without a password reads the same as well.
  AddUser("li.lei", "李雷", v1::OFFICE);
  EXPECT_EQ(SignIn("li.lei", "").status().message(), "wrong user name or password");
  EXPECT_EQ(accounts_->Check("not-a-session").status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(accounts_->Check("").status().code(), StatusCode::kUnauthenticated);
}

TEST_F(AccountsTest, TheStoreKeepsHashesNotPasswordsNorCookies) {
  AddUser("wang.fang", "王芳", v1::OFFICE);
  ASSERT_TRUE(accounts_->SetPassword("wang.fang", kPassword).ok());
  auto s = SignIn("wang.fang", kPassword);
  ASSERT_TRUE(s.ok());
  SQLite::Database db(dir_.File("server.db"));
  std::string hash = db.execAndGet("SELECT hash FROM console_passwords").getString();
  EXPECT_THAT(hash, ::testing::StartsWith("scrypt$1024$8$1$"));
  EXPECT_EQ(hash.find(kPassword), std::string::npos);
  // Two users with the same password: different salts, different hashes.
  AddUser("li.lei", "李雷", v1::OFFICE);
  ASSERT_TRUE(accounts_->SetPassword("li.lei", kPassword).ok());
  EXPECT_EQ(db.execAndGet("SELECT COUNT(DISTINCT hash) FROM console_passwords").getInt(), 2);
  SQLite::Statement q(db, "SELECT secret_hash FROM console_sessions");
  ASSERT_TRUE(q.executeStep());
  EXPECT_NE(q.getColumn(0).getString(), s->secret);
  EXPECT_EQ(q.getColumn(0).getString().size(), 64u);
  // The database's files hold neither, anywhere.
  for (const std::string& f : {dir_.File("server.db"), dir_.File("server.db-wal")}) {
    std::ifstream in(f, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(bytes.find(kPassword), std::string::npos) << f;
    EXPECT_EQ(bytes.find(s->secret), std::string::npos) << f;
  }
}

TEST_F(AccountsTest, DelaysGrowAfterFreeFailuresAndASuccessResetsThem) {
  AddUser("wang.fang", "王芳", v1::OFFICE);
  ASSERT_TRUE(accounts_->SetPassword("wang.fang", kPassword).ok());
  for (int i = 0; i < options_.free_failures; ++i)
    EXPECT_EQ(SignIn("wang.fang", "guess " + std::to_string(i)).status().code(), StatusCode::kUnauthenticated);
  // The 4th failure starts a 1 s delay...
  EXPECT_EQ(SignIn("wang.fang", "guess 4").status().code(), StatusCode::kUnauthenticated);
  auto blocked = SignIn("wang.fang", kPassword);  // even the right password is not checked
  EXPECT_EQ(blocked.status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(blocked.status().message(), "too many failed sign-ins; try again in 1 s");
  // ...under any name of the same user.
  EXPECT_EQ(SignIn("王芳", kPassword).status().code(), StatusCode::kResourceExhausted);
  clock_.Advance(1000);
  // The 5th doubles it, the 6th doubles again.
  EXPECT_EQ(SignIn("wang.fang", "guess 5").status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(SignIn("wang.fang", kPassword).status().message(), "too many failed sign-ins; try again in 2 s");
  clock_.Advance(2000);
  EXPECT_EQ(SignIn("wang.fang", "guess 6").status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(SignIn("wang.fang", kPassword).status().message(), "too many failed sign-ins; try again in 4 s");
  clock_.Advance(3000);
  EXPECT_EQ(SignIn("wang.fang", kPassword).status().message(), "too many failed sign-ins; try again in 1 s");
  clock_.Advance(1000);
  // A success clears the counter: the next failures are free again.
  ASSERT_TRUE(SignIn("wang.fang", kPassword).ok());
  for (int i = 0; i < options_.free_failures; ++i)
    EXPECT_EQ(SignIn("wang.fang", "again").status().code(), StatusCode::kUnauthenticated);
  EXPECT_TRUE(SignIn("wang.fang", kPassword).ok());
  // Another user is not slowed down by these.
  AddUser("li.lei", "李雷", v1::OFFICE);
  ASSERT_TRUE(accounts_->SetPassword("li.lei", kPassword).ok());
  for (int i = 0; i < 5; ++i) (void)SignIn("wang.fang", "wrong", "198.51.100.7");
  EXPECT_TRUE(SignIn("li.lei", kPassword, "192.0.2.99").ok());
}

TEST_F(AccountsTest, DelaysAreCappedAndUnknownLoginsAreDelayedToo) {
  AddUser("wang.fang", "王芳", v1::OFFICE);
  ASSERT_TRUE(accounts_->SetPassword("wang.fang", kPassword).ok());
  for (int i = 0; i < 30; ++i) {
    (void)SignIn("wang.fang", "wrong", "192.0.2." + std::to_string(i));
    clock_.Advance(options_.max_delay_ms);
  }
  EXPECT_EQ(SignIn("wang.fang", "wrong").status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(SignIn("wang.fang", kPassword).status().message(), "too many failed sign-ins; try again in 900 s");
  // A login nobody has behaves like one somebody has.
  for (int i = 0; i < 4; ++i) (void)SignIn("nobody", "wrong", "192.0.2.200");
  EXPECT_EQ(SignIn("nobody", "wrong", "192.0.2.201").status().code(), StatusCode::kResourceExhausted);
}

TEST_F(AccountsTest, OneAddressGuessingManyUsersIsDelayed) {
  for (int i = 0; i < options_.free_failures_per_address; ++i)
    EXPECT_EQ(SignIn("user" + std::to_string(i), "password1", "203.0.113.5").status().code(),
              StatusCode::kUnauthenticated);
  EXPECT_EQ(SignIn("another", "password1", "203.0.113.5").status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(SignIn("yet.another", "password1", "203.0.113.5").status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(SignIn("yet.another", "password1", "203.0.113.6").status().code(), StatusCode::kUnauthenticated);
}

TEST_F(AccountsTest, SessionsExpireWhenIdleAndAfterTheirAbsoluteLifetime) {
  AddUser("wang.fang", "王芳", v1::OFFICE);
  ASSERT_TRUE(accounts_->SetPassword("wang.fang", kPassword).ok());
  auto s = SignIn("wang.fang", kPassword);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->info.expires_ms, clock_.NowMillis() + options_.idle_timeout_ms);
  // Requests keep it alive well past the idle timeout...
  for (int i = 0; i < 10; ++i) {
    clock_.Advance(options_.idle_timeout_ms - 1000);
    auto c = accounts_->Check(s->secret);
    ASSERT_TRUE(c.ok()) << i << ": " << c.status().ToString();
    EXPECT_EQ(c->expires_ms, clock_.NowMillis() + options_.idle_timeout_ms);
  }
  // ...until it stops: then it is gone, even if used again later.
  clock_.Advance(options_.idle_timeout_ms);
  auto idle = accounts_->Check(s->secret);
  EXPECT_EQ(idle.status().code(), StatusCode::kUnauthenticated);
  EXPECT_THAT(idle.status().message(), HasSubstr("30 minutes without activity"));
  EXPECT_EQ(accounts_->Check(s->secret).status().code(), StatusCode::kUnauthenticated);

  // A busy session still ends after the absolute lifetime.
  auto busy = SignIn("wang.fang", kPassword);
  ASSERT_TRUE(busy.ok());
  const int64_t start = clock_.NowMillis();
  while (clock_.NowMillis() + 20 * 60'000 < start + options_.absolute_timeout_ms) {
    clock_.Advance(20 * 60'000);
    auto c = accounts_->Check(busy->secret);
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    EXPECT_LE(c->expires_ms, start + options_.absolute_timeout_ms);
  }
  clock_.Set(start + options_.absolute_timeout_ms);
  auto old = accounts_->Check(busy->secret);
  EXPECT_EQ(old.status().code(), StatusCode::kUnauthenticated);
  EXPECT_THAT(old.status().message(), HasSubstr("at most 12 hours"));
}

TEST_F(AccountsTest, SignOutEndsOnlyThatSession) {
  AddUser("wang.fang", "王芳", v1::OFFICE);
  ASSERT_TRUE(accounts_->SetPassword("wang.fang", kPassword).ok());
  auto a = SignIn("wang.fang", kPassword), b = SignIn("wang.fang", kPassword);
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_TRUE(accounts_->SignOut(a->secret).ok());
  EXPECT_EQ(accounts_->Check(a->secret).status().code(), StatusCode::kUnauthenticated);
  EXPECT_TRUE(accounts_->Check(b->secret).ok());
  EXPECT_TRUE(accounts_->SignOut(a->secret).ok()) << "idempotent";
  EXPECT_TRUE(accounts_->SignOut("").ok());
}

TEST_F(AccountsTest, APasswordChangeEndsEverySessionOfThatUserButNotOthers) {
  AddUser("wang.fang", "王芳", v1::OFFICE);
  AddUser("zhao.director", "赵主任", v1::ZONE_DIRECTOR);
  ASSERT_TRUE(accounts_->SetPassword("wang.fang", kPassword).ok());
  ASSERT_TRUE(accounts_->SetPassword("zhao.director", kPassword).ok());
  auto a = SignIn("wang.fang", kPassword), b = SignIn("wang.fang", kPassword), z = SignIn("zhao.director", kPassword);
  ASSERT_TRUE(a.ok() && b.ok() && z.ok());
  PasswordChange change;
  ASSERT_TRUE(accounts_->SetPassword("wang.fang", "a brand new password", &change).ok());
  EXPECT_EQ(change.user_name, "王芳");
  EXPECT_EQ(change.sessions_ended, 2u);
  EXPECT_EQ(accounts_->Check(a->secret).status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(accounts_->Check(b->secret).status().code(), StatusCode::kUnauthenticated);
  EXPECT_TRUE(accounts_->Check(z->secret).ok());
  EXPECT_EQ(SignIn("wang.fang", kPassword).status().code(), StatusCode::kUnauthenticated);
  EXPECT_TRUE(SignIn("wang.fang", "a brand new password").ok());
}

TEST_F(AccountsTest, ASessionFromBeforeAPasswordChangeIsRefusedEvenIfItSurvivedTheChange) {
  // A sign-in checked the old password while the change ran: its session
  // row carries the old generation, and Check refuses it.
  AddUser("wang.fang", "王芳", v1::OFFICE);
  ASSERT_TRUE(accounts_->SetPassword("wang.fang", kPassword).ok());
  auto a = SignIn("wang.fang", kPassword);
  ASSERT_TRUE(a.ok());
  SQLite::Database db(dir_.File("server.db"), SQLite::OPEN_READWRITE);
  db.exec("UPDATE console_passwords SET generation = generation + 1");
  auto c = accounts_->Check(a->secret);
  EXPECT_EQ(c.status().code(), StatusCode::kUnauthenticated);
  EXPECT_THAT(c.status().message(), HasSubstr("password was changed"));
}

TEST_F(AccountsTest, ADeactivatedUserIsRefusedAndTheirSessionEnds) {
  AddUser("wang.fang", "王芳", v1::OFFICE);
  ASSERT_TRUE(accounts_->SetPassword("wang.fang", kPassword).ok());
  auto s = SignIn("wang.fang", kPassword);
  ASSERT_TRUE(s.ok());
  PatchUser("wang.fang", [](v1::User* u) { u->set_active(false); }, {"active"});
  auto c = accounts_->Check(s->secret);
  EXPECT_EQ(c.status().code(), StatusCode::kUnauthenticated);
  EXPECT_THAT(c.status().message(), HasSubstr("王芳 is deactivated"));
  auto again = SignIn("wang.fang", kPassword);
  EXPECT_EQ(again.status().code(), StatusCode::kPermissionDenied);
  EXPECT_THAT(again.status().message(), HasSubstr("王芳 is deactivated"));
  // The wrong password does not tell that the account is deactivated.
  EXPECT_EQ(SignIn("wang.fang", "not the password").status().code(), StatusCode::kUnauthenticated);
  // Reactivated, they sign in again; the old session stays ended.
  PatchUser("wang.fang", [](v1::User* u) { u->set_active(true); }, {"active"});
  EXPECT_TRUE(SignIn("wang.fang", kPassword).ok());
  EXPECT_EQ(accounts_->Check(s->secret).status().code(), StatusCode::kUnauthenticated);
}

TEST_F(AccountsTest, ARoleChangeOrRemovalEndsTheSession) {
  AddUser("wang.fang", "王芳", v1::OFFICE);
  ASSERT_TRUE(accounts_->SetPassword("wang.fang", kPassword).ok());
  auto s = SignIn("wang.fang", kPassword);
  ASSERT_TRUE(s.ok());
  PatchUser("wang.fang", [](v1::User* u) { u->set_role(v1::ZONE_DIRECTOR); }, {"role"});
  auto c = accounts_->Check(s->secret);
  EXPECT_EQ(c.status().code(), StatusCode::kUnauthenticated);
  EXPECT_THAT(c.status().message(), HasSubstr("a zone director"));
  auto d = SignIn("wang.fang", kPassword);
  ASSERT_TRUE(d.ok()) << "a zone director may sign in: " << d.status().ToString();
  EXPECT_EQ(d->info.role, v1::ZONE_DIRECTOR);
  v1::Mutation del;
  del.set_collection("users");
  del.set_record_id(core::ImportRecordId("users", "wang.fang"));
  del.set_op(v1::DELETE);
  ASSERT_TRUE(engine_->WriteAll({del}, Caller()).ok());
  EXPECT_EQ(accounts_->Check(d->secret).status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(SignIn("wang.fang", kPassword).status().code(), StatusCode::kPermissionDenied);
}

TEST_F(AccountsTest, InspectorsAndIntegrationsAreRefusedUnlessAllowed) {
  AddUser("zhang.san", "张三", v1::INSPECTOR);
  AddUser("erp", "ERP link", v1::INTEGRATION);
  ASSERT_TRUE(accounts_->SetPassword("zhang.san", kPassword).ok());
  ASSERT_TRUE(accounts_->SetPassword("erp", kPassword).ok());
  auto i = SignIn("zhang.san", kPassword);
  EXPECT_EQ(i.status().code(), StatusCode::kPermissionDenied);
  EXPECT_THAT(i.status().message(), HasSubstr("张三 is an inspector; inspectors may not sign in"));
  auto e = SignIn("erp", kPassword);
  EXPECT_EQ(e.status().code(), StatusCode::kPermissionDenied);
  EXPECT_THAT(e.status().message(), HasSubstr("an integration account"));
  // Refusals by role are not failures: no delay builds up.
  for (int n = 0; n < 5; ++n) EXPECT_EQ(SignIn("zhang.san", kPassword).status().code(), StatusCode::kPermissionDenied);

  AccountOptions allow = options_;
  allow.allow_inspector = true;
  Accounts permissive(engine_.get(), store_.get(), &clock_, allow);
  auto ok = permissive.SignIn("zhang.san", kPassword, "192.0.2.1");
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->info.role, v1::INSPECTOR);
  EXPECT_EQ(permissive.SignIn("erp", kPassword, "192.0.2.1").status().code(), StatusCode::kPermissionDenied);
  // A server without the allowance does not honour that session.
  EXPECT_EQ(accounts_->Check(ok->secret).status().code(), StatusCode::kUnauthenticated);
}

TEST_F(AccountsTest, AShortPasswordOrUnknownUserIsRefusedAndNothingChanges) {
  AddUser("wang.fang", "王芳", v1::OFFICE);
  ASSERT_TRUE(accounts_->SetPassword("wang.fang", kPassword).ok());
  auto s = SignIn("wang.fang", kPassword);
  ASSERT_TRUE(s.ok());
  Status st = accounts_->SetPassword("wang.fang", "short");
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(st.message(), "a console password needs at least 10 characters; this one has 5");
  // Characters, not bytes: nine Chinese characters are 27 bytes but too short.
  EXPECT_EQ(accounts_->SetPassword("wang.fang", "安全检查密码很长吗").code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(accounts_->Check(s->secret).ok()) << "the session survives a refused change";
  EXPECT_TRUE(SignIn("wang.fang", kPassword).ok()) << "the old password still works";
  Status unknown = accounts_->SetPassword("nobody", kPassword);
  EXPECT_EQ(unknown.code(), StatusCode::kNotFound);
  EXPECT_THAT(unknown.message(), HasSubstr("no user 'nobody'"));
  std::vector<PasswordHolder> holders;
  ASSERT_TRUE(accounts_->ListPasswords(&holders).ok());
  ASSERT_EQ(holders.size(), 1u);
  EXPECT_EQ(holders[0].user_name, "王芳");
  EXPECT_TRUE(holders[0].may_sign_in);
  EXPECT_EQ(holders[0].sessions, 2u);
  EXPECT_EQ(accounts_->HasPassword("nobody").status().code(), StatusCode::kNotFound);
}

TEST_F(AccountsTest, TheFirstRunPasswordIsSetOnceForTheFirstOfficeUser) {
  std::string line;
  ASSERT_TRUE(EnsureFirstPassword(*accounts_, &line).ok());
  EXPECT_THAT(line, HasSubstr("no active office user"));
  EXPECT_THAT(line, HasSubstr("inspectsync admin import users"));
  AddUser("zhao.director", "赵主任", v1::ZONE_DIRECTOR);
  AddUser("old.clerk", "钱会计", v1::OFFICE, /*active=*/false);
  AddUser("wang.fang", "王芳", v1::OFFICE);
  AddUser("li.lei", "李雷", v1::OFFICE);
  ASSERT_TRUE(EnsureFirstPassword(*accounts_, &line).ok());
  EXPECT_THAT(line, ::testing::StartsWith("console: first sign-in as 王芳 with password "));
  EXPECT_THAT(line, HasSubstr("inspectsync admin user set-password"));
  const std::string prefix = "with password ";
  const std::string pw = line.substr(line.find(prefix) + prefix.size(), 16);
  EXPECT_EQ(pw.find_first_of("0O1lI5S8B "), std::string::npos) << pw;
  EXPECT_TRUE(SignIn("王芳", pw).ok());
  EXPECT_TRUE(*accounts_->HasPassword("wang.fang"));
  EXPECT_FALSE(*accounts_->HasPassword("li.lei"));
  // Never again.
  ASSERT_TRUE(EnsureFirstPassword(*accounts_, &line).ok());
  EXPECT_EQ(line, "");
  Accounts restarted(engine_.get(), store_.get(), &clock_, options_);
  ASSERT_TRUE(EnsureFirstPassword(restarted, &line).ok());
  EXPECT_EQ(line, "");
  EXPECT_TRUE(SignIn("wang.fang", pw).ok());
}

TEST_F(AccountsTest, TheFirstRunPasswordIsNotSetWhenSomebodyHasOne) {
  AddUser("wang.fang", "王芳", v1::OFFICE);
  AddUser("li.lei", "李雷", v1::OFFICE);
  ASSERT_TRUE(accounts_->SetPassword("li.lei", kPassword).ok());
  std::string line = "unchanged";
  ASSERT_TRUE(EnsureFirstPassword(*accounts_, &line).ok());
  EXPECT_EQ(line, "");
  EXPECT_FALSE(*accounts_->HasPassword("wang.fang"));
}

TEST_F(AccountsTest, ANameTwoPeopleShareIsNoLoginAndTheFirstRunLineGivesTheId) {
  const std::string first = AddUser("wang.fang", "王芳", v1::OFFICE);
  AddUser("wang.fang.2", "王芳", v1::OFFICE);
  std::string line;
  ASSERT_TRUE(EnsureFirstPassword(*accounts_, &line).ok());
  EXPECT_THAT(line, HasSubstr("console: first sign-in as 王芳 (user id " + first + ") with password "));
  const std::string prefix = "with password ";
  const std::string pw = line.substr(line.find(prefix) + prefix.size(), 16);
  EXPECT_TRUE(SignIn(first, pw).ok());
  EXPECT_TRUE(SignIn("wang.fang", pw).ok());
  auto by_name = SignIn("王芳", pw);
  EXPECT_EQ(by_name.status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(by_name.status().message(), "wrong user name or password");
}

TEST_F(AccountsTest, SpacesAroundALoginAreIgnored) {
  AddUser("wang.fang", "王芳", v1::OFFICE);
  ASSERT_TRUE(accounts_->SetPassword(" wang.fang\t", kPassword).ok());
  EXPECT_TRUE(SignIn("wang.fang ", kPassword).ok());
  EXPECT_TRUE(SignIn(" 王芳", kPassword).ok());
  EXPECT_EQ(SignIn("wang.fang", " " + std::string(kPassword)).status().code(), StatusCode::kUnauthenticated)
      << "a password is taken as typed";
  EXPECT_EQ(SignIn("   ", kPassword).status().code(), StatusCode::kUnauthenticated);
}

TEST_F(AccountsTest, PruneDropsExpiredSessionsAndQuietCounters) {
  AddUser("wang.fang", "王芳", v1::OFFICE);
  ASSERT_TRUE(accounts_->SetPassword("wang.fang", kPassword).ok());
  auto old = SignIn("wang.fang", kPassword);
  ASSERT_TRUE(old.ok());
  for (int i = 0; i < 4; ++i) (void)SignIn("nobody", "wrong");
  clock_.Advance(options_.idle_timeout_ms + 1);
  auto fresh = SignIn("wang.fang", kPassword);
  ASSERT_TRUE(fresh.ok());
  ASSERT_TRUE(accounts_->Prune().ok());
  std::vector<PasswordHolder> holders;
  ASSERT_TRUE(accounts_->ListPasswords(&holders).ok());
  ASSERT_EQ(holders.size(), 1u);
  EXPECT_EQ(holders[0].sessions, 1u) << "the idle one is gone, the fresh one stays";
  SQLite::Database db(dir_.File("server.db"));
  EXPECT_EQ(db.execAndGet("SELECT COUNT(*) FROM console_failures").getInt(), 2) << "nobody's and the address's";
  clock_.Advance(options_.forget_failures_after_ms + 1);
  ASSERT_TRUE(accounts_->Prune().ok());
  EXPECT_EQ(db.execAndGet("SELECT COUNT(*) FROM console_failures").getInt(), 0);
  EXPECT_EQ(db.execAndGet("SELECT COUNT(*) FROM console_sessions").getInt(), 0);
}

TEST_F(AccountsTest, ConcurrentSignInsAndChecksAllWork) {
  AddUser("wang.fang", "王芳", v1::OFFICE);
  AddUser("li.lei", "李雷", v1::ZONE_DIRECTOR);
  ASSERT_TRUE(accounts_->SetPassword("wang.fang", kPassword).ok());
  ASSERT_TRUE(accounts_->SetPassword("li.lei", kPassword).ok());
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 5; ++i) {
        auto s = accounts_->SignIn(t % 2 ? "li.lei" : "wang.fang", kPassword, "192.0.2." + std::to_string(t));
        if (!s.ok()) continue;
        auto c = accounts_->Check(s->secret);
        if (c.ok() && c->user_name == (t % 2 ? "李雷" : "王芳") && accounts_->SignOut(s->secret).ok()) ++ok;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok.load(), 20);
}

TEST_F(AccountsTest, TwoServersStartingTogetherSetOneFirstPassword) {
  AddUser("wang.fang", "王芳", v1::OFFICE);
  // The other server: its own connections to the same file.
  auto second = storage::OpenSqliteServerStore(dir_.File("server.db"));
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  Accounts other(nullptr, second->get(), &clock_, options_);
  std::string a, b;
  std::thread ta([&] { EXPECT_TRUE(EnsureFirstPassword(*accounts_, &a).ok()); });
  std::thread tb([&] { EXPECT_TRUE(EnsureFirstPassword(other, &b).ok()); });
  ta.join();
  tb.join();
  EXPECT_NE(a.empty(), b.empty()) << "exactly one prints: '" << a << "' / '" << b << "'";
  const std::string& line = a.empty() ? b : a;
  const std::string pw = line.substr(line.find("with password ") + 14, 16);
  EXPECT_TRUE(SignIn("王芳", pw).ok());
}

TEST_F(AccountsTest, ATamperedHashIsAnErrorNotASignIn) {
  AddUser("wang.fang", "王芳", v1::OFFICE);
  ASSERT_TRUE(accounts_->SetPassword("wang.fang", kPassword).ok());
  SQLite::Database db(dir_.File("server.db"), SQLite::OPEN_READWRITE);
  db.exec("UPDATE console_passwords SET hash = 'plain:" + std::string(kPassword) + "'");
  auto s = SignIn("wang.fang", kPassword);
  EXPECT_EQ(s.status().code(), StatusCode::kDataLoss);
}

}  // namespace
}  // namespace inspectsync::server::console
