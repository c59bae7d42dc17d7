// Webhooks over a real SQLite store and a real HTTP receiver on 127.0.0.1:
// signatures, registration checks, every event type (overdue by a manual
// clock), retries after an outage with each event received once, giving up
// and redelivering, the outbox across a restart, and a hanging endpoint that
// does not hold up another. Steps are driven by hand (enabled = false) except
// where the threads themselves are under test.
#include "server/webhooks.h"

#include <gtest/gtest.h>

#include "core/ids.h"
#include "server/webhook_signing.h"
#include "storage/server_store.h"
#include "tests/testing/mutations.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/webhook_receiver.h"

namespace inspectsync::server {
namespace {

using testing::Batch;
using testing::CreateFinding;
using testing::PatchFinding;
using testing::WebhookReceiver;

constexpr int64_t kDayMs = 86'400'000;
const std::string kA = "0190a000-0000-7000-8000-00000000000a";
const std::string kB = "0190a000-0000-7000-8000-00000000000b";

// ------------------------------------------------------------------ signing

TEST(WebhookSigningTest, SignatureVerifiesAndTamperingFails) {
  const std::string secret = "s3cret-s3cret-s3cret", ts = "1767225600", body = R"({"id":"e1"})";
  std::string sig = SignWebhook(secret, ts, body);
  ASSERT_EQ(sig.rfind("v1=", 0), 0u);
  EXPECT_EQ(sig.size(), 3u + 64u);
  EXPECT_TRUE(VerifyWebhookSignature(secret, ts, body, sig, 1767225600));
  EXPECT_FALSE(VerifyWebhookSignature(secret, ts, R"({"id":"e2"})", sig, 1767225600)) << "tampered body";
  EXPECT_FALSE(VerifyWebhookSignature("another-secret-123", ts, body, sig, 1767225600)) << "wrong secret";
  EXPECT_FALSE(VerifyWebhookSignature(secret, "1767225601", body, sig, 1767225601)) << "tampered timestamp";
  EXPECT_FALSE(VerifyWebhookSignature(secret, ts, body, sig, 1767225600 + 301)) << "outside the tolerance";
  EXPECT_TRUE(VerifyWebhookSignature(secret, ts, body, sig, 1767225600 + 300));
  EXPECT_FALSE(VerifyWebhookSignature(secret, "12x", body, sig, 12));
}

TEST(WebhookUrlTest, HttpsAnywhereHttpOnlyToLoopback) {
  EXPECT_TRUE(CheckWebhookUrl("https://office.example.org/hooks/inspectsync").ok());
  EXPECT_TRUE(CheckWebhookUrl("http://127.0.0.1:8080/hook").ok());
  EXPECT_TRUE(CheckWebhookUrl("http://127.1.2.3/hook").ok());
  EXPECT_TRUE(CheckWebhookUrl("http://localhost:9/x").ok());
  EXPECT_TRUE(CheckWebhookUrl("http://[::1]:9/x").ok());
  for (const char* bad : {"", "office.example.org/hook", "http://office.example.org/hook", "http://10.0.0.1/h",
                          "ftp://127.0.0.1/h", "https:///nohost", "https://user:pw@example.org/h",
                          "https://exa mple.org/"}) {
    Status st = CheckWebhookUrl(bad);
    EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(st.message().find("url"), std::string::npos) << st.message();
  }
}

// ------------------------------------------------------------------ engine level

class WebhooksTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(receiver_.error().empty()) << receiver_.error();
    Open();
  }

  void Open() {
    auto s = storage::OpenSqliteServerStore(dir_.File("server.db"));
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
    EngineOptions o;
    o.clock = &clock_;
    o.id_seed = 42;
    engine_ = std::make_unique<SyncEngine>(store_.get(), o);
    WebhookOptions w;
    w.enabled = false;
    w.timeout_ms = 5000;
    w.backoff_base_ms = 10;
    w.backoff_cap_ms = 40;
    w.max_attempts = 5;
    hooks_ = std::make_unique<Webhooks>(engine_.get(), w);
  }

  void Close() {
    hooks_.reset();
    engine_.reset();
    store_.reset();
  }

  // A webhook to `receiver` for `events`; the receiver learns its secret.
  v1::Webhook Register(WebhookReceiver& receiver, std::vector<v1::WebhookEvent> events) {
    v1::CreateWebhookRequest req;
    req.set_url(receiver.url());
    for (auto e : events) req.add_events(e);
    auto w = hooks_->Create(req, "u-office");
    EXPECT_TRUE(w.ok()) << w.status().ToString();
    receiver.SetSecret(w->secret());
    return *w;
  }

  uint64_t Push(const v1::Mutation& m) {
    auto r = engine_->Push(Batch({m}), Caller{"tester"});
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_NE(r->results(0).outcome(), v1::REJECTED) << r->results(0).reason();
    return r->results(0).record().version();
  }

  std::string NewFinding(const v1::Finding& f, uint64_t* version = nullptr) {
    std::string id = ids_.NewUuidV7();
    uint64_t v = Push(CreateFinding(kA, next_a_++, id, f));
    if (version) *version = v;
    return id;
  }

  size_t Source() {
    auto n = hooks_->RunEventSourceOnce();
    EXPECT_TRUE(n.ok()) << n.status().ToString();
    return n.ok() ? *n : 0;
  }
  size_t Deliver() {
    auto n = hooks_->DeliverDueOnce();
    EXPECT_TRUE(n.ok()) << n.status().ToString();
    return n.ok() ? *n : 0;
  }
  std::vector<v1::Delivery> Deliveries(const std::string& webhook_id = "") {
    v1::ListDeliveriesRequest req;
    req.set_webhook_id(webhook_id);
    v1::DeliveryList out;
    EXPECT_TRUE(hooks_->ListDeliveries(req, &out).ok());
    return {out.deliveries().begin(), out.deliveries().end()};
  }

  testing::TempDir dir_;
  core::ManualClock clock_;
  core::IdGenerator ids_{&clock_, 7};
  WebhookReceiver receiver_{&clock_};
  std::unique_ptr<storage::ServerStore> store_;
  std::unique_ptr<SyncEngine> engine_;
  std::unique_ptr<Webhooks> hooks_;
  uint64_t next_a_ = 1;
};

TEST_F(WebhooksTest, BadRegistrationsAreRefusedNamingTheField) {
  auto refuse = [&](v1::CreateWebhookRequest req, const std::string& field) {
    auto w = hooks_->Create(req, "u-office");
    ASSERT_FALSE(w.ok());
    EXPECT_EQ(w.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(w.status().message().rfind(field + ":", 0), 0u) << w.status().message();
  };
  v1::CreateWebhookRequest ok;
  ok.set_url("https://office.example.org/hook");
  ok.add_events(v1::FINDING_CREATED);
  v1::CreateWebhookRequest r = ok;
  r.set_url("http://office.example.org/hook");
  refuse(r, "url");
  r = ok;
  r.clear_events();
  refuse(r, "events");
  r = ok;
  r.add_events(v1::WEBHOOK_EVENT_UNSPECIFIED);
  refuse(r, "events");
  r = ok;
  r.add_events(static_cast<v1::WebhookEvent>(42));
  refuse(r, "events");
  r = ok;
  r.set_secret("short");
  refuse(r, "secret");
  r = ok;
  r.set_description(std::string(501, 'd'));
  refuse(r, "description");
  v1::WebhookList list;
  ASSERT_TRUE(hooks_->List(&list).ok());
  EXPECT_EQ(list.webhooks_size(), 0) << "nothing stored";

  auto w = hooks_->Create(ok, "u-office");
  ASSERT_TRUE(w.ok());
  EXPECT_TRUE(core::IsUuid(w->id()));
  EXPECT_EQ(w->secret().size(), 64u);
  EXPECT_EQ(w->secret().find_first_not_of("0123456789abcdef"), std::string::npos);
  ASSERT_TRUE(hooks_->List(&list).ok());
  ASSERT_EQ(list.webhooks_size(), 1);
  EXPECT_EQ(list.webhooks(0).secret(), "") << "the secret is shown once";
  EXPECT_EQ(list.webhooks(0).created_by(), "u-office");
  EXPECT_EQ(hooks_->Delete("0190a000-0000-7000-8000-000000000999").status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(hooks_->Delete(w->id()).ok());
  EXPECT_EQ(hooks_->Delete(w->id()).status().code(), StatusCode::kNotFound);
}

TEST_F(WebhooksTest, CreatedAndStatusChangedAreDeliveredSigned) {
  v1::Webhook w = Register(receiver_, {v1::FINDING_CREATED, v1::FINDING_STATUS_CHANGED});
  v1::Finding f = testing::SampleFinding();
  uint64_t v = 0;
  std::string id = NewFinding(f, &v);
  v1::Finding voided = f;
  voided.set_status(v1::VOIDED);
  voided.set_void_reason("duplicate");
  Push(PatchFinding(kA, next_a_++, id, v, f, voided, {"status", "void_reason"}));
  v1::Finding retitled = voided;  // not a status change: no event
  retitled.set_title("Gas alarm");
  Push(PatchFinding(kA, next_a_++, id, v + 1, voided, retitled, {"title"}));

  EXPECT_EQ(Source(), 2u);
  EXPECT_EQ(Source(), 0u) << "the position moved on";
  EXPECT_EQ(Deliver(), 2u);
  auto got = receiver_.accepted();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(receiver_.bad_signatures(), 0);
  EXPECT_EQ(got[0].event, "finding.created");
  EXPECT_EQ(got[1].event, "finding.status_changed");
  EXPECT_NE(got[0].event_id, got[1].event_id);
  EXPECT_NE(got[0].body.find("\"id\":\"" + got[0].event_id + "\""), std::string::npos) << got[0].body;
  EXPECT_NE(got[0].body.find("\"type\":\"finding.created\""), std::string::npos);
  EXPECT_NE(got[0].body.find("\"finding_id\":\"" + id + "\""), std::string::npos);
  EXPECT_NE(got[0].body.find("\"site_id\":\"site-001\""), std::string::npos) << "proto field names kept";
  EXPECT_NE(got[1].body.find("\"old_status\":\"OPEN\",\"new_status\":\"VOIDED\""), std::string::npos)
      << got[1].body;
  for (const auto& d : Deliveries(w.id())) {
    EXPECT_EQ(d.state(), v1::DELIVERY_DELIVERED);
    EXPECT_EQ(d.attempts(), 1u);
    EXPECT_EQ(d.delivered_ms(), clock_.NowMillis());
  }
  EXPECT_EQ(Deliver(), 0u) << "nothing due twice";
}

TEST_F(WebhooksTest, SubscriptionsFilterAndLaterWebhooksGetOnlyLaterEvents) {
  NewFinding(testing::SampleFinding("before any webhook"));
  EXPECT_EQ(Source(), 0u);
  WebhookReceiver only_status(&clock_);
  Register(only_status, {v1::FINDING_STATUS_CHANGED});
  Register(receiver_, {v1::FINDING_CREATED});
  std::string id = NewFinding(testing::SampleFinding("after"));
  EXPECT_EQ(Source(), 1u);
  EXPECT_EQ(Deliver(), 1u);
  ASSERT_EQ(receiver_.accepted().size(), 1u);
  EXPECT_NE(receiver_.accepted()[0].body.find(id), std::string::npos);
  EXPECT_EQ(only_status.requests(), 0);
}

TEST_F(WebhooksTest, OverdueIsAnnouncedOncePerDeadline) {
  Register(receiver_, {v1::FINDING_OVERDUE});
  int64_t now = clock_.NowMillis();
  v1::Finding f = testing::SampleFinding();
  f.set_deadline_ms(now + kDayMs);
  uint64_t v = 0;
  std::string id = NewFinding(f, &v);
  v1::Finding open = testing::SampleFinding("voided, deadline passed too");
  open.set_deadline_ms(now + kDayMs);
  uint64_t gv = 0;
  std::string gone_id = NewFinding(open, &gv);
  v1::Finding gone = open;
  gone.set_status(v1::VOIDED);
  gone.set_void_reason("mistake");
  Push(PatchFinding(kA, next_a_++, gone_id, gv, open, gone, {"status", "void_reason"}));
  EXPECT_EQ(Source(), 0u);

  auto scan = [&] {
    auto n = hooks_->ScanOverdueOnce();
    EXPECT_TRUE(n.ok()) << n.status().ToString();
    return n.ok() ? *n : 0;
  };
  EXPECT_EQ(scan(), 0u) << "not due yet";
  clock_.Advance(2 * kDayMs);
  EXPECT_EQ(scan(), 1u);
  EXPECT_EQ(scan(), 0u) << "announced once";
  // A new deadline that passes again is news again.
  v1::Finding later = f;
  later.set_deadline_ms(clock_.NowMillis() + kDayMs);
  Push(PatchFinding(kA, next_a_++, id, v, f, later, {"deadline_ms"}, clock_.NowMillis()));
  EXPECT_EQ(scan(), 0u);
  clock_.Advance(2 * kDayMs);
  EXPECT_EQ(scan(), 1u);
  EXPECT_EQ(Deliver(), 2u);
  auto got = receiver_.accepted();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].event, "finding.overdue");
  EXPECT_NE(got[0].event_id, got[1].event_id);
  EXPECT_NE(got[1].body.find("\"deadline_ms\":" + std::to_string(later.deadline_ms())), std::string::npos);
  EXPECT_EQ(receiver_.bad_signatures(), 0);
}

TEST_F(WebhooksTest, ConflictOpenedIsDelivered) {
  Register(receiver_, {v1::CONFLICT_OPENED});
  v1::Finding f = testing::SampleFinding();
  uint64_t v = 0;
  std::string id = NewFinding(f, &v);
  v1::Finding a = f, b = f;
  a.set_description("Alarm unserviced; battery missing.");
  b.set_description("Alarm serviced last week, sticker missing.");
  Push(PatchFinding(kA, next_a_++, id, v, f, a, {"description"}, testing::kTestNowMs + 1000));
  Push(PatchFinding(kB, 1, id, v, f, b, {"description"}, testing::kTestNowMs + 500));
  std::vector<v1::Conflict> open;
  storage::ConflictFilter cf;
  cf.only_open = true;
  ASSERT_TRUE(store_->ListConflicts(cf, &open).ok());
  ASSERT_EQ(open.size(), 1u) << "description is a REVIEW field";
  EXPECT_EQ(Source(), 1u);
  EXPECT_EQ(Deliver(), 1u);
  auto got = receiver_.accepted();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].event, "conflict.opened");
  EXPECT_EQ(got[0].event_id, core::NameBasedUuid("inspectsync/webhook/conflict.opened/" + open[0].id()));
  EXPECT_NE(got[0].body.find("\"conflict_id\":\"" + open[0].id() + "\""), std::string::npos) << got[0].body;
  EXPECT_NE(got[0].body.find("\"field\":\"description\""), std::string::npos);
}

TEST_F(WebhooksTest, RetriesAfterOutageAndEachEventArrivesOnce) {
  v1::Webhook w = Register(receiver_, {v1::FINDING_CREATED});
  receiver_.SetMode(WebhookReceiver::Mode::kFail503);
  for (int i = 0; i < 3; ++i) NewFinding(testing::SampleFinding("finding " + std::to_string(i)));
  EXPECT_EQ(Source(), 3u);
  EXPECT_EQ(Deliver(), 1u) << "a failing endpoint costs one attempt per backoff";
  auto d = Deliveries(w.id());
  ASSERT_EQ(d.size(), 3u);
  const v1::Delivery& first = d.back();  // newest first
  EXPECT_EQ(first.state(), v1::DELIVERY_PENDING);
  EXPECT_EQ(first.attempts(), 1u);
  EXPECT_EQ(first.last_error(), "HTTP 503");
  EXPECT_GE(first.next_attempt_ms(), clock_.NowMillis() + 5);  // base 10 ms, jitter down to half
  EXPECT_LE(first.next_attempt_ms(), clock_.NowMillis() + 10);
  EXPECT_EQ(Deliver(), 0u) << "not due before its backoff";

  receiver_.SetMode(WebhookReceiver::Mode::kRefuse);
  clock_.Advance(40);
  EXPECT_EQ(Deliver(), 1u);
  d = Deliveries(w.id());
  EXPECT_EQ(d.back().attempts(), 2u);
  EXPECT_NE(d.back().last_error(), "HTTP 503") << "a connection error this time: " << d.back().last_error();

  receiver_.SetMode(WebhookReceiver::Mode::kOk);
  clock_.Advance(40);
  EXPECT_EQ(Deliver(), 3u);
  auto by_id = receiver_.AcceptedById();
  ASSERT_EQ(by_id.size(), 3u);
  for (const auto& [id, n] : by_id) EXPECT_EQ(n, 1) << id;
  EXPECT_EQ(receiver_.requests(), 4) << "one 503, then three accepted (the refused one never arrived)";
  EXPECT_EQ(receiver_.bad_signatures(), 0);
  for (const auto& x : Deliveries(w.id())) EXPECT_EQ(x.state(), v1::DELIVERY_DELIVERED);
  clock_.Advance(1000);
  EXPECT_EQ(Deliver(), 0u);
}

TEST_F(WebhooksTest, GivesUpAfterMaxAttemptsAndRedeliverRequeues) {
  v1::Webhook w = Register(receiver_, {v1::FINDING_CREATED});
  receiver_.SetMode(WebhookReceiver::Mode::kFail503);
  NewFinding(testing::SampleFinding());
  Source();
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(Deliver(), 1u) << "attempt " << i + 1;
    clock_.Advance(40);
  }
  auto d = Deliveries(w.id());
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].state(), v1::DELIVERY_FAILED);
  EXPECT_EQ(d[0].attempts(), 5u);
  EXPECT_EQ(d[0].last_error(), "HTTP 503");
  EXPECT_EQ(Deliver(), 0u) << "failed rows are not retried by themselves";

  v1::RedeliverRequest bad;
  bad.set_webhook_id(w.id());
  bad.set_event_id("0190a000-0000-7000-8000-000000000999");
  EXPECT_EQ(hooks_->Redeliver(bad).status().code(), StatusCode::kNotFound);
  v1::RedeliverRequest req;
  req.set_webhook_id(w.id());
  req.set_event_id(d[0].event_id());
  receiver_.SetMode(WebhookReceiver::Mode::kOk);
  auto again = hooks_->Redeliver(req);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->state(), v1::DELIVERY_PENDING);
  EXPECT_EQ(again->attempts(), 0u);
  EXPECT_EQ(Deliver(), 1u);
  EXPECT_EQ(Deliveries(w.id())[0].state(), v1::DELIVERY_DELIVERED);
  EXPECT_EQ(receiver_.AcceptedById().at(d[0].event_id()), 1);
}

TEST_F(WebhooksTest, OutboxSurvivesRestart) {
  v1::Webhook w = Register(receiver_, {v1::FINDING_CREATED});
  receiver_.SetMode(WebhookReceiver::Mode::kRefuse);
  std::string id = NewFinding(testing::SampleFinding());
  EXPECT_EQ(Source(), 1u);
  EXPECT_EQ(Deliver(), 1u);
  Close();
  receiver_.SetMode(WebhookReceiver::Mode::kOk);
  Open();
  EXPECT_EQ(Source(), 0u) << "the source's position survived too";
  clock_.Advance(40);
  EXPECT_EQ(Deliver(), 1u);
  auto got = receiver_.accepted();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_NE(got[0].body.find(id), std::string::npos);
  EXPECT_EQ(Deliveries(w.id())[0].attempts(), 2u);
}

TEST_F(WebhooksTest, ReDerivingAnEventKeepsOneOutboxRow) {
  Register(receiver_, {v1::FINDING_CREATED});
  NewFinding(testing::SampleFinding());
  EXPECT_EQ(Source(), 1u);
  // As if the source's position had not been committed (a crash): it reads
  // the same history again and derives the same event id.
  storage::EventBatch rewind;
  rewind.positions = {{"history", 0}};
  ASSERT_TRUE(store_->webhooks()->Commit(rewind).ok());
  EXPECT_EQ(Source(), 0u);
  EXPECT_EQ(Deliveries().size(), 1u);
}

TEST_F(WebhooksTest, DeleteDropsPendingDeliveries) {
  v1::Webhook w = Register(receiver_, {v1::FINDING_CREATED});
  NewFinding(testing::SampleFinding());
  Source();
  ASSERT_EQ(Deliveries(w.id()).size(), 1u);
  ASSERT_TRUE(hooks_->Delete(w.id()).ok());
  EXPECT_EQ(Deliveries(w.id()).size(), 0u);
  EXPECT_EQ(Deliver(), 0u);
  EXPECT_EQ(receiver_.requests(), 0);
}

// The threads: a hanging endpoint holds one deliverer, not the others; Stop
// aborts the hanging transfer instead of waiting out its timeout.
TEST_F(WebhooksTest, HangingEndpointDoesNotStallOthersAndStopIsPrompt) {
  WebhookReceiver slow(&clock_);
  Register(slow, {v1::FINDING_CREATED});
  Register(receiver_, {v1::FINDING_CREATED});
  slow.SetMode(WebhookReceiver::Mode::kHang);
  hooks_.reset();
  WebhookOptions w;
  w.timeout_ms = 120'000;
  w.poll_interval_ms = 10;
  w.concurrency = 2;
  hooks_ = std::make_unique<Webhooks>(engine_.get(), w);
  hooks_->Start();
  NewFinding(testing::SampleFinding());
  EXPECT_TRUE(slow.WaitFor([&] { return slow.requests() == 1; })) << "the slow endpoint got its request";
  EXPECT_TRUE(receiver_.WaitFor([&] { return receiver_.accepted().size() == 1; }))
      << "the other endpoint was not held up";
  auto start = std::chrono::steady_clock::now();
  hooks_->Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(30)) << "Stop aborted the transfer";
  // The aborted attempt is not counted: the row is pending as before.
  Close();
  Open();
  bool pending = false;
  for (const auto& d : Deliveries())
    if (d.state() == v1::DELIVERY_PENDING) pending = d.attempts() == 0;
  EXPECT_TRUE(pending);
}

}  // namespace
}  // namespace inspectsync::server
