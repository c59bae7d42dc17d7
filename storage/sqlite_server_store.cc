// The SQLite ServerStore: opening its file, and the group commit that runs
// every write (storage/sqlite_server_store_internal.h maps the other files).
#include <SQLiteCpp/SQLiteCpp.h>
#include <sqlite3.h>

#include <algorithm>

#include "storage/sqlite_server_store_internal.h"
#include "storage/sqlite_util.h"

namespace inspectsync::storage {

namespace sqlite_server {

SqliteServerStore::SqliteServerStore(std::unique_ptr<SQLite::Database> writer,
                                     std::vector<std::unique_ptr<SQLite::Database>> readers,
                                     std::unique_ptr<WalCheckpointer> checkpointer,
                                     std::unique_ptr<AttachmentStore> attachments,
                                     std::unique_ptr<ConsumerStore> consumers, std::unique_ptr<WebhookStore> webhooks,
                                     std::unique_ptr<ConsoleStore> console)
    : attachments_(std::move(attachments)),
      consumers_(std::move(consumers)),
      webhooks_(std::move(webhooks)),
      console_(std::move(console)),
      writer_(std::move(writer)),
      stmts_(*writer_),
      group_commit_([this](const std::vector<GroupCommit::Write*>& group) { RunGroup(group); }),
      readers_(std::move(readers)),
      checkpointer_(std::move(checkpointer)) {
  next_seq_ = static_cast<uint64_t>(writer_->execAndGet("SELECT COALESCE(MAX(seq), 0) FROM history").getInt64()) + 1;
  head_.store(next_seq_ - 1);
  for (const auto& r : readers_) reader_stmts_[r.get()];  // fixed key set: lookups need no lock
  // The writer's pages (b-tree interiors of records, history and their
  // indexes) stay cached across pushes instead of being re-read.
  writer_->exec("PRAGMA cache_size=-8192");
  // Readers walk indexes for a page of results: a small cache each.
  for (const auto& r : readers_) r->exec("PRAGMA cache_size=-1024");
}

// Group commit (storage/server_store_logic.h): the writes queued together
// run in ONE transaction, each inside its own savepoint, committed once. A
// write that fails rolls back to its savepoint and leaves the others alone;
// every caller learns its outcome only after the commit, so an OK is durable
// exactly as a write of its own.
Status SqliteServerStore::Write(const std::function<Status(ServerWriteTxn&)>& fn) {
  return group_commit_.Submit(fn);
}

void SqliteServerStore::RunGroup(const std::vector<GroupCommit::Write*>& group) {
  const uint64_t seq_before = next_seq_;
  std::map<std::string, uint64_t> group_touched;  // of the writes that stay
  Status st = Guard("write transaction", [&]() -> Status {
    SQLite::Transaction txn(*writer_, SQLite::TransactionBehavior::IMMEDIATE);
    for (GroupCommit::Write* w : group) {
      const uint64_t seq_at_start = next_seq_;
      std::map<std::string, uint64_t> touched;
      writer_->exec("SAVEPOINT one_write");
      Status one = Guard("write transaction", [&]() -> Status {
        SqliteWriteTxn t(stmts_, &next_seq_, &touched);
        INSPECTSYNC_RETURN_IF_ERROR((*w->fn)(t));
        return t.Flush();
      });
      // Some errors (disk full, I/O) end the whole transaction: then the
      // writes before this one are lost too, and all of them fail below.
      if (sqlite3_get_autocommit(writer_->getHandle()) != 0)
        return one.ok() ? Internal("the write transaction ended unexpectedly") : one;
      if (!one.ok()) {
        writer_->exec("ROLLBACK TO one_write");
        next_seq_ = seq_at_start;  // its seqs were never used
      } else {
        for (const auto& [c, seq] : touched) group_touched[c] = seq;
      }
      writer_->exec("RELEASE one_write");
      w->result = one;
    }
    txn.commit();
    return Status::Ok();
  });
  if (!st.ok()) {
    next_seq_ = seq_before;  // rolled back: none of the seqs were committed
    for (GroupCommit::Write* w : group) w->result = st;
    return;
  }
  {
    // Before the head: whoever sees the new head sees these too.
    std::lock_guard<std::mutex> lock(heads_mu_);
    for (const auto& [c, seq] : group_touched) collection_heads_[c] = std::max(collection_heads_[c], seq);
  }
  // Published after the commit: a reader that sees this head sees its rows.
  head_.store(next_seq_ - 1);
}

}  // namespace sqlite_server

StatusOr<std::unique_ptr<ServerStore>> OpenSqliteServerStore(const std::string& path,
                                                             const SqliteStoreOptions& options) {
  auto writer = OpenDatabase(path, options.synchronous_full);
  if (!writer.ok()) return writer.status();
  if (options.soft_heap_limit_bytes > 0) sqlite3_soft_heap_limit64(options.soft_heap_limit_bytes);
  sqlite_server::RegisterMigrationFunctions((*writer)->getHandle());
  INSPECTSYNC_RETURN_IF_ERROR(Migrate(**writer, sqlite_server::Migrations(), "server store '" + path + "'"));
  std::vector<std::unique_ptr<SQLite::Database>> readers;
  for (int i = 0; i < std::max(1, options.reader_connections); ++i) {
    auto r = OpenDatabase(path, options.synchronous_full);
    if (!r.ok()) return r.status();
    readers.push_back(std::move(*r));
  }
  auto attachments = OpenSqliteAttachmentStore(path, options.synchronous_full);
  if (!attachments.ok()) return attachments.status();
  auto consumers = OpenSqliteConsumerStore(path, options.synchronous_full);
  if (!consumers.ok()) return consumers.status();
  auto webhooks = OpenSqliteWebhookStore(path, options.synchronous_full);
  if (!webhooks.ok()) return webhooks.status();
  auto console = OpenSqliteConsoleStore(path, options.synchronous_full);
  if (!console.ok()) return console.status();
  // Last before the store: a failure above leaves no hook on the writer.
  auto checkpointer =
      WalCheckpointer::Start(**writer, path, WalCheckpointer::kDefaultPages, options.synchronous_full);
  if (!checkpointer.ok()) return checkpointer.status();
  std::unique_ptr<ServerStore> store;
  Status st = Guard("open server store", [&]() -> Status {
    store = std::make_unique<sqlite_server::SqliteServerStore>(std::move(*writer), std::move(readers),
                                                               std::move(*checkpointer), std::move(*attachments),
                                                               std::move(*consumers), std::move(*webhooks),
                                                               std::move(*console));
    return Status::Ok();
  });
  if (!st.ok()) return st;
  return store;
}

}  // namespace inspectsync::storage
