// No page can outgrow a message (issue 15, item 1), end to end: the real
// `inspectsync server` process over TLS with tokens, SDK tablets pulling
// and pushing through it.
//  - records at every limit and a legacy record of 17 MiB (stored before the
//    limits, bigger than the old 16 MiB send limit) pulled with the largest
//    page size a tablet may ask for: every page within the budget but the
//    legacy one, alone; the tablet reaches the head;
//  - edits of many large records: push responses cut at their budget, the
//    pipelined push refused, the tablet converges with each edit applied once;
//  - a server whose limits cannot carry what the schema allows refuses to
//    start, naming the collection, its size and the flag.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <map>
#include <set>

#include "core/ids.h"
#include "core/record_bounds.h"
#include "core/workflow.h"
#include "inspectsync/client.h"
#include "inspectsync/v1/sync.grpc.pb.h"
#include "server/sync_engine.h"
#include "tests/testing/auth.h"
#include "tests/testing/legacy_record.h"
#include "tests/testing/max_records.h"
#include "tests/testing/mutations.h"
#include "tests/testing/server_process.h"
#include "tests/testing/temp_dir.h"

namespace inspectsync {
namespace {

const std::string kSeeder = "0190a000-0000-7000-8000-0000000000e1";
const std::string kSite = "0190a000-0000-7000-8000-0000000005e1";

class PagesE2ETest : public ::testing::Test {
 protected:
  std::string Db() const { return dir_.File("server.db"); }

  // Writes the district's data in-process, then closes the file for the
  // server process: `findings` findings, `templates` template versions and
  // `inspections` inspections at every limit, and a legacy finding of
  // `legacy_bytes` (0: none) in the middle.
  void Seed(int findings, int templates, int inspections, size_t legacy_bytes) {
    auto store = storage::OpenSqliteServerStore(Db());
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    core::ManualClock clock(core::SystemClock()->NowMillis());
    server::EngineOptions eo;
    eo.clock = &clock;
    server::SyncEngine engine(store->get(), eo);
    uint64_t mid = 1;
    core::IdGenerator ids(&clock, 5);
    auto create = [&](const std::string& collection, const v1::RecordBody& body, std::string id) {
      if (id.empty()) id = ids.NewUuidV7();
      auto r = engine.Push(testing::Batch({testing::CreateRecord(kSeeder, mid++, collection, id, body,
                                                                 clock.NowMillis())}),
                           server::Caller{});
      ASSERT_TRUE(r.ok()) << r.status().ToString();
      ASSERT_EQ(r->results(0).outcome(), v1::APPLIED) << r->results(0).reason();
    };
    for (int i = 0; i < findings; ++i) {
      v1::RecordBody b;
      *b.mutable_finding() = testing::MaxFinding(kSite, {}, "f" + std::to_string(i));
      create("findings", b, "");
      if (i == findings / 2 && legacy_bytes > 0) {
        legacy_id_ = ids.NewUuidV7();
        ASSERT_TRUE(testing::WriteLegacyFinding(store->get(), legacy_id_, kSite, legacy_bytes).ok());
      }
    }
    v1::ChecklistTemplate first;
    for (uint32_t v = 1; v <= static_cast<uint32_t>(templates); ++v) {
      v1::RecordBody b;
      *b.mutable_checklist_template() = testing::MaxTemplate("epi", v);
      if (v == 1) first = b.checklist_template();
      create("templates", b, core::TemplateRecordId("epi", v));
    }
    for (int i = 0; i < inspections; ++i) {
      v1::RecordBody b;
      *b.mutable_inspection() = testing::MaxInspection(kSite, first, {}, "i" + std::to_string(i));
      create("inspections", b, "");
    }
    head_ = *(*store)->Head();
  }

  GrpcTransportOptions Grpc(const std::string& device) {
    GrpcTransportOptions g;
    g.ca_cert_file = auth_.ca_file();
    g.token = auth_.Token("user-" + device, "office", device, core::SystemClock()->NowMillis() / 1000);
    return g;
  }

  std::unique_ptr<Client> Tablet(const std::string& address, const std::string& name, size_t push_batch = 1000) {
    ClientOptions o;
    o.db_path = dir_.File(name + ".db");
    o.server_address = address;
    o.grpc = Grpc(name);
    o.pull_page_size = 5000;  // the largest a server allows: pages are cut by bytes
    o.push_batch_size = push_batch;
    auto c = Client::Open(o);
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return c.ok() ? std::move(*c) : nullptr;
  }

  testing::TempDir dir_;
  testing::TestAuth auth_{dir_.path()};
  std::string legacy_id_;
  uint64_t head_ = 0;
};

TEST_F(PagesE2ETest, ATabletPullsRecordsAtEveryLimitAndALegacyRecordThroughTheRealServer) {
  Seed(/*findings=*/150, /*templates=*/3, /*inspections=*/2, /*legacy_bytes=*/17 << 20);
  testing::ServerProcess proc(INSPECTSYNC_BINARY, Db());
  ASSERT_TRUE(proc.ok());

  // The pages as they come off the wire, read as a device reads them.
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(64 << 20);  // as GrpcTransportOptions::max_receive_bytes
  auto stub = v1::SyncService::NewStub(grpc::CreateCustomChannel(proc.address(), auth_.ChannelCredentials(), args));
  grpc::ClientContext ctx;
  ctx.AddMetadata("authorization", "Bearer " + Grpc("probe").token);
  v1::PullRequest req;
  req.set_protocol_version(1);
  req.set_page_size(5000);
  auto reader = stub->Pull(&ctx, req);
  v1::PullResponse page;
  size_t records = 0, pages = 0, legacy_pages = 0;
  uint64_t cursor = 0;
  while (reader->Read(&page)) {
    ++pages;
    records += static_cast<size_t>(page.records_size());
    cursor = page.next_cursor();
    if (page.records_size() > 1) {
      EXPECT_LE(page.ByteSizeLong(), size_t{4} << 20) << "page " << pages;
    }
    for (const auto& r : page.records())
      if (r.id() == legacy_id_) {
        ++legacy_pages;
        EXPECT_EQ(page.records_size(), 1);
        EXPECT_GT(page.ByteSizeLong(), size_t{17} << 20);
      }
  }
  grpc::Status st = reader->Finish();
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(records, 156u);
  EXPECT_EQ(legacy_pages, 1u);
  EXPECT_EQ(cursor, head_);
  EXPECT_GE(pages, 5u);

  // The SDK's tablet syncs everything and stops at the head.
  auto tablet = Tablet(proc.address(), "tablet");
  ASSERT_TRUE(tablet);
  auto r = tablet->Sync();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->pulled, 156u);
  EXPECT_EQ(r->cursor, head_);
  auto legacy = tablet->GetFinding(legacy_id_);
  ASSERT_TRUE(legacy.ok()) << legacy.status().ToString();
  EXPECT_EQ(legacy->value.title(), "recorded before the size limits");
  auto again = tablet->Sync();
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->pulled, 0u);
}

TEST_F(PagesE2ETest, EditsOfLargeRecordsConvergeThroughCutPushResponses) {
  Seed(0, 0, 0, 0);
  // The smallest budget the schema allows (an inspection at its limits is
  // ~2 MB): a batch of 100 results of 25 KB findings is cut.
  testing::ServerProcess proc(INSPECTSYNC_BINARY, Db(), {"--max-page-bytes", "2100000"});
  ASSERT_TRUE(proc.ok());
  auto tablet = Tablet(proc.address(), "tablet", /*push_batch=*/100);
  ASSERT_TRUE(tablet);
  std::vector<std::string> ids;
  for (int i = 0; i < 300; ++i) {
    auto id = tablet->CreateFinding(testing::MaxFinding(kSite, {}, "t" + std::to_string(i)));
    ASSERT_TRUE(id.ok()) << id.status().ToString();
    ids.push_back(*id);
  }
  auto created = tablet->Sync();
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  EXPECT_EQ(created->pushed, 300u);
  for (size_t i = 0; i < ids.size(); ++i) {
    v1::Finding change;
    change.set_title("verified on site " + std::to_string(i));
    ASSERT_TRUE(tablet->UpdateFinding(ids[i], change, {"title"}).ok());
  }
  auto edited = tablet->Sync();
  ASSERT_TRUE(edited.ok()) << edited.status().ToString();
  EXPECT_EQ(edited->pushed, 300u);
  EXPECT_GT(edited->push_batches, 3u) << "no response was cut";
  EXPECT_EQ(*tablet->PendingCount(), 0u);

  // Another tablet sees every edit.
  auto other = Tablet(proc.address(), "other");
  ASSERT_TRUE(other->Sync().ok());
  for (size_t i = 0; i < ids.size(); ++i) {
    auto f = other->GetFinding(ids[i]);
    ASSERT_TRUE(f.ok());
    EXPECT_EQ(f->value.title(), "verified on site " + std::to_string(i));
  }
  // And the server's history holds each mutation once.
  proc.Kill(SIGTERM);
  auto store = storage::OpenSqliteServerStore(Db());
  ASSERT_TRUE(store.ok());
  std::vector<storage::VersionRow> history;
  ASSERT_TRUE((*store)->ReadHistory(0, 100000, &history).ok());
  std::map<std::pair<std::string, uint64_t>, int> applied;
  for (const auto& v : history) ++applied[{v.client_id, v.mutation_id}];
  EXPECT_EQ(applied.size(), 600u);
  for (const auto& [key, n] : applied) EXPECT_EQ(n, 1) << "mutation " << key.second;
}

TEST_F(PagesE2ETest, AServerWhoseLimitsCannotCarryTheSchemaRefusesToStart) {
  const std::string cmd = std::string(INSPECTSYNC_BINARY) + " server --listen 127.0.0.1:0 --db " + Db() +
                          " --certs " + auth_.certs_dir() + " --token-keys " + auth_.keys_file() +
                          " --max-message-bytes 4194304 2>&1";
  FILE* out = popen(cmd.c_str(), "r");
  ASSERT_NE(out, nullptr);
  std::string text;
  char buf[512];
  while (std::fgets(buf, sizeof buf, out)) text += buf;
  int status = pclose(out);
  ASSERT_TRUE(WIFEXITED(status)) << "ended by a signal: " << text;
  EXPECT_EQ(WEXITSTATUS(status), 1) << text;
  const core::RecordBounds b = core::BoundsOf(*core::FindCollection("inspections"), {});
  EXPECT_NE(text.find("FAILED_PRECONDITION"), std::string::npos) << text;
  EXPECT_NE(text.find("collection 'inspections'"), std::string::npos) << text;
  EXPECT_NE(text.find(std::to_string(b.record) + " bytes"), std::string::npos) << text;
  EXPECT_NE(text.find("raise --max-message-bytes to at least " + std::to_string(2 * b.patch)), std::string::npos)
      << text;
}

}  // namespace
}  // namespace inspectsync
