#include "storage/wal_checkpointer.h"

#include <sqlite3.h>

#include "storage/sqlite_util.h"

namespace inspectsync::storage {

StatusOr<std::unique_ptr<WalCheckpointer>> WalCheckpointer::Start(SQLite::Database& writer, const std::string& path,
                                                                  int pages, bool synchronous_full) {
  auto own = OpenDatabase(path, synchronous_full);
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

}  // namespace inspectsync::storage
