// WalCheckpointer: the one WAL checkpointer of both stores (the server's and
// the device's). Internal to storage/.
//
// Takes WAL checkpoints out of the commits of `writer`: without it SQLite
// runs a checkpoint inside the commit that leaves the WAL past 1,000 pages,
// so that commit also waits for the pages' copy into the main file and its
// fsync (a push, a pull page or a local edit would pay for it). Instead, such
// a commit only wakes a thread that checkpoints (PASSIVE: never blocks the
// writer or readers) on a connection of its own.
// Durability is unchanged: a commit is durable once in the WAL; a crash
// before a checkpoint leaves pages that the next open recovers from the WAL.
//
// Thread-safety: the hook runs on the writer's thread inside its commits;
// checkpoints() may be called from any thread.
#ifndef INSPECTSYNC_STORAGE_WAL_CHECKPOINTER_H_
#define INSPECTSYNC_STORAGE_WAL_CHECKPOINTER_H_

#include <SQLiteCpp/SQLiteCpp.h>

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "inspectsync/status.h"

struct sqlite3;

namespace inspectsync::storage {

class WalCheckpointer {
 public:
  static constexpr int kDefaultPages = 1000;  // SQLite's own auto-checkpoint threshold

  // Opens the checkpoint connection to `path` and replaces auto-checkpointing
  // on `writer`: a checkpoint is due once a commit leaves the WAL at `pages`
  // pages or more. The connection is synchronous=FULL unless
  // `synchronous_full` is false (benchmarks of the raw limit only); either
  // way a checkpoint syncs the WAL before it copies frames, so the main file
  // never holds unsynced state.
  // REQUIRES: `writer` outlives the checkpointer; the hook is removed (and
  // SQLite's own auto-checkpoint restored) on destruction.
  static StatusOr<std::unique_ptr<WalCheckpointer>> Start(SQLite::Database& writer, const std::string& path,
                                                          int pages = kDefaultPages, bool synchronous_full = true);
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

}  // namespace inspectsync::storage

#endif  // INSPECTSYNC_STORAGE_WAL_CHECKPOINTER_H_
