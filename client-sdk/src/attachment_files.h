// The files of photo evidence on the device: SHA-256 (OpenSSL, kept out of
// public headers), media types from magic bytes, and the content-addressed
// directory where blobs become visible only whole and durable (temporary
// file, fsync, rename, fsync of the directory).
#ifndef INSPECTSYNC_CLIENT_SDK_SRC_ATTACHMENT_FILES_H_
#define INSPECTSYNC_CLIENT_SDK_SRC_ATTACHMENT_FILES_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "inspectsync/status.h"

namespace inspectsync::sdk_internal {

// Incremental SHA-256; HexDigest() once, at the end.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void Update(std::string_view data);
  std::string HexDigest();  // lowercase hex, 64 characters

 private:
  struct Ctx;
  std::unique_ptr<Ctx> ctx_;
};

// Whether `s` is 64 lowercase hex digits (the name of a blob everywhere).
bool IsSha256Hex(std::string_view s);

// The media type of a file from its first bytes (at least 16 of them when
// the file has that many): image/jpeg, image/png, image/webp, image/heic,
// application/pdf; "" when it is none of those.
std::string DetectMediaType(std::string_view head);

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
