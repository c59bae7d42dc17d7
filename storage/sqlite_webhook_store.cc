// SQLite WebhookStore over a connection of its own to the server store's file
// (tables webhooks, webhook_outbox, webhook_sources, overdue_announced;
// migration 9 in sqlite_server_migrations.cc).
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

  StatusOr<int64_t> Position(const std::string& source) override {
    int64_t pos = 0;
    std::lock_guard<std::mutex> lock(mu_);
    Status st = Guard("read webhook source position", [&]() -> Status {
      SQLite::Statement q(*db_, "SELECT position FROM webhook_sources WHERE name = ?");
      q.bind(1, source);
      if (q.executeStep()) pos = q.getColumn(0).getInt64();
      return Status::Ok();
    });
    if (!st.ok()) return st;
    return pos;
  }

  StatusOr<size_t> Commit(const EventBatch& batch) override {
    size_t added = 0;
    std::lock_guard<std::mutex> lock(mu_);
    Status st = Guard("commit webhook events", [&]() -> Status {
      SQLite::Transaction txn(*db_, SQLite::TransactionBehavior::IMMEDIATE);
      // Fan out in SQL: one row per active webhook whose mask has the event's bit.
      SQLite::Statement ins(*db_,
                            "INSERT OR IGNORE INTO webhook_outbox(event_id, webhook_id, event, payload, created_ms, "
                            "state, attempts, next_attempt_ms, delivered_ms, last_error) "
                            "SELECT ?1, id, ?2, ?3, ?4, 1, 0, ?4, 0, '' FROM webhooks "
                            "WHERE active = 1 AND (event_mask & (1 << ?2)) <> 0");
      for (const OutboxEvent& e : batch.events) {
        ins.bind(1, e.event_id);
        ins.bind(2, e.event);
        ins.bind(3, e.payload);
        ins.bind(4, e.created_ms);
        added += static_cast<size_t>(ins.exec());
        ins.reset();
      }
      SetPositions(batch.positions);
      SQLite::Statement mark(*db_, "INSERT OR REPLACE INTO overdue_announced(finding_id, deadline_ms) VALUES(?,?)");
      for (const auto& [id, deadline] : batch.overdue_marks) {
        mark.bind(1, id);
        mark.bind(2, deadline);
        mark.exec();
        mark.reset();
      }
      txn.commit();
      return Status::Ok();
    });
    if (!st.ok()) return st;
    return added;
  }

  StatusOr<bool> SkipIfNoSubscribers(const std::vector<std::pair<std::string, int64_t>>& positions) override {
    bool skipped = false;
    std::lock_guard<std::mutex> lock(mu_);
    Status st = Guard("skip webhook sources", [&]() -> Status {
      SQLite::Transaction txn(*db_, SQLite::TransactionBehavior::IMMEDIATE);
      SQLite::Statement q(*db_, "SELECT 1 FROM webhooks WHERE active = 1 LIMIT 1");
      if (q.executeStep()) return Status::Ok();
      SetPositions(positions);
      txn.commit();
      skipped = true;
      return Status::Ok();
    });
    if (!st.ok()) return st;
    return skipped;
  }

  Status ReadConflictsAfter(int64_t after_rowid, size_t limit,
                            std::vector<std::pair<int64_t, std::string>>* out) override {
    std::lock_guard<std::mutex> lock(mu_);
    return Guard("read conflicts for webhooks", [&]() -> Status {
      SQLite::Statement q(*db_, "SELECT rowid, body FROM conflicts WHERE rowid > ? ORDER BY rowid LIMIT ?");
      q.bind(1, after_rowid);
      q.bind(2, static_cast<int64_t>(limit));
      while (q.executeStep()) out->emplace_back(q.getColumn(0).getInt64(), Blob(q.getColumn(1)));
      return Status::Ok();
    });
  }

  StatusOr<int64_t> MaxConflictRowid() override {
    int64_t max = 0;
    std::lock_guard<std::mutex> lock(mu_);
    Status st = Guard("read conflicts for webhooks", [&]() -> Status {
      SQLite::Statement q(*db_, "SELECT COALESCE(MAX(rowid), 0) FROM conflicts");
      if (q.executeStep()) max = q.getColumn(0).getInt64();
      return Status::Ok();
    });
    if (!st.ok()) return st;
    return max;
  }

  Status OverdueAnnounced(std::vector<std::pair<std::string, int64_t>>* out) override {
    std::lock_guard<std::mutex> lock(mu_);
    return Guard("read overdue announcements", [&]() -> Status {
      SQLite::Statement q(*db_, "SELECT finding_id, deadline_ms FROM overdue_announced");
      while (q.executeStep()) out->emplace_back(q.getColumn(0).getString(), q.getColumn(1).getInt64());
      return Status::Ok();
    });
  }

  Status ListDue(const std::string& webhook_id, int64_t now_ms, size_t limit,
                 std::vector<DeliveryRow>* out) override {
    std::lock_guard<std::mutex> lock(mu_);
    return Guard("list due deliveries", [&]() -> Status {
      // rowid: the order the event source inserted them in (a rowid table;
      // rows are only ever appended or deleted, never moved).
      SQLite::Statement q(*db_, std::string(kSelectDelivery) +
                                    " WHERE webhook_id = ? AND state = 1 AND next_attempt_ms <= ? "
                                    "ORDER BY rowid LIMIT ?");
      q.bind(1, webhook_id);
      q.bind(2, now_ms);
      q.bind(3, static_cast<int64_t>(limit));
      while (q.executeStep()) out->push_back(Delivery(q));
      return Status::Ok();
    });
  }

  StatusOr<std::optional<int64_t>> NextDue() override {
    std::optional<int64_t> next;
    std::lock_guard<std::mutex> lock(mu_);
    Status st = Guard("read next due delivery", [&]() -> Status {
      SQLite::Statement q(*db_, "SELECT MIN(next_attempt_ms) FROM webhook_outbox WHERE state = 1");
      if (q.executeStep() && !q.getColumn(0).isNull()) next = q.getColumn(0).getInt64();
      return Status::Ok();
    });
    if (!st.ok()) return st;
    return next;
  }

  Status MarkDelivered(const std::string& event_id, const std::string& webhook_id, uint32_t attempts,
                       int64_t now_ms) override {
    std::lock_guard<std::mutex> lock(mu_);
    return Guard("mark delivery delivered", [&]() -> Status {
      SQLite::Statement q(*db_,
                          "UPDATE webhook_outbox SET state = 2, attempts = ?, delivered_ms = ?, last_error = '' "
                          "WHERE event_id = ? AND webhook_id = ?");
      q.bind(1, static_cast<int64_t>(attempts));
      q.bind(2, now_ms);
      q.bind(3, event_id);
      q.bind(4, webhook_id);
      q.exec();
      return Status::Ok();
    });
  }

  Status MarkAttemptFailed(const std::string& event_id, const std::string& webhook_id, uint32_t attempts,
                           int64_t next_attempt_ms, bool give_up, const std::string& error) override {
    std::lock_guard<std::mutex> lock(mu_);
    return Guard("mark delivery attempt failed", [&]() -> Status {
      SQLite::Statement q(*db_,
                          "UPDATE webhook_outbox SET state = ?, attempts = ?, next_attempt_ms = ?, last_error = ? "
                          "WHERE event_id = ? AND webhook_id = ?");
      q.bind(1, give_up ? kDeliveryFailed : kDeliveryPending);
      q.bind(2, static_cast<int64_t>(attempts));
      q.bind(3, next_attempt_ms);
      q.bind(4, error);
      q.bind(5, event_id);
      q.bind(6, webhook_id);
      q.exec();
      return Status::Ok();
    });
  }

  Status ListDeliveries(const DeliveryFilter& filter, std::vector<DeliveryRow>* out) override {
    std::lock_guard<std::mutex> lock(mu_);
    return Guard("list deliveries", [&]() -> Status {
      std::string sql = std::string(kSelectDelivery) + " WHERE 1=1";
      if (!filter.webhook_id.empty()) sql += " AND webhook_id = ?";
      if (!filter.states.empty()) {
        sql += " AND state IN (";
        for (size_t i = 0; i < filter.states.size(); ++i) sql += i ? ",?" : "?";
        sql += ")";
      }
      sql += " ORDER BY rowid DESC LIMIT ?";
      SQLite::Statement q(*db_, sql);
      int n = 0;
      if (!filter.webhook_id.empty()) q.bind(++n, filter.webhook_id);
      for (int s : filter.states) q.bind(++n, s);
      q.bind(++n, static_cast<int64_t>(filter.limit));
      while (q.executeStep()) out->push_back(Delivery(q));
      return Status::Ok();
    });
  }

  StatusOr<std::optional<DeliveryRow>> Requeue(const std::string& webhook_id, const std::string& event_id,
                                               int64_t now_ms) override {
    std::optional<DeliveryRow> out;
    std::lock_guard<std::mutex> lock(mu_);
    Status st = Guard("requeue delivery", [&]() -> Status {
      SQLite::Transaction txn(*db_, SQLite::TransactionBehavior::IMMEDIATE);
      SQLite::Statement up(*db_,
                           "UPDATE webhook_outbox SET state = 1, attempts = 0, next_attempt_ms = ?, delivered_ms = 0 "
                           "WHERE event_id = ? AND webhook_id = ?");
      up.bind(1, now_ms);
      up.bind(2, event_id);
      up.bind(3, webhook_id);
      if (up.exec() == 0) return Status::Ok();
      SQLite::Statement q(*db_, std::string(kSelectDelivery) + " WHERE event_id = ? AND webhook_id = ?");
      q.bind(1, event_id);
      q.bind(2, webhook_id);
      if (q.executeStep()) out = Delivery(q);
      txn.commit();
      return Status::Ok();
    });
    if (!st.ok()) return st;
    return out;
  }

 private:
  static constexpr const char* kSelectDelivery =
      "SELECT event_id, webhook_id, event, payload, created_ms, state, attempts, next_attempt_ms, delivered_ms, "
      "last_error FROM webhook_outbox";

  static DeliveryRow Delivery(SQLite::Statement& q) {
    DeliveryRow r;
    r.event_id = q.getColumn(0).getString();
    r.webhook_id = q.getColumn(1).getString();
    r.event = q.getColumn(2).getInt();
    r.payload = q.getColumn(3).getString();
    r.created_ms = q.getColumn(4).getInt64();
    r.state = q.getColumn(5).getInt();
    r.attempts = static_cast<uint32_t>(q.getColumn(6).getInt64());
    r.next_attempt_ms = q.getColumn(7).getInt64();
    r.delivered_ms = q.getColumn(8).getInt64();
    r.last_error = q.getColumn(9).getString();
    return r;
  }

  // REQUIRES: mu_ held, inside a transaction.
  void SetPositions(const std::vector<std::pair<std::string, int64_t>>& positions) {
    SQLite::Statement q(*db_, "INSERT OR REPLACE INTO webhook_sources(name, position) VALUES(?,?)");
    for (const auto& [name, pos] : positions) {
      q.bind(1, name);
      q.bind(2, pos);
      q.exec();
      q.reset();
    }
  }

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
