// AttachmentEngine over files in AttachmentOptions::dir and the store's
// attachment tables. Layout:
//   <dir>/partial/<sha256>      an upload in progress (the resumable partial)
//   <dir>/<aa>/<bb>/<sha256>    a verified blob, never modified, removed only by GC
// A file's mtime is set from the engine clock when it is written, so GC ages
// (and tests with a ManualClock) use one clock.
#include "core/quote.h"
#include "server/attachments.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <algorithm>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string_view>
#include <unordered_set>

#include "core/crypto.h"
#include "core/hex.h"
#include "core/ids.h"
#include "core/media.h"
#include "core/schema.h"
#include "storage/attachment_store.h"

namespace inspectsync::server {

namespace {

// The media types and their signatures are core's (core/media.h), shared
// with the SDK so that a device stages only what the server accepts.
constexpr size_t kMagicBytes = core::kMediaSniffBytes;
const char* const kMediaTypes = core::kAcceptedMediaTypes;
using core::IsSha256Hex;
using core::SniffMediaType;

std::string HexBytes(std::string_view bytes) {
  static const char* digits = "0123456789ABCDEF";
  std::string out;
  for (size_t i = 0; i < bytes.size() && i < 8; ++i) {
    if (i) out += ' ';
    out += digits[static_cast<unsigned char>(bytes[i]) >> 4];
    out += digits[static_cast<unsigned char>(bytes[i]) & 15];
  }
  return out;
}

Status CheckMagic(std::string_view head, const std::string& declared) {
  std::string found = SniffMediaType(head);
  if (found == declared) return Status::Ok();
  if (!found.empty())
    return InvalidArgument("the bytes are " + found + " but meta.media_type says " + declared);
  return InvalidArgument("the bytes (starting " + HexBytes(head) + ") are not " + declared +
                         " as meta.media_type says; accepted: " + kMediaTypes);
}

Status ErrnoStatus(const std::string& what, const std::string& path) {
  int e = errno;
  std::string m = what + " '" + path + "': " + std::strerror(e);
  if (e == ENOSPC || e == EDQUOT) return ResourceExhausted(m);
  return Internal(m);
}

// fsync of a directory makes the names created or removed in it durable.
Status SyncDir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus("cannot open directory", dir);
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return ErrnoStatus("cannot sync directory", dir);
  return Status::Ok();
}

// mkdir -p, making each directory it creates durable in its parent.
Status MakeDirs(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) == 0) return Status::Ok();
  auto slash = path.rfind('/');
  std::string parent = slash == std::string::npos || slash == 0 ? std::string(".") : path.substr(0, slash);
  if (slash != std::string::npos && slash != 0) INSPECTSYNC_RETURN_IF_ERROR(MakeDirs(parent));
  if (::mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) return ErrnoStatus("cannot create directory", path);
  return SyncDir(parent);
}

void SetMtime(int fd, int64_t ms) {
  struct timespec times[2];
  times[0].tv_sec = times[1].tv_sec = ms / 1000;
  times[0].tv_nsec = times[1].tv_nsec = (ms % 1000) * 1'000'000;
  ::futimens(fd, times);  // best effort: only GC ages depend on it
}

struct FileInfo {
  bool exists = false;
  uint64_t size = 0;
  int64_t mtime_ms = 0;
};

FileInfo Stat(const std::string& path) {
  FileInfo info;
  struct stat st;
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return info;
  info.exists = true;
  info.size = static_cast<uint64_t>(st.st_size);
  info.mtime_ms = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1'000'000;
  return info;
}

std::vector<std::string> ListDir(const std::string& dir) {
  std::vector<std::string> names;
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return names;
  while (dirent* e = ::readdir(d)) {
    std::string n = e->d_name;
    if (n != "." && n != "..") names.push_back(n);
  }
  ::closedir(d);
  return names;
}

Status PreadAll(int fd, char* buf, size_t n, uint64_t offset, const std::string& path) {
  while (n > 0) {
    ssize_t got = ::pread(fd, buf, n, static_cast<off_t>(offset));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return got < 0 ? ErrnoStatus("cannot read", path) : DataLoss("'" + path + "' is shorter than expected");
    buf += got;
    n -= static_cast<size_t>(got);
    offset += static_cast<uint64_t>(got);
  }
  return Status::Ok();
}

Status PwriteAll(int fd, const char* buf, size_t n, uint64_t offset, const std::string& path) {
  while (n > 0) {
    ssize_t put = ::pwrite(fd, buf, n, static_cast<off_t>(offset));
    if (put < 0 && errno == EINTR) continue;
    if (put < 0) return ErrnoStatus("cannot write", path);
    buf += put;
    n -= static_cast<size_t>(put);
    offset += static_cast<uint64_t>(put);
  }
  return Status::Ok();
}

std::string MiB(uint64_t bytes) {
  if (bytes % (1 << 20) == 0) return std::to_string(bytes >> 20) + " MiB";
  return std::to_string(bytes) + " bytes";
}

// Collections whose records carry an `evidence` list of hashes (findings,
// verifications): what GC and downloads look for references in.
std::vector<const core::CollectionSpec*> EvidenceCollections() {
  std::vector<const core::CollectionSpec*> out;
  for (const core::CollectionSpec* spec : core::AllCollections()) {
    const auto* f = spec->descriptor()->FindFieldByName("evidence");
    if (f != nullptr && f->is_repeated() && f->type() == google::protobuf::FieldDescriptor::TYPE_STRING)
      out.push_back(spec);
  }
  return out;
}

// Calls `fn(record, message)` for every live record of the evidence
// collections that `scope` sees (scope == nullptr: all of them).
Status ForEachEvidenceRecord(storage::ServerStore* store, const Scope* scope,
                             const std::function<void(const storage::StoredRecord&,
                                                      const google::protobuf::Message&)>& fn) {
  for (const core::CollectionSpec* spec : EvidenceCollections()) {
    std::unique_ptr<google::protobuf::Message> msg(
        google::protobuf::MessageFactory::generated_factory()->GetPrototype(spec->descriptor())->New());
    INSPECTSYNC_RETURN_IF_ERROR(store->ScanCollection(spec->name(), [&](const storage::StoredRecord& r) -> Status {
      if (r.deleted) return Status::Ok();
      if (scope != nullptr && !scope->Sees(r.scope)) return Status::Ok();  // filter before parsing
      if (!msg->ParseFromString(r.body)) return DataLoss("stored " + spec->name() + " " + r.id + " is corrupt");
      fn(r, *msg);
      return Status::Ok();
    }));
  }
  return Status::Ok();
}

std::vector<std::string> EvidenceOf(const google::protobuf::Message& m) {
  const auto* f = m.GetDescriptor()->FindFieldByName("evidence");
  const auto* refl = m.GetReflection();
  std::vector<std::string> out;
  for (int i = 0; i < refl->FieldSize(m, f); ++i) out.push_back(refl->GetRepeatedString(m, f, i));
  return out;
}

// Uploads of one hash run one at a time: two devices sending the same photo
// would otherwise interleave writes into one partial file.
class HashLocks {
 public:
  class Lease {
   public:
    Lease(HashLocks* locks, std::string sha) : locks_(locks), sha_(std::move(sha)) {}
    ~Lease() { locks_->Release(sha_); }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;

   private:
    HashLocks* locks_;
    std::string sha_;
  };
  // nullptr while another lease of `sha` is held.
  std::unique_ptr<Lease> TryAcquire(const std::string& sha) {
    std::lock_guard<std::mutex> lock(mu_);
    if (!held_.insert(sha).second) return nullptr;
    return std::make_unique<Lease>(this, sha);
  }

 private:
  void Release(const std::string& sha) {
    std::lock_guard<std::mutex> lock(mu_);
    held_.erase(sha);
  }
  std::mutex mu_;
  std::unordered_set<std::string> held_;
};

class Engine;

class UploadImpl final : public AttachmentEngine::Upload {
 public:
  UploadImpl(Engine* engine, std::unique_ptr<HashLocks::Lease> lease, Caller caller, v1::AttachmentMeta meta,
             bool stored)
      : engine_(engine),
        lease_(std::move(lease)),
        caller_(std::move(caller)),
        meta_(std::move(meta)),
        stored_(stored),
        hash_(std::make_unique<core::Sha256>()) {}
  ~UploadImpl() override;

  // Opens the partial and re-hashes its first `offset` bytes. REQUIRES: !stored.
  Status OpenPartial(uint64_t offset);
  Status Append(const std::string& data) override;
  StatusOr<v1::UploadResult> Finish() override;

 private:
  // Ends the upload with `error`: the partial goes back to what it was
  // before this upload (all of it goes if `discard` — its corruption may
  // lie in any earlier part).
  Status Reject(Status error, bool discard);
  Status AddHead(std::string_view data);

  Engine* engine_;
  std::unique_ptr<HashLocks::Lease> lease_;
  Caller caller_;
  v1::AttachmentMeta meta_;
  bool stored_;  // the blob is there already: bytes sent are only counted
  std::unique_ptr<core::Sha256> hash_;  // of the bytes held, from 0
  std::string path_;
  int fd_ = -1;
  uint64_t start_ = 0;     // offset this upload began at
  uint64_t received_ = 0;  // bytes held, from 0
  std::string head_;       // the first kMagicBytes bytes
  bool head_checked_ = false;
  bool ended_ = false;
};

class DownloadImpl final : public AttachmentEngine::DownloadStream {
 public:
  DownloadImpl(int fd, std::string path, uint64_t offset, uint64_t size, uint32_t chunk, v1::AttachmentMeta meta)
      : fd_(fd), path_(std::move(path)), pos_(offset), size_(size), chunk_(chunk), meta_(std::move(meta)) {}
  ~DownloadImpl() override { ::close(fd_); }

  StatusOr<bool> Next(v1::DownloadChunk* chunk) override {
    if (done_) return false;
    chunk->Clear();
    if (first_) *chunk->mutable_meta() = meta_;
    first_ = false;
    chunk->set_offset(pos_);
    size_t n = static_cast<size_t>(std::min<uint64_t>(chunk_, size_ - pos_));
    std::string* data = chunk->mutable_data();
    data->resize(n);
    INSPECTSYNC_RETURN_IF_ERROR(PreadAll(fd_, data->data(), n, pos_, path_));
    pos_ += n;
    done_ = pos_ >= size_;
    return true;
  }

 private:
  int fd_;  // open even if GC unlinks the blob meanwhile
  std::string path_;
  uint64_t pos_, size_;
  uint32_t chunk_;
  v1::AttachmentMeta meta_;
  bool first_ = true, done_ = false;
};

class Engine final : public AttachmentEngine {
 public:
  Engine(SyncEngine* engine, AttachmentOptions o)
      : engine_(engine), o_(std::move(o)), store_(engine->store()->attachments()) {}

  std::string PartialDir() const { return o_.dir + "/partial"; }
  std::string PartialPath(const std::string& sha) const { return PartialDir() + "/" + sha; }
  std::string BlobDir(const std::string& sha) const { return o_.dir + "/" + sha.substr(0, 2) + "/" + sha.substr(2, 2); }
  std::string BlobPath(const std::string& sha) const { return BlobDir(sha) + "/" + sha; }
  const AttachmentOptions& options() const { return o_; }
  storage::AttachmentStore* store() { return store_; }
  int64_t NowMs() { return o_.clock->NowMillis(); }

  inspectsync::Status CheckQuota(const std::string& device, const std::string& sha, uint64_t size) {
    auto charged = store_->Charged(device, sha);
    if (!charged.ok()) return charged.status();
    if (*charged) return inspectsync::Status::Ok();  // paid for once
    auto usage = store_->DeviceUsage(device);
    if (!usage.ok()) return usage.status();
    if (*usage + size > o_.device_quota_bytes) return QuotaExceeded(device, *usage, size);
    return inspectsync::Status::Ok();
  }

  inspectsync::Status QuotaExceeded(const std::string& device, uint64_t usage, uint64_t size) const {
    return ResourceExhausted("device '" + device + "' has uploaded " + std::to_string(usage) + " bytes; " +
                             std::to_string(size) + " more would pass its device_quota_bytes of " +
                             MiB(o_.device_quota_bytes));
  }

  StatusOr<std::unique_ptr<Upload>> BeginUpload(const Caller& caller, const v1::AttachmentMeta& meta,
                                                uint64_t offset) override {
    INSPECTSYNC_RETURN_IF_ERROR(CheckMeta(meta, offset));
    INSPECTSYNC_RETURN_IF_ERROR(CheckMayAttach(caller, meta.finding_id()));
    auto lease = locks_.TryAcquire(meta.sha256());
    if (!lease)
      return inspectsync::Status(StatusCode::kAborted, "another upload of " + meta.sha256() +
                                              " is in progress; ask Status for the bytes held and retry");
    INSPECTSYNC_RETURN_IF_ERROR(CheckQuota(caller.device, meta.sha256(), meta.size()));
    FileInfo blob = Stat(BlobPath(meta.sha256()));
    if (blob.exists) {
      // Stored and verified already: the declared size and type must still fit it.
      if (blob.size != meta.size())
        return InvalidArgument("sha256 " + meta.sha256() + " is a file of " + std::to_string(blob.size) +
                               " bytes, not meta.size " + std::to_string(meta.size()));
      std::string head(static_cast<size_t>(std::min<uint64_t>(kMagicBytes, blob.size)), '\0');
      int fd = ::open(BlobPath(meta.sha256()).c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) return ErrnoStatus("cannot open", BlobPath(meta.sha256()));
      inspectsync::Status read = PreadAll(fd, head.data(), head.size(), 0, BlobPath(meta.sha256()));
      ::close(fd);
      INSPECTSYNC_RETURN_IF_ERROR(read);
      INSPECTSYNC_RETURN_IF_ERROR(CheckMagic(head, meta.media_type()));
      return std::unique_ptr<Upload>(new UploadImpl(this, std::move(lease), caller, meta, /*stored=*/true));
    }
    auto up = std::make_unique<UploadImpl>(this, std::move(lease), caller, meta, /*stored=*/false);
    INSPECTSYNC_RETURN_IF_ERROR(up->OpenPartial(offset));
    return std::unique_ptr<Upload>(std::move(up));
  }

  StatusOr<v1::AttachmentStatusResponse> Status(const Caller& caller, const std::string& sha256) override {
    if (!IsSha256Hex(sha256)) return InvalidArgument("sha256 must be 64 lowercase hex digits, got " + core::Quote(sha256));
    auto role = ParseRole(caller.role);
    if (!role.ok()) return role.status();
    v1::AttachmentStatusResponse out;
    FileInfo blob = Stat(BlobPath(sha256));
    if (blob.exists) {
      out.set_complete(true);
      out.set_bytes_held(blob.size);
    } else {
      out.set_bytes_held(Stat(PartialPath(sha256)).size);
    }
    return out;
  }

  StatusOr<std::unique_ptr<DownloadStream>> BeginDownload(const Caller& caller,
                                                          const v1::DownloadRequest& req) override {
    const std::string& sha = req.sha256();
    if (!IsSha256Hex(sha)) return InvalidArgument("sha256 must be 64 lowercase hex digits, got " + core::Quote(sha));
    auto meta = VisibleMeta(caller, sha);
    if (!meta.ok()) return meta.status();
    if (!meta->has_value())  // the same words whether it exists or not
      return NotFound("no photo " + sha + " of a finding you may see");
    std::string path = BlobPath(sha);
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return NotFound("photo " + sha + " is not on the server yet: the device that took it uploads it");
    struct stat st;
    if (::fstat(fd, &st) != 0) {
      ::close(fd);
      return ErrnoStatus("cannot stat", path);
    }
    uint64_t size = static_cast<uint64_t>(st.st_size);
    if (req.offset() > size) {
      ::close(fd);
      return inspectsync::Status(StatusCode::kOutOfRange, "offset " + std::to_string(req.offset()) + " is past the end of photo " +
                                                 sha + " (" + std::to_string(size) + " bytes)");
    }
    (*meta)->set_size(size);
    return std::unique_ptr<DownloadStream>(
        new DownloadImpl(fd, path, req.offset(), size, std::max<uint32_t>(1, o_.chunk_bytes), std::move(**meta)));
  }

  inspectsync::Status Download(const Caller& caller, const v1::DownloadRequest& req,
                               const std::function<inspectsync::Status(const v1::DownloadChunk&)>& on_chunk) override {
    auto stream = BeginDownload(caller, req);
    if (!stream.ok()) return stream.status();
    v1::DownloadChunk chunk;
    for (;;) {
      auto more = (*stream)->Next(&chunk);
      if (!more.ok()) return more.status();
      if (!*more) return inspectsync::Status::Ok();
      INSPECTSYNC_RETURN_IF_ERROR(on_chunk(chunk));
    }
  }

  StatusOr<GcReport> CollectGarbage() override;

 private:
  inspectsync::Status CheckMeta(const v1::AttachmentMeta& meta, uint64_t offset) const {
    if (!IsSha256Hex(meta.sha256()))
      return InvalidArgument("meta.sha256 must be 64 lowercase hex digits, got " + core::Quote(meta.sha256()));
    if (meta.size() == 0) return InvalidArgument("meta.size is 0: a photo has bytes");
    if (meta.size() > o_.max_attachment_bytes)
      return ResourceExhausted("the photo is " + std::to_string(meta.size()) + " bytes; max_attachment_bytes is " +
                               MiB(o_.max_attachment_bytes) + " per attachment");
    if (!core::IsAcceptedMediaType(meta.media_type()))
      return InvalidArgument("meta.media_type " + core::Quote(meta.media_type()) + " is not accepted; accepted: " + kMediaTypes);
    if (!core::IsUuid(meta.finding_id()))
      return InvalidArgument("meta.finding_id " + core::Quote(meta.finding_id()) + " is not a finding id (a UUID)");
    if (offset > meta.size())
      return InvalidArgument("offset " + std::to_string(offset) + " is past meta.size " + std::to_string(meta.size()));
    return inspectsync::Status::Ok();
  }

  // Photos are attached to findings already on the server, by callers who
  // may change them (see docs/DESIGN-NOTES.md, "Attachments").
  inspectsync::Status CheckMayAttach(const Caller& caller, const std::string& finding_id) {
    auto role = ParseRole(caller.role);
    if (!role.ok()) return role.status();
    if (*role == Role::kIntegration)
      return inspectsync::Status(StatusCode::kPermissionDenied,
                                 "the integration role downloads evidence; it does not upload photos");
    std::string denied = WriteDenied(*role, *core::FindCollection("findings"));
    if (!denied.empty()) return inspectsync::Status(StatusCode::kPermissionDenied, denied);
    auto rec = engine_->store()->GetRecord("findings", finding_id);
    if (!rec.ok()) return rec.status();
    if (!rec->has_value())
      return FailedPrecondition("finding " + finding_id +
                                " is not on the server: push it before its photos (if its create was refused, the photo "
                                "cannot attach to it)");
    auto scope = engine_->ScopeOf(caller);
    if (!scope.ok()) return scope.status();
    if (!scope->Sees((*rec)->scope))
      return inspectsync::Status(StatusCode::kPermissionDenied,
                                 "you may not add evidence to finding " + finding_id +
                                     ": it is at a site you are not assigned to");
    return inspectsync::Status::Ok();
  }

  // The meta of one finding the caller may see that references `sha` (an
  // attachment row, or a record's evidence list), or nothing.
  StatusOr<std::optional<v1::AttachmentMeta>> VisibleMeta(const Caller& caller, const std::string& sha) {
    auto scope = engine_->ScopeOf(caller);
    if (!scope.ok()) return scope.status();
    std::vector<storage::AttachmentRow> rows;
    INSPECTSYNC_RETURN_IF_ERROR(store_->RowsFor(sha, &rows));
    for (const auto& row : rows) {
      auto rec = engine_->store()->GetRecord("findings", row.finding_id);
      if (!rec.ok()) return rec.status();
      if (!rec->has_value() || !scope->Sees((*rec)->scope)) continue;
      v1::AttachmentMeta meta;
      if (!meta.ParseFromString(row.meta)) return DataLoss("stored meta of photo " + sha + " is corrupt");
      return std::optional<v1::AttachmentMeta>(std::move(meta));
    }
    // No row of a visible finding: a visible record may still list the hash
    // (another device attached the same photo without uploading it). A scan
    // of the caller's evidence records, rare: uploads make rows.
    std::optional<v1::AttachmentMeta> found;
    INSPECTSYNC_RETURN_IF_ERROR(ForEachEvidenceRecord(
        engine_->store(), &*scope, [&](const storage::StoredRecord& r, const google::protobuf::Message& m) {
          if (found) return;
          for (const auto& e : EvidenceOf(m)) {
            if (e != sha) continue;
            v1::AttachmentMeta meta;  // nothing of other findings' rows (position, capture) leaks
            meta.set_sha256(sha);
            const auto* fid = m.GetDescriptor()->FindFieldByName("finding_id");
            meta.set_finding_id(r.collection == "findings" || fid == nullptr
                                    ? r.id
                                    : m.GetReflection()->GetString(m, fid));
            if (!rows.empty()) meta.set_media_type(rows.front().media_type);
            found = std::move(meta);
            return;
          }
        }));
    return found;
  }

  SyncEngine* engine_;
  AttachmentOptions o_;
  storage::AttachmentStore* store_;
  HashLocks locks_;
};

UploadImpl::~UploadImpl() {
  if (fd_ < 0) return;
  // Dropped mid-way: the bytes so far stay as the partial Status reports,
  // durable so a resume after a power cut does not meet a hole.
  ::fsync(fd_);
  ::close(fd_);
}

Status UploadImpl::OpenPartial(uint64_t offset) {
  INSPECTSYNC_RETURN_IF_ERROR(MakeDirs(engine_->PartialDir()));
  path_ = engine_->PartialPath(meta_.sha256());
  fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd_ < 0) return ErrnoStatus("cannot open", path_);
  struct stat st;
  if (::fstat(fd_, &st) != 0) return ErrnoStatus("cannot stat", path_);
  uint64_t held = static_cast<uint64_t>(st.st_size);
  if (offset > held) {
    ::close(fd_);
    fd_ = -1;
    if (held == 0) ::unlink(path_.c_str());  // created just now: leave nothing
    return InvalidArgument("the server holds " + std::to_string(held) + " bytes of " + meta_.sha256() +
                           ", not " + std::to_string(offset) + ": resume from offset " + std::to_string(held));
  }
  if (offset < held && ::ftruncate(fd_, static_cast<off_t>(offset)) != 0) return ErrnoStatus("cannot truncate", path_);
  hash_ = std::make_unique<core::Sha256>();
  // The hash state does not survive a dropped stream: hash the kept bytes again.
  std::string buf(std::min<uint64_t>(offset, 1 << 20), '\0');
  for (uint64_t pos = 0; pos < offset;) {
    size_t n = static_cast<size_t>(std::min<uint64_t>(buf.size(), offset - pos));
    INSPECTSYNC_RETURN_IF_ERROR(PreadAll(fd_, buf.data(), n, pos, path_));
    hash_->Update(std::string_view(buf.data(), n));
    if (head_.size() < kMagicBytes) head_.append(buf.data(), std::min(n, kMagicBytes - head_.size()));
    pos += n;
  }
  start_ = received_ = offset;
  return Status::Ok();
}

Status UploadImpl::AddHead(std::string_view data) {
  if (head_checked_) return Status::Ok();
  if (head_.size() < kMagicBytes) head_.append(data.substr(0, kMagicBytes - head_.size()));
  if (head_.size() < std::min<uint64_t>(kMagicBytes, meta_.size())) return Status::Ok();  // not enough yet
  head_checked_ = true;
  return CheckMagic(head_, meta_.media_type());
}

Status UploadImpl::Reject(Status error, bool discard) {
  ended_ = true;
  if (fd_ >= 0) {
    if (discard || start_ == 0) {
      ::unlink(path_.c_str());
    } else if (::ftruncate(fd_, static_cast<off_t>(start_)) == 0) {
      ::fsync(fd_);
    }
    ::close(fd_);
    fd_ = -1;
  }
  return error;
}

Status UploadImpl::Append(const std::string& data) {
  if (ended_) return FailedPrecondition("the upload of " + meta_.sha256() + " has ended");
  if (received_ + data.size() > meta_.size())
    return Reject(InvalidArgument("the upload carries more than meta.size = " + std::to_string(meta_.size()) +
                                  " bytes"),
                  false);
  if (stored_) {
    received_ += data.size();
    return Status::Ok();
  }
  INSPECTSYNC_RETURN_IF_ERROR(PwriteAll(fd_, data.data(), data.size(), received_, path_));
  hash_->Update(data);
  received_ += data.size();
  SetMtime(fd_, engine_->NowMs());  // GC ages a partial from its last byte
  Status magic = AddHead(data);
  if (!magic.ok()) return Reject(magic, false);
  return Status::Ok();
}

StatusOr<v1::UploadResult> UploadImpl::Finish() {
  if (ended_) return FailedPrecondition("the upload of " + meta_.sha256() + " has ended");
  const std::string& sha = meta_.sha256();
  if (!stored_ && received_ < meta_.size()) {
    ended_ = true;  // the bytes stay (the destructor syncs them)
    return InvalidArgument("the upload ended after " + std::to_string(received_) + " of " +
                           std::to_string(meta_.size()) + " bytes; the server keeps them: resume from offset " +
                           std::to_string(received_));
  }
  if (!stored_) {
    head_checked_ = false;  // a file shorter than a signature is checked here, whole
    Status magic = AddHead("");
    if (!magic.ok()) return Reject(magic, false);
    std::string got = hash_->HexDigest();
    if (got != sha)
      return Reject(DataLoss("the bytes received do not match sha256 " + sha + " (they hash to " + got +
                             "); nothing was kept: upload the photo again from offset 0"),
                    /*discard=*/true);
    if (::fsync(fd_) != 0) return Reject(ErrnoStatus("cannot sync", path_), false);
  }
  // The row (and the device's charge) commit before the blob takes its name:
  // a crash in between leaves a complete partial, which the next upload
  // finishes from offset = size.
  storage::AttachmentRow row;
  row.sha256 = sha;
  row.finding_id = meta_.finding_id();
  row.size = meta_.size();
  row.media_type = meta_.media_type();
  row.meta = meta_.SerializeAsString();
  row.uploader_user = caller_.user;
  row.uploader_device = caller_.device;
  row.created_ms = engine_->NowMs();
  auto attached = engine_->store()->Attach(row, engine_->options().device_quota_bytes);
  if (!attached.ok()) return Reject(attached.status(), false);
  if (!attached->attached)
    return Reject(engine_->QuotaExceeded(caller_.device, attached->device_usage, meta_.size()), /*discard=*/true);
  if (!stored_) {
    std::string dir = engine_->BlobDir(sha);
    INSPECTSYNC_RETURN_IF_ERROR(MakeDirs(dir));
    SetMtime(fd_, row.created_ms);
    if (::rename(path_.c_str(), engine_->BlobPath(sha).c_str()) != 0)
      return ErrnoStatus("cannot move the verified photo to", engine_->BlobPath(sha));
    INSPECTSYNC_RETURN_IF_ERROR(SyncDir(dir));
    INSPECTSYNC_RETURN_IF_ERROR(SyncDir(engine_->PartialDir()));
    ::close(fd_);
    fd_ = -1;
  }
  ended_ = true;
  v1::UploadResult out;
  out.set_sha256(sha);
  out.set_size(meta_.size());
  out.set_already_stored(stored_);
  return out;
}

StatusOr<AttachmentEngine::GcReport> Engine::CollectGarbage() {
  GcReport report;
  const int64_t now = NowMs();
  std::set<std::string> referenced;
  INSPECTSYNC_RETURN_IF_ERROR(ForEachEvidenceRecord(
      engine_->store(), nullptr, [&](const storage::StoredRecord&, const google::protobuf::Message& m) {
        for (auto& e : EvidenceOf(m)) referenced.insert(std::move(e));
      }));
  // A hash's age: since its newest attachment row, or for a file without
  // rows (left by a crash inside GC) since the file's mtime.
  std::map<std::string, int64_t> newest;
  INSPECTSYNC_RETURN_IF_ERROR(store_->ForEachHash([&](const std::string& sha, int64_t ms) {
    newest[sha] = ms;
    return inspectsync::Status::Ok();
  }));
  std::map<std::string, FileInfo> blobs;
  for (const auto& aa : ListDir(o_.dir)) {
    if (aa.size() != 2) continue;  // not "partial"
    for (const auto& bb : ListDir(o_.dir + "/" + aa))
      for (const auto& name : ListDir(o_.dir + "/" + aa + "/" + bb))
        if (IsSha256Hex(name)) blobs[name] = Stat(o_.dir + "/" + aa + "/" + bb + "/" + name);
  }
  std::set<std::string> hashes;
  for (const auto& [sha, ms] : newest) hashes.insert(sha);
  for (const auto& [sha, info] : blobs) hashes.insert(sha);
  for (const auto& sha : hashes) {
    auto blob = blobs.find(sha);
    bool on_disk = blob != blobs.end() && blob->second.exists;
    auto keep = [&] { report.blobs_kept += on_disk ? 1 : 0; };
    if (referenced.count(sha)) {
      keep();
      continue;
    }
    auto lease = locks_.TryAcquire(sha);  // an upload of it in progress: not now
    if (!lease) {
      keep();
      continue;
    }
    // Read again under the lease: an upload may have attached it since.
    std::vector<storage::AttachmentRow> rows;
    INSPECTSYNC_RETURN_IF_ERROR(store_->RowsFor(sha, &rows));
    int64_t age_from = on_disk ? blob->second.mtime_ms : 0;
    for (const auto& r : rows) age_from = std::max(age_from, r.created_ms);
    if (now - age_from < o_.gc_grace_ms) {
      keep();
      continue;
    }
    // Rows first: a crash before the unlink leaves a row-less file, whose
    // mtime is old, so the next run removes it.
    INSPECTSYNC_RETURN_IF_ERROR(store_->Forget(sha));
    if (on_disk) {
      if (::unlink(BlobPath(sha).c_str()) != 0 && errno != ENOENT) return ErrnoStatus("cannot remove", BlobPath(sha));
      INSPECTSYNC_RETURN_IF_ERROR(SyncDir(BlobDir(sha)));
      ++report.blobs_removed;
      report.bytes_removed += blob->second.size;
    }
  }
  bool removed_partial = false;
  for (const auto& name : ListDir(PartialDir())) {
    FileInfo info = Stat(PartialPath(name));
    if (!info.exists || now - info.mtime_ms < o_.gc_grace_ms) continue;
    auto lease = locks_.TryAcquire(name);
    if (!lease) continue;
    if (::unlink(PartialPath(name).c_str()) == 0) {
      ++report.partials_removed;
      removed_partial = true;
    }
  }
  if (removed_partial) INSPECTSYNC_RETURN_IF_ERROR(SyncDir(PartialDir()));
  return report;
}

}  // namespace

StatusOr<std::unique_ptr<AttachmentEngine>> AttachmentEngine::Open(SyncEngine* engine, AttachmentOptions options) {
  if (options.dir.empty()) return InvalidArgument("AttachmentOptions.dir is required: where photos are stored");
  while (options.dir.size() > 1 && options.dir.back() == '/') options.dir.pop_back();
  if (options.clock == nullptr) options.clock = core::SystemClock();
  if (engine->store()->attachments() == nullptr)
    return FailedPrecondition("the server store keeps no attachment metadata");
  INSPECTSYNC_RETURN_IF_ERROR(MakeDirs(options.dir + "/partial"));
  return std::unique_ptr<AttachmentEngine>(new Engine(engine, std::move(options)));
}

}  // namespace inspectsync::server
