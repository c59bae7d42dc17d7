// The SDK's IntegrationClient against a real server on 127.0.0.1 port 0,
// over TLS with signed tokens: each part of the IntegrationService it covers
// (feed, findings, export, summary, conflicts, webhooks) answers, and the
// server's refusals (bad input, wrong role, unknown ids) reach the caller
// as the status the server sent.
#include "inspectsync/integration.h"

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <string>

#include "core/ids.h"
#include "inspectsync/v1/sync.grpc.pb.h"
#include "server/server.h"
#include "tests/testing/auth.h"
#include "tests/testing/mutations.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/test_server.h"

namespace inspectsync {
namespace {

const std::string kClient = "0190a000-0000-7000-8000-0000000000d7";

class IntegrationClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server::ServerOptions o = testing::TlsServerOptions(auth_, dir_.File("server.db"));
    o.engine.clock = &clock_;
    o.gc_interval_ms = 0;
    auto s = server::Server::Start(o);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    server_ = std::move(*s);
    office_token_ = Token("u-office", "office", "office-pc");
    Seed();
  }

  std::string Token(const std::string& user, const std::string& role, const std::string& device) {
    return auth_.Token(user, role, device, clock_.NowMillis() / 1000);
  }

  GrpcTransportOptions Options(const std::string& token) const {
    GrpcTransportOptions g;
    g.ca_cert_file = auth_.ca_file();
    g.token = token;
    g.call_deadline = std::chrono::seconds(20);
    return g;
  }

  std::unique_ptr<IntegrationClient> Connect(const std::string& token) {
    auto c = IntegrationClient::Connect(server_->address(), Options(token));
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return c.ok() ? std::move(*c) : nullptr;
  }

  // A site and two findings at it, pushed by the office.
  void Seed() {
    auto channel = grpc::CreateChannel(server_->address(), auth_.ChannelCredentials());
    auto sync = v1::SyncService::NewStub(channel);
    std::vector<v1::Mutation> ms;
    ms.push_back(testing::CreateRecord(kClient, 1, "sites", site_, testing::SiteBody(zone_, "A Primary")));
    ms.push_back(testing::CreateFinding(kClient, 2, ids_.NewUuidV7(), testing::FindingAt(site_, "loose railing")));
    ms.push_back(testing::CreateFinding(kClient, 3, ids_.NewUuidV7(), testing::FindingAt(site_, "blocked exit")));
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", "Bearer " + office_token_);
    v1::PushResponse resp;
    grpc::Status st = sync->Push(&ctx, testing::Batch(ms), &resp);
    ASSERT_TRUE(st.ok()) << st.error_message();
    for (const auto& r : resp.results()) ASSERT_NE(r.outcome(), v1::REJECTED) << r.reason();
  }

  testing::TempDir dir_;
  testing::TestAuth auth_{dir_.path()};
  core::ManualClock clock_;
  core::IdGenerator ids_{&clock_, 23};
  std::string zone_ = ids_.NewUuidV7(), site_ = ids_.NewUuidV7();
  std::string office_token_;
  std::unique_ptr<server::Server> server_;
};

TEST_F(IntegrationClientTest, FindingsExportAndSummary) {
  auto integ = Connect(Token("u-etl", "integration", "etl"));
  ASSERT_NE(integ, nullptr);
  auto page = integ->ListFindings(v1::FindingQuery());
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  EXPECT_EQ(page->findings_size(), 2);

  v1::ExportRequest ex;
  ex.set_format(v1::CSV);
  std::string csv;
  uint64_t rows = 0;
  Status st = integ->Export(ex, [&](const v1::ExportChunk& chunk) {
    csv += chunk.data();
    if (chunk.last()) rows = chunk.rows();
    return Status::Ok();
  });
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(rows, 2u);
  EXPECT_NE(csv.find("loose railing"), std::string::npos);
  EXPECT_NE(csv.find("blocked exit"), std::string::npos);

  auto summary = integ->Summary();
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  EXPECT_EQ(summary->findings(), 2u);
  EXPECT_EQ(summary->open_conflicts(), 0u);

  auto conflicts = integ->ListConflicts(v1::ConflictQuery());
  ASSERT_TRUE(conflicts.ok()) << conflicts.status().ToString();
  EXPECT_EQ(conflicts->conflicts_size(), 0);
}

TEST_F(IntegrationClientTest, WatchToTheHeadThenAckAsANamedConsumer) {
  auto integ = Connect(office_token_);
  ASSERT_NE(integ, nullptr);
  v1::WatchRequest w;
  w.set_protocol_version(1);
  w.set_consumer("archive");
  w.set_stop_at_head(true);
  int changes = 0;
  uint64_t cursor = 0;
  Status st = integ->Watch(w, [&](const v1::ChangeBatch& b) {
    changes += b.changes_size();
    cursor = b.cursor();
    return Status::Ok();
  });
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(changes, 3);  // the site and both findings
  EXPECT_GT(cursor, 0u);

  v1::AckCursorRequest ack;
  ack.set_consumer("archive");
  ack.set_cursor(cursor);
  auto stored = integ->AckCursor(ack);
  ASSERT_TRUE(stored.ok()) << stored.status().ToString();
  EXPECT_EQ(stored->cursor(), cursor);
  auto consumers = integ->ListConsumers();
  ASSERT_TRUE(consumers.ok()) << consumers.status().ToString();
  ASSERT_EQ(consumers->consumers_size(), 1);
  EXPECT_EQ(consumers->consumers(0).consumer(), "archive");
  EXPECT_EQ(consumers->consumers(0).behind(), 0u);
}

TEST_F(IntegrationClientTest, AnErrorFromTheCallbackEndsTheStreamAndIsReturned) {
  auto integ = Connect(office_token_);
  ASSERT_NE(integ, nullptr);
  v1::WatchRequest w;
  w.set_protocol_version(1);
  w.set_page_size(1);  // a batch per change: the stream has more to send when it is cut
  int batches = 0;
  Status st = integ->Watch(w, [&](const v1::ChangeBatch&) {
    ++batches;
    return Status(StatusCode::kAborted, "stop here");
  });
  EXPECT_EQ(st.code(), StatusCode::kAborted);
  EXPECT_EQ(st.message(), "stop here");
  EXPECT_EQ(batches, 1);
  // The client is still usable.
  EXPECT_TRUE(integ->Summary().ok());
}

TEST_F(IntegrationClientTest, WebhooksRoundTrip) {
  auto integ = Connect(office_token_);
  ASSERT_NE(integ, nullptr);
  v1::CreateWebhookRequest req;
  req.set_url("http://127.0.0.1:9/hook");
  req.add_events(v1::FINDING_CREATED);
  auto created = integ->CreateWebhook(req);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  EXPECT_FALSE(created->secret().empty());  // shown once, at creation
  auto list = integ->ListWebhooks();
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  ASSERT_EQ(list->webhooks_size(), 1);
  EXPECT_EQ(list->webhooks(0).id(), created->id());
  EXPECT_TRUE(list->webhooks(0).secret().empty());
  EXPECT_TRUE(integ->ListDeliveries(v1::ListDeliveriesRequest()).ok());
  auto removed = integ->DeleteWebhook(created->id());
  ASSERT_TRUE(removed.ok()) << removed.status().ToString();
  list = integ->ListWebhooks();
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->webhooks_size(), 0);
}

TEST_F(IntegrationClientTest, RefusalsArriveAsTheServerSentThem) {
  auto integ = Connect(office_token_);
  ASSERT_NE(integ, nullptr);
  // Bad input.
  v1::ExportRequest no_format;
  int chunks = 0;
  Status st = integ->Export(no_format, [&](const v1::ExportChunk&) {
    ++chunks;
    return Status::Ok();
  });
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << st.ToString();
  EXPECT_NE(st.message().find("format"), std::string::npos) << st.message();
  EXPECT_EQ(chunks, 0);
  v1::CreateWebhookRequest no_events;
  no_events.set_url("http://127.0.0.1:9/hook");
  EXPECT_EQ(integ->CreateWebhook(no_events).status().code(), StatusCode::kInvalidArgument);
  v1::ResolveConflictRequest nothing_chosen;
  nothing_chosen.set_conflict_id(ids_.NewUuidV7());
  EXPECT_FALSE(integ->ResolveConflict(nothing_chosen).ok());
  // Unknown ids.
  EXPECT_EQ(integ->DeleteWebhook("no-such-hook").status().code(), StatusCode::kNotFound);
  // The wrong role, and a token the server did not sign.
  auto inspector = Connect(Token("u-li", "inspector", "tablet-li"));
  ASSERT_NE(inspector, nullptr);
  EXPECT_EQ(inspector->ListFindings(v1::FindingQuery()).status().code(), StatusCode::kPermissionDenied);
  auto forged = Connect("isv1.forged.token");
  ASSERT_NE(forged, nullptr);
  EXPECT_EQ(forged->Summary().status().code(), StatusCode::kUnauthenticated);
  // A token gRPC would abort the process on is refused before any call.
  EXPECT_EQ(IntegrationClient::Connect(server_->address(), Options("bad token")).status().code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace inspectsync
