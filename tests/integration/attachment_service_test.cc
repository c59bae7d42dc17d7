// AttachmentService over a real server on 127.0.0.1 port 0, TLS and signed
// tokens: an upload cut mid-stream resumes where Status says, also across a
// server restart; downloads stream back the same bytes to those in scope only;
// bad calls get the right code.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <random>
#include <thread>

#include "core/ids.h"
#include "inspectsync/v1/attachments.grpc.pb.h"
#include "inspectsync/v1/sync.grpc.pb.h"
#include "server/server.h"
#include "tests/testing/auth.h"
#include "tests/testing/mutations.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/test_server.h"

namespace inspectsync {
namespace {

using testing::Batch;
using testing::CreateRecord;

const std::string kClient = "0190a000-0000-7000-8000-0000000000c7";

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

std::string Jpeg(size_t n, uint32_t seed) {
  std::string b("\xFF\xD8\xFF\xE0", 4);
  std::mt19937 rng(seed);
  while (b.size() < n) b += static_cast<char>(rng() & 0xFF);
  b.resize(n);
  return b;
}

class AttachmentServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    StartServer();
    office_token_ = Token("u-office", "office", "office-pc");
    li_token_ = Token("u-li", "inspector", "tab-li");
    wang_token_ = Token("u-wang", "inspector", "tab-wang");
    Seed();
  }

  void StartServer() {
    server::ServerOptions o = testing::TlsServerOptions(auth_, dir_.File("server.db"));
    o.engine.clock = &clock_;
    o.attachments.chunk_bytes = 64 << 10;
    o.gc_interval_ms = 0;
    auto s = server::Server::Start(o);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    server_ = std::move(*s);
    auto channel = grpc::CreateChannel(server_->address(), auth_.ChannelCredentials());
    sync_ = v1::SyncService::NewStub(channel);
    att_ = v1::AttachmentService::NewStub(channel);
  }

  std::string Token(const std::string& user, const std::string& role, const std::string& device) {
    return auth_.Token(user, role, device, clock_.NowMillis() / 1000);
  }

  std::unique_ptr<grpc::ClientContext> Ctx(const std::string& token) {
    return testing::BearerContext(token, 20);
  }

  // Site A (Li's) with finding_a_, site C (Wang's).
  void Seed() {
    uint64_t mid = 0;
    std::vector<v1::Mutation> ms;
    std::string zone = ids_.NewUuidV7();
    ms.push_back(CreateRecord(kClient, ++mid, "sites", site_a_, testing::SiteBody(zone, "A")));
    ms.push_back(CreateRecord(kClient, ++mid, "sites", site_c_, testing::SiteBody(zone, "C")));
    ms.push_back(CreateRecord(kClient, ++mid, "assignments", ids_.NewUuidV7(), testing::AssignmentBody("u-li", site_a_)));
    ms.push_back(
        CreateRecord(kClient, ++mid, "assignments", ids_.NewUuidV7(), testing::AssignmentBody("u-wang", site_c_)));
    ms.push_back(testing::CreateFinding(kClient, ++mid, finding_a_, testing::FindingAt(site_a_)));
    v1::PushResponse resp;
    ASSERT_TRUE(sync_->Push(Ctx(office_token_).get(), Batch(ms), &resp).ok());
    for (const auto& r : resp.results()) ASSERT_EQ(r.outcome(), v1::APPLIED) << r.reason();
  }

  v1::AttachmentMeta Meta(const std::string& bytes) {
    v1::AttachmentMeta m;
    m.set_sha256(Sha256Hex(bytes));
    m.set_size(bytes.size());
    m.set_media_type("image/jpeg");
    m.set_finding_id(finding_a_);
    return m;
  }

  // Opens an upload stream and sends meta + bytes[offset, end) in 32 KiB
  // messages. On the heap: the writer keeps pointers to ctx and result.
  struct OpenUpload {
    std::unique_ptr<grpc::ClientContext> ctx;
    v1::UploadResult result;
    std::unique_ptr<grpc::ClientWriter<v1::UploadChunk>> writer;
  };
  std::unique_ptr<OpenUpload> Send(const std::string& token, const std::string& bytes, uint64_t offset, size_t end,
                                   size_t chunk = 32 << 10) {
    auto owned = std::make_unique<OpenUpload>();
    OpenUpload& u = *owned;
    u.ctx = Ctx(token);
    u.writer = att_->Upload(u.ctx.get(), &u.result);
    v1::UploadChunk first;
    *first.mutable_meta() = Meta(bytes);
    first.set_offset(offset);
    u.writer->Write(first);
    for (size_t pos = offset; pos < end; pos += chunk) {
      v1::UploadChunk c;
      c.set_data(bytes.substr(pos, std::min(chunk, end - pos)));
      if (!u.writer->Write(c)) break;
    }
    return owned;
  }
  grpc::Status Complete(const std::unique_ptr<OpenUpload>& u) {
    u->writer->WritesDone();
    return u->writer->Finish();
  }

  v1::AttachmentStatusResponse Held(const std::string& token, const std::string& sha) {
    v1::AttachmentStatusRequest req;
    req.set_sha256(sha);
    v1::AttachmentStatusResponse resp;
    grpc::Status st = att_->Status(Ctx(token).get(), req, &resp);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return resp;
  }

  // Waits until the server holds `n` bytes of `sha` (the stream is asynchronous).
  bool WaitHeld(const std::string& sha, uint64_t n) {
    for (int i = 0; i < 500; ++i) {
      if (Held(li_token_, sha).bytes_held() == n) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }

  grpc::Status Download(const std::string& token, const std::string& sha, std::string* out,
                        v1::AttachmentMeta* meta = nullptr) {
    v1::DownloadRequest req;
    req.set_sha256(sha);
    auto ctx = Ctx(token);
    auto reader = att_->Download(ctx.get(), req);
    v1::DownloadChunk chunk;
    while (reader->Read(&chunk)) {
      if (chunk.has_meta() && meta) *meta = chunk.meta();
      out->append(chunk.data());
    }
    return reader->Finish();
  }

  testing::TempDir dir_;
  testing::TestAuth auth_{dir_.path()};
  core::ManualClock clock_;
  core::IdGenerator ids_{&clock_, 33};
  std::string site_a_ = ids_.NewUuidV7(), site_c_ = ids_.NewUuidV7(), finding_a_ = ids_.NewUuidV7();
  std::string office_token_, li_token_, wang_token_;
  std::unique_ptr<server::Server> server_;
  std::unique_ptr<v1::SyncService::Stub> sync_;
  std::unique_ptr<v1::AttachmentService::Stub> att_;
};

TEST_F(AttachmentServiceTest, AnUploadCutMidStreamResumesWhereStatusSays) {
  std::string photo = Jpeg(300000, 1);
  std::string sha = Sha256Hex(photo);
  auto cut = Send(li_token_, photo, 0, 131072);
  ASSERT_TRUE(WaitHeld(sha, 131072));  // held while the stream is still open
  cut->ctx->TryCancel();                // the connection drops
  EXPECT_FALSE(cut->writer->Finish().ok());

  auto held = Held(li_token_, sha);
  EXPECT_EQ(held.bytes_held(), 131072u);
  EXPECT_FALSE(held.complete());
  // The server may not have noticed the cut yet (it still holds the hash):
  // ABORTED, and the device retries, as its retry rule says.
  std::unique_ptr<OpenUpload> rest;
  grpc::Status st;
  for (int i = 0; i < 100; ++i) {
    rest = Send(li_token_, photo, held.bytes_held(), photo.size());
    st = Complete(rest);
    if (st.error_code() != grpc::StatusCode::ABORTED) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(rest->result.sha256(), sha);
  EXPECT_FALSE(rest->result.already_stored());
  EXPECT_TRUE(Held(li_token_, sha).complete());

  std::string got;
  v1::AttachmentMeta meta;
  st = Download(li_token_, sha, &got, &meta);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(got, photo);
  EXPECT_EQ(meta.finding_id(), finding_a_);

  // The same photo again: stored once, nothing to send.
  auto dup = Send(office_token_, photo, photo.size(), photo.size());
  ASSERT_TRUE(Complete(dup).ok());
  EXPECT_TRUE(dup->result.already_stored());
}

TEST_F(AttachmentServiceTest, AServerRestartMidUploadResumes) {
  std::string photo = Jpeg(200000, 2);
  std::string sha = Sha256Hex(photo);
  auto cut = Send(li_token_, photo, 0, 98304);
  ASSERT_TRUE(WaitHeld(sha, 98304));
  server_->Shutdown(std::chrono::milliseconds(0));  // cancels the open stream
  cut->writer->Finish();
  server_.reset();
  StartServer();

  EXPECT_EQ(Held(li_token_, sha).bytes_held(), 98304u);
  auto rest = Send(li_token_, photo, 98304, photo.size());
  grpc::Status st = Complete(rest);
  ASSERT_TRUE(st.ok()) << st.error_message();
  std::string got;
  ASSERT_TRUE(Download(li_token_, sha, &got).ok());
  EXPECT_EQ(got, photo);
}

TEST_F(AttachmentServiceTest, DownloadsOutsideTheFindingsScopeAreDenied) {
  std::string photo = Jpeg(5000, 3);
  auto up = Send(li_token_, photo, 0, photo.size());
  ASSERT_TRUE(Complete(up).ok());
  std::string got;
  grpc::Status st = Download(wang_token_, Sha256Hex(photo), &got);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_TRUE(got.empty());
  got.clear();
  EXPECT_TRUE(Download(office_token_, Sha256Hex(photo), &got).ok());
  EXPECT_EQ(got, photo);
}

TEST_F(AttachmentServiceTest, BadCallsGetTheRightCode) {
  std::string photo = Jpeg(100000, 4);
  std::string sha = Sha256Hex(photo);
  v1::AttachmentStatusRequest req;
  req.set_sha256(sha);
  v1::AttachmentStatusResponse resp;
  EXPECT_EQ(att_->Status(Ctx("").get(), req, &resp).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  std::string got;
  EXPECT_EQ(Download("", sha, &got).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  auto anon = Send("", photo, 0, photo.size());
  EXPECT_EQ(Complete(anon).error_code(), grpc::StatusCode::UNAUTHENTICATED);

  // A message over chunk_bytes (64 KiB here) is refused.
  auto big = Send(li_token_, photo, 0, photo.size(), 96 << 10);
  grpc::Status st = Complete(big);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(st.error_message().find("chunk_bytes allows 65536"), std::string::npos) << st.error_message();
  EXPECT_EQ(Held(li_token_, sha).bytes_held(), 0u);

  // No meta first; the integration role; an empty stream.
  {
    auto ctx = Ctx(li_token_);
    v1::UploadResult r;
    auto w = att_->Upload(ctx.get(), &r);
    v1::UploadChunk c;
    c.set_data("xyz");
    w->Write(c);
    w->WritesDone();
    EXPECT_EQ(w->Finish().error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  }
  {
    auto ctx = Ctx(li_token_);
    v1::UploadResult r;
    auto w = att_->Upload(ctx.get(), &r);
    w->WritesDone();
    EXPECT_EQ(w->Finish().error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  }
  auto integ = Send(Token("u-int", "integration", "erp"), photo, 0, photo.size());
  EXPECT_EQ(Complete(integ).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Held(li_token_, sha).bytes_held(), 0u);
}

}  // namespace
}  // namespace inspectsync
