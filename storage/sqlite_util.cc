#include "storage/sqlite_util.h"

#include <sqlite3.h>

namespace inspectsync::storage {

Status FromSqliteError(const SQLite::Exception& e, const char* what) {
  std::string msg = std::string(what) + ": " + e.what();
  switch (e.getErrorCode() & 0xFF) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Status(StatusCode::kUnavailable, msg);
    case SQLITE_FULL:
      return Status(StatusCode::kResourceExhausted, msg);
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return Status(StatusCode::kDataLoss, msg);
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
    case SQLITE_READONLY:
      return Status(StatusCode::kFailedPrecondition, msg);
    default:
      return Status(StatusCode::kInternal, msg);
  }
}

Status Guard(const char* what, const std::function<Status()>& fn) {
  try {
    return fn();
  } catch (const SQLite::Exception& e) {
    return FromSqliteError(e, what);
  } catch (const std::exception& e) {
    return Internal(std::string(what) + ": " + e.what());
  }
}

StatusOr<std::unique_ptr<SQLite::Database>> OpenDatabase(const std::string& path, bool synchronous_full) {
  std::unique_ptr<SQLite::Database> db;
  Status st = Guard("open database", [&]() -> Status {
    db = std::make_unique<SQLite::Database>(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE | SQLite::OPEN_FULLMUTEX);
    db->setBusyTimeout(10000);
    db->exec("PRAGMA journal_mode=WAL");
    db->exec(synchronous_full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
    db->exec("PRAGMA foreign_keys=ON");
    db->exec("PRAGMA temp_store=MEMORY");
    return Status::Ok();
  });
  if (!st.ok()) return Status(st.code(), "cannot open database '" + path + "': " + st.message());
  return db;
}

StatusOr<std::unique_ptr<WalCheckpointer>> WalCheckpointer::Start(SQLite::Database& writer, const std::string& path,
                                                                  int pages) {
  auto own = OpenDatabase(path, /*synchronous_full=*/true);
  if (!own.ok()) return own.status();
  Status st = Guard("open checkpoint connection", [&]() -> Status {
    (*own)->exec("PRAGMA cache_size=-128");  // it copies pages from the WAL: next to no cache needed
    return Status::Ok();
  });
  if (!st.ok()) return st;
  return std::unique_ptr<WalCheckpointer>(new WalCheckpointer(writer, std::move(*own), pages));
}

WalCheckpointer::WalCheckpointer(SQLite::Database& writer, std::unique_ptr<SQLite::Database> own, int pages)
    : writer_(writer), own_(std::move(own)), pages_(pages) {
  sqlite3_wal_hook(writer_.getHandle(), &WalCheckpointer::OnCommit, this);  // replaces wal_autocheckpoint
  thread_ = std::thread([this] { Loop(); });
}

WalCheckpointer::~WalCheckpointer() {
  sqlite3_wal_autocheckpoint(writer_.getHandle(), kDefaultPages);  // the writer checkpoints itself again
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

int WalCheckpointer::checkpoints() const {
  std::lock_guard<std::mutex> lock(mu_);
  return done_;
}

int WalCheckpointer::OnCommit(void* self, sqlite3*, const char*, int wal_pages) {
  auto* c = static_cast<WalCheckpointer*>(self);
  if (wal_pages >= c->pages_) {
    {
      std::lock_guard<std::mutex> lock(c->mu_);
      c->wanted_ = true;
    }
    c->cv_.notify_one();
  }
  return SQLITE_OK;
}

void WalCheckpointer::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    cv_.wait(lock, [&] { return stop_ || wanted_; });
    if (stop_) return;
    wanted_ = false;
    lock.unlock();
    // A failure (e.g. SQLITE_BUSY) only leaves the WAL longer until the next one.
    int rc = sqlite3_wal_checkpoint_v2(own_->getHandle(), nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    lock.lock();
    if (rc == SQLITE_OK) ++done_;
  }
}

Status Migrate(SQLite::Database& db, const std::vector<std::string>& migrations, const std::string& what) {
  return Guard("migrate schema", [&]() -> Status {
    int version = db.execAndGet("PRAGMA user_version").getInt();
    if (version > static_cast<int>(migrations.size()))
      return FailedPrecondition(what + " schema version " + std::to_string(version) +
                                " is newer than this build supports (" + std::to_string(migrations.size()) +
                                "); upgrade InspectSync");
    for (size_t i = static_cast<size_t>(version); i < migrations.size(); ++i) {
      SQLite::Transaction txn(db);
      db.exec(migrations[i]);
      db.exec("PRAGMA user_version=" + std::to_string(i + 1));
      txn.commit();
    }
    return Status::Ok();
  });
}

}  // namespace inspectsync::storage
