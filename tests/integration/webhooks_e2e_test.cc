// Webhooks end to end: a real server (TLS, tokens, port 0) with its event
// source and deliverer threads, an HTTPS receiver with a certificate of its
// own CA: registration over gRPC with role checks, a pushed finding reaching
// the receiver signed, and deliveries enqueued during the receiver's outage
// arriving once each after a server restart.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "core/ids.h"
#include "inspectsync/v1/integration.grpc.pb.h"
#include "inspectsync/v1/sync.grpc.pb.h"
#include "server/server.h"
#include "tests/testing/auth.h"
#include "tests/testing/mutations.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/test_server.h"
#include "tests/testing/webhook_receiver.h"

namespace inspectsync {
namespace {

using testing::WebhookReceiver;

const std::string kClient = "0190a000-0000-7000-8000-0000000000c3";

class WebhooksE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(auth::InitDevCerts(hook_certs_.path()).ok());
    auth::CertPaths p = auth::CertPaths::In(hook_certs_.path());
    receiver_ = std::make_unique<WebhookReceiver>(&clock_, p.server_cert, p.server_key);
    ASSERT_TRUE(receiver_->error().empty()) << receiver_->error();
    hook_ca_ = p.ca_cert;
    StartServer();
  }

  void StartServer() {
    server::ServerOptions o = testing::TlsServerOptions(auth_, dir_.File("server.db"));
    o.engine.clock = &clock_;
    o.gc_interval_ms = 0;
    o.webhooks.ca_file = hook_ca_;
    o.webhooks.poll_interval_ms = 10;
    o.webhooks.backoff_base_ms = 10;
    o.webhooks.backoff_cap_ms = 40;
    auto s = server::Server::Start(o);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    server_ = std::move(*s);
    auto channel = grpc::CreateChannel(server_->address(), auth_.ChannelCredentials());
    sync_ = v1::SyncService::NewStub(channel);
    integration_ = v1::IntegrationService::NewStub(channel);
  }

  std::string Token(const std::string& user, const std::string& role) {
    return auth_.Token(user, role, user + "-device", clock_.NowMillis() / 1000);
  }

  std::unique_ptr<grpc::ClientContext> Ctx(const std::string& token) {
    return testing::BearerContext(token, 20);
  }

  std::string PushFinding(const std::string& title) {
    std::string id = ids_.NewUuidV7();
    v1::PushResponse resp;
    auto st = sync_->Push(Ctx(Token("u-office", "office")).get(),
                          testing::Batch({testing::CreateFinding(kClient, ++mid_, id, testing::SampleFinding(title))}),
                          &resp);
    EXPECT_TRUE(st.ok()) << st.error_message();
    EXPECT_EQ(resp.results(0).outcome(), v1::APPLIED) << resp.results(0).reason();
    return id;
  }

  testing::TempDir dir_, hook_certs_;
  testing::TestAuth auth_{dir_.path()};
  core::ManualClock clock_;
  core::IdGenerator ids_{&clock_, 5};
  uint64_t mid_ = 0;
  std::string hook_ca_;
  std::unique_ptr<WebhookReceiver> receiver_;
  std::unique_ptr<server::Server> server_;
  std::unique_ptr<v1::SyncService::Stub> sync_;
  std::unique_ptr<v1::IntegrationService::Stub> integration_;
};

TEST_F(WebhooksE2eTest, RegistrationChecksRolesAndInput) {
  v1::CreateWebhookRequest req;
  req.set_url(receiver_->url());
  req.add_events(v1::FINDING_CREATED);
  v1::Webhook w;
  EXPECT_EQ(integration_->CreateWebhook(Ctx("").get(), req, &w).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  grpc::Status denied = integration_->CreateWebhook(Ctx(Token("u-insp", "inspector")).get(), req, &w);
  EXPECT_EQ(denied.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  v1::WebhookList list;
  EXPECT_EQ(integration_->ListWebhooks(Ctx(Token("u-insp", "inspector")).get(), {}, &list).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);

  v1::CreateWebhookRequest bad = req;
  bad.set_url("http://office.example.org/hook");
  grpc::Status invalid = integration_->CreateWebhook(Ctx(Token("u-int", "integration")).get(), bad, &w);
  EXPECT_EQ(invalid.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(invalid.error_message().find("url"), std::string::npos) << invalid.error_message();
  ASSERT_TRUE(integration_->ListWebhooks(Ctx(Token("u-office", "office")).get(), {}, &list).ok());
  EXPECT_EQ(list.webhooks_size(), 0) << "refused calls stored nothing";

  ASSERT_TRUE(integration_->CreateWebhook(Ctx(Token("u-int", "integration")).get(), req, &w).ok());
  EXPECT_EQ(w.secret().size(), 64u);
  EXPECT_EQ(w.created_by(), "u-int");
  ASSERT_TRUE(integration_->ListWebhooks(Ctx(Token("u-office", "office")).get(), {}, &list).ok());
  ASSERT_EQ(list.webhooks_size(), 1);
  EXPECT_EQ(list.webhooks(0).secret(), "");

  v1::DeleteWebhookRequest del;
  del.set_id("0190a000-0000-7000-8000-000000000999");
  v1::Webhook gone;
  EXPECT_EQ(integration_->DeleteWebhook(Ctx(Token("u-office", "office")).get(), del, &gone).error_code(),
            grpc::StatusCode::NOT_FOUND);
  del.set_id(w.id());
  EXPECT_EQ(integration_->DeleteWebhook(Ctx(Token("u-insp", "inspector")).get(), del, &gone).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(integration_->DeleteWebhook(Ctx(Token("u-office", "office")).get(), del, &gone).ok());
  EXPECT_EQ(gone.id(), w.id());
}

TEST_F(WebhooksE2eTest, DeliversOverHttpsAndSurvivesOutageAndRestart) {
  v1::CreateWebhookRequest req;
  req.set_url(receiver_->url());
  req.add_events(v1::FINDING_CREATED);
  v1::Webhook w;
  ASSERT_TRUE(integration_->CreateWebhook(Ctx(Token("u-int", "integration")).get(), req, &w).ok());
  receiver_->SetSecret(w.secret());

  std::string first = PushFinding("first");
  ASSERT_TRUE(receiver_->WaitFor([&] { return receiver_->accepted().size() == 1; }));
  EXPECT_NE(receiver_->accepted()[0].body.find(first), std::string::npos);

  // Outage: the receiver answers 503; two more findings are enqueued and tried.
  receiver_->SetMode(WebhookReceiver::Mode::kFail503);
  PushFinding("second");
  PushFinding("third");
  // Until the server has recorded a failed attempt (the receiver seeing the
  // request is not enough: the server may not have read the answer yet).
  auto failed_attempt = [&] {
    v1::ListDeliveriesRequest lr;
    lr.set_webhook_id(w.id());
    v1::DeliveryList dl;
    if (!integration_->ListDeliveries(Ctx(Token("u-office", "office")).get(), lr, &dl).ok()) return false;
    for (const auto& d : dl.deliveries())
      if (d.last_error() == "HTTP 503") return true;
    return false;
  };
  for (int i = 0; i < 2000 && !failed_attempt(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_TRUE(failed_attempt()) << "an attempt during the outage";
  server_->Shutdown();
  server_.reset();

  receiver_->SetMode(WebhookReceiver::Mode::kOk);
  StartServer();
  clock_.Advance(100);  // past every backoff
  ASSERT_TRUE(receiver_->WaitFor([&] { return receiver_->AcceptedById().size() == 3; }));
  for (const auto& [id, n] : receiver_->AcceptedById()) EXPECT_EQ(n, 1) << id;
  EXPECT_EQ(receiver_->bad_signatures(), 0);

  v1::ListDeliveriesRequest lr;
  lr.set_webhook_id(w.id());
  v1::DeliveryList dl;
  ASSERT_TRUE(integration_->ListDeliveries(Ctx(Token("u-office", "office")).get(), lr, &dl).ok());
  ASSERT_EQ(dl.deliveries_size(), 3);
  for (const auto& d : dl.deliveries()) EXPECT_EQ(d.state(), v1::DELIVERY_DELIVERED) << d.last_error();
  EXPECT_GE(dl.deliveries(1).attempts(), 2u) << "the second was retried after the outage";

  v1::RedeliverRequest rr;
  rr.set_webhook_id(w.id());
  rr.set_event_id(dl.deliveries(0).event_id());
  v1::Delivery again;
  ASSERT_TRUE(integration_->RedeliverEvent(Ctx(Token("u-office", "office")).get(), rr, &again).ok());
  ASSERT_TRUE(receiver_->WaitFor([&] { return receiver_->accepted().size() == 4; })) << "redelivered on request";
  EXPECT_EQ(receiver_->AcceptedById().at(rr.event_id()), 2) << "a redelivery carries the same event id";
}

}  // namespace
}  // namespace inspectsync
