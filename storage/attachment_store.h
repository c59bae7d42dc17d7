// AttachmentStore: the metadata of photo evidence (issue 7) in the server's
// database — which finding each photo was attached to, by whom, and how many
// bytes each device has been charged. The blobs themselves are files
// (server/attachments.cc); this is only their index.
//
// Model: `attachments` has one row per (sha256, finding_id): the meta the
// device sent, the authenticated uploader and the server time of the first
// attachment. `attachment_usage` has one row per (device, sha256) the device
// was charged for: a device pays once for each distinct photo it attaches,
// and GC refunds it when the photo goes. A device's usage is the sum of its
// rows, never a counter that could drift.
//
// Thread-safety: safe to call from several threads.
#ifndef INSPECTSYNC_STORAGE_ATTACHMENT_STORE_H_
#define INSPECTSYNC_STORAGE_ATTACHMENT_STORE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "inspectsync/status.h"

namespace inspectsync::storage {

struct AttachmentRow {
  std::string sha256;
  std::string finding_id;
  uint64_t size = 0;
  std::string media_type;
  std::string meta;  // serialized v1::AttachmentMeta, as the device sent it
  std::string uploader_user;
  std::string uploader_device;
  int64_t created_ms = 0;  // server clock, first attachment of this pair
};

class AttachmentStore {
 public:
  virtual ~AttachmentStore() = default;

  struct AttachResult {
    bool attached = false;      // false: over quota, nothing written
    uint64_t device_usage = 0;  // the device's usage after (or, refused, before) the attach
  };
  // In one transaction: charges row.size to row.uploader_device unless it
  // was charged for this hash already, refusing (attached = false) if that
  // takes its usage above `quota_bytes`; then inserts the row (an existing
  // row of the same pair is kept as it is).
  virtual StatusOr<AttachResult> Attach(const AttachmentRow& row, uint64_t quota_bytes) = 0;
  // Bytes charged to `device`, and whether one of them is for `sha256`.
  virtual StatusOr<uint64_t> DeviceUsage(const std::string& device) = 0;
  virtual StatusOr<bool> Charged(const std::string& device, const std::string& sha256) = 0;
  // Every row of `sha256`, oldest first.
  virtual Status RowsFor(const std::string& sha256, std::vector<AttachmentRow>* out) = 0;
  // Calls `fn(sha256, newest created_ms)` once per hash with rows.
  virtual Status ForEachHash(const std::function<Status(const std::string&, int64_t)>& fn) = 0;
  // Removes the rows and usage charges of `sha256` (GC).
  virtual Status Forget(const std::string& sha256) = 0;
};

// Opens the attachment tables of the SQLite server store at `path` on a
// connection of its own. FAILED_PRECONDITION if the file was not migrated by
// OpenSqliteServerStore first (ServerStore::attachments() does both).
StatusOr<std::unique_ptr<AttachmentStore>> OpenSqliteAttachmentStore(const std::string& path,
                                                                     bool synchronous_full = true);

}  // namespace inspectsync::storage

#endif  // INSPECTSYNC_STORAGE_ATTACHMENT_STORE_H_
