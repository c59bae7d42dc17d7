#include "storage/sqlite_util.h"

#include <sqlite3.h>

namespace inspectsync::storage {

namespace {

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

}  // namespace

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
