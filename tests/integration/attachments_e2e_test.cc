// Photo evidence end to end: a tablet attaches a photo offline, syncs (the
// finding first, then the bytes over AttachmentService with TLS and a
// token), a colleague's tablet fetches and verifies it, a tablet outside the
// finding's site is refused, and the same bytes attached twice travel once.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "core/clock.h"
#include "inspectsync/client.h"
#include "server/server.h"
#include "tests/testing/auth.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/test_server.h"

namespace inspectsync {
namespace {

std::string Jpeg(size_t size, char fill) {
  std::string b("\xFF\xD8\xFF\xE0", 4);
  b.resize(size, fill);
  return b;
}

class AttachmentsE2ETest : public ::testing::Test {
 protected:
  void SetUp() override {
    server::ServerOptions o = testing::TlsServerOptions(auth_, dir_.File("server.db"));
    auto s = server::Server::Start(o);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    server_ = std::move(*s);
  }

  std::unique_ptr<Client> Open(const std::string& user, const std::string& role) {
    ClientOptions o;
    o.db_path = dir_.File(user + ".db");
    o.server_address = server_->address();
    o.grpc.ca_cert_file = auth_.ca_file();
    o.grpc.token = auth_.Token(user, role, "dev-" + user, core::SystemClock()->NowMillis() / 1000);
    auto c = Client::Open(o);
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return c.ok() ? std::move(*c) : nullptr;
  }

  static SyncReport MustSync(Client& c) {
    auto r = c.Sync();
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : SyncReport{};
  }

  testing::TempDir dir_;
  testing::TestAuth auth_{dir_.path()};
  std::unique_ptr<server::Server> server_;
};

TEST_F(AttachmentsE2ETest, APhotoTakenOfflineReachesColleaguesInScopeOnly) {
  auto office = Open("office", "office");
  auto li = Open("li", "inspector");
  auto wang = Open("wang", "inspector");
  auto chen = Open("chen", "inspector");
  v1::RecordBody zone;
  zone.mutable_zone()->set_name("North");
  std::string z = office->Create("zones", zone).value();
  v1::RecordBody site;
  site.mutable_site()->set_name("Sunflower Kindergarten");
  site.mutable_site()->set_zone_id(z);
  std::string a = office->Create("sites", site).value();
  site.mutable_site()->set_name("No. 6 Middle School");
  std::string b = office->Create("sites", site).value();
  for (auto [user, at] : std::vector<std::pair<std::string, std::string>>{{"li", a}, {"wang", a}, {"chen", b}}) {
    v1::RecordBody as;
    as.mutable_assignment()->set_user_id(user);
    as.mutable_assignment()->set_site_id(at);
    ASSERT_TRUE(office->Create("assignments", as).ok());
  }
  MustSync(*office);
  MustSync(*li);

  // Offline: a finding and two photos of it (one from a file).
  v1::Finding f;
  f.set_site_id(a);
  f.set_title("Disinfectant past its expiry date");
  f.set_status(v1::OPEN);
  std::string id = li->CreateFinding(f).value();
  std::string photo = Jpeg(700 * 1024, 'x');  // several 256 KiB chunks
  auto h1 = li->AttachPhotoBytes(id, photo);
  ASSERT_TRUE(h1.ok()) << h1.status().ToString();
  std::string path = dir_.File("shelf.jpg");
  std::ofstream(path, std::ios::binary) << Jpeg(3000, 'y');
  auto h2 = li->AttachPhoto(id, std::filesystem::path(path));
  ASSERT_TRUE(h2.ok()) << h2.status().ToString();
  EXPECT_EQ(li->PendingAttachments()->size(), 2u);

  SyncReport r = MustSync(*li);
  EXPECT_EQ(r.attachments_uploaded, 2u);
  EXPECT_EQ(r.attachment_bytes_uploaded, photo.size() + 3000);
  EXPECT_TRUE(li->PendingAttachments()->empty());
  EXPECT_TRUE(li->RejectedAttachments()->empty());

  // Wang, at the same site, sees the evidence and fetches the verified bytes.
  MustSync(*wang);
  auto seen = wang->GetFinding(id);
  ASSERT_TRUE(seen.ok());
  EXPECT_EQ(seen->value.evidence_size(), 2);
  auto got = wang->FetchAttachment(*h1);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  std::ifstream in(*got, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(bytes, photo);

  // Chen covers another site: neither the finding nor the photo.
  MustSync(*chen);
  EXPECT_FALSE(chen->GetFinding(id).ok());
  auto denied = chen->FetchAttachment(*h1);
  EXPECT_FALSE(denied.ok());
  EXPECT_TRUE(denied.status().code() == StatusCode::kNotFound ||
              denied.status().code() == StatusCode::kPermissionDenied)
      << denied.status().ToString();

  // The same bytes on a second finding: stored once, uploaded once.
  f.set_title("Second bottle, same photo");
  std::string id2 = li->CreateFinding(f).value();
  auto again = li->AttachPhotoBytes(id2, photo);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *h1);
  SyncReport r2 = MustSync(*li);
  EXPECT_EQ(r2.attachment_bytes_uploaded, 0u);
  size_t blobs = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir_.File("blobs")))
    if (e.is_regular_file() && e.path().parent_path().filename() != "partial") ++blobs;
  EXPECT_EQ(blobs, 2u) << "two distinct photos on the server's disk";
}

}  // namespace
}  // namespace inspectsync
