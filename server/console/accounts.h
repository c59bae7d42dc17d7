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

#include <cstdint>
#include <string>

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

class Accounts {
 public:
  Accounts(SyncEngine* engine, storage::ServerStore* store, core::Clock* clock, AccountOptions options = {});

  // `login` is the user's code as the office knows it (the import's code
  // column) or their user id. UNAUTHENTICATED "wrong user name or password"
  // (the same words whichever was wrong); RESOURCE_EXHAUSTED "too many failed
  // sign-ins; try again in N s" while a delay runs (the password is not even
  // checked then); PERMISSION_DENIED when the user is deactivated or their
  // role may not use the console. `client` is the peer address, for delays.
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
  Status SetPassword(const std::string& login, const std::string& password);
  // Whether the user has a password at all.
  StatusOr<bool> HasPassword(const std::string& login);

 private:
  SyncEngine* engine_;
  storage::ServerStore* store_;
  core::Clock* clock_;
  AccountOptions options_;
};

}  // namespace inspectsync::server::console

#endif  // INSPECTSYNC_SERVER_CONSOLE_ACCOUNTS_H_
