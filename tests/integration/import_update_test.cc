// Re-importing a changed register over a real server on 127.0.0.1 port 0
// (TLS, signed tokens): rows whose code is there with other values are
// reported column by column (old -> new) and left alone by default, written
// with `update` through the engine's write path (attributed to the caller,
// in history, on the change feed like any edit), and a forced encoding that
// does not fit is refused, changing nothing.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "core/clock.h"
#include "core/ids.h"
#include "inspectsync/v1/integration.grpc.pb.h"
#include "server/server.h"
#include "tests/testing/auth.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/test_server.h"

namespace inspectsync {
namespace {

const std::string kZones = "code,name\nN,North\nS,South\n";
const std::string kSites =
    "code,name,kind,zone,address\n"
    "PS-1,No. 1 Primary,primary,N,1 River Road\n"
    "KG-2,Sunflower Kindergarten,kindergarten,N,\n"
    "MS-3,No. 3 Middle School,middle,S,\n";

class ImportUpdateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server::ServerOptions o = testing::TlsServerOptions(auth_, dir_.File("server.db"));
    o.engine.clock = &clock_;
    auto s = server::Server::Start(o);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    server_ = std::move(*s);
    api_ = v1::IntegrationService::NewStub(grpc::CreateChannel(server_->address(), auth_.ChannelCredentials()));
    office_ = auth_.Token("u-office", "office", "office-pc", clock_.NowMillis() / 1000);
    v1::ImportResponse resp;
    ASSERT_TRUE(Import(v1::IMPORT_ZONES, kZones, &resp).ok());
    ASSERT_TRUE(Import(v1::IMPORT_SITES, kSites, &resp).ok());
    ASSERT_EQ(resp.created(), 3u);
  }

  grpc::Status Import(v1::ImportKind kind, const std::string& data, v1::ImportResponse* resp, bool update = false,
                      bool dry_run = false, const std::string& encoding = "") {
    v1::ImportRequest req;
    req.set_kind(kind);
    req.set_format(v1::CSV);
    req.set_data(data);
    req.set_update(update);
    req.set_dry_run(dry_run);
    req.set_encoding(encoding);
    return api_->Import(testing::BearerContext(office_).get(), req, resp);
  }

  v1::Site Site(const std::string& code, storage::StoredRecord* stored = nullptr) {
    auto rec = server_->engine()->store()->GetRecord("sites", core::ImportRecordId("sites", code));
    EXPECT_TRUE(rec.ok() && rec->has_value());
    v1::Site s;
    if (rec.ok() && rec->has_value()) {
      s.ParseFromString((*rec)->body);
      if (stored) *stored = **rec;
    }
    return s;
  }
  uint64_t Head() { return *server_->engine()->store()->Head(); }

  testing::TempDir dir_;
  testing::TestAuth auth_{dir_.path()};
  core::ManualClock clock_;
  std::string office_;
  std::unique_ptr<server::Server> server_;
  std::unique_ptr<v1::IntegrationService::Stub> api_;
};

// PS-1 renamed, KG-2 moved to the south zone with an address, MS-3 as it was,
// and a new site: the new one is created, the changed ones only reported.
const std::string kChanged =
    "code,name,kind,zone,address\n"
    "PS-1,No. 1 Primary School,primary,N,1 River Road\n"
    "KG-2,Sunflower Kindergarten,kindergarten,S,8 Hill Street\n"
    "MS-3,No. 3 Middle School,middle,S,\n"
    "PS-4,No. 4 Primary,primary,S,\n";

TEST_F(ImportUpdateTest, ChangedRowsAreReportedAndLeftAloneByDefault) {
  v1::ImportResponse resp;
  ASSERT_TRUE(Import(v1::IMPORT_SITES, kChanged, &resp).ok());
  EXPECT_EQ(resp.rows(), 4u);
  EXPECT_EQ(resp.created(), 1u);
  EXPECT_EQ(resp.unchanged(), 1u);  // MS-3 only: a changed row is not "already there"
  EXPECT_EQ(resp.updated(), 0u);
  ASSERT_EQ(resp.differences_size(), 2);
  const v1::ImportDifference& ps1 = resp.differences(0);
  EXPECT_EQ(ps1.kind(), v1::IMPORT_SITES);
  EXPECT_EQ(ps1.code(), "PS-1");
  EXPECT_EQ(ps1.name(), "No. 1 Primary");
  EXPECT_EQ(ps1.line(), 2);
  ASSERT_EQ(ps1.changes_size(), 1);
  EXPECT_EQ(ps1.changes(0).column(), "name");
  EXPECT_EQ(ps1.changes(0).old_value(), "No. 1 Primary");
  EXPECT_EQ(ps1.changes(0).new_value(), "No. 1 Primary School");
  const v1::ImportDifference& kg2 = resp.differences(1);
  ASSERT_EQ(kg2.changes_size(), 2);
  EXPECT_EQ(kg2.changes(0).column(), "zone");  // zones by code and name, never an id
  EXPECT_EQ(kg2.changes(0).old_value(), "N (North)");
  EXPECT_EQ(kg2.changes(0).new_value(), "S (South)");
  EXPECT_EQ(kg2.changes(1).column(), "address");
  EXPECT_EQ(kg2.changes(1).old_value(), "");
  EXPECT_EQ(kg2.changes(1).new_value(), "8 Hill Street");
  EXPECT_EQ(Site("PS-1").name(), "No. 1 Primary");  // left as it is
  EXPECT_EQ(Site("PS-4").name(), "No. 4 Primary");  // the rest is imported

  // An empty optional cell keeps the stored value: no difference.
  ASSERT_TRUE(Import(v1::IMPORT_SITES, "code,name,kind,zone,address\nPS-1,No. 1 Primary,primary,N,\n", &resp).ok());
  EXPECT_EQ(resp.differences_size(), 0);
  EXPECT_EQ(resp.unchanged(), 1u);
}

TEST_F(ImportUpdateTest, UpdateWritesTheChangesThroughTheEngineAttributedToTheCaller) {
  v1::ImportResponse resp;
  uint64_t head = Head();
  ASSERT_TRUE(Import(v1::IMPORT_SITES, kChanged, &resp, /*update=*/true, /*dry_run=*/true).ok());
  EXPECT_EQ(resp.differences_size(), 2);
  EXPECT_EQ(resp.updated(), 0u);
  EXPECT_EQ(Head(), head) << "a dry run writes nothing";

  ASSERT_TRUE(Import(v1::IMPORT_SITES, kChanged, &resp, /*update=*/true).ok());
  EXPECT_EQ(resp.created(), 1u);
  EXPECT_EQ(resp.updated(), 2u);
  EXPECT_EQ(resp.differences_size(), 2);
  EXPECT_GT(resp.seq(), head);
  storage::StoredRecord stored;
  v1::Site ps1 = Site("PS-1", &stored);
  EXPECT_EQ(ps1.name(), "No. 1 Primary School");
  EXPECT_EQ(ps1.address(), "1 River Road");
  EXPECT_EQ(ps1.code(), "PS-1");
  EXPECT_EQ(stored.meta.author(), "u-office");
  EXPECT_GT(stored.version, head);  // in the import's one transaction
  EXPECT_LE(stored.version, resp.seq());
  std::vector<storage::VersionRow> history;
  ASSERT_TRUE(server_->engine()->store()->History("sites", stored.id, &history).ok());
  EXPECT_EQ(history.size(), 2u) << "created, then the update: a version like any edit";
  v1::Site kg2 = Site("KG-2");
  EXPECT_EQ(kg2.zone_id(), core::ImportRecordId("zones", "S"));
  EXPECT_EQ(kg2.address(), "8 Hill Street");

  // The same file again: everything already there.
  ASSERT_TRUE(Import(v1::IMPORT_SITES, kChanged, &resp, /*update=*/true).ok());
  EXPECT_EQ(resp.unchanged(), 4u);
  EXPECT_EQ(resp.differences_size(), 0);
  EXPECT_EQ(resp.seq(), 0u);
}

TEST_F(ImportUpdateTest, UsersRoleAndActiveAreUpdatedToo) {
  v1::ImportResponse resp;
  ASSERT_TRUE(Import(v1::IMPORT_USERS, "code,name,role\nli,Li Na,inspector\n", &resp).ok());
  ASSERT_TRUE(Import(v1::IMPORT_USERS, "code,name,role,active\nli,李娜,zone_director,no\n", &resp, true).ok());
  ASSERT_EQ(resp.differences_size(), 1);
  const v1::ImportDifference& d = resp.differences(0);
  EXPECT_EQ(d.name(), "Li Na");
  ASSERT_EQ(d.changes_size(), 3);
  EXPECT_EQ(d.changes(0).new_value(), "李娜");
  EXPECT_EQ(d.changes(1).old_value(), "INSPECTOR");
  EXPECT_EQ(d.changes(1).new_value(), "ZONE_DIRECTOR");
  EXPECT_EQ(d.changes(2).column(), "active");
  EXPECT_EQ(d.changes(2).new_value(), "false");
}

TEST_F(ImportUpdateTest, BadInputsChangeNothing) {
  v1::ImportResponse resp;
  uint64_t head = Head();
  // A changed row that also has a problem: nothing is written, not even the update.
  grpc::Status st = Import(v1::IMPORT_SITES,
                           "code,name,kind,zone\nPS-1,Renamed,primary,N\nKG-2,Sunflower,castle,N\n", &resp, true);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(st.error_message().find("line 3:"), std::string::npos) << st.error_message();
  EXPECT_NE(st.error_message().find("'castle'"), std::string::npos) << st.error_message();
  // An update naming a zone that does not exist.
  st = Import(v1::IMPORT_SITES, "code,name,kind,zone\nPS-1,No. 1 Primary,primary,W\n", &resp, true);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(st.error_message().find("zone 'W' does not exist"), std::string::npos) << st.error_message();
  // Unknown encoding, named.
  st = Import(v1::IMPORT_SITES, kChanged, &resp, true, false, "latin-9");
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(st.error_message().find("'latin-9'"), std::string::npos) << st.error_message();
  // UTF-8 Chinese forced as GBK: refused, not garbled.
  st = Import(v1::IMPORT_SITES, "code,name,kind,zone\nPS-1,第一小学,小学,N\n", &resp, true, false, "gbk");
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(st.error_message().find("line 2: the file is UTF-8 text ('第一小学')"), std::string::npos)
      << st.error_message();
  EXPECT_EQ(Head(), head);
  EXPECT_EQ(Site("PS-1").name(), "No. 1 Primary");

  // GBK bytes forced as gbk: decoded and applied. 第一小学 in GBK:
  const std::string gbk = "code,name,kind,zone\nPS-1,\xB5\xDA\xD2\xBB\xD0\xA1\xD1\xA7,primary,N\n";
  ASSERT_TRUE(Import(v1::IMPORT_SITES, gbk, &resp, true, false, "gbk").ok());
  EXPECT_EQ(Site("PS-1").name(), "第一小学");
}

}  // namespace
}  // namespace inspectsync
