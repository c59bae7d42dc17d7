// Shared SQLite plumbing for the server and device stores: opening with the
// production pragmas, versioned migrations, and turning SQLiteCpp exceptions
// into Status at the storage boundary.
#ifndef INSPECTSYNC_STORAGE_SQLITE_UTIL_H_
#define INSPECTSYNC_STORAGE_SQLITE_UTIL_H_

#include <SQLiteCpp/SQLiteCpp.h>

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "inspectsync/status.h"

namespace inspectsync::storage {

// Opens `path` read-write (creating it), WAL, synchronous FULL (or NORMAL),
// a busy timeout, and foreign keys on.
StatusOr<std::unique_ptr<SQLite::Database>> OpenDatabase(const std::string& path, bool synchronous_full = true);

// Applies migrations[user_version..] in order, each in its own transaction,
// bumping PRAGMA user_version. A database newer than this build is refused.
Status Migrate(SQLite::Database& db, const std::vector<std::string>& migrations, const std::string& what);

// Takes WAL checkpoints out of the commits of `writer`: without it SQLite
// runs a checkpoint inside the commit that leaves the WAL past 1,000 pages,
// so that commit also waits for the pages' copy into the main file and its
// fsync. Instead, such a commit only wakes a thread that checkpoints
// (PASSIVE: never blocks the writer or readers) on a connection of its own.
// Durability is unchanged: a commit is durable once in the WAL; a crash
// before a checkpoint leaves pages that the next open recovers from the WAL.
// `writer` must outlive this object; the hook is removed on destruction.
class WalCheckpointer {
 public:
  static constexpr int kDefaultPages = 1000;  // SQLite's own auto-checkpoint threshold
  // Opens the checkpoint connection to `path` and replaces auto-checkpointing on `writer`.
  static StatusOr<std::unique_ptr<WalCheckpointer>> Start(SQLite::Database& writer, const std::string& path,
                                                          int pages = kDefaultPages);
  ~WalCheckpointer();
  WalCheckpointer(const WalCheckpointer&) = delete;
  WalCheckpointer& operator=(const WalCheckpointer&) = delete;

  // Checkpoints done so far (for tests).
  int checkpoints() const;

 private:
  WalCheckpointer(SQLite::Database& writer, std::unique_ptr<SQLite::Database> own, int pages);
  static int OnCommit(void* self, sqlite3*, const char*, int wal_pages);
  void Loop();

  SQLite::Database& writer_;
  std::unique_ptr<SQLite::Database> own_;
  const int pages_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool wanted_ = false;
  bool stop_ = false;
  int done_ = 0;
  std::thread thread_;  // last: started after, and joined before, everything it uses
};

// Runs `fn`, converting SQLiteCpp / std exceptions to a Status naming `what`.
Status Guard(const char* what, const std::function<Status()>& fn);

// Maps a SQLite error to a status code (busy -> UNAVAILABLE, full -> RESOURCE_EXHAUSTED,
// corrupt -> DATA_LOSS, else INTERNAL).
Status FromSqliteError(const SQLite::Exception& e, const char* what);

}  // namespace inspectsync::storage

#endif  // INSPECTSYNC_STORAGE_SQLITE_UTIL_H_
