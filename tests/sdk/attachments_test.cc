// Photo evidence on the device (issue 7) against the FakeAttachmentServer:
// offline attach, upload after push, resume after a cut and after a restart,
// the dead letter, one file and one upload for the same bytes, verified
// downloads, the cache limit, and bad inputs that change nothing.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <random>

#include "tests/sdk/fake_attachment_server.h"
#include "tests/sdk/sdk_test_util.h"

namespace inspectsync::testing {
namespace {

namespace fs = std::filesystem;

// `n` bytes that start like a JPEG; `seed` makes different photos.
std::string Jpeg(size_t n, uint32_t seed = 1) {
  std::string s = "\xFF\xD8\xFF\xE0";
  std::mt19937 rng(seed);
  while (s.size() < n) s.push_back(static_cast<char>(rng()));
  s.resize(n);
  return s;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

class AttachmentsTest : public SdkTest {
 protected:
  ClientOptions AttOptions() {
    ClientOptions o = Options();
    o.transport = att_;
    return o;
  }
  std::unique_ptr<Client> OpenAtt() { return Open(AttOptions()); }
  std::string NewFinding(Client& c, const std::string& title = "Expired disinfectant") {
    auto id = c.CreateFinding(Finding(title));
    EXPECT_TRUE(id.ok()) << id.status().ToString();
    return id.ok() ? *id : "";
  }
  std::string AttDir() { return dir_.File("device.db.attachments"); }
  // Whole blobs in the attachment directory (not the temporary ones).
  std::vector<std::string> BlobFiles() {
    std::vector<std::string> out;
    std::error_code ec;
    if (!fs::exists(AttDir(), ec)) return out;
    for (const auto& e : fs::recursive_directory_iterator(AttDir()))
      if (e.is_regular_file() && e.path().parent_path().filename() != "tmp") out.push_back(e.path().filename());
    return out;
  }
  size_t TempFiles() {
    std::error_code ec;
    if (!fs::exists(AttDir() + "/tmp", ec)) return 0;
    return static_cast<size_t>(std::distance(fs::directory_iterator(AttDir() + "/tmp"), fs::directory_iterator()));
  }
  std::vector<AttachmentUploadInfo> Pending(Client& c) {
    auto p = c.PendingAttachments();
    EXPECT_TRUE(p.ok()) << p.status().ToString();
    return p.ok() ? *p : std::vector<AttachmentUploadInfo>{};
  }

  std::shared_ptr<FakeAttachmentServer> att_ = std::make_shared<FakeAttachmentServer>(&clock_);
};

TEST_F(AttachmentsTest, OfflineAttachThenSyncUploadsItAfterTheFinding) {
  auto c = OpenAtt();
  std::string id = NewFinding(*c);
  const std::string photo = Jpeg(100'000);
  AttachOptions where;
  where.has_position = true;
  where.latitude = 39.9042;
  where.longitude = 116.4074;
  auto sha = c->AttachPhotoBytes(id, photo, where);
  ASSERT_OK(sha);
  EXPECT_EQ(*sha, FakeAttachmentServer::Hash(photo));

  // Offline: the evidence edit is in the outbox, the photo in the queue and
  // in the attachment directory under its hash.
  EXPECT_EQ(c->GetFinding(id)->value.evidence(0), *sha);
  EXPECT_EQ(SdkTest::Pending(*c), 2u);  // create + evidence edit
  auto queued = Pending(*c);
  ASSERT_EQ(queued.size(), 1u);
  EXPECT_EQ(queued[0].sha256, *sha);
  EXPECT_EQ(queued[0].finding_id, id);
  EXPECT_EQ(queued[0].size, photo.size());
  EXPECT_EQ(queued[0].media_type, "image/jpeg");
  EXPECT_EQ(BlobFiles(), std::vector<std::string>{*sha});
  EXPECT_EQ(ReadFile(AttDir() + "/" + sha->substr(0, 2) + "/" + *sha), photo);
  EXPECT_EQ(TempFiles(), 0u);
  EXPECT_TRUE(att_->uploads().empty());

  auto report = c->Sync();
  ASSERT_OK(report);
  EXPECT_EQ(report->attachments_uploaded, 1u);
  EXPECT_EQ(report->attachment_bytes_uploaded, photo.size());
  EXPECT_EQ(report->attachments_pending, 0u);
  EXPECT_EQ(att_->blob(*sha), photo);
  ASSERT_EQ(att_->uploads().size(), 1u);
  EXPECT_EQ(att_->finding_known_at_upload(), std::vector<bool>{true});
  const v1::AttachmentMeta meta = att_->uploads()[0].meta;  // a copy: uploads() returns by value
  EXPECT_EQ(meta.finding_id(), id);
  EXPECT_EQ(meta.finding_version(), 0u);  // attached before the finding was ever synced
  EXPECT_EQ(meta.size(), photo.size());
  EXPECT_EQ(meta.media_type(), "image/jpeg");
  EXPECT_EQ(meta.capture_device_ms(), clock_.NowMillis());
  EXPECT_GT(meta.capture_hlc(), 0u);
  EXPECT_TRUE(meta.has_position());
  EXPECT_DOUBLE_EQ(meta.latitude(), 39.9042);
  EXPECT_DOUBLE_EQ(meta.longitude(), 116.4074);
  EXPECT_EQ(att_->Find("findings", id)->body().finding().evidence(0), *sha);
  EXPECT_TRUE(Pending(*c).empty());
  // The device keeps its copy (now ordinary cache).
  auto path = c->FetchAttachment(*sha);
  ASSERT_OK(path);
  EXPECT_EQ(ReadFile(*path), photo);
  EXPECT_TRUE(att_->download_offsets().empty());
}

TEST_F(AttachmentsTest, AttachFromAFileStreamsItAndRecognisesEachMediaType) {
  auto c = OpenAtt();
  std::string id = NewFinding(*c);
  const std::string png = std::string("\x89PNG\r\n\x1A\n", 8) + Jpeg(700'000).substr(8);
  std::ofstream(dir_.File("photo.png"), std::ios::binary) << png;
  auto sha = c->AttachPhoto(id, dir_.File("photo.png"));
  ASSERT_OK(sha);
  EXPECT_EQ(*sha, FakeAttachmentServer::Hash(png));
  EXPECT_EQ(Pending(*c)[0].media_type, "image/png");

  const std::vector<std::pair<std::string, std::string>> kinds = {
      {std::string("RIFF\x10\0\0\0WEBPVP8 ", 16), "image/webp"},
      {std::string("\0\0\0\x18" "ftypheic\0\0\0\0", 16), "image/heic"},
      {"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n", "application/pdf"},
  };
  for (const auto& [head, type] : kinds) {
    auto s = c->AttachPhotoBytes(id, head + "payload");
    ASSERT_OK(s);
    bool found = false;
    for (const auto& p : Pending(*c)) found |= p.sha256 == *s && p.media_type == type;
    EXPECT_TRUE(found) << type;
  }
  EXPECT_EQ(c->GetFinding(id)->value.evidence_size(), 4);
}

TEST_F(AttachmentsTest, ACutMidUploadResumesFromWhatTheServerHolds) {
  auto c = OpenAtt();
  std::string id = NewFinding(*c);
  const std::string photo = Jpeg(1'000'000);
  auto sha = c->AttachPhotoBytes(id, photo);
  ASSERT_OK(sha);

  att_->CutUploadAfter(300'000);
  auto failed = c->Sync();
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(att_->partial_bytes(*sha), 300'000u);
  EXPECT_EQ(Pending(*c).size(), 1u);  // transient: still queued
  ASSERT_OK(c->Rejected());
  EXPECT_TRUE(c->RejectedAttachments()->empty());

  auto report = c->Sync();
  ASSERT_OK(report);
  EXPECT_EQ(report->attachments_uploaded, 1u);
  EXPECT_EQ(report->attachment_bytes_uploaded, photo.size() - 300'000);  // the rest only
  ASSERT_EQ(att_->uploads().size(), 2u);
  EXPECT_EQ(att_->uploads()[1].offset, 300'000u);
  EXPECT_EQ(att_->blob(*sha), photo);
  EXPECT_EQ(att_->bytes_received(), photo.size());
  EXPECT_TRUE(Pending(*c).empty());
}

TEST_F(AttachmentsTest, TheQueueSurvivesARestartAndResumes) {
  const std::string photo = Jpeg(600'000, 7);
  std::string sha;
  {
    auto c = OpenAtt();
    std::string id = NewFinding(*c);
    auto s = c->AttachPhotoBytes(id, photo);
    ASSERT_OK(s);
    sha = *s;
  }
  {
    auto c = OpenAtt();  // the app restarted offline
    ASSERT_EQ(Pending(*c).size(), 1u);
    att_->CutUploadAfter(100'000);
    EXPECT_FALSE(c->Sync().ok());
  }  // ... and was killed again mid-upload
  auto c = OpenAtt();
  ASSERT_EQ(Pending(*c).size(), 1u);
  auto report = c->Sync();
  ASSERT_OK(report);
  EXPECT_EQ(report->attachment_bytes_uploaded, photo.size() - 100'000);
  EXPECT_EQ(att_->uploads().back().offset, 100'000u);
  EXPECT_EQ(att_->blob(sha), photo);
  EXPECT_TRUE(Pending(*c).empty());
}

TEST_F(AttachmentsTest, APermanentRefusalIsAVisibleDeadLetterATransientOneIsNot) {
  auto c = OpenAtt();
  std::string id = NewFinding(*c);
  auto sha = c->AttachPhotoBytes(id, Jpeg(50'000));
  ASSERT_OK(sha);

  att_->RefuseUploads(Unavailable("server restarting"));
  EXPECT_EQ(c->Sync().status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(Pending(*c).size(), 1u);
  EXPECT_TRUE(c->RejectedAttachments()->empty());

  att_->RefuseUploads(ResourceExhausted("device quota of 2147483648 bytes reached (device_quota_bytes)"));
  auto report = c->Sync();
  ASSERT_OK(report);  // a refusal is an outcome: the rest of the sync went on
  EXPECT_EQ(report->attachments_rejected, 1u);
  EXPECT_EQ(report->attachments_uploaded, 0u);
  EXPECT_TRUE(Pending(*c).empty());
  auto dead = c->RejectedAttachments();
  ASSERT_OK(dead);
  ASSERT_EQ(dead->size(), 1u);
  EXPECT_EQ((*dead)[0].sha256, *sha);
  EXPECT_EQ((*dead)[0].finding_id, id);
  EXPECT_EQ((*dead)[0].code, StatusCode::kResourceExhausted);
  EXPECT_NE((*dead)[0].reason.find("device_quota_bytes"), std::string::npos);
  // Its bytes stay on the device, and the finding still lists it.
  EXPECT_EQ(BlobFiles().size(), 1u);
  EXPECT_EQ(c->GetFinding(id)->value.evidence(0), *sha);

  // The office raised the quota: retry.
  att_->RefuseUploads(std::nullopt);
  ASSERT_OK(c->RetryRejectedAttachment(*sha));
  EXPECT_EQ(c->RetryRejectedAttachment(*sha).code(), StatusCode::kNotFound);
  report = c->Sync();
  ASSERT_OK(report);
  EXPECT_EQ(report->attachments_uploaded, 1u);
  EXPECT_TRUE(c->RejectedAttachments()->empty());

  // Dismissing: NOT_FOUND when there is nothing to dismiss.
  EXPECT_EQ(c->DismissRejectedAttachment(*sha).code(), StatusCode::kNotFound);
  auto other = c->AttachPhotoBytes(id, Jpeg(10'000, 3));
  ASSERT_OK(other);
  att_->RefuseUploads(Status(StatusCode::kPermissionDenied, "finding not in the caller's scope"));
  ASSERT_OK(c->Sync());
  ASSERT_EQ(c->RejectedAttachments()->size(), 1u);
  ASSERT_OK(c->DismissRejectedAttachment(*other));
  EXPECT_TRUE(c->RejectedAttachments()->empty());
}

TEST_F(AttachmentsTest, TheSameBytesOnTwoFindingsAreOneFileAndOneUpload) {
  auto c = OpenAtt();
  std::string a = NewFinding(*c, "Blocked exit");
  std::string b = NewFinding(*c, "Blocked exit, second door");
  const std::string photo = Jpeg(80'000, 9);
  auto s1 = c->AttachPhotoBytes(a, photo);
  auto s2 = c->AttachPhotoBytes(b, photo);
  ASSERT_OK(s1);
  ASSERT_OK(s2);
  EXPECT_EQ(*s1, *s2);
  EXPECT_EQ(BlobFiles().size(), 1u);
  EXPECT_EQ(Pending(*c).size(), 1u);
  // Attaching it to the same finding again changes nothing.
  const uint64_t outbox = SdkTest::Pending(*c);
  ASSERT_OK(c->AttachPhotoBytes(a, photo));
  EXPECT_EQ(SdkTest::Pending(*c), outbox);
  EXPECT_EQ(c->GetFinding(a)->value.evidence_size(), 1);

  auto report = c->Sync();
  ASSERT_OK(report);
  EXPECT_EQ(report->attachments_uploaded, 1u);
  EXPECT_EQ(att_->uploads().size(), 1u);
  EXPECT_EQ(att_->Find("findings", a)->body().finding().evidence(0), *s1);
  EXPECT_EQ(att_->Find("findings", b)->body().finding().evidence(0), *s1);
}

TEST_F(AttachmentsTest, AnAttachDuringASyncWaitsUntilItsEditIsPushed) {
  auto c = OpenAtt();
  std::string id = NewFinding(*c);
  std::atomic<bool> once{false};
  std::string late;
  // The attach lands while the push is on the wire, after the sync read its
  // outbox: uploading it now could reach the server before its edit.
  att_->SetPushHook([&] {
    if (once.exchange(true)) return;
    auto s = c->AttachPhotoBytes(id, Jpeg(20'000, 5));
    EXPECT_TRUE(s.ok());
    if (s.ok()) late = *s;
  });
  auto report = c->Sync();
  ASSERT_OK(report);
  EXPECT_EQ(report->attachments_uploaded, 0u);
  EXPECT_EQ(report->attachments_pending, 1u);
  EXPECT_TRUE(att_->uploads().empty());
  report = c->Sync();
  ASSERT_OK(report);
  EXPECT_EQ(report->attachments_uploaded, 1u);
  EXPECT_EQ(att_->finding_known_at_upload(), std::vector<bool>{true});
  EXPECT_TRUE(att_->blob(late).has_value());
}

TEST_F(AttachmentsTest, FetchVerifiesTheHashAndResumesACutDownload) {
  auto c = OpenAtt();
  const std::string photo = Jpeg(400'000, 11);
  const std::string sha = FakeAttachmentServer::Hash(photo);
  att_->Put(photo);

  att_->CorruptDownloads(true);
  auto bad = c->FetchAttachment(sha);
  EXPECT_EQ(bad.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(bad.status().message().find("nothing was kept"), std::string::npos);
  EXPECT_TRUE(BlobFiles().empty());
  EXPECT_EQ(TempFiles(), 0u);

  att_->CorruptDownloads(false);
  att_->CutDownloadAfter(128 << 10);
  EXPECT_EQ(c->FetchAttachment(sha).status().code(), StatusCode::kUnavailable);
  EXPECT_TRUE(BlobFiles().empty());  // a part is not a photo
  auto path = c->FetchAttachment(sha);
  ASSERT_OK(path);
  EXPECT_EQ(ReadFile(*path), photo);
  EXPECT_EQ(att_->download_offsets().back(), 128u << 10);
  EXPECT_EQ(TempFiles(), 0u);
  // Held now: no further download.
  const size_t downloads = att_->download_offsets().size();
  ASSERT_OK(c->FetchAttachment(sha));
  EXPECT_EQ(att_->download_offsets().size(), downloads);

  // A cached copy deleted behind the SDK's back is fetched again.
  fs::remove(*path);
  auto again = c->FetchAttachment(sha);
  ASSERT_OK(again);
  EXPECT_EQ(ReadFile(*again), photo);
  EXPECT_EQ(att_->download_offsets().size(), downloads + 1);

  EXPECT_EQ(c->FetchAttachment(std::string(64, 'a')).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(c->FetchAttachment("not-a-hash").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(c->FetchAttachment(std::string(64, 'A')).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(AttachmentsTest, CacheEvictionIsLeastRecentlyUsedAndNeverTakesAQueuedUpload) {
  ClientOptions o = AttOptions();
  o.attachment_cache_bytes = 250'000;  // room for two downloads of 100 KB, not three
  auto c = Open(o);
  std::string id = NewFinding(*c);
  auto own = c->AttachPhotoBytes(id, Jpeg(300'000, 21));  // bigger than the whole cache, queued
  ASSERT_OK(own);
  std::vector<std::string> shas;
  for (uint32_t i = 0; i < 3; ++i) {
    std::string p = Jpeg(100'000, 100 + i);
    att_->Put(p);
    shas.push_back(FakeAttachmentServer::Hash(p));
  }
  ASSERT_OK(c->FetchAttachment(shas[0]));
  clock_.Advance(1000);
  ASSERT_OK(c->FetchAttachment(shas[1]));
  clock_.Advance(1000);
  ASSERT_OK(c->FetchAttachment(shas[0]));  // used again: shas[1] is now the oldest
  clock_.Advance(1000);
  ASSERT_OK(c->FetchAttachment(shas[2]));

  auto files = BlobFiles();
  std::sort(files.begin(), files.end());
  std::vector<std::string> want = {*own, shas[0], shas[2]};
  std::sort(want.begin(), want.end());
  EXPECT_EQ(files, want);
  EXPECT_EQ(Pending(*c).size(), 1u);
  // Evicted is not lost: fetched again from the server.
  ASSERT_OK(c->FetchAttachment(shas[1]));
  // The queued photo uploads from its untouched copy.
  auto report = c->Sync();
  ASSERT_OK(report);
  EXPECT_EQ(report->attachments_uploaded, 1u);
  EXPECT_TRUE(att_->blob(*own).has_value());
}

TEST_F(AttachmentsTest, BadInputIsRefusedClearlyAndChangesNothing) {
  ClientOptions o = AttOptions();
  o.max_attachment_bytes = 100'000;
  auto c = Open(o);
  std::string id = NewFinding(*c);
  // A finding whose evidence list is full (max_items = 100).
  v1::Finding full = Finding("Many photos");
  for (int i = 0; i < 100; ++i) full.add_evidence("ref-" + std::to_string(i));
  auto full_id = c->CreateFinding(full);
  ASSERT_OK(full_id);
  const uint64_t outbox = SdkTest::Pending(*c);
  std::ofstream(dir_.File("big.jpg"), std::ios::binary) << Jpeg(100'001);

  struct Case {
    const char* name;
    std::function<Status()> call;
    StatusCode code;
    const char* words;
  };
  const std::vector<Case> cases = {
      {"unknown finding", [&] { return c->AttachPhotoBytes("01890f3e-0000-7000-8000-000000000000", Jpeg(10)).status(); },
       StatusCode::kNotFound, "01890f3e"},
      {"malformed finding id", [&] { return c->AttachPhotoBytes("nope", Jpeg(10)).status(); },
       StatusCode::kInvalidArgument, "nope"},
      {"too big", [&] { return c->AttachPhotoBytes(id, Jpeg(100'001)).status(); }, StatusCode::kResourceExhausted,
       "max_attachment_bytes"},
      {"too big file", [&] { return c->AttachPhoto(id, dir_.File("big.jpg")).status(); },
       StatusCode::kResourceExhausted, "100000"},
      {"a GIF", [&] { return c->AttachPhotoBytes(id, "GIF89a......").status(); }, StatusCode::kInvalidArgument,
       "JPEG, PNG, WebP, HEIC or PDF"},
      {"empty", [&] { return c->AttachPhotoBytes(id, "").status(); }, StatusCode::kInvalidArgument, "JPEG"},
      {"wrong media type given",
       [&] {
         AttachOptions ao;
         ao.media_type = "image/png";
         return c->AttachPhotoBytes(id, Jpeg(100), ao).status();
       },
       StatusCode::kInvalidArgument, "image/jpeg"},
      {"missing file", [&] { return c->AttachPhoto(id, dir_.File("nothing.jpg")).status(); }, StatusCode::kNotFound,
       "nothing.jpg"},
      {"finding full", [&] { return c->AttachPhotoBytes(*full_id, Jpeg(100)).status(); },
       StatusCode::kInvalidArgument, "the limit is 100"},
  };
  for (const Case& k : cases) {
    Status s = k.call();
    EXPECT_EQ(s.code(), k.code) << k.name << ": " << s.ToString();
    EXPECT_NE(s.message().find(k.words), std::string::npos) << k.name << ": " << s.ToString();
  }
  EXPECT_EQ(SdkTest::Pending(*c), outbox);
  EXPECT_TRUE(Pending(*c).empty());
  EXPECT_TRUE(BlobFiles().empty());
  EXPECT_EQ(TempFiles(), 0u);
  EXPECT_EQ(c->GetFinding(id)->value.evidence_size(), 0);
  EXPECT_EQ(c->GetFinding(*full_id)->value.evidence_size(), 100);
}

// A transport without the attachment calls (an older server, the
// simulation's): the photo waits in the queue, it is not refused.
TEST_F(AttachmentsTest, ATransportWithoutAttachmentsKeepsThePhotoQueued) {
  auto c = Open();  // the plain FakeServer
  std::string id = NewFinding(*c);
  ASSERT_OK(c->AttachPhotoBytes(id, Jpeg(1000)));
  auto report = c->Sync();
  EXPECT_EQ(report.status().code(), StatusCode::kUnimplemented);
  EXPECT_EQ(Pending(*c).size(), 1u);
  EXPECT_TRUE(c->RejectedAttachments()->empty());
  EXPECT_EQ(server_->Find("findings", id)->body().finding().evidence_size(), 1);  // the edit went out
}

}  // namespace
}  // namespace inspectsync::testing
