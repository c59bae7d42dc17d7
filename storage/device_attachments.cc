#include "storage/device_attachments.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include <utility>

#include "storage/sqlite_util.h"

namespace inspectsync::storage {

namespace {

// A blob is pinned while an upload row (queued or refused) names it.
constexpr char kPinned[] = "EXISTS (SELECT 1 FROM attachment_uploads u WHERE u.sha256 = b.sha256)";

AttachmentUpload ReadUpload(SQLite::Statement& q) {
  AttachmentUpload u;
  u.seq = static_cast<uint64_t>(q.getColumn(0).getInt64());
  if (!u.meta.ParseFromArray(q.getColumn(1).getBlob(), q.getColumn(1).getBytes()))
    throw std::runtime_error("corrupt attachment upload row " + std::to_string(u.seq));
  u.queued_at_ms = q.getColumn(2).getInt64();
  u.rejected = q.getColumn(3).getInt() != 0;
  u.code = static_cast<StatusCode>(q.getColumn(4).getInt());
  u.reason = q.getColumn(5).getString();
  u.rejected_at_ms = q.getColumn(6).getInt64();
  return u;
}

}  // namespace

class DeviceAttachments::Impl {
 public:
  explicit Impl(SQLite::Database* d) : db(d) {}
  SQLite::Database* db;

  // Runs `sql` with `sha256` bound first; returns the rows changed.
  int ExecForHash(const char* sql, const std::string& sha256) {
    SQLite::Statement q(*db, sql);
    q.bind(1, sha256);
    return q.exec();
  }
};

DeviceAttachments::DeviceAttachments(SQLite::Database* db) : impl_(std::make_unique<Impl>(db)) {}
DeviceAttachments::~DeviceAttachments() = default;

void DeviceAttachments::QueueInTransaction(const AttachmentUpload& upload) {
  const v1::AttachmentMeta& m = upload.meta;
  {
    SQLite::Statement q(*impl_->db,
                        "INSERT INTO attachment_blobs (sha256, size, media_type, last_used_ms) VALUES (?, ?, ?, ?) "
                        "ON CONFLICT (sha256) DO UPDATE SET last_used_ms = MAX(last_used_ms, excluded.last_used_ms)");
    q.bind(1, m.sha256());
    q.bind(2, I64(m.size()));
    q.bind(3, m.media_type());
    q.bind(4, upload.queued_at_ms);
    q.exec();
  }
  // One upload per blob: a second finding attaching the same bytes is known
  // to the server through its evidence list, not through another upload.
  std::string blob = m.SerializeAsString();
  SQLite::Statement q(*impl_->db,
                      "INSERT INTO attachment_uploads (sha256, meta, queued_at_ms) VALUES (?, ?, ?) "
                      "ON CONFLICT (sha256) DO NOTHING");
  q.bind(1, m.sha256());
  q.bind(2, blob.data(), static_cast<int>(blob.size()));
  q.bind(3, upload.queued_at_ms);
  q.exec();
}

StatusOr<std::vector<AttachmentUpload>> DeviceAttachments::ListUploads(bool rejected, uint64_t through) {
  std::vector<AttachmentUpload> out;
  INSPECTSYNC_RETURN_IF_ERROR(Guard("list attachment uploads", [&]() -> Status {
    SQLite::Statement q(*impl_->db,
                        "SELECT seq, meta, queued_at_ms, rejected, code, reason, rejected_at_ms "
                        "FROM attachment_uploads WHERE rejected = ? AND seq <= ? ORDER BY seq");
    q.bind(1, rejected ? 1 : 0);
    q.bind(2, through > static_cast<uint64_t>(INT64_MAX) ? INT64_MAX : I64(through));
    while (q.executeStep()) out.push_back(ReadUpload(q));
    return Status::Ok();
  }));
  return out;
}

StatusOr<uint64_t> DeviceAttachments::LastUploadSeq() {
  uint64_t seq = 0;
  INSPECTSYNC_RETURN_IF_ERROR(Guard("read attachment queue", [&]() -> Status {
    seq = static_cast<uint64_t>(
        impl_->db->execAndGet("SELECT COALESCE(MAX(seq), 0) FROM attachment_uploads").getInt64());
    return Status::Ok();
  }));
  return seq;
}

Status DeviceAttachments::FinishUpload(const std::string& sha256, int64_t now_ms) {
  return Guard("finish attachment upload", [&]() -> Status {
    SQLite::Transaction txn(*impl_->db, SQLite::TransactionBehavior::IMMEDIATE);
    impl_->ExecForHash("DELETE FROM attachment_uploads WHERE sha256 = ?", sha256);
    SQLite::Statement q(*impl_->db, "UPDATE attachment_blobs SET last_used_ms = MAX(last_used_ms, ?) WHERE sha256 = ?");
    q.bind(1, now_ms);
    q.bind(2, sha256);
    q.exec();
    txn.commit();
    return Status::Ok();
  });
}

Status DeviceAttachments::RejectUpload(const std::string& sha256, StatusCode code, const std::string& reason,
                                       int64_t now_ms) {
  return Guard("reject attachment upload", [&]() -> Status {
    SQLite::Statement q(*impl_->db,
                        "UPDATE attachment_uploads SET rejected = 1, code = ?, reason = ?, rejected_at_ms = ? "
                        "WHERE sha256 = ?");
    q.bind(1, static_cast<int>(code));
    q.bind(2, reason.empty() ? std::string("refused by the server without a reason") : reason);
    q.bind(3, now_ms);
    q.bind(4, sha256);
    q.exec();
    return Status::Ok();
  });
}

Status DeviceAttachments::DismissRejected(const std::string& sha256) {
  int n = 0;
  INSPECTSYNC_RETURN_IF_ERROR(Guard("dismiss rejected attachment", [&]() -> Status {
    n = impl_->ExecForHash("DELETE FROM attachment_uploads WHERE sha256 = ? AND rejected = 1", sha256);
    return Status::Ok();
  }));
  if (n == 0) return NotFound("no refused attachment upload " + sha256);
  return Status::Ok();
}

Status DeviceAttachments::RetryRejected(const std::string& sha256, int64_t now_ms) {
  int n = 0;
  INSPECTSYNC_RETURN_IF_ERROR(Guard("retry rejected attachment", [&]() -> Status {
    // Keeps its seq: its evidence edit went out long ago, so it may go in
    // the next sync's uploads.
    SQLite::Statement q(*impl_->db,
                        "UPDATE attachment_uploads SET rejected = 0, code = 0, reason = '', rejected_at_ms = 0, "
                        "queued_at_ms = ? WHERE sha256 = ? AND rejected = 1");
    q.bind(1, now_ms);
    q.bind(2, sha256);
    n = q.exec();
    return Status::Ok();
  }));
  if (n == 0) return NotFound("no refused attachment upload " + sha256);
  return Status::Ok();
}

StatusOr<std::optional<AttachmentBlob>> DeviceAttachments::GetBlob(const std::string& sha256) {
  std::optional<AttachmentBlob> out;
  INSPECTSYNC_RETURN_IF_ERROR(Guard("read attachment blob", [&]() -> Status {
    static const std::string kSql =
        std::string("SELECT size, media_type, last_used_ms, ") + kPinned + " FROM attachment_blobs b WHERE sha256 = ?";
    SQLite::Statement q(*impl_->db, kSql);
    q.bind(1, sha256);
    if (!q.executeStep()) return Status::Ok();
    out.emplace();
    out->sha256 = sha256;
    out->size = static_cast<uint64_t>(q.getColumn(0).getInt64());
    out->media_type = q.getColumn(1).getString();
    out->last_used_ms = q.getColumn(2).getInt64();
    out->pinned = q.getColumn(3).getInt() != 0;
    return Status::Ok();
  }));
  return out;
}

Status DeviceAttachments::PutBlob(const AttachmentBlob& blob) {
  return Guard("store attachment blob", [&]() -> Status {
    SQLite::Statement q(*impl_->db,
                        "INSERT INTO attachment_blobs (sha256, size, media_type, last_used_ms) VALUES (?, ?, ?, ?) "
                        "ON CONFLICT (sha256) DO UPDATE SET last_used_ms = MAX(last_used_ms, excluded.last_used_ms)");
    q.bind(1, blob.sha256);
    q.bind(2, I64(blob.size));
    q.bind(3, blob.media_type);
    q.bind(4, blob.last_used_ms);
    q.exec();
    return Status::Ok();
  });
}

Status DeviceAttachments::TouchBlob(const std::string& sha256, int64_t now_ms) {
  return Guard("touch attachment blob", [&]() -> Status {
    SQLite::Statement q(*impl_->db, "UPDATE attachment_blobs SET last_used_ms = MAX(last_used_ms, ?) WHERE sha256 = ?");
    q.bind(1, now_ms);
    q.bind(2, sha256);
    q.exec();
    return Status::Ok();
  });
}

Status DeviceAttachments::ForgetBlob(const std::string& sha256) {
  return Guard("forget attachment blob", [&]() -> Status {
    impl_->ExecForHash(
        "DELETE FROM attachment_blobs WHERE sha256 = ? AND NOT EXISTS "
        "(SELECT 1 FROM attachment_uploads u WHERE u.sha256 = attachment_blobs.sha256)",
        sha256);
    return Status::Ok();
  });
}

StatusOr<std::vector<std::string>> DeviceAttachments::Evict(uint64_t max_cache_bytes, const std::string& keep) {
  std::vector<std::string> gone;
  INSPECTSYNC_RETURN_IF_ERROR(Guard("evict attachment cache", [&]() -> Status {
    gone.clear();
    SQLite::Transaction txn(*impl_->db, SQLite::TransactionBehavior::IMMEDIATE);
    std::vector<std::pair<std::string, uint64_t>> lru;
    uint64_t total = 0;
    {
      static const std::string kSql = std::string("SELECT sha256, size FROM attachment_blobs b WHERE NOT ") + kPinned +
                                      " ORDER BY last_used_ms, sha256";
      SQLite::Statement q(*impl_->db, kSql);
      while (q.executeStep()) {
        lru.emplace_back(q.getColumn(0).getString(), static_cast<uint64_t>(q.getColumn(1).getInt64()));
        total += lru.back().second;
      }
    }
    for (const auto& [sha, size] : lru) {
      if (total <= max_cache_bytes) break;
      if (sha == keep) continue;
      impl_->ExecForHash("DELETE FROM attachment_blobs WHERE sha256 = ?", sha);
      total -= size;
      gone.push_back(sha);
    }
    txn.commit();
    return Status::Ok();
  }));
  return gone;
}

}  // namespace inspectsync::storage
