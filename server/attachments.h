// AttachmentEngine: the server half of photo evidence (issue 7), over the
// server's data directory and store, independent of gRPC — the gRPC
// AttachmentService is a thin adapter and the simulation drives this very
// engine in-process, as it does the SyncEngine.
//
// Blobs are content-addressed by SHA-256: assembled in a temporary file
// (<dir>/partial/<sha256>, which is also the resumable partial upload),
// verified, fsynced and renamed to <dir>/<aa>/<bb>/<sha256>; identical photos
// are stored once. Uploads of one hash are serialised: a second upload of a
// hash while one is in progress gets ABORTED (ask Status, then retry). Metadata rows (which finding, which version, capture time,
// position, who uploaded) live in the store. A partial upload is kept so a
// dropped connection resumes where it stopped. Blobs no finding references
// are collected after a grace period.
//
// Thread-safety: safe to call from several threads.
#ifndef INSPECTSYNC_SERVER_ATTACHMENTS_H_
#define INSPECTSYNC_SERVER_ATTACHMENTS_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "core/clock.h"
#include "inspectsync/status.h"
#include "inspectsync/v1/attachments.pb.h"
#include "server/sync_engine.h"

namespace inspectsync::server {

struct AttachmentOptions {
  std::string dir;                                 // REQUIRED: where blobs live
  uint64_t max_attachment_bytes = 25ull << 20;     // per attachment
  uint64_t device_quota_bytes = 2ull << 30;        // per device, all its uploads
  uint32_t chunk_bytes = 256 << 10;                // download chunks; uploads up to this per message
  int64_t gc_grace_ms = 7LL * 24 * 3600 * 1000;    // unreferenced blobs older than this go
  core::Clock* clock = core::SystemClock();
};

class AttachmentEngine {
 public:
  // `engine` decides who may see a finding (its scope) and gives the store.
  static StatusOr<std::unique_ptr<AttachmentEngine>> Open(SyncEngine* engine, AttachmentOptions options);
  virtual ~AttachmentEngine() = default;

  // One upload in progress. Append data in order; Finish verifies the hash
  // and commits. Destroyed without Finish, the bytes so far stay as the
  // partial upload Status reports.
  class Upload {
   public:
    virtual ~Upload() = default;
    virtual Status Append(const std::string& data) = 0;
    virtual StatusOr<v1::UploadResult> Finish() = 0;
  };
  // INVALID_ARGUMENT (bad hash, size, media type, offset), PERMISSION_DENIED
  // (a finding the caller may not see or change), FAILED_PRECONDITION (the
  // finding is not on the server yet: push it first), RESOURCE_EXHAUSTED
  // naming the limit (size, device quota), ABORTED (another upload of the
  // hash is in progress). Finish: DATA_LOSS when the bytes do not match the
  // hash (nothing is kept: upload again from 0).
  virtual StatusOr<std::unique_ptr<Upload>> BeginUpload(const Caller& caller, const v1::AttachmentMeta& meta,
                                                        uint64_t offset) = 0;
  virtual StatusOr<v1::AttachmentStatusResponse> Status(const Caller& caller, const std::string& sha256) = 0;
  // Streams the blob from `offset` in chunks; the first carries the meta of a
  // finding the caller may see. NOT_FOUND, PERMISSION_DENIED (no referencing
  // finding in the caller's scope: indistinguishable from NOT_FOUND's words).
  virtual inspectsync::Status Download(const Caller& caller, const v1::DownloadRequest& req,
                                       const std::function<inspectsync::Status(const v1::DownloadChunk&)>& on_chunk) = 0;
  // The same, one chunk at a time, for callers that write asynchronously
  // (the gRPC reactor). Next() returns false once the last chunk was given.
  class DownloadStream {
   public:
    virtual ~DownloadStream() = default;
    virtual StatusOr<bool> Next(v1::DownloadChunk* chunk) = 0;
  };
  virtual StatusOr<std::unique_ptr<DownloadStream>> BeginDownload(const Caller& caller,
                                                                  const v1::DownloadRequest& req) = 0;

  struct GcReport {
    uint64_t blobs_removed = 0, bytes_removed = 0, partials_removed = 0, blobs_kept = 0;
  };
  // Removes blobs (and stale partial uploads) no finding references, older
  // than the grace period.
  virtual StatusOr<GcReport> CollectGarbage() = 0;
};

}  // namespace inspectsync::server

#endif  // INSPECTSYNC_SERVER_ATTACHMENTS_H_
