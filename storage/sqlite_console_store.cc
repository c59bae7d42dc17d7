// SQLite ConsoleStore over a connection of its own to the server store's file
// (tables console_passwords, console_sessions, console_failures; migration 14
// in sqlite_server_migrations.cc).
#include <mutex>

#include "storage/console_store.h"
#include "storage/sqlite_util.h"

namespace inspectsync::storage {

namespace {

class SqliteConsoleStore : public ConsoleStore {
 public:
  explicit SqliteConsoleStore(std::unique_ptr<SQLite::Database> db) : db_(std::move(db)) {}

  StatusOr<std::optional<PasswordRow>> GetPassword(const std::string& user_id) override {
    std::optional<PasswordRow> out;
    std::lock_guard<std::mutex> lock(mu_);
    Status st = Guard("read console password", [&]() -> Status {
      SQLite::Statement q(*db_, std::string(kSelectPassword) + " WHERE user_id = ?");
      q.bind(1, user_id);
      if (q.executeStep()) out = PasswordOf(q);
      return Status::Ok();
    });
    if (!st.ok()) return st;
    return out;
  }

  StatusOr<size_t> SetPassword(const std::string& user_id, const std::string& hash, int64_t now_ms) override {
    size_t ended = 0;
    std::lock_guard<std::mutex> lock(mu_);
    Status st = Guard("set console password", [&]() -> Status {
      SQLite::Transaction txn(*db_, SQLite::TransactionBehavior::IMMEDIATE);
      SQLite::Statement q(*db_,
                          "INSERT INTO console_passwords(user_id, hash, generation, set_ms) VALUES(?1, ?2, 1, ?3) "
                          "ON CONFLICT(user_id) DO UPDATE SET hash = ?2, generation = generation + 1, set_ms = ?3");
      q.bind(1, user_id);
      q.bind(2, hash);
      q.bind(3, now_ms);
      q.exec();
      SQLite::Statement del(*db_, "DELETE FROM console_sessions WHERE user_id = ?");
      del.bind(1, user_id);
      ended = static_cast<size_t>(del.exec());
      txn.commit();
      return Status::Ok();
    });
    if (!st.ok()) return st;
    return ended;
  }

  StatusOr<bool> SetFirstPassword(const std::string& user_id, const std::string& hash, int64_t now_ms) override {
    bool set = false;
    std::lock_guard<std::mutex> lock(mu_);
    Status st = Guard("set the first console password", [&]() -> Status {
      SQLite::Transaction txn(*db_, SQLite::TransactionBehavior::IMMEDIATE);
      SQLite::Statement any(*db_, "SELECT 1 FROM console_passwords LIMIT 1");
      if (any.executeStep()) return Status::Ok();
      SQLite::Statement q(*db_, "INSERT INTO console_passwords(user_id, hash, generation, set_ms) VALUES(?, ?, 1, ?)");
      q.bind(1, user_id);
      q.bind(2, hash);
      q.bind(3, now_ms);
      q.exec();
      txn.commit();
      set = true;
      return Status::Ok();
    });
    if (!st.ok()) return st;
    return set;
  }

  Status ListPasswords(std::vector<PasswordRow>* out) override {
    std::lock_guard<std::mutex> lock(mu_);
    return Guard("list console passwords", [&]() -> Status {
      SQLite::Statement q(*db_, std::string(kSelectPassword) + " ORDER BY user_id");
      while (q.executeStep()) out->push_back(PasswordOf(q));
      return Status::Ok();
    });
  }

  Status CreateSession(const SessionRow& row) override {
    std::lock_guard<std::mutex> lock(mu_);
    return Guard("create console session", [&]() -> Status {
      SQLite::Statement q(*db_,
                          "INSERT INTO console_sessions(secret_hash, user_id, role, csrf_token, created_ms, "
                          "last_seen_ms, generation) VALUES(?,?,?,?,?,?,?)");
      q.bind(1, row.secret_hash);
      q.bind(2, row.user_id);
      q.bind(3, row.role);
      q.bind(4, row.csrf_token);
      q.bind(5, row.created_ms);
      q.bind(6, row.last_seen_ms);
      q.bind(7, I64(row.generation));
      q.exec();
      return Status::Ok();
    });
  }

  StatusOr<std::optional<std::pair<SessionRow, uint64_t>>> GetSession(const std::string& secret_hash) override {
    std::optional<std::pair<SessionRow, uint64_t>> out;
    std::lock_guard<std::mutex> lock(mu_);
    Status st = Guard("read console session", [&]() -> Status {
      SQLite::Statement q(*db_,
                          "SELECT s.secret_hash, s.user_id, s.role, s.csrf_token, s.created_ms, s.last_seen_ms, "
                          "s.generation, COALESCE(p.generation, 0) FROM console_sessions s "
                          "LEFT JOIN console_passwords p ON p.user_id = s.user_id WHERE s.secret_hash = ?");
      q.bind(1, secret_hash);
      if (!q.executeStep()) return Status::Ok();
      SessionRow r;
      r.secret_hash = q.getColumn(0).getString();
      r.user_id = q.getColumn(1).getString();
      r.role = q.getColumn(2).getInt();
      r.csrf_token = q.getColumn(3).getString();
      r.created_ms = q.getColumn(4).getInt64();
      r.last_seen_ms = q.getColumn(5).getInt64();
      r.generation = U64(q.getColumn(6));
      out.emplace(std::move(r), U64(q.getColumn(7)));
      return Status::Ok();
    });
    if (!st.ok()) return st;
    return out;
  }

  Status TouchSession(const std::string& secret_hash, int64_t last_seen_ms) override {
    std::lock_guard<std::mutex> lock(mu_);
    return Guard("touch console session", [&]() -> Status {
      SQLite::Statement q(*db_,
                          "UPDATE console_sessions SET last_seen_ms = MAX(last_seen_ms, ?) WHERE secret_hash = ?");
      q.bind(1, last_seen_ms);
      q.bind(2, secret_hash);
      q.exec();
      return Status::Ok();
    });
  }

  StatusOr<bool> DeleteSession(const std::string& secret_hash) override {
    bool found = false;
    std::lock_guard<std::mutex> lock(mu_);
    Status st = Guard("end console session", [&]() -> Status {
      SQLite::Statement q(*db_, "DELETE FROM console_sessions WHERE secret_hash = ?");
      q.bind(1, secret_hash);
      found = q.exec() > 0;
      return Status::Ok();
    });
    if (!st.ok()) return st;
    return found;
  }

  StatusOr<size_t> DeleteSessionsOf(const std::string& user_id) override {
    size_t n = 0;
    std::lock_guard<std::mutex> lock(mu_);
    Status st = Guard("end console sessions", [&]() -> Status {
      SQLite::Statement q(*db_, "DELETE FROM console_sessions WHERE user_id = ?");
      q.bind(1, user_id);
      n = static_cast<size_t>(q.exec());
      return Status::Ok();
    });
    if (!st.ok()) return st;
    return n;
  }

  Status CountSessions(std::vector<std::pair<std::string, size_t>>* out) override {
    std::lock_guard<std::mutex> lock(mu_);
    return Guard("count console sessions", [&]() -> Status {
      SQLite::Statement q(*db_, "SELECT user_id, COUNT(*) FROM console_sessions GROUP BY user_id ORDER BY user_id");
      while (q.executeStep())
        out->emplace_back(q.getColumn(0).getString(), static_cast<size_t>(q.getColumn(1).getInt64()));
      return Status::Ok();
    });
  }

  StatusOr<size_t> Prune(int64_t idle_before_ms, int64_t created_before_ms, int64_t failures_before_ms) override {
    size_t n = 0;
    std::lock_guard<std::mutex> lock(mu_);
    Status st = Guard("prune console sessions", [&]() -> Status {
      SQLite::Transaction txn(*db_, SQLite::TransactionBehavior::IMMEDIATE);
      SQLite::Statement s(*db_, "DELETE FROM console_sessions WHERE last_seen_ms < ? OR created_ms < ?");
      s.bind(1, idle_before_ms);
      s.bind(2, created_before_ms);
      n += static_cast<size_t>(s.exec());
      SQLite::Statement f(*db_, "DELETE FROM console_failures WHERE last_failure_ms < ? AND blocked_until_ms < ?");
      f.bind(1, failures_before_ms);
      f.bind(2, failures_before_ms);
      n += static_cast<size_t>(f.exec());
      txn.commit();
      return Status::Ok();
    });
    if (!st.ok()) return st;
    return n;
  }

  StatusOr<FailureRow> GetFailures(const std::string& key) override {
    FailureRow out;
    out.key = key;
    std::lock_guard<std::mutex> lock(mu_);
    Status st = Guard("read failed sign-ins", [&]() -> Status {
      SQLite::Statement q(*db_,
                          "SELECT failures, last_failure_ms, blocked_until_ms FROM console_failures WHERE key = ?");
      q.bind(1, key);
      if (q.executeStep()) {
        out.failures = q.getColumn(0).getInt64();
        out.last_failure_ms = q.getColumn(1).getInt64();
        out.blocked_until_ms = q.getColumn(2).getInt64();
      }
      return Status::Ok();
    });
    if (!st.ok()) return st;
    return out;
  }

  StatusOr<FailureRow> AddFailure(const std::string& key, int64_t now_ms, int64_t forget_before_ms) override {
    FailureRow out;
    out.key = key;
    std::lock_guard<std::mutex> lock(mu_);
    Status st = Guard("count a failed sign-in", [&]() -> Status {
      // One statement: concurrent failures of the same key all count.
      SQLite::Statement q(*db_,
                          "INSERT INTO console_failures(key, failures, last_failure_ms, blocked_until_ms) "
                          "VALUES(?1, 1, ?2, 0) ON CONFLICT(key) DO UPDATE SET "
                          "failures = CASE WHEN last_failure_ms < ?3 THEN 1 ELSE failures + 1 END, "
                          "blocked_until_ms = CASE WHEN last_failure_ms < ?3 THEN 0 ELSE blocked_until_ms END, "
                          "last_failure_ms = ?2 "
                          "RETURNING failures, last_failure_ms, blocked_until_ms");
      q.bind(1, key);
      q.bind(2, now_ms);
      q.bind(3, forget_before_ms);
      if (!q.executeStep()) return Internal("counting a failed sign-in returned no row");
      out.failures = q.getColumn(0).getInt64();
      out.last_failure_ms = q.getColumn(1).getInt64();
      out.blocked_until_ms = q.getColumn(2).getInt64();
      return Status::Ok();
    });
    if (!st.ok()) return st;
    return out;
  }

  Status BlockUntil(const std::string& key, int64_t until_ms) override {
    std::lock_guard<std::mutex> lock(mu_);
    return Guard("delay sign-ins", [&]() -> Status {
      SQLite::Statement q(*db_,
                          "UPDATE console_failures SET blocked_until_ms = MAX(blocked_until_ms, ?) WHERE key = ?");
      q.bind(1, until_ms);
      q.bind(2, key);
      q.exec();
      return Status::Ok();
    });
  }

  Status ClearFailures(const std::string& key) override {
    std::lock_guard<std::mutex> lock(mu_);
    return Guard("clear failed sign-ins", [&]() -> Status {
      SQLite::Statement q(*db_, "DELETE FROM console_failures WHERE key = ?");
      q.bind(1, key);
      q.exec();
      return Status::Ok();
    });
  }

 private:
  static constexpr const char* kSelectPassword = "SELECT user_id, hash, generation, set_ms FROM console_passwords";

  static PasswordRow PasswordOf(SQLite::Statement& q) {
    PasswordRow r;
    r.user_id = q.getColumn(0).getString();
    r.hash = q.getColumn(1).getString();
    r.generation = U64(q.getColumn(2));
    r.set_ms = q.getColumn(3).getInt64();
    return r;
  }

  std::mutex mu_;
  std::unique_ptr<SQLite::Database> db_;
};

}  // namespace

StatusOr<std::unique_ptr<ConsoleStore>> OpenSqliteConsoleStore(const std::string& path, bool synchronous_full) {
  auto db = OpenDatabase(path, synchronous_full);
  if (!db.ok()) return db.status();
  Status st = Guard("open console store", [&]() -> Status {
    if (!(*db)->tableExists("console_passwords") || !(*db)->tableExists("console_sessions"))
      return FailedPrecondition("database '" + path + "' has no console tables: open it as a server store first");
    return Status::Ok();
  });
  if (!st.ok()) return st;
  return std::unique_ptr<ConsoleStore>(new SqliteConsoleStore(std::move(*db)));
}

}  // namespace inspectsync::storage
