// Photo evidence on the device (issue 7): attach offline, upload after the
// finding is pushed (resumed from what the server holds), fetch on demand
// into a bounded cache.
//
// Files and rows: a blob's file is made whole and durable (temp, fsync,
// rename) BEFORE the transaction that queues it commits, so a queued upload
// always has its bytes; a crash in between leaves only an unreferenced file,
// which the next attach of the same bytes reuses. Evicted files are deleted
// AFTER the transaction that forgets them.
#include <algorithm>
#include <fstream>
#include <utility>
#include <vector>

#include "client-sdk/src/client_impl.h"
#include "client-sdk/src/record_util.h"
#include "core/crypto.h"
#include "core/hex.h"
#include "core/media.h"
#include "core/schema.h"
#include "inspectsync/v1/options.pb.h"

namespace inspectsync {

using core::IsSha256Hex;
using core::Sha256;
using core::SniffMediaType;
using sdk_internal::BlobWriter;

namespace {

constexpr size_t kChunkBytes = 256 << 10;

const std::string& FindingsCollection() {
  return v1::Finding::descriptor()->options().GetExtension(v1::collection);
}

// The server refused this blob for good: retrying unchanged cannot help.
// FAILED_PRECONDITION is the server saying the finding is not there: photos
// upload only after the push that carried their finding, so its create was
// refused (it is in Rejected()) and the photo can never attach to it.
bool PermanentRefusal(const Status& s) {
  return s.code() == StatusCode::kInvalidArgument || s.code() == StatusCode::kPermissionDenied ||
         s.code() == StatusCode::kResourceExhausted || s.code() == StatusCode::kFailedPrecondition;
}

Status TooBig(uint64_t size, uint64_t limit) {
  return ResourceExhausted("the photo has " + std::to_string(size) + " bytes, over the limit of " +
                           std::to_string(limit) + " (ClientOptions.max_attachment_bytes)");
}

Status CheckMediaType(const std::string& detected, const AttachOptions& o) {
  if (detected.empty())
    return InvalidArgument("not a JPEG, PNG, WebP, HEIC or PDF file (judged by its first bytes)");
  if (!o.media_type.empty() && o.media_type != detected)
    return InvalidArgument("media type '" + o.media_type + "' was given but the bytes are " + detected);
  return Status::Ok();
}

AttachmentUploadInfo ToInfo(const storage::AttachmentUpload& u) {
  AttachmentUploadInfo i;
  i.sha256 = u.meta.sha256();
  i.finding_id = u.meta.finding_id();
  i.size = u.meta.size();
  i.media_type = u.meta.media_type();
  i.queued_at_ms = u.queued_at_ms;
  i.code = u.code;
  i.reason = u.reason;
  i.rejected_at_ms = u.rejected_at_ms;
  return i;
}

}  // namespace

// ---------------------------------------------------------------- attach

Status Client::Impl::CheckAttachable(const std::string& finding_id) {
  const core::CollectionSpec* spec = core::FindCollection(FindingsCollection());
  INSPECTSYNC_RETURN_IF_ERROR(sdk_internal::CheckId(*spec, finding_id));
  std::lock_guard<std::mutex> lock(mu);
  auto view = store->GetView(FindingsCollection(), finding_id);
  if (!view.ok()) return view.status();
  if (!view->has_value() || (*view)->deleted) return sdk_internal::NoSuchRecord(*spec, finding_id);
  return Status::Ok();
}

StatusOr<std::string> Client::Impl::AttachFile(const std::string& finding_id, const std::string& path,
                                               const AttachOptions& o) {
  INSPECTSYNC_RETURN_IF_ERROR(CheckAttachable(finding_id));
  std::error_code ec;
  uint64_t size = std::filesystem::file_size(path, ec);
  std::ifstream in(path, std::ios::binary);
  if (ec || !in) return NotFound("cannot read the photo '" + path + "'");
  if (size > options.max_attachment_bytes) return TooBig(size, options.max_attachment_bytes);
  std::string head(16, '\0');
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<size_t>(in.gcount()));
  std::string media_type = SniffMediaType(head);
  INSPECTSYNC_RETURN_IF_ERROR(CheckMediaType(media_type, o));

  // Copy and hash in one pass, a chunk at a time.
  INSPECTSYNC_RETURN_IF_ERROR(blobs->Ensure());
  StagedBlob staged;
  staged.tmp = blobs->TempPath("attach-" + ids->NewUuidV7());
  staged.media_type = media_type;
  Status st = [&]() -> Status {
    auto out = BlobWriter::Open(staged.tmp, /*append=*/false);
    if (!out.ok()) return out.status();
    Sha256 hash;
    in.clear();
    in.seekg(0);
    std::vector<char> buf(kChunkBytes);
    while (in) {
      in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
      size_t n = static_cast<size_t>(in.gcount());
      if (n == 0) break;
      staged.size += n;
      // The file may grow while we read it: the limit holds for what we store.
      if (staged.size > options.max_attachment_bytes) return TooBig(staged.size, options.max_attachment_bytes);
      std::string_view chunk(buf.data(), n);
      hash.Update(chunk);
      INSPECTSYNC_RETURN_IF_ERROR((*out)->Write(chunk));
    }
    if (in.bad()) return Internal("cannot read the photo '" + path + "'");
    staged.sha256 = hash.HexDigest();
    return (*out)->SyncAndClose();
  }();
  if (!st.ok()) {
    std::filesystem::remove(staged.tmp, ec);
    return st;
  }
  return AttachStaged(finding_id, staged, o);
}

StatusOr<std::string> Client::Impl::AttachBytes(const std::string& finding_id, const std::string& bytes,
                                                const AttachOptions& o) {
  INSPECTSYNC_RETURN_IF_ERROR(CheckAttachable(finding_id));
  if (bytes.size() > options.max_attachment_bytes) return TooBig(bytes.size(), options.max_attachment_bytes);
  StagedBlob staged;
  staged.media_type = SniffMediaType(std::string_view(bytes).substr(0, 16));
  INSPECTSYNC_RETURN_IF_ERROR(CheckMediaType(staged.media_type, o));
  Sha256 hash;
  hash.Update(bytes);
  staged.sha256 = hash.HexDigest();
  staged.size = bytes.size();
  INSPECTSYNC_RETURN_IF_ERROR(blobs->Ensure());
  staged.tmp = blobs->TempPath("attach-" + ids->NewUuidV7());
  Status st = [&]() -> Status {
    auto out = BlobWriter::Open(staged.tmp, /*append=*/false);
    if (!out.ok()) return out.status();
    INSPECTSYNC_RETURN_IF_ERROR((*out)->Write(bytes));
    return (*out)->SyncAndClose();
  }();
  if (!st.ok()) {
    std::error_code ec;
    std::filesystem::remove(staged.tmp, ec);
    return st;
  }
  return AttachStaged(finding_id, staged, o);
}

StatusOr<std::string> Client::Impl::AttachStaged(const std::string& finding_id, const StagedBlob& staged,
                                                 const AttachOptions& o) {
  const std::string& findings = FindingsCollection();
  std::unique_lock<std::mutex> lock(mu);
  Status st = [&]() -> Status {
    auto view = store->GetView(findings, finding_id);
    if (!view.ok()) return view.status();
    if (!view->has_value() || (*view)->deleted)  // gone since CheckAttachable
      return sdk_internal::NoSuchRecord(*core::FindCollection(findings), finding_id);
    const v1::Finding& current = (*view)->body.finding();

    // The evidence edit, through the one path every write takes (checked as
    // the server will check it: a full list is INVALID_ARGUMENT naming the
    // max_items limit). Already listed: no edit, the upload is still ensured.
    Edit edit;
    edit.op = Edit::Op::kUpdate;
    edit.collection = findings;
    edit.id = finding_id;
    edit.fields = {"evidence"};
    v1::Finding* values = edit.body.mutable_finding();
    *values->mutable_evidence() = current.evidence();
    if (std::find(current.evidence().begin(), current.evidence().end(), staged.sha256) == current.evidence().end())
      values->add_evidence(staged.sha256);

    storage::AttachmentUpload upload;
    v1::AttachmentMeta& meta = upload.meta;
    meta.set_sha256(staged.sha256);
    meta.set_size(staged.size);
    meta.set_media_type(staged.media_type);
    meta.set_capture_hlc(hlc->Now());
    meta.set_capture_device_ms(clock->NowMillis());
    meta.set_has_position(o.has_position);
    if (o.has_position) {
      meta.set_latitude(o.latitude);
      meta.set_longitude(o.longitude);
    }
    meta.set_finding_id(finding_id);
    meta.set_finding_version((*view)->version);
    upload.queued_at_ms = clock->NowMillis();

    // The bytes first, so a committed queue row always has its file.
    const bool had_file = blobs->Has(staged.sha256);
    if (had_file) {
      std::error_code ec;
      std::filesystem::remove(staged.tmp, ec);  // the same bytes, stored once
    } else {
      INSPECTSYNC_RETURN_IF_ERROR(blobs->Commit(staged.tmp, staged.sha256));
    }
    auto applied = ApplyLocked({edit}, nullptr, /*stored=*/nullptr, &upload);
    if (!applied.ok()) {
      // Refused: leave no file behind unless a row needs it.
      auto known = store->attachments().GetBlob(staged.sha256);
      if (!had_file && known.ok() && !known->has_value()) blobs->Remove(staged.sha256);
      return Status(applied.status().code(),
                    "cannot attach the photo to finding " + finding_id + ": " + applied.status().message());
    }
    return Status::Ok();
  }();
  lock.unlock();
  std::error_code ec;
  std::filesystem::remove(staged.tmp, ec);  // whatever happened, no temp file stays
  if (!st.ok()) return st;
  NoteLocalWrite();  // the upload is a reason to sync even with no edit stored
  return staged.sha256;
}

// ---------------------------------------------------------------- upload

Status Client::Impl::UploadQueued(uint64_t through, SyncReport* report) {
  std::vector<storage::AttachmentUpload> queue;
  {
    std::lock_guard<std::mutex> lock(mu);
    auto q = store->attachments().ListUploads(/*rejected=*/false, through);
    if (!q.ok()) return q.status();
    queue = std::move(*q);
  }
  auto refuse = [&](const std::string& sha, const Status& why) -> Status {
    std::lock_guard<std::mutex> lock(mu);
    ++report->attachments_rejected;
    return store->attachments().RejectUpload(sha, why.code(), why.message(), clock->NowMillis());
  };
  auto done = [&](const std::string& sha) -> Status {
    std::lock_guard<std::mutex> lock(mu);
    ++report->attachments_uploaded;
    return store->attachments().FinishUpload(sha, clock->NowMillis());
  };
  for (const storage::AttachmentUpload& u : queue) {
    const std::string& sha = u.meta.sha256();
    const uint64_t size = u.meta.size();
    std::ifstream in(blobs->PathOf(sha), std::ios::binary);
    if (!in) {
      INSPECTSYNC_RETURN_IF_ERROR(refuse(sha, DataLoss("the device's copy of the photo is missing from '" +
                                                       blobs->PathOf(sha) + "'; it cannot be uploaded")));
      continue;
    }
    // Resume from what the server holds (a cut upload, or another device's).
    auto held = transport->AttachmentStatus(sha);
    if (!held.ok()) {
      if (!PermanentRefusal(held.status())) return held.status();
      INSPECTSYNC_RETURN_IF_ERROR(refuse(sha, held.status()));
      continue;
    }
    if (held->complete()) {
      INSPECTSYNC_RETURN_IF_ERROR(done(sha));
      continue;
    }
    const uint64_t offset = held->bytes_held() <= size ? held->bytes_held() : 0;
    in.seekg(static_cast<std::streamoff>(offset));
    uint64_t sent = 0;
    auto result = transport->UploadAttachment(u.meta, offset, [&](size_t max, std::string* out) -> Status {
      out->resize(std::min(max, kChunkBytes));
      in.read(out->data(), static_cast<std::streamsize>(out->size()));
      out->resize(static_cast<size_t>(in.gcount()));
      if (in.bad()) return Internal("cannot read the device's copy of photo " + sha);
      sent += out->size();
      return Status::Ok();
    });
    report->attachment_bytes_uploaded += sent;
    if (!result.ok()) {
      if (!PermanentRefusal(result.status())) return result.status();
      INSPECTSYNC_RETURN_IF_ERROR(refuse(sha, result.status()));
      continue;
    }
    INSPECTSYNC_RETURN_IF_ERROR(done(sha));
  }
  std::lock_guard<std::mutex> lock(mu);
  return EvictLocked("");  // uploaded photos joined the cache
}

// ---------------------------------------------------------------- fetch

Status Client::Impl::EvictLocked(const std::string& keep) {
  auto gone = store->attachments().Evict(options.attachment_cache_bytes, keep);
  if (!gone.ok()) return gone.status();
  for (const std::string& sha : *gone) blobs->Remove(sha);  // after the commit
  return Status::Ok();
}

StatusOr<std::string> Client::Impl::Fetch(const std::string& sha256) {
  if (!IsSha256Hex(sha256)) return InvalidArgument("'" + sha256 + "' is not a SHA-256 in lowercase hex");
  // Held already? (The common case: no lock but mu.)
  auto held = [&]() -> StatusOr<bool> {
    std::lock_guard<std::mutex> lock(mu);
    auto blob = store->attachments().GetBlob(sha256);
    if (!blob.ok()) return blob.status();
    if (!blob->has_value()) return false;
    if (blobs->Has(sha256)) {
      INSPECTSYNC_RETURN_IF_ERROR(store->attachments().TouchBlob(sha256, clock->NowMillis()));
      return true;
    }
    if ((*blob)->pinned)
      return DataLoss("the device's copy of photo " + sha256 + " is missing, and its upload needs it");
    INSPECTSYNC_RETURN_IF_ERROR(store->attachments().ForgetBlob(sha256));  // deleted behind our back
    return false;
  };
  auto have = held();
  if (!have.ok()) return have.status();
  if (*have) return blobs->PathOf(sha256);
  if (!transport)
    return FailedPrecondition("photo " + sha256 + " is not on this device and no sync server is configured");
  // One transport call at a time (the Transport contract): wait for a sync.
  std::lock_guard<std::timed_mutex> sync_lock(sync_mu);
  have = held();  // another Fetch may have brought it meanwhile
  if (!have.ok()) return have.status();
  if (*have) return blobs->PathOf(sha256);
  INSPECTSYNC_RETURN_IF_ERROR(DownloadLocked(sha256));
  return blobs->PathOf(sha256);
}

Status Client::Impl::DownloadLocked(const std::string& sha256) {
  INSPECTSYNC_RETURN_IF_ERROR(blobs->Ensure());
  // A partial download stays in tmp/ and the next Fetch resumes after it;
  // its bytes are hashed again, so a corrupt part is caught at the end.
  const std::string part = blobs->TempPath(sha256 + ".part");
  uint64_t offset = 0;
  Sha256 hash;
  std::error_code ec;
  if (std::filesystem::exists(part, ec)) {
    std::ifstream in(part, std::ios::binary);
    std::vector<char> buf(kChunkBytes);
    while (in.read(buf.data(), static_cast<std::streamsize>(buf.size())) || in.gcount() > 0) {
      hash.Update(std::string_view(buf.data(), static_cast<size_t>(in.gcount())));
      offset += static_cast<uint64_t>(in.gcount());
    }
  }
  auto out = BlobWriter::Open(part, /*append=*/true);
  if (!out.ok()) return out.status();
  uint64_t expected = options.max_attachment_bytes;  // until the meta says
  std::string media_type;
  Status bad;  // a download that can never be right: the part goes
  Status st = transport->DownloadAttachment(sha256, offset, [&](const v1::DownloadChunk& c) -> Status {
    if (c.has_meta()) {
      expected = c.meta().size();
      media_type = c.meta().media_type();
    }
    if (c.data().empty()) return Status::Ok();
    if (c.offset() != offset)
      return bad = DataLoss("the server sent bytes at offset " + std::to_string(c.offset()) + ", expected " +
                            std::to_string(offset));
    if (offset + c.data().size() > expected)
      return bad = DataLoss("the server sent more than the photo's " + std::to_string(expected) + " bytes");
    INSPECTSYNC_RETURN_IF_ERROR((*out)->Write(c.data()));
    hash.Update(c.data());
    offset += c.data().size();
    return Status::Ok();
  });
  Status synced = (*out)->SyncAndClose();
  if (st.ok() && bad.ok()) {
    std::string got = hash.HexDigest();
    if (got != sha256)
      bad = DataLoss("the downloaded bytes of photo " + sha256 + " hash to " + got + "; nothing was kept");
  }
  if (!bad.ok()) {
    std::filesystem::remove(part, ec);
    return bad;
  }
  if (!st.ok()) {
    if (offset == 0) std::filesystem::remove(part, ec);  // nothing to resume from
    return st;  // the part stays for the next attempt
  }
  INSPECTSYNC_RETURN_IF_ERROR(synced);
  INSPECTSYNC_RETURN_IF_ERROR(blobs->Commit(part, sha256));
  std::lock_guard<std::mutex> lock(mu);
  storage::AttachmentBlob blob;
  blob.sha256 = sha256;
  blob.size = offset;
  blob.media_type = media_type;
  blob.last_used_ms = clock->NowMillis();
  INSPECTSYNC_RETURN_IF_ERROR(store->attachments().PutBlob(blob));
  return EvictLocked(sha256);
}

// ---------------------------------------------------------------- Client

StatusOr<std::string> Client::AttachPhoto(const std::string& finding_id, const std::filesystem::path& path,
                                          const AttachOptions& options) {
  return impl_->AttachFile(finding_id, path.string(), options);
}

StatusOr<std::string> Client::AttachPhotoBytes(const std::string& finding_id, const std::string& bytes,
                                               const AttachOptions& options) {
  return impl_->AttachBytes(finding_id, bytes, options);
}

StatusOr<std::vector<AttachmentUploadInfo>> Client::PendingAttachments() {
  std::lock_guard<std::mutex> lock(impl_->mu);
  auto rows = impl_->store->attachments().ListUploads(/*rejected=*/false);
  if (!rows.ok()) return rows.status();
  std::vector<AttachmentUploadInfo> out;
  for (const storage::AttachmentUpload& u : *rows) out.push_back(ToInfo(u));
  return out;
}

StatusOr<std::vector<AttachmentUploadInfo>> Client::RejectedAttachments() {
  std::lock_guard<std::mutex> lock(impl_->mu);
  auto rows = impl_->store->attachments().ListUploads(/*rejected=*/true);
  if (!rows.ok()) return rows.status();
  std::vector<AttachmentUploadInfo> out;
  for (const storage::AttachmentUpload& u : *rows) out.push_back(ToInfo(u));
  return out;
}

Status Client::DismissRejectedAttachment(const std::string& sha256) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  INSPECTSYNC_RETURN_IF_ERROR(impl_->store->attachments().DismissRejected(sha256));
  return impl_->EvictLocked("");  // its bytes joined the cache
}

Status Client::RetryRejectedAttachment(const std::string& sha256) {
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    INSPECTSYNC_RETURN_IF_ERROR(impl_->store->attachments().RetryRejected(sha256, impl_->clock->NowMillis()));
  }
  impl_->NoteLocalWrite();
  return Status::Ok();
}

StatusOr<std::string> Client::FetchAttachment(const std::string& sha256) { return impl_->Fetch(sha256); }

}  // namespace inspectsync
