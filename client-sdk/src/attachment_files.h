// The files of photo evidence on the device: the content-addressed
// directory where blobs become visible only whole and durable (temporary
// file, fsync, rename, fsync of the directory). Hashing (core/crypto.h),
// blob names (core/hex.h) and media types (core/media.h) are core's, shared
// with the server.
#ifndef INSPECTSYNC_CLIENT_SDK_SRC_ATTACHMENT_FILES_H_
#define INSPECTSYNC_CLIENT_SDK_SRC_ATTACHMENT_FILES_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "inspectsync/status.h"

namespace inspectsync::sdk_internal {

// A file written front to back (or appended to), synced before it counts.
class BlobWriter {
 public:
  static StatusOr<std::unique_ptr<BlobWriter>> Open(const std::string& path, bool append);
  ~BlobWriter();
  Status Write(std::string_view data);
  Status SyncAndClose();  // fsync, then close

 private:
  BlobWriter(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  int fd_;
  std::string path_;
};

// The attachment directory: <root>/<aa>/<sha256> for whole blobs,
// <root>/tmp/ for files being written.
class BlobDir {
 public:
  explicit BlobDir(std::string root) : root_(std::move(root)) {}
  const std::string& root() const { return root_; }
  std::string PathOf(const std::string& sha256) const;
  std::string TempPath(const std::string& name) const;
  // Creates root/tmp when missing.
  Status Ensure() const;
  // Renames the synced file `tmp` to PathOf(sha256) and syncs the directory,
  // so the blob appears whole or not at all, and stays after power loss.
  Status Commit(const std::string& tmp, const std::string& sha256) const;
  bool Has(const std::string& sha256) const;
  void Remove(const std::string& sha256) const;  // best effort

 private:
  std::string root_;
};

}  // namespace inspectsync::sdk_internal

#endif  // INSPECTSYNC_CLIENT_SDK_SRC_ATTACHMENT_FILES_H_
