// SQLite AttachmentStore over a connection of its own to the server store's
// file (tables from migration 8 in sqlite_server_migrations.cc). Attachment writes
// are rare (one per finished upload), so they take SQLite's write lock
// directly instead of joining the record store's group commit; a push that
// meets one waits on the busy timeout for a few milliseconds at most. The
// record store's in-memory heads are unaffected: these tables hold no records.
#include <mutex>

#include "storage/attachment_store.h"
#include "storage/sqlite_util.h"

namespace inspectsync::storage {

namespace {

class SqliteAttachmentStore : public AttachmentStore {
 public:
  explicit SqliteAttachmentStore(std::unique_ptr<SQLite::Database> db) : db_(std::move(db)) {}

  StatusOr<AttachResult> Attach(const AttachmentRow& row, uint64_t quota_bytes) override {
    AttachResult out;
    std::lock_guard<std::mutex> lock(mu_);
    Status st = Guard("record attachment", [&]() -> Status {
      // IMMEDIATE: the usage read and the charge are one step, whatever
      // other uploads of the same device finish meanwhile.
      SQLite::Transaction txn(*db_, SQLite::TransactionBehavior::IMMEDIATE);
      out.device_usage = UsageLocked(row.uploader_device);
      if (!ChargedLocked(row.uploader_device, row.sha256)) {
        if (out.device_usage + row.size > quota_bytes) return Status::Ok();  // refused; rolled back
        SQLite::Statement charge(*db_, "INSERT INTO attachment_usage(device, sha256, size) VALUES(?,?,?)");
        charge.bind(1, row.uploader_device);
        charge.bind(2, row.sha256);
        charge.bind(3, static_cast<int64_t>(row.size));
        charge.exec();
        out.device_usage += row.size;
      }
      SQLite::Statement insert(*db_,
                               "INSERT INTO attachments(sha256, finding_id, size, media_type, meta, uploader_user, "
                               "uploader_device, created_ms) VALUES(?,?,?,?,?,?,?,?) "
                               "ON CONFLICT(sha256, finding_id) DO NOTHING");
      insert.bind(1, row.sha256);
      insert.bind(2, row.finding_id);
      insert.bind(3, static_cast<int64_t>(row.size));
      insert.bind(4, row.media_type);
      insert.bind(5, row.meta.data(), static_cast<int>(row.meta.size()));
      insert.bind(6, row.uploader_user);
      insert.bind(7, row.uploader_device);
      insert.bind(8, row.created_ms);
      insert.exec();
      txn.commit();
      out.attached = true;
      return Status::Ok();
    });
    if (!st.ok()) return st;
    return out;
  }

  StatusOr<uint64_t> DeviceUsage(const std::string& device) override {
    uint64_t usage = 0;
    std::lock_guard<std::mutex> lock(mu_);
    Status st = Guard("read device usage", [&]() -> Status {
      usage = UsageLocked(device);
      return Status::Ok();
    });
    if (!st.ok()) return st;
    return usage;
  }

  StatusOr<bool> Charged(const std::string& device, const std::string& sha256) override {
    bool charged = false;
    std::lock_guard<std::mutex> lock(mu_);
    Status st = Guard("read device usage", [&]() -> Status {
      charged = ChargedLocked(device, sha256);
      return Status::Ok();
    });
    if (!st.ok()) return st;
    return charged;
  }

  Status RowsFor(const std::string& sha256, std::vector<AttachmentRow>* out) override {
    std::lock_guard<std::mutex> lock(mu_);
    return Guard("read attachments", [&]() -> Status {
      SQLite::Statement q(*db_,
                          "SELECT sha256, finding_id, size, media_type, meta, uploader_user, uploader_device, "
                          "created_ms FROM attachments WHERE sha256=? ORDER BY created_ms, finding_id");
      q.bind(1, sha256);
      while (q.executeStep()) {
        AttachmentRow r;
        r.sha256 = q.getColumn(0).getString();
        r.finding_id = q.getColumn(1).getString();
        r.size = static_cast<uint64_t>(q.getColumn(2).getInt64());
        r.media_type = q.getColumn(3).getString();
        r.meta = Blob(q.getColumn(4));
        r.uploader_user = q.getColumn(5).getString();
        r.uploader_device = q.getColumn(6).getString();
        r.created_ms = q.getColumn(7).getInt64();
        out->push_back(std::move(r));
      }
      return Status::Ok();
    });
  }

  Status ForEachHash(const std::function<Status(const std::string&, int64_t)>& fn) override {
    // Collected first: `fn` may call back into this store (GC's Forget).
    std::vector<std::pair<std::string, int64_t>> hashes;
    {
      std::lock_guard<std::mutex> lock(mu_);
      INSPECTSYNC_RETURN_IF_ERROR(Guard("read attachments", [&]() -> Status {
        SQLite::Statement q(*db_, "SELECT sha256, MAX(created_ms) FROM attachments GROUP BY sha256");
        while (q.executeStep()) hashes.emplace_back(q.getColumn(0).getString(), q.getColumn(1).getInt64());
        return Status::Ok();
      }));
    }
    for (const auto& [sha, newest] : hashes) INSPECTSYNC_RETURN_IF_ERROR(fn(sha, newest));
    return Status::Ok();
  }

  Status Forget(const std::string& sha256) override {
    std::lock_guard<std::mutex> lock(mu_);
    return Guard("forget attachment", [&]() -> Status {
      SQLite::Transaction txn(*db_, SQLite::TransactionBehavior::IMMEDIATE);
      SQLite::Statement rows(*db_, "DELETE FROM attachments WHERE sha256=?");
      rows.bind(1, sha256);
      rows.exec();
      SQLite::Statement usage(*db_, "DELETE FROM attachment_usage WHERE sha256=?");
      usage.bind(1, sha256);
      usage.exec();
      txn.commit();
      return Status::Ok();
    });
  }

 private:
  uint64_t UsageLocked(const std::string& device) {
    SQLite::Statement q(*db_, "SELECT COALESCE(SUM(size), 0) FROM attachment_usage WHERE device=?");
    q.bind(1, device);
    q.executeStep();
    return static_cast<uint64_t>(q.getColumn(0).getInt64());
  }

  bool ChargedLocked(const std::string& device, const std::string& sha256) {
    SQLite::Statement q(*db_, "SELECT 1 FROM attachment_usage WHERE device=? AND sha256=?");
    q.bind(1, device);
    q.bind(2, sha256);
    return q.executeStep();
  }

  std::mutex mu_;  // one connection; statements are prepared per call (uploads are rare)
  std::unique_ptr<SQLite::Database> db_;
};

}  // namespace

StatusOr<std::unique_ptr<AttachmentStore>> OpenSqliteAttachmentStore(const std::string& path,
                                                                     bool synchronous_full) {
  auto db = OpenDatabase(path, synchronous_full);
  if (!db.ok()) return db.status();
  Status st = Guard("open attachment store", [&]() -> Status {
    if (!(*db)->tableExists("attachments") || !(*db)->tableExists("attachment_usage"))
      return FailedPrecondition("database '" + path + "' has no attachment tables: open it as a server store first");
    return Status::Ok();
  });
  if (!st.ok()) return st;
  return std::unique_ptr<AttachmentStore>(new SqliteAttachmentStore(std::move(*db)));
}

}  // namespace inspectsync::storage
