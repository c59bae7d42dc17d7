// SQLite WebhookStore over a connection of its own to the server store's file
// (tables webhooks, webhook_outbox, webhook_sources, overdue_announced;
// migration 9 of sqlite_server_store.cc).
#include <mutex>

#include "storage/sqlite_util.h"
#include "storage/webhook_store.h"

namespace inspectsync::storage {

namespace {

class SqliteWebhookStore : public WebhookStore {
 public:
  explicit SqliteWebhookStore(std::unique_ptr<SQLite::Database> db) : db_(std::move(db)) {}

  Status Create(const WebhookRow& row) override {
    std::lock_guard<std::mutex> lock(mu_);
    return Guard("create webhook", [&]() -> Status {
      SQLite::Statement q(*db_,
                          "INSERT INTO webhooks(id, url, secret, event_mask, active, created_ms, created_by, "
                          "description) VALUES(?,?,?,?,?,?,?,?)");
      q.bind(1, row.id);
      q.bind(2, row.url);
      q.bind(3, row.secret);
      q.bind(4, static_cast<int64_t>(row.event_mask));
      q.bind(5, row.active ? 1 : 0);
      q.bind(6, row.created_ms);
      q.bind(7, row.created_by);
      q.bind(8, row.description);
      q.exec();
      return Status::Ok();
    });
  }

  Status List(std::vector<WebhookRow>* out) override {
    std::lock_guard<std::mutex> lock(mu_);
    return Guard("list webhooks", [&]() -> Status {
      SQLite::Statement q(*db_, std::string(kSelect) + " ORDER BY created_ms, id");
      while (q.executeStep()) out->push_back(Row(q));
      return Status::Ok();
    });
  }

  StatusOr<std::optional<WebhookRow>> Get(const std::string& id) override {
    std::optional<WebhookRow> out;
    std::lock_guard<std::mutex> lock(mu_);
    Status st = Guard("read webhook", [&]() -> Status {
      SQLite::Statement q(*db_, std::string(kSelect) + " WHERE id = ?");
      q.bind(1, id);
      if (q.executeStep()) out = Row(q);
      return Status::Ok();
    });
    if (!st.ok()) return st;
    return out;
  }

  StatusOr<bool> Delete(const std::string& id) override {
    bool found = false;
    std::lock_guard<std::mutex> lock(mu_);
    Status st = Guard("delete webhook", [&]() -> Status {
      SQLite::Transaction txn(*db_, SQLite::TransactionBehavior::IMMEDIATE);
      SQLite::Statement del(*db_, "DELETE FROM webhooks WHERE id = ?");
      del.bind(1, id);
      found = del.exec() > 0;
      SQLite::Statement out(*db_, "DELETE FROM webhook_outbox WHERE webhook_id = ? AND state <> 2");
      out.bind(1, id);
      out.exec();
      txn.commit();
      return Status::Ok();
    });
    if (!st.ok()) return st;
    return found;
  }

 private:
  static constexpr const char* kSelect =
      "SELECT id, url, secret, event_mask, active, created_ms, created_by, description FROM webhooks";

  static WebhookRow Row(SQLite::Statement& q) {
    WebhookRow r;
    r.id = q.getColumn(0).getString();
    r.url = q.getColumn(1).getString();
    r.secret = q.getColumn(2).getString();
    r.event_mask = static_cast<uint32_t>(q.getColumn(3).getInt64());
    r.active = q.getColumn(4).getInt() != 0;
    r.created_ms = q.getColumn(5).getInt64();
    r.created_by = q.getColumn(6).getString();
    r.description = q.getColumn(7).getString();
    return r;
  }

  std::mutex mu_;
  std::unique_ptr<SQLite::Database> db_;
};

}  // namespace

StatusOr<std::unique_ptr<WebhookStore>> OpenSqliteWebhookStore(const std::string& path, bool synchronous_full) {
  auto db = OpenDatabase(path, synchronous_full);
  if (!db.ok()) return db.status();
  Status st = Guard("open webhook store", [&]() -> Status {
    if (!(*db)->tableExists("webhooks") || !(*db)->tableExists("webhook_outbox"))
      return FailedPrecondition("database '" + path + "' has no webhook tables: open it as a server store first");
    return Status::Ok();
  });
  if (!st.ok()) return st;
  return std::unique_ptr<WebhookStore>(new SqliteWebhookStore(std::move(*db)));
}

}  // namespace inspectsync::storage
