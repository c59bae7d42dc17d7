// Accounts: the office console's people — passwords and sign-in sessions
// (issue 18). No HTTP here (server/console/console_server.cc is the front
// door); the same rules whichever replica a browser reaches, because
// everything lives in the store (ServerStore::console()).
//
// Passwords: scrypt (OpenSSL EVP_PBE_scrypt; memory-hard), a random salt per
// password, the parameters stored with the hash so they can be raised later.
// Sessions: a random 32-byte secret given to the browser once (the cookie);
// the store keeps only its SHA-256, the user, the CSRF token and the times.
// A session ends at sign-out, on a password change (every session of that
// user), on idle or absolute expiry, or when the directory no longer lets the
// user in (deactivated, removed, role changed to one the console refuses).
// Failed sign-ins slow the next attempts down: after the first few, each
// failure doubles the wait before that user (and that address) may try again.
//
// Thread-safety: safe to call from several threads.
#ifndef INSPECTSYNC_SERVER_CONSOLE_ACCOUNTS_H_
#define INSPECTSYNC_SERVER_CONSOLE_ACCOUNTS_H_

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "inspectsync/status.h"
#include "inspectsync/v1/records.pb.h"
#include "server/sync_engine.h"

namespace inspectsync::server::console {

struct AccountOptions {
  // scrypt cost: N (a power of two), r, p. The defaults take ~32 MiB and
  // ~0.1 s per hash on a laptop; tests may lower N (never below 2^10).
  uint64_t scrypt_n = 1 << 15;
  uint64_t scrypt_r = 8;
  uint64_t scrypt_p = 1;
  size_t min_password_chars = 10;
  int64_t idle_timeout_ms = 30 * 60'000;         // no request for this long: signed out
  int64_t absolute_timeout_ms = 12 * 3600'000;   // a working day at most
  // Roles that may sign in to the console. Inspectors and integrations may
  // not unless an operator adds them (--console-roles).
  bool allow_inspector = false;
  bool allow_integration = false;
  // Failed attempts allowed before delays start; each later failure doubles
  // the delay from first_delay_ms, capped at max_delay_ms.
  int free_failures = 3;
  int64_t first_delay_ms = 1'000;
  int64_t max_delay_ms = 15 * 60'000;
  // The same for every sign-in from one client address, whoever's name is
  // typed (guessing one password for many users); higher, as an office's
  // people may share one address.
  int free_failures_per_address = 20;
  // A counter with no failure for this long starts over.
  int64_t forget_failures_after_ms = 3600'000;
};

// Who is signed in, as a request sees it.
struct SessionInfo {
  std::string user_id;     // the directory's user record id (tokens' user)
  std::string user_name;   // the directory's name, for people
  v1::Role role = v1::ROLE_UNSPECIFIED;
  std::string csrf_token;  // every write must echo it (X-CSRF-Token)
  int64_t expires_ms = 0;  // idle expiry after this request
};

struct NewSession {
  std::string secret;      // the cookie value; never stored, never logged
  SessionInfo info;
};

// What SetPassword did, for the command line.
struct PasswordChange {
  std::string user_id;
  std::string user_name;
  size_t sessions_ended = 0;
};

// A user who has a console password, for listings.
struct PasswordHolder {
  std::string user_id;
  std::string user_name;       // "" if the directory no longer has them
  v1::Role role = v1::ROLE_UNSPECIFIED;
  bool active = false;         // in the directory, and not removed
  bool may_sign_in = false;    // active, with a role the console lets in
  int64_t set_ms = 0;
  size_t sessions = 0;         // open console sessions (expired ones included until pruned)
};

class Accounts {
 public:
  // The users directory is read from `store` (its `users` collection, one
  // primary-key read per Check); `engine` may be null (the command line).
  // `clock` is wall time: sessions outlive restarts.
  Accounts(SyncEngine* engine, storage::ServerStore* store, core::Clock* clock, AccountOptions options = {});

  // `login` is the user's code as the office knows it (the import's code
  // column) or their user id. UNAUTHENTICATED "wrong user name or password"
  // (the same words whichever was wrong); RESOURCE_EXHAUSTED "too many failed
  // sign-ins; try again in N s" while a delay runs (the password is not even
  // checked then); PERMISSION_DENIED, only with the right password, when the
  // user is deactivated or removed or their role may not use the console
  // (naming the role in words). `client` is the peer's address (without
  // its port: one counter per address), for delays; "" counts none.
  // A login is also accepted as the exact name of one live user (people
  // know their own name; the first-run password is announced by it).
  StatusOr<NewSession> SignIn(const std::string& login, const std::string& password, const std::string& client);
  // The session of a cookie value, its idle expiry moved on; UNAUTHENTICATED
  // when unknown, expired, signed out, from before a password change, or its
  // user is no longer let in.
  StatusOr<SessionInfo> Check(const std::string& secret);
  // Ends the session (idempotent).
  Status SignOut(const std::string& secret);
  // Sets (or replaces) a user's password and ends all their sessions.
  // INVALID_ARGUMENT for a password shorter than min_password_chars;
  // NOT_FOUND for a user the directory does not hold.
  Status SetPassword(const std::string& login, const std::string& password, PasswordChange* change = nullptr);
  // Whether the user has a password at all.
  StatusOr<bool> HasPassword(const std::string& login);
  // The directory's name of the user a login names; NOT_FOUND if none.
  StatusOr<std::string> UserName(const std::string& login);
  // Whether the directory lets the user sign in to the console now
  // (PERMISSION_DENIED saying why not, as SignIn would).
  Status MayUseConsole(const std::string& login);
  // Everyone with a console password, by name.
  Status ListPasswords(std::vector<PasswordHolder>* out);
  // Drops expired sessions and stale failure counters (SignIn does it now
  // and then by itself).
  Status Prune();

  const AccountOptions& options() const { return options_; }

 private:
  friend Status EnsureFirstPassword(Accounts& accounts, std::string* printed);
  // A user of the directory, as a login found them.
  struct Person {
    std::string id;
    v1::User user;
    bool deleted = false;
    int64_t created_version = 0;
    std::string Name() const { return user.name().empty() ? "user " + id : user.name(); }
  };
  StatusOr<std::optional<Person>> FindUser(const std::string& login);
  Status Admit(const Person& p) const;
  // RESOURCE_EXHAUSTED while a delay of `key` runs.
  Status CheckDelay(const std::string& key);
  Status CountFailure(const std::string& key, int free_failures);
  StatusOr<std::string> Hash(const std::string& password);

  SyncEngine* engine_;
  storage::ServerStore* store_;
  core::Clock* clock_;
  AccountOptions options_;
  std::atomic<int64_t> last_prune_ms_{0};
};

// First run: when nobody has a console password yet and the directory has an
// active OFFICE user, gives the first of them (the earliest created) a random
// 16-character password and sets `printed` to the line the server prints
// once to stderr, naming them and the password; when the directory has no
// office user, to a line saying how to import one. Once anyone has a
// password, `printed` is "" (it is never printed again).
Status EnsureFirstPassword(Accounts& accounts, std::string* printed);

}  // namespace inspectsync::server::console

#endif  // INSPECTSYNC_SERVER_CONSOLE_ACCOUNTS_H_
