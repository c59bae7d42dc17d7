// The SQL-agnostic pieces of a ServerStore (storage/server_store.h): what any
// implementation decides the same way, whatever its database. The SQLite
// store uses them; a second implementation (PostgreSQL) reuses them instead
// of copying. Nothing here knows SQL. (The idempotency ledger, the largest
// such piece, is storage/server_ledger.h.)
//
// Thread-safety: PageCut is a value for one read; GroupCommit is safe to
// call from several threads.
#ifndef INSPECTSYNC_STORAGE_SERVER_STORE_LOGIC_H_
#define INSPECTSYNC_STORAGE_SERVER_STORE_LOGIC_H_

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "inspectsync/status.h"
#include "inspectsync/v1/sync.pb.h"
#include "storage/server_store.h"

namespace inspectsync::storage {

// Where a page of ReadChanges or ReadFeed ends: after `limit` rows, or after
// the row whose size takes the page past `max_bytes` (0 = no byte limit),
// that row included — so a caller that asks for one row more than it sends
// learns that there is more (ChangeQuery::max_bytes).
//
//   PageCut cut(q.limit, q.max_bytes);
//   while (!cut.Full() && <a next row>) { out->push_back(row); cut.Take(PageBytes(row)); }
class PageCut {
 public:
  PageCut(size_t limit, size_t max_bytes) : limit_(limit), max_bytes_(max_bytes) {}
  // Whether the page is complete: no further row belongs to it.
  bool Full() const { return rows_ >= limit_ || (max_bytes_ != 0 && bytes_ > max_bytes_); }
  // Counts a row of `bytes` (PageBytes or FeedBytes) into the page.
  void Take(size_t bytes) {
    ++rows_;
    bytes_ += bytes;
  }

 private:
  size_t limit_, max_bytes_;
  size_t rows_ = 0, bytes_ = 0;
};

// The scope keys a ScopeFilter::kOnly read covers, sorted and without
// duplicates: its keys, and "" (reference data) only with include_unscoped —
// a "" among the keys does not stand for reference data.
std::vector<std::string> ScopeKeysToRead(const ScopeFilter& filter);

// A stored conflict as read back: `body` (a serialized v1::Conflict) parsed
// into *out, its opened_ms taken from the store's column `opened_ms` when the
// body predates Conflict.opened_ms. False if the body does not parse.
bool ParseStoredConflict(const std::string& body, int64_t opened_ms, v1::Conflict* out);

// Group commit: concurrent Submit() calls queue; one of them (the leader)
// hands every write queued at that moment to `run`, which runs them in ONE
// transaction (each write able to fail alone, e.g. in a savepoint) and
// commits once: one commit and one fsync serve them all, where each would
// pay its own while the others wait for the lock. Every caller learns its
// result only after `run` returns, i.e. after the commit, so an OK is as
// durable as a write of its own.
class GroupCommit {
 public:
  using WriteFn = std::function<Status(ServerWriteTxn&)>;
  struct Write {
    const WriteFn* fn = nullptr;
    Status result;      // set by `run`
    bool done = false;  // guarded by GroupCommit's mutex; not for `run`
  };
  // Runs one group and sets each write's result. Never called by two
  // threads at once.
  using RunFn = std::function<void(const std::vector<Write*>&)>;

  explicit GroupCommit(RunFn run) : run_(std::move(run)) {}
  // Queues `fn`; returns its result once its group has run.
  Status Submit(const WriteFn& fn);

 private:
  RunFn run_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Write*> queue_;  // waiting for the next group
  bool leading_ = false;       // a group is running
};

}  // namespace inspectsync::storage

#endif  // INSPECTSYNC_STORAGE_SERVER_STORE_LOGIC_H_
