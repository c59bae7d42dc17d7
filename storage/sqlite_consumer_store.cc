// SQLite ConsumerStore over a connection of its own to the server store's
// file (table feed_consumers, migration 9 in sqlite_server_migrations.cc). Acks
// are small and rare next to pushes, so they take SQLite's write lock directly.
#include <mutex>

#include "storage/consumer_store.h"
#include "storage/sqlite_util.h"

namespace inspectsync::storage {

namespace {

class SqliteConsumerStore : public ConsumerStore {
 public:
  explicit SqliteConsumerStore(std::unique_ptr<SQLite::Database> db) : db_(std::move(db)) {}

  StatusOr<std::optional<ConsumerRow>> Get(const std::string& name) override {
    std::optional<ConsumerRow> out;
    std::lock_guard<std::mutex> lock(mu_);
    Status st = Guard("read feed consumer", [&]() -> Status {
      out = GetLocked(name);
      return Status::Ok();
    });
    if (!st.ok()) return st;
    return out;
  }

  StatusOr<ConsumerRow> Ack(const ConsumerRow& row, bool rewind) override {
    ConsumerRow out = row;
    std::lock_guard<std::mutex> lock(mu_);
    Status st = Guard("store feed cursor", [&]() -> Status {
      SQLite::Transaction txn(*db_, SQLite::TransactionBehavior::IMMEDIATE);
      auto cur = GetLocked(row.name);
      if (cur && row.cursor < cur->cursor && !rewind)
        return FailedPrecondition("consumer '" + row.name + "' is at " + std::to_string(cur->cursor) +
                                  "; acking " + std::to_string(row.cursor) +
                                  " would move it back (ask for a rewind to replay)");
      SQLite::Statement up(*db_,
                           "INSERT INTO feed_consumers(name, cursor, updated_ms, updated_by) VALUES(?,?,?,?) "
                           "ON CONFLICT(name) DO UPDATE SET cursor = excluded.cursor, "
                           "updated_ms = excluded.updated_ms, updated_by = excluded.updated_by");
      up.bind(1, row.name);
      up.bind(2, static_cast<int64_t>(row.cursor));
      up.bind(3, row.updated_ms);
      up.bind(4, row.updated_by);
      up.exec();
      txn.commit();
      return Status::Ok();
    });
    if (!st.ok()) return st;
    return out;
  }

  Status List(std::vector<ConsumerRow>* out) override {
    std::lock_guard<std::mutex> lock(mu_);
    return Guard("list feed consumers", [&]() -> Status {
      SQLite::Statement q(*db_, "SELECT name, cursor, updated_ms, updated_by FROM feed_consumers ORDER BY name");
      while (q.executeStep()) out->push_back(Row(q));
      return Status::Ok();
    });
  }

 private:
  static ConsumerRow Row(SQLite::Statement& q) {
    ConsumerRow r;
    r.name = q.getColumn(0).getString();
    r.cursor = static_cast<uint64_t>(q.getColumn(1).getInt64());
    r.updated_ms = q.getColumn(2).getInt64();
    r.updated_by = q.getColumn(3).getString();
    return r;
  }

  std::optional<ConsumerRow> GetLocked(const std::string& name) {
    SQLite::Statement q(*db_, "SELECT name, cursor, updated_ms, updated_by FROM feed_consumers WHERE name = ?");
    q.bind(1, name);
    if (!q.executeStep()) return std::nullopt;
    return Row(q);
  }

  std::mutex mu_;
  std::unique_ptr<SQLite::Database> db_;
};

}  // namespace

StatusOr<std::unique_ptr<ConsumerStore>> OpenSqliteConsumerStore(const std::string& path, bool synchronous_full) {
  auto db = OpenDatabase(path, synchronous_full);
  if (!db.ok()) return db.status();
  Status st = Guard("open consumer store", [&]() -> Status {
    if (!(*db)->tableExists("feed_consumers"))
      return FailedPrecondition("database '" + path + "' has no feed tables: open it as a server store first");
    return Status::Ok();
  });
  if (!st.ok()) return st;
  return std::unique_ptr<ConsumerStore>(new SqliteConsumerStore(std::move(*db)));
}

}  // namespace inspectsync::storage
