// FakeAttachmentServer: the FakeServer plus AttachmentService's three calls
// over in-memory maps, following attachments.proto's contract closely enough
// to test the SDK's half: partial uploads kept for Status to report, the
// hash checked before a blob is stored, downloads from an offset with the
// meta first. Knobs cut an upload or a download after N bytes (the link
// drops), refuse uploads with a status, or corrupt a download. Every call is
// recorded.
//
// Thread-safety: safe to call from several threads.
#ifndef INSPECTSYNC_TESTS_SDK_FAKE_ATTACHMENT_SERVER_H_
#define INSPECTSYNC_TESTS_SDK_FAKE_ATTACHMENT_SERVER_H_

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "client-sdk/src/attachment_files.h"
#include "core/crypto.h"
#include "tests/sdk/fake_server.h"

namespace inspectsync::testing {

class FakeAttachmentServer : public FakeServer {
  // Defined first: the members below deduce their return types from it.
  template <typename F>
  auto Locked(F f) {
    std::lock_guard<std::mutex> lock(att_mu_);
    return f();
  }

 public:
  using FakeServer::FakeServer;

  static std::string Hash(const std::string& bytes) {
    core::Sha256 h;
    h.Update(bytes);
    return h.HexDigest();
  }

  StatusOr<v1::UploadResult> UploadAttachment(const v1::AttachmentMeta& meta, uint64_t offset,
                                              const ChunkReader& read) override {
    std::lock_guard<std::mutex> lock(att_mu_);
    uploads_.push_back({meta, offset});
    // What the real server must guarantee: the finding is there first.
    finding_known_at_upload_.push_back(Find("findings", meta.finding_id()).has_value());
    if (refusal_) return *refusal_;
    std::string& part = partial_[meta.sha256()];
    if (offset != part.size())
      return InvalidArgument("offset " + std::to_string(offset) + " but the server holds " +
                             std::to_string(part.size()) + " bytes");
    for (;;) {
      std::string chunk;
      INSPECTSYNC_RETURN_IF_ERROR(read(256 << 10, &chunk));
      if (chunk.empty()) break;
      if (chunk.size() > (256u << 10)) return InvalidArgument("chunk over 256 KiB");
      if (cut_upload_after_ && *cut_upload_after_ < chunk.size()) {
        // The link drops: what arrived before the cut stays as the partial.
        part += chunk.substr(0, *cut_upload_after_);
        received_ += *cut_upload_after_;
        cut_upload_after_.reset();
        return Unavailable("connection dropped mid-upload");
      }
      if (cut_upload_after_) *cut_upload_after_ -= chunk.size();
      part += chunk;
      received_ += chunk.size();
      if (part.size() > meta.size()) return InvalidArgument("more bytes than the declared size");
    }
    if (Hash(part) != meta.sha256() || part.size() != meta.size()) {
      partial_.erase(meta.sha256());
      return InvalidArgument("the bytes received do not hash to " + meta.sha256() + "; nothing was kept");
    }
    v1::UploadResult result;
    result.set_sha256(meta.sha256());
    result.set_size(meta.size());
    result.set_already_stored(blobs_.count(meta.sha256()) > 0);
    blobs_[meta.sha256()] = {meta, part};
    partial_.erase(meta.sha256());
    return result;
  }

  StatusOr<v1::AttachmentStatusResponse> AttachmentStatus(const std::string& sha256) override {
    std::lock_guard<std::mutex> lock(att_mu_);
    ++status_calls_;
    v1::AttachmentStatusResponse r;
    if (blobs_.count(sha256)) {
      r.set_complete(true);
      r.set_bytes_held(blobs_[sha256].second.size());
    } else if (partial_.count(sha256)) {
      r.set_bytes_held(partial_[sha256].size());
    }
    return r;
  }

  Status DownloadAttachment(const std::string& sha256, uint64_t offset,
                            const std::function<Status(const v1::DownloadChunk&)>& on_chunk) override {
    std::string data;
    v1::AttachmentMeta meta;
    std::optional<size_t> cut;
    {
      std::lock_guard<std::mutex> lock(att_mu_);
      download_offsets_.push_back(offset);
      auto it = blobs_.find(sha256);
      if (it == blobs_.end()) return NotFound("no photo " + sha256);
      meta = it->second.first;
      data = it->second.second;
      if (corrupt_downloads_ && !data.empty()) data[data.size() / 2] ^= 0x5a;
      cut = cut_download_after_;
      cut_download_after_.reset();
    }
    if (offset > data.size()) return InvalidArgument("offset past the end");
    bool first = true;
    size_t sent = 0;
    for (size_t pos = offset; pos < data.size() || first; pos += 64 << 10) {
      v1::DownloadChunk c;
      if (first) *c.mutable_meta() = meta;
      first = false;
      c.set_offset(pos);
      size_t n = std::min<size_t>(64 << 10, data.size() - pos);
      if (cut && sent + n > *cut) return Unavailable("connection dropped mid-download");
      c.set_data(data.substr(pos, n));
      sent += n;
      INSPECTSYNC_RETURN_IF_ERROR(on_chunk(c));
    }
    return Status::Ok();
  }

  // ---- knobs ----
  void CutUploadAfter(size_t bytes) { Locked([&] { cut_upload_after_ = bytes; }); }
  void CutDownloadAfter(size_t bytes) { Locked([&] { cut_download_after_ = bytes; }); }
  void RefuseUploads(std::optional<Status> s) { Locked([&] { refusal_ = std::move(s); }); }
  void CorruptDownloads(bool on) { Locked([&] { corrupt_downloads_ = on; }); }
  // A photo some other tablet uploaded.
  void Put(const std::string& bytes, const std::string& media_type = "image/jpeg") {
    v1::AttachmentMeta meta;
    meta.set_sha256(Hash(bytes));
    meta.set_size(bytes.size());
    meta.set_media_type(media_type);
    Locked([&] { blobs_[meta.sha256()] = {meta, bytes}; });
  }

  // ---- inspection ----
  struct UploadCall {
    v1::AttachmentMeta meta;
    uint64_t offset;
  };
  std::vector<UploadCall> uploads() { return Locked([&] { return uploads_; }); }
  std::vector<bool> finding_known_at_upload() { return Locked([&] { return finding_known_at_upload_; }); }
  std::vector<uint64_t> download_offsets() { return Locked([&] { return download_offsets_; }); }
  std::optional<std::string> blob(const std::string& sha256) {
    return Locked([&]() -> std::optional<std::string> {
      auto it = blobs_.find(sha256);
      if (it == blobs_.end()) return std::nullopt;
      return it->second.second;
    });
  }
  size_t partial_bytes(const std::string& sha256) {
    return Locked([&] { return partial_.count(sha256) ? partial_[sha256].size() : size_t{0}; });
  }
  uint64_t bytes_received() { return Locked([&] { return received_; }); }

 private:
  std::mutex att_mu_;
  std::map<std::string, std::pair<v1::AttachmentMeta, std::string>> blobs_;
  std::map<std::string, std::string> partial_;
  std::optional<size_t> cut_upload_after_, cut_download_after_;
  std::optional<Status> refusal_;
  bool corrupt_downloads_ = false;
  std::vector<UploadCall> uploads_;
  std::vector<bool> finding_known_at_upload_;
  std::vector<uint64_t> download_offsets_;
  uint64_t received_ = 0;
  int status_calls_ = 0;
};

}  // namespace inspectsync::testing

#endif  // INSPECTSYNC_TESTS_SDK_FAKE_ATTACHMENT_SERVER_H_
