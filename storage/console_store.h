// ConsoleStore: the office console's passwords, sign-in sessions and failed
// sign-in counters (issue 18; server/console/accounts.h decides, this only
// keeps). Nothing secret is kept in the clear: a password as its scrypt hash
// string, a session by the SHA-256 of its cookie.
//
// Kept small and SQL-free so a PostgreSQL store can fill it (issue 19): every
// operation is one row or one user's rows, each in one transaction.
//
// Thread-safety: safe to call from several threads.
#ifndef INSPECTSYNC_STORAGE_CONSOLE_STORE_H_
#define INSPECTSYNC_STORAGE_CONSOLE_STORE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "inspectsync/status.h"

namespace inspectsync::storage {

// A user's console password.
struct PasswordRow {
  std::string user_id;
  std::string hash;         // "scrypt$N$r$p$<salt>$<hash>" (base64url, no padding)
  uint64_t generation = 0;  // 1 for the first password, +1 on each change
  int64_t set_ms = 0;
};

struct SessionRow {
  std::string secret_hash;  // SHA-256 of the cookie secret (hex)
  std::string user_id;
  int role = 0;             // v1::Role the directory gave the user at sign-in
  std::string csrf_token;
  int64_t created_ms = 0;
  int64_t last_seen_ms = 0;
  uint64_t generation = 0;  // of the password it was signed in with
};

// Failed sign-ins under one key (a user, a login nobody has, or an address).
struct FailureRow {
  std::string key;
  int64_t failures = 0;
  int64_t last_failure_ms = 0;
  int64_t blocked_until_ms = 0;  // no attempt before this
};

class ConsoleStore {
 public:
  virtual ~ConsoleStore() = default;

  // ---- passwords
  virtual StatusOr<std::optional<PasswordRow>> GetPassword(const std::string& user_id) = 0;
  // Sets (or replaces) the user's password with the next generation and ends
  // every session of that user, in one transaction. Returns the number of
  // sessions ended.
  virtual StatusOr<size_t> SetPassword(const std::string& user_id, const std::string& hash, int64_t now_ms) = 0;
  // The first password of the console: set only if no user has one yet, in
  // one transaction with that check (two servers starting together set one).
  // Returns whether it was set.
  virtual StatusOr<bool> SetFirstPassword(const std::string& user_id, const std::string& hash, int64_t now_ms) = 0;
  // Every user with a password, by user id.
  virtual Status ListPasswords(std::vector<PasswordRow>* out) = 0;

  // ---- sessions
  virtual Status CreateSession(const SessionRow& row) = 0;
  // The session and the current generation of its user's password (0 when
  // the user has none any more); nullopt for an unknown session.
  virtual StatusOr<std::optional<std::pair<SessionRow, uint64_t>>> GetSession(const std::string& secret_hash) = 0;
  virtual Status TouchSession(const std::string& secret_hash, int64_t last_seen_ms) = 0;
  // Ends one session; false if there was none.
  virtual StatusOr<bool> DeleteSession(const std::string& secret_hash) = 0;
  // Ends every session of one user (deactivated); returns how many.
  virtual StatusOr<size_t> DeleteSessionsOf(const std::string& user_id) = 0;
  // Sessions per user id, for listings.
  virtual Status CountSessions(std::vector<std::pair<std::string, size_t>>* out) = 0;
  // Housekeeping: drops sessions last seen before `idle_before_ms` or created
  // before `created_before_ms`, and failure counters quiet since
  // `failures_before_ms`. Returns the rows dropped.
  virtual StatusOr<size_t> Prune(int64_t idle_before_ms, int64_t created_before_ms, int64_t failures_before_ms) = 0;

  // ---- failed sign-ins
  // The counter of `key` (zeros when it has none).
  virtual StatusOr<FailureRow> GetFailures(const std::string& key) = 0;
  // One more failure of `key` at `now_ms`, atomically; a counter whose last
  // failure was before `forget_before_ms` starts over. Returns the counter.
  virtual StatusOr<FailureRow> AddFailure(const std::string& key, int64_t now_ms, int64_t forget_before_ms) = 0;
  // No attempt under `key` before `until_ms` (a later block already set stays).
  virtual Status BlockUntil(const std::string& key, int64_t until_ms) = 0;
  virtual Status ClearFailures(const std::string& key) = 0;
};

// Over its own connection to the server store's file (tables of migration 14).
StatusOr<std::unique_ptr<ConsoleStore>> OpenSqliteConsoleStore(const std::string& path, bool synchronous_full);

}  // namespace inspectsync::storage

#endif  // INSPECTSYNC_STORAGE_CONSOLE_STORE_H_
