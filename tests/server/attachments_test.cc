// AttachmentEngine over a real SQLite store and real files in a temp dir,
// with a ManualClock: resumable uploads, one copy per hash, corruption and
// bad input refused with nothing kept, limits named, scope on download, GC.
#include "server/attachments.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <filesystem>
#include <random>

#include "core/ids.h"
#include "storage/attachment_store.h"
#include "tests/testing/mutations.h"
#include "tests/testing/temp_dir.h"

namespace inspectsync::server {
namespace {

using ::testing::HasSubstr;
using testing::AssignmentBody;
using testing::Batch;
using testing::CreateRecord;
using testing::FindingAt;
using testing::SiteBody;

const std::string kOfficeClient = "0190a000-0000-7000-8000-0000000000f0";
constexpr int64_t kHourMs = 3600 * 1000;

std::string Sha256Hex(const std::string& bytes) {
  unsigned char d[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(bytes.data(), bytes.size(), d, &n, EVP_sha256(), nullptr);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < n; ++i) {
    out += hex[d[i] >> 4];
    out += hex[d[i] & 15];
  }
  return out;
}

// `n` bytes of a JPEG-looking file; `seed` makes different photos.
std::string Jpeg(size_t n, uint32_t seed) {
  std::string b = std::string("\xFF\xD8\xFF\xE0", 4);
  std::mt19937 rng(seed);
  while (b.size() < n) b += static_cast<char>(rng() & 0xFF);
  b.resize(n);
  return b;
}

class AttachmentsTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); Seed(); }

  void Open() {
    auto s = storage::OpenSqliteServerStore(dir_.File("server.db"));
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
    EngineOptions o;
    o.clock = &clock_;
    engine_ = std::make_unique<SyncEngine>(store_.get(), o);
    AttachmentOptions a;
    a.dir = BlobDir();
    a.max_attachment_bytes = 64 << 10;
    a.device_quota_bytes = 100 << 10;
    a.chunk_bytes = 4096;
    a.gc_grace_ms = 24 * kHourMs;
    a.clock = &clock_;
    auto att = AttachmentEngine::Open(engine_.get(), a);
    ASSERT_TRUE(att.ok()) << att.status().ToString();
    att_ = std::move(*att);
  }

  // A server restart: everything in memory goes, the files stay.
  void Reopen() {
    att_.reset();
    engine_.reset();
    store_.reset();
    Open();
  }

  // Zone north: site A (Li inspects it); zone south: site C (Wang). One finding at each.
  void Seed() {
    std::string north = core::NewUuidV7(), south = core::NewUuidV7();
    site_a_ = OfficeCreate("sites", SiteBody(north, "A"));
    site_c_ = OfficeCreate("sites", SiteBody(south, "C"));
    OfficeCreate("assignments", AssignmentBody("u-li", site_a_));
    OfficeCreate("assignments", AssignmentBody("u-wang", site_c_));
    v1::RecordBody fa, fc;
    *fa.mutable_finding() = FindingAt(site_a_, "at A");
    *fc.mutable_finding() = FindingAt(site_c_, "at C");
    finding_a_ = OfficeCreate("findings", fa);
    finding_c_ = OfficeCreate("findings", fc);
  }

  std::string OfficeCreate(const std::string& collection, const v1::RecordBody& body) {
    std::string id = core::NewUuidV7();
    auto r = engine_->Push(Batch({CreateRecord(kOfficeClient, ++mid_, collection, id, body)}), office_);
    EXPECT_TRUE(r.ok() && r->results(0).outcome() == v1::APPLIED) << r.status().ToString();
    return id;
  }

  // Sets a finding's evidence list to `hashes` (as a tablet's push would).
  void SetEvidence(const std::string& finding_id, const std::vector<std::string>& hashes) {
    auto cur = store_->GetRecord("findings", finding_id);
    ASSERT_TRUE(cur.ok() && cur->has_value());
    v1::Finding before;
    before.ParseFromString((*cur)->body);
    v1::Finding after = before;
    after.clear_evidence();
    for (const auto& h : hashes) after.add_evidence(h);
    auto r = engine_->Push(Batch({testing::PatchFinding(kOfficeClient, ++mid_, finding_id, (*cur)->version, before,
                                                         after, {"evidence"})}),
                           office_);
    ASSERT_TRUE(r.ok() && r->results(0).outcome() == v1::APPLIED) << r.status().ToString();
  }

  std::string BlobDir() const { return dir_.File("blobs"); }

  static v1::AttachmentMeta Meta(const std::string& bytes, const std::string& finding,
                                 const std::string& type = "image/jpeg") {
    v1::AttachmentMeta m;
    m.set_sha256(Sha256Hex(bytes));
    m.set_size(bytes.size());
    m.set_media_type(type);
    m.set_finding_id(finding);
    m.set_capture_hlc(42);
    m.set_has_position(true);
    m.set_latitude(31.2);
    m.set_longitude(121.5);
    return m;
  }

  // Sends bytes[offset, end) in 4 KiB appends; Finish unless `finish` is false.
  StatusOr<v1::UploadResult> Upload(const Caller& c, const v1::AttachmentMeta& meta, const std::string& bytes,
                                    uint64_t offset = 0, size_t end = std::string::npos, bool finish = true) {
    auto up = att_->BeginUpload(c, meta, offset);
    if (!up.ok()) return up.status();
    end = std::min(end, bytes.size());
    for (size_t pos = offset; pos < end; pos += 4096) {
      Status st = (*up)->Append(bytes.substr(pos, std::min<size_t>(4096, end - pos)));
      if (!st.ok()) return st;
    }
    if (!finish) return v1::UploadResult();  // dropped: the Upload is destroyed without Finish
    return (*up)->Finish();
  }

  StatusOr<std::string> Download(const Caller& c, const std::string& sha, uint64_t offset = 0,
                                 v1::AttachmentMeta* meta = nullptr) {
    v1::DownloadRequest req;
    req.set_sha256(sha);
    req.set_offset(offset);
    std::string out;
    Status st = att_->Download(c, req, [&](const v1::DownloadChunk& chunk) {
      if (chunk.has_meta() && meta) *meta = chunk.meta();
      EXPECT_EQ(chunk.offset(), offset + out.size());
      out += chunk.data();
      return Status::Ok();
    });
    if (!st.ok()) return st;
    return out;
  }

  v1::AttachmentStatusResponse Held(const std::string& sha) {
    auto s = att_->Status(li_, sha);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? *s : v1::AttachmentStatusResponse();
  }

  // Files under the blob dir: verified blobs and partials.
  int Files(bool partials) const {
    int n = 0;
    for (const auto& e : std::filesystem::recursive_directory_iterator(BlobDir()))
      if (e.is_regular_file() && (e.path().parent_path().filename() == "partial") == partials) ++n;
    return n;
  }

  testing::TempDir dir_;
  core::ManualClock clock_;
  std::unique_ptr<storage::ServerStore> store_;
  std::unique_ptr<SyncEngine> engine_;
  std::unique_ptr<AttachmentEngine> att_;
  uint64_t mid_ = 0;
  Caller office_{"u-office", "office", "office-pc"};
  Caller li_{"u-li", "inspector", "tab-li"};
  Caller wang_{"u-wang", "inspector", "tab-wang"};
  Caller integration_{"u-int", "integration", "erp"};
  std::string site_a_, site_c_, finding_a_, finding_c_;
};

TEST_F(AttachmentsTest, ResumesAfterACutMidUpload) {
  std::string photo = Jpeg(20000, 1);
  auto meta = Meta(photo, finding_a_);
  ASSERT_TRUE(Upload(li_, meta, photo, 0, 10000, /*finish=*/false).ok());
  auto held = Held(meta.sha256());
  EXPECT_EQ(held.bytes_held(), 10000u);
  EXPECT_FALSE(held.complete());

  auto done = Upload(li_, meta, photo, held.bytes_held());
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  EXPECT_FALSE(done->already_stored());
  EXPECT_TRUE(Held(meta.sha256()).complete());
  EXPECT_EQ(Held(meta.sha256()).bytes_held(), photo.size());
  EXPECT_EQ(Files(true), 0);

  v1::AttachmentMeta got;
  auto bytes = Download(li_, meta.sha256(), 0, &got);
  ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
  EXPECT_EQ(*bytes, photo);
  EXPECT_EQ(got.finding_id(), finding_a_);
  EXPECT_EQ(got.size(), photo.size());
  EXPECT_EQ(*Download(li_, meta.sha256(), 15000), photo.substr(15000));  // a download resumes too
}

TEST_F(AttachmentsTest, AHalfClosedUploadKeepsItsBytesAndSaysWhereToResume) {
  std::string photo = Jpeg(9000, 2);
  auto up = att_->BeginUpload(li_, Meta(photo, finding_a_), 0);
  ASSERT_TRUE(up.ok());
  ASSERT_TRUE((*up)->Append(photo.substr(0, 5000)).ok());
  auto r = (*up)->Finish();
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr("resume from offset 5000"));
  up->reset();
  EXPECT_EQ(Held(Sha256Hex(photo)).bytes_held(), 5000u);
}

TEST_F(AttachmentsTest, ResumingFromAnOffsetTheServerDoesNotHoldIsRefusedAndChangesNothing) {
  std::string photo = Jpeg(20000, 3);
  auto meta = Meta(photo, finding_a_);
  ASSERT_TRUE(Upload(li_, meta, photo, 0, 8192, false).ok());
  auto r = Upload(li_, meta, photo, 12000);
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr("resume from offset 8192"));
  EXPECT_EQ(Held(meta.sha256()).bytes_held(), 8192u);
  // A fresh hash with an offset: nothing created.
  std::string other = Jpeg(5000, 4);
  EXPECT_EQ(Upload(li_, Meta(other, finding_a_), other, 100).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Held(Sha256Hex(other)).bytes_held(), 0u);
  EXPECT_EQ(Files(true), 1);
}

TEST_F(AttachmentsTest, DuplicateUploadsAreStoredOnce) {
  std::string photo = Jpeg(30000, 5);
  auto first = Upload(li_, Meta(photo, finding_a_), photo);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_FALSE(first->already_stored());
  auto again = Upload(office_, Meta(photo, finding_c_), photo);  // the same photo, another finding
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_TRUE(again->already_stored());
  auto nothing_sent = Upload(li_, Meta(photo, finding_a_), photo, photo.size());  // Status said complete
  ASSERT_TRUE(nothing_sent.ok()) << nothing_sent.status().ToString();
  EXPECT_TRUE(nothing_sent->already_stored());
  EXPECT_EQ(Files(false), 1);
  EXPECT_EQ(Files(true), 0);
  std::vector<storage::AttachmentRow> rows;
  ASSERT_TRUE(store_->attachments()->RowsFor(Sha256Hex(photo), &rows).ok());
  EXPECT_EQ(rows.size(), 2u);  // one per finding
  EXPECT_EQ(*store_->attachments()->DeviceUsage("tab-li"), photo.size());  // charged once
}

TEST_F(AttachmentsTest, ACorruptedChunkIsDetectedAndNothingIsKept) {
  std::string photo = Jpeg(20000, 6);
  auto meta = Meta(photo, finding_a_);
  std::string corrupt = photo;
  corrupt[9000] ^= 0x40;
  auto r = Upload(li_, meta, corrupt);
  EXPECT_EQ(r.status().code(), StatusCode::kDataLoss);
  EXPECT_THAT(r.status().message(), HasSubstr("do not match sha256 " + meta.sha256()));
  EXPECT_EQ(Held(meta.sha256()).bytes_held(), 0u);
  EXPECT_EQ(Files(true) + Files(false), 0);

  // Corruption in an earlier connection's part: the final check throws it all
  // away, so the next correct upload from 0 is not poisoned by it.
  ASSERT_TRUE(Upload(li_, meta, corrupt, 0, 12288, false).ok());
  EXPECT_EQ(Upload(li_, meta, photo, 12288).status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(Held(meta.sha256()).bytes_held(), 0u);
  auto ok = Upload(li_, meta, photo);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(*Download(li_, meta.sha256()), photo);
  EXPECT_EQ(*store_->attachments()->DeviceUsage("tab-li"), photo.size());
}

TEST_F(AttachmentsTest, TheSizeLimitIsNamedAndNothingIsStored) {
  std::string big = Jpeg((64 << 10) + 1, 7);
  auto r = Upload(li_, Meta(big, finding_a_), big);
  EXPECT_EQ(r.status().code(), StatusCode::kResourceExhausted);
  EXPECT_THAT(r.status().message(), HasSubstr("max_attachment_bytes is 65536 bytes"));
  EXPECT_EQ(Held(Sha256Hex(big)).bytes_held(), 0u);
  // Declaring less than is sent is no way around it.
  std::string photo = Jpeg(8000, 8);
  auto meta = Meta(photo, finding_a_);
  meta.set_size(4000);
  r = Upload(li_, meta, photo);
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr("more than meta.size = 4000"));
  EXPECT_EQ(Files(true) + Files(false), 0);
}

TEST_F(AttachmentsTest, TheDeviceQuotaIsNamedAndNothingIsStored) {
  // Quota 100 KiB: two photos of 40,000 bytes fit, a third does not.
  std::string p1 = Jpeg(40000, 10), p2 = Jpeg(40000, 11), p3 = Jpeg(40000, 12);
  ASSERT_TRUE(Upload(li_, Meta(p1, finding_a_), p1).ok());
  ASSERT_TRUE(Upload(li_, Meta(p2, finding_a_), p2).ok());
  auto r = Upload(li_, Meta(p3, finding_a_), p3);
  EXPECT_EQ(r.status().code(), StatusCode::kResourceExhausted);
  EXPECT_THAT(r.status().message(), HasSubstr("device_quota_bytes of 102400 bytes"));
  EXPECT_THAT(r.status().message(), HasSubstr("tab-li"));
  EXPECT_EQ(Held(Sha256Hex(p3)).bytes_held(), 0u);
  EXPECT_EQ(Files(false), 2);
  EXPECT_EQ(Files(true), 0);
  EXPECT_EQ(*store_->attachments()->DeviceUsage("tab-li"), 80000u);
  // A photo it already paid for costs nothing more; other devices have their own quota.
  EXPECT_TRUE(Upload(li_, Meta(p1, finding_a_), p1).ok());
  EXPECT_TRUE(Upload(office_, Meta(p3, finding_a_), p3).ok());
}

TEST_F(AttachmentsTest, TheMediaTypeMustMatchTheMagicBytes) {
  std::string png = std::string("\x89PNG\r\n\x1A\n", 8) + Jpeg(3000, 13).substr(8);
  auto r = Upload(li_, Meta(png, finding_a_, "image/jpeg"), png);
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr("the bytes are image/png but meta.media_type says image/jpeg"));
  EXPECT_EQ(Held(Sha256Hex(png)).bytes_held(), 0u);
  EXPECT_EQ(Files(true), 0);

  std::string text = "hello, this is not a PDF at all";
  r = Upload(li_, Meta(text, finding_a_, "application/pdf"), text);
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr("are not application/pdf"));
  std::string tiny = std::string("\xFF\xD8", 2);  // shorter than any signature
  EXPECT_EQ(Upload(li_, Meta(tiny, finding_a_), tiny).status().code(), StatusCode::kInvalidArgument);

  std::string tail = Jpeg(200, 14).substr(20);
  std::vector<std::pair<std::string, std::string>> good = {
      {"image/png", png},
      {"image/webp", std::string("RIFF\x10\x00\x00\x00WEBPVP8 ", 16) + tail},
      {"image/heic", std::string("\x00\x00\x00\x18" "ftypheic", 12) + tail},
      {"image/heic", std::string("\x00\x00\x00\x18" "ftypmif1", 12) + tail},
      {"application/pdf", "%PDF-1.7\n" + tail},
      {"image/jpeg", Jpeg(3000, 15)}};
  for (const auto& [type, bytes] : good) {
    auto ok = Upload(office_, Meta(bytes, finding_a_, type), bytes);
    EXPECT_TRUE(ok.ok()) << type << ": " << ok.status().ToString();
  }
}

TEST_F(AttachmentsTest, BadInputIsRefusedWithTheRightCodeAndChangesNothing) {
  std::string photo = Jpeg(5000, 16);
  auto bad = [&](v1::AttachmentMeta m, const Caller& c, StatusCode code, const std::string& words,
                 uint64_t offset = 0) {
    auto r = Upload(c, m, photo, offset);
    EXPECT_EQ(r.status().code(), code) << r.status().ToString();
    EXPECT_THAT(r.status().message(), HasSubstr(words));
  };
  auto m = Meta(photo, finding_a_);
  auto upper = m;
  upper.set_sha256(std::string(64, 'A'));
  bad(upper, li_, StatusCode::kInvalidArgument, "64 lowercase hex");
  auto type = m;
  type.set_media_type("image/gif");
  bad(type, li_, StatusCode::kInvalidArgument, "'image/gif' is not accepted");
  auto id = m;
  id.set_finding_id("../etc/passwd");
  bad(id, li_, StatusCode::kInvalidArgument, "not a finding id");
  auto empty = m;
  empty.set_size(0);
  bad(empty, li_, StatusCode::kInvalidArgument, "meta.size is 0");
  bad(m, li_, StatusCode::kInvalidArgument, "past meta.size", photo.size() + 1);
  auto unknown = m;
  unknown.set_finding_id(core::NewUuidV7());
  bad(unknown, li_, StatusCode::kFailedPrecondition, "is not on the server: push it before its photos");
  bad(m, wang_, StatusCode::kPermissionDenied, "not assigned");
  bad(m, integration_, StatusCode::kPermissionDenied, "integration");
  bad(m, Caller("u-x", "janitor", "d"), StatusCode::kPermissionDenied, "unknown role");
  EXPECT_EQ(Files(true) + Files(false), 0);
  EXPECT_EQ(att_->Status(li_, "nothex").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Download(li_, "nothex").status().code(), StatusCode::kInvalidArgument);
}

TEST_F(AttachmentsTest, UploadsOfOneHashAreSerialised) {
  std::string photo = Jpeg(20000, 17);
  auto meta = Meta(photo, finding_a_);
  auto li = att_->BeginUpload(li_, meta, 0);
  ASSERT_TRUE(li.ok());
  ASSERT_TRUE((*li)->Append(photo.substr(0, 4096)).ok());
  auto office = att_->BeginUpload(office_, Meta(photo, finding_c_), 0);
  EXPECT_EQ(office.status().code(), StatusCode::kAborted);
  EXPECT_THAT(office.status().message(), HasSubstr("in progress"));
  li->reset();  // Li's connection drops
  auto resumed = Upload(office_, Meta(photo, finding_c_), photo, Held(meta.sha256()).bytes_held());
  ASSERT_TRUE(resumed.ok()) << resumed.status().ToString();
  EXPECT_EQ(*Download(office_, meta.sha256()), photo);
}

TEST_F(AttachmentsTest, ADownloadOutsideTheFindingsScopeIsDenied) {
  std::string photo = Jpeg(6000, 18);
  auto meta = Meta(photo, finding_a_);
  ASSERT_TRUE(Upload(li_, meta, photo).ok());
  EXPECT_TRUE(Download(li_, meta.sha256()).ok());
  EXPECT_TRUE(Download(office_, meta.sha256()).ok());
  EXPECT_TRUE(Download(integration_, meta.sha256()).ok());
  auto denied = Download(wang_, meta.sha256());
  EXPECT_EQ(denied.status().code(), StatusCode::kNotFound);
  // The same words as for a photo that does not exist at all.
  std::string absent = Sha256Hex("absent");
  auto missing = Download(wang_, absent);
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(denied.status().message().substr(0, 9), missing.status().message().substr(0, 9));
  EXPECT_EQ(denied.status().message().substr(9 + 64), missing.status().message().substr(9 + 64));

  // A finding of Wang's that lists the hash in its evidence lets him see it,
  // with none of Li's meta (position, capture time).
  SetEvidence(finding_c_, {meta.sha256()});
  v1::AttachmentMeta got;
  auto seen = Download(wang_, meta.sha256(), 0, &got);
  ASSERT_TRUE(seen.ok()) << seen.status().ToString();
  EXPECT_EQ(*seen, photo);
  EXPECT_EQ(got.finding_id(), finding_c_);
  EXPECT_FALSE(got.has_position());
  EXPECT_EQ(got.media_type(), "image/jpeg");
}

TEST_F(AttachmentsTest, GcKeepsEveryReferencedBlobAndRemovesOthersOnlyAfterTheGrace) {
  std::string kept = Jpeg(7000, 19), dropped = Jpeg(7000, 20), partial = Jpeg(9000, 21);
  ASSERT_TRUE(Upload(li_, Meta(kept, finding_a_), kept).ok());
  ASSERT_TRUE(Upload(li_, Meta(dropped, finding_a_), dropped).ok());
  ASSERT_TRUE(Upload(li_, Meta(partial, finding_a_), partial, 0, 4096, false).ok());
  SetEvidence(finding_a_, {Sha256Hex(kept)});

  auto early = att_->CollectGarbage();
  ASSERT_TRUE(early.ok()) << early.status().ToString();
  EXPECT_EQ(early->blobs_removed + early->partials_removed, 0u);
  EXPECT_EQ(early->blobs_kept, 2u);

  clock_.Advance(24 * kHourMs + 1);
  auto late = att_->CollectGarbage();
  ASSERT_TRUE(late.ok()) << late.status().ToString();
  EXPECT_EQ(late->blobs_removed, 1u);
  EXPECT_EQ(late->bytes_removed, dropped.size());
  EXPECT_EQ(late->partials_removed, 1u);
  EXPECT_EQ(late->blobs_kept, 1u);
  EXPECT_EQ(*Download(li_, Sha256Hex(kept)), kept);
  EXPECT_FALSE(Held(Sha256Hex(dropped)).complete());
  EXPECT_EQ(Held(Sha256Hex(partial)).bytes_held(), 0u);
  EXPECT_EQ(*store_->attachments()->DeviceUsage("tab-li"), kept.size());  // refunded
  std::vector<storage::AttachmentRow> rows;
  ASSERT_TRUE(store_->attachments()->RowsFor(Sha256Hex(dropped), &rows).ok());
  EXPECT_TRUE(rows.empty());

  // Still referenced long after: still kept.
  clock_.Advance(30 * 24 * kHourMs);
  ASSERT_TRUE(att_->CollectGarbage().ok());
  EXPECT_EQ(*Download(li_, Sha256Hex(kept)), kept);
  EXPECT_EQ(Files(false), 1);
}

TEST_F(AttachmentsTest, ARestartMidUploadResumes) {
  std::string photo = Jpeg(30000, 22);
  auto meta = Meta(photo, finding_a_);
  ASSERT_TRUE(Upload(li_, meta, photo, 0, 16384, false).ok());
  Reopen();
  auto held = Held(meta.sha256());
  EXPECT_EQ(held.bytes_held(), 16384u);
  auto done = Upload(li_, meta, photo, held.bytes_held());
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  EXPECT_EQ(*Download(li_, meta.sha256()), photo);
}

}  // namespace
}  // namespace inspectsync::server
