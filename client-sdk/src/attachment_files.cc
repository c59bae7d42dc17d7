#include "client-sdk/src/attachment_files.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace inspectsync::sdk_internal {

namespace fs = std::filesystem;

namespace {

Status IoError(const std::string& what, const std::string& path) {
  int err = errno;
  std::string msg = what + " '" + path + "': " + std::strerror(err);
  // A full disk is the device's resource, not a bug.
  if (err == ENOSPC || err == EDQUOT) return ResourceExhausted(msg);
  return Internal(msg);
}

Status SyncDir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return IoError("cannot open directory", dir);
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return IoError("cannot sync directory", dir);
  return Status::Ok();
}

}  // namespace

// ---------------------------------------------------------------- BlobWriter

StatusOr<std::unique_ptr<BlobWriter>> BlobWriter::Open(const std::string& path, bool append) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC), 0600);
  if (fd < 0) return IoError("cannot create", path);
  return std::unique_ptr<BlobWriter>(new BlobWriter(fd, path));
}

BlobWriter::~BlobWriter() {
  if (fd_ >= 0) ::close(fd_);
}

Status BlobWriter::Write(std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd_, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return IoError("cannot write", path_);
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Status::Ok();
}

Status BlobWriter::SyncAndClose() {
  int rc = ::fsync(fd_);
  int close_rc = ::close(fd_);
  fd_ = -1;
  if (rc != 0 || close_rc != 0) return IoError("cannot sync", path_);
  return Status::Ok();
}

// ---------------------------------------------------------------- BlobDir

std::string BlobDir::PathOf(const std::string& sha256) const {
  return root_ + "/" + sha256.substr(0, 2) + "/" + sha256;
}

std::string BlobDir::TempPath(const std::string& name) const { return root_ + "/tmp/" + name; }

Status BlobDir::Ensure() const {
  std::error_code ec;
  fs::create_directories(root_ + "/tmp", ec);
  if (ec) return Internal("cannot create the attachment directory '" + root_ + "': " + ec.message());
  return Status::Ok();
}

Status BlobDir::Commit(const std::string& tmp, const std::string& sha256) const {
  std::string final_path = PathOf(sha256);
  std::string dir = fs::path(final_path).parent_path().string();
  std::error_code ec;
  bool made = fs::create_directories(dir, ec);
  if (ec) return Internal("cannot create '" + dir + "': " + ec.message());
  if (made) INSPECTSYNC_RETURN_IF_ERROR(SyncDir(root_));
  if (::rename(tmp.c_str(), final_path.c_str()) != 0) return IoError("cannot rename to", final_path);
  return SyncDir(dir);
}

bool BlobDir::Has(const std::string& sha256) const {
  std::error_code ec;
  return fs::is_regular_file(PathOf(sha256), ec);
}

void BlobDir::Remove(const std::string& sha256) const { ::unlink(PathOf(sha256).c_str()); }

}  // namespace inspectsync::sdk_internal
