// DeviceAttachments: the device database's side of photo evidence (issue 7),
// part of the DeviceStore (same file, same connection; DeviceStore::attachments()).
//
// Two tables (schema v3):
//   - attachment_blobs: every blob held in the device's attachment directory
//     (files named by SHA-256), with its size, media type and last use;
//   - attachment_uploads: the upload queue in FIFO order, each row a blob
//     attached on this device that the server has not confirmed yet, or (the
//     dead letter) one it refused for good, with the reason.
// A blob with an upload row (queued or refused) is pinned: eviction never
// removes it. The others are the download cache, evicted least recently used
// first. The files themselves are the Client's business; these rows are the
// truth about which ones are needed.
//
// Every method is one transaction. A row is queued only together with the
// outbox mutation that adds the hash to the finding's evidence
// (DeviceStore::AppendMutations), so a photo is never queued without the
// edit that references it, nor referenced without being queued.
//
// Thread-safety: NOT thread-safe; its owner serializes calls (as DeviceStore).
#ifndef INSPECTSYNC_STORAGE_DEVICE_ATTACHMENTS_H_
#define INSPECTSYNC_STORAGE_DEVICE_ATTACHMENTS_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "inspectsync/status.h"
#include "inspectsync/v1/attachments.pb.h"

namespace SQLite {
class Database;
}

namespace inspectsync::storage {

// One row of the upload queue or its dead letter.
struct AttachmentUpload {
  uint64_t seq = 0;             // queue order (assigned when queued)
  v1::AttachmentMeta meta;      // as sent with the upload
  int64_t queued_at_ms = 0;     // device clock
  bool rejected = false;        // in the dead letter
  StatusCode code = StatusCode::kOk;  // the refusal's code
  std::string reason;
  int64_t rejected_at_ms = 0;
};

// A blob held in the attachment directory.
struct AttachmentBlob {
  std::string sha256;
  uint64_t size = 0;
  std::string media_type;
  int64_t last_used_ms = 0;
  bool pinned = false;  // an upload (queued or refused) needs it
};

class DeviceAttachments {
 public:
  ~DeviceAttachments();
  DeviceAttachments(const DeviceAttachments&) = delete;
  DeviceAttachments& operator=(const DeviceAttachments&) = delete;

  // The queue (rejected = false) with seq <= through, or the dead letter
  // (rejected = true), in queue order.
  StatusOr<std::vector<AttachmentUpload>> ListUploads(bool rejected, uint64_t through = UINT64_MAX);
  // The highest seq queued so far (0: none).
  StatusOr<uint64_t> LastUploadSeq();
  // The server holds the blob: the upload row goes, the blob stays as cache
  // (evictable), counted as used at `now_ms`.
  Status FinishUpload(const std::string& sha256, int64_t now_ms);
  // The server refused the blob for good: the row moves to the dead letter.
  Status RejectUpload(const std::string& sha256, StatusCode code, const std::string& reason, int64_t now_ms);
  // Removes a dead letter the app has dealt with; its blob becomes cache.
  // NOT_FOUND if there is none for that hash.
  Status DismissRejected(const std::string& sha256);
  // Puts a dead letter back in the queue (e.g. after the quota was raised).
  // NOT_FOUND if there is none for that hash.
  Status RetryRejected(const std::string& sha256, int64_t now_ms);

  StatusOr<std::optional<AttachmentBlob>> GetBlob(const std::string& sha256);
  // Records a downloaded blob (or marks a held one used at `now_ms`).
  Status PutBlob(const AttachmentBlob& blob);
  Status TouchBlob(const std::string& sha256, int64_t now_ms);
  // Forgets a blob whose file is gone. Pinned blobs are kept (DATA_LOSS is
  // the caller's to report).
  Status ForgetBlob(const std::string& sha256);
  // Forgets unpinned blobs, least recently used first, until the unpinned
  // ones total at most `max_cache_bytes`; never `keep` (the blob being
  // handed to the app). Returns the hashes forgotten: their files are the
  // caller's to delete, after this commit.
  StatusOr<std::vector<std::string>> Evict(uint64_t max_cache_bytes, const std::string& keep);

 private:
  friend class DeviceStore;
  explicit DeviceAttachments(SQLite::Database* db);
  // Inside a transaction the DeviceStore holds: records the blob (pinned by
  // the new upload row) and queues its upload, unless one is queued or
  // refused already. Throws SQLite::Exception.
  void QueueInTransaction(const AttachmentUpload& upload);

  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace inspectsync::storage

#endif  // INSPECTSYNC_STORAGE_DEVICE_ATTACHMENTS_H_
