// The real gRPC server on 127.0.0.1 port 0, called through raw stubs: wire
// status codes for bad input, pull streaming, health checking.
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <future>
#include <set>

#include "core/ids.h"
#include "inspectsync/v1/sync.grpc.pb.h"
#include "server/server.h"
#include "tests/testing/auth.h"
#include "tests/testing/mutations.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/test_server.h"

namespace inspectsync {
namespace {

using testing::Batch;
using testing::CreateFinding;
using testing::SampleFinding;

const std::string kClient = "0190a000-0000-7000-8000-0000000000c1";

class GrpcServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server::ServerOptions o = testing::TlsServerOptions(auth_, dir_.File("server.db"));
    o.engine.max_batch = 50;
    o.engine.clock = &clock_;
    o.engine.limits.max_string_bytes = 1000;
    o.engine.max_call_ms = 60'000;
    // The smallest message limit the string cap allows: a device's largest
    // PATCH (an inspection's 1,000 answers of 1,000 bytes, with their base
    // values) must fit half of it, or the server refuses to start.
    o.max_message_bytes = 8 << 20;
    auto s = server::Server::Start(o);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    server_ = std::move(*s);
    channel_ = grpc::CreateChannel(server_->address(), auth_.ChannelCredentials());
    stub_ = v1::SyncService::NewStub(channel_);
    token_ = Token("u-li", "office", "tablet-9");
  }

  std::string Token(const std::string& user, const std::string& role, const std::string& device) {
    return auth_.Token(user, role, device, clock_.NowMillis() / 1000);
  }

  // A context carrying `token` (the test's inspector token by default).
  std::unique_ptr<grpc::ClientContext> Ctx(const std::string* token = nullptr) {
    auto ctx = std::make_unique<grpc::ClientContext>();
    ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
    const std::string& t = token ? *token : token_;
    if (!t.empty()) ctx->AddMetadata("authorization", "Bearer " + t);
    return ctx;
  }

  grpc::Status Push(const v1::PushRequest& req, v1::PushResponse* resp, const std::string* token = nullptr) {
    return stub_->Push(Ctx(token).get(), req, resp);
  }

  testing::TempDir dir_;
  testing::TestAuth auth_{dir_.path()};
  std::string token_;
  core::ManualClock clock_;
  core::IdGenerator ids_{&clock_, 11};
  std::unique_ptr<server::Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::SyncService::Stub> stub_;
};

TEST_F(GrpcServerTest, BadRequestsGetTheRightStatusCodeAndChangeNothing) {
  v1::PushResponse resp;
  v1::PushRequest old = Batch({CreateFinding(kClient, 1, ids_.NewUuidV7(), SampleFinding())});
  old.set_protocol_version(7);
  grpc::Status st = Push(old, &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_NE(st.error_message().find("supports 1..1"), std::string::npos) << st.error_message();

  std::vector<v1::Mutation> many;
  for (int i = 1; i <= 51; ++i) many.push_back(CreateFinding(kClient, i, ids_.NewUuidV7(), SampleFinding()));
  st = Push(Batch(many), &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(st.error_message().find("max_batch"), std::string::npos) << st.error_message();

  v1::Mutation bad = CreateFinding(kClient, 1, "NOT-A-UUID", SampleFinding());
  st = Push(Batch({bad}), &resp);
  ASSERT_TRUE(st.ok());
  ASSERT_EQ(resp.results_size(), 1);
  EXPECT_EQ(resp.results(0).outcome(), v1::REJECTED);
  EXPECT_NE(resp.results(0).reason().find("record_id"), std::string::npos);
  EXPECT_EQ(*server_->engine()->store()->Head(), 0u);
}

TEST_F(GrpcServerTest, EveryLimitIsNamedWhenItIsBreached) {
  v1::PushResponse resp;
  // Message size: gRPC refuses it before the handler runs.
  v1::Finding huge = SampleFinding();
  huge.set_description(std::string(9 << 20, 'x'));
  grpc::Status st = Push(Batch({CreateFinding(kClient, 1, ids_.NewUuidV7(), huge)}), &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << st.error_message();
  EXPECT_NE(st.error_message().find("8388608"), std::string::npos) << st.error_message();

  // The server-wide string cap, below the field's own 4000-byte limit.
  v1::Finding longish = SampleFinding();
  longish.set_description(std::string(1500, 'y'));
  st = Push(Batch({CreateFinding(kClient, 1, ids_.NewUuidV7(), longish)}), &resp);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(resp.results(0).reject_code(), v1::INVALID);
  EXPECT_NE(resp.results(0).reason().find("max_string_bytes"), std::string::npos) << resp.results(0).reason();
  longish.set_title(std::string(201, 't'));
  longish.set_description("short");
  st = Push(Batch({CreateFinding(kClient, 2, ids_.NewUuidV7(), longish)}), &resp);
  EXPECT_NE(resp.results(0).reason().find("max_len of inspectsync.v1.Finding.title"), std::string::npos)
      << resp.results(0).reason();

  // Page size.
  auto ctx = Ctx();
  v1::PullRequest req;
  req.set_protocol_version(1);
  req.set_page_size(1'000'000);
  auto reader = stub_->Pull(ctx.get(), req);
  v1::PullResponse page;
  EXPECT_FALSE(reader->Read(&page));
  st = reader->Finish();
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(st.error_message().find("max_page_size"), std::string::npos) << st.error_message();
  EXPECT_EQ(*server_->engine()->store()->Head(), 0u);
}

TEST_F(GrpcServerTest, AnInspectorSeesOnlyItsSitesOverTheWire) {
  // The office (this fixture's token) sets up two sites and assigns Wang to one.
  core::IdGenerator ids(&clock_, 5);
  std::string site_a = ids.NewUuidV7(), site_b = ids.NewUuidV7();
  v1::PushResponse resp;
  ASSERT_TRUE(Push(Batch({testing::CreateRecord(kClient, 1, "sites", site_a, testing::SiteBody("z")),
                          testing::CreateRecord(kClient, 2, "sites", site_b, testing::SiteBody("z")),
                          testing::CreateRecord(kClient, 3, "assignments", ids.NewUuidV7(),
                                                testing::AssignmentBody("u-wang", site_a)),
                          CreateFinding(kClient, 4, ids.NewUuidV7(), testing::FindingAt(site_a)),
                          CreateFinding(kClient, 5, ids.NewUuidV7(), testing::FindingAt(site_b))}),
                   &resp)
                  .ok());
  for (const auto& r : resp.results()) ASSERT_EQ(r.outcome(), v1::APPLIED) << r.reason();

  std::string wang = Token("u-wang", "inspector", "tablet-3");
  auto ctx = Ctx(&wang);
  v1::PullRequest req;
  req.set_protocol_version(1);
  auto reader = stub_->Pull(ctx.get(), req);
  v1::PullResponse page;
  std::set<std::string> sites_seen;
  while (reader->Read(&page))
    for (const auto& r : page.records()) {
      if (r.collection() == "findings") sites_seen.insert(r.body().finding().site_id());
      if (r.collection() == "sites") sites_seen.insert(r.id());
    }
  ASSERT_TRUE(reader->Finish().ok());
  EXPECT_EQ(sites_seen, (std::set<std::string>{site_a}));

}

// Issue 15, item 8, over the wire: bounded echoes, time ranges, no
// existence oracle, references within a site, out-of-order mutation ids.
TEST_F(GrpcServerTest, SmallHolesAreClosedOverTheWire) {
  core::IdGenerator ids(&clock_, 6);
  std::string site_a = ids.NewUuidV7(), site_b = ids.NewUuidV7();
  std::string at_a = ids.NewUuidV7(), at_b = ids.NewUuidV7(), notice_b = ids.NewUuidV7();
  v1::RecordBody notice;
  notice.mutable_notice()->set_site_id(site_b);
  notice.mutable_notice()->add_finding_ids(at_b);
  notice.mutable_notice()->set_deadline_ms(testing::kTestNowMs + 7 * 86'400'000LL);
  v1::PushResponse resp;
  ASSERT_TRUE(Push(Batch({testing::CreateRecord(kClient, 1, "sites", site_a, testing::SiteBody("z")),
                          testing::CreateRecord(kClient, 2, "sites", site_b, testing::SiteBody("z")),
                          testing::CreateRecord(kClient, 3, "assignments", ids.NewUuidV7(),
                                                testing::AssignmentBody("u-wang", site_a)),
                          CreateFinding(kClient, 4, at_a, testing::FindingAt(site_a)),
                          CreateFinding(kClient, 5, at_b, testing::FindingAt(site_b)),
                          testing::CreateRecord(kClient, 6, "notices", notice_b, notice)}),
                   &resp)
                  .ok());
  for (const auto& r : resp.results()) ASSERT_EQ(r.outcome(), v1::APPLIED) << r.reason();
  const uint64_t head = *server_->engine()->store()->Head();
  std::string wang = Token("u-wang", "inspector", "tablet-3");
  const std::string wang_client = "0190a000-0000-7000-8000-0000000000d2";
  auto push_one = [&](const v1::Mutation& m, const std::string* token) {
    v1::PushResponse r;
    grpc::Status st = Push(Batch({m}), &r, token);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return st.ok() && r.results_size() == 1 ? r.results(0) : v1::MutationResult();
  };

  // A 10 KB client_id: the call is refused (a client id that is not a
  // device's UUID gets no ledger row), and the message names 64 bytes of it
  // and its size.
  v1::Mutation huge = CreateFinding(std::string(10240, 'c'), 1, ids.NewUuidV7(), testing::FindingAt(site_a));
  {
    v1::PushResponse refused;
    grpc::Status st = Push(Batch({huge}), &refused);
    EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_LT(st.error_message().size(), 200u) << st.error_message().substr(0, 300);
    EXPECT_NE(st.error_message().find("(10240 bytes)"), std::string::npos) << st.error_message();
    EXPECT_EQ(*server_->engine()->store()->Head(), head);
  }
  v1::MutationResult r;

  // A deadline in seconds, not milliseconds: refused, naming the field.
  v1::Finding f = testing::FindingAt(site_a, "late");
  f.set_status(v1::OPEN);
  f.set_deadline_ms(testing::kTestNowMs / 1000);
  r = push_one(CreateFinding(kClient, 10, ids.NewUuidV7(), f), nullptr);
  EXPECT_EQ(r.reject_code(), v1::INVALID);
  EXPECT_NE(r.reason().find("'deadline_ms'"), std::string::npos) << r.reason();
  EXPECT_NE(r.reason().find("reads as seconds"), std::string::npos) << r.reason();

  // Wang (site A) patching site B's finding and a made-up id: one answer.
  v1::Finding none, some;
  some.set_title("x");
  const std::string made_up = ids.NewUuidV7();
  v1::MutationResult there = push_one(testing::PatchFinding(wang_client, 1, at_b, 1, none, some, {"title"}), &wang);
  v1::MutationResult nowhere = push_one(testing::PatchFinding(wang_client, 2, made_up, 1, none, some, {"title"}), &wang);
  EXPECT_EQ(there.reject_code(), nowhere.reject_code());
  std::string a = there.reason(), b = nowhere.reason();
  a.replace(a.find(at_b), at_b.size(), "<id>");
  b.replace(b.find(made_up), made_up.size(), "<id>");
  EXPECT_EQ(a, b);

  // Wang's finding at A naming site B's notice: refused as if it did not exist.
  v1::Finding named = testing::FindingAt(site_a, "mine");
  named.set_notice_id(notice_b);
  r = push_one(CreateFinding(wang_client, 3, ids.NewUuidV7(), named), &wang);
  EXPECT_EQ(r.reject_code(), v1::WORKFLOW);
  EXPECT_NE(r.reason().find("does not exist where you can see it"), std::string::npos) << r.reason();

  // An id below the device's last, never processed: said so.
  r = push_one(CreateFinding(kClient, 8, ids.NewUuidV7(), testing::FindingAt(site_a)), nullptr);
  EXPECT_NE(r.reason().find("mutation 8 of this device was never processed"), std::string::npos) << r.reason();
  EXPECT_EQ(*server_->engine()->store()->Head(), head) << "every refusal changed nothing";
}

TEST_F(GrpcServerTest, PullStreamsPagesToTheHead) {
  std::vector<v1::Mutation> ms;
  for (int i = 1; i <= 40; ++i) ms.push_back(CreateFinding(kClient, i, ids_.NewUuidV7(), SampleFinding()));
  v1::PushResponse resp;
  ASSERT_TRUE(Push(Batch(ms), &resp).ok());

  auto ctx = Ctx();
  v1::PullRequest req;
  req.set_protocol_version(1);
  req.set_page_size(15);
  auto reader = stub_->Pull(ctx.get(), req);
  v1::PullResponse page;
  int pages = 0, records = 0;
  uint64_t cursor = 0;
  while (reader->Read(&page)) {
    ++pages;
    records += page.records_size();
    EXPECT_LE(page.records_size(), 15);
    EXPECT_GT(page.next_cursor(), cursor);
    cursor = page.next_cursor();
  }
  ASSERT_TRUE(reader->Finish().ok());
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(records, 40);
  EXPECT_EQ(cursor, 40u);

  auto ctx2 = Ctx();
  req.set_cursor(1000);
  auto r2 = stub_->Pull(ctx2.get(), req);
  while (r2->Read(&page)) {
  }
  EXPECT_EQ(r2->Finish().error_code(), grpc::StatusCode::FAILED_PRECONDITION);
}

TEST_F(GrpcServerTest, HealthCheckReportsServing) {
  grpc::GenericStub generic(channel_);
  grpc::Slice empty("", 0);
  grpc::ByteBuffer request(&empty, 1);  // an empty HealthCheckRequest: the whole server
  grpc::ByteBuffer response;
  grpc::ClientContext ctx;
  std::promise<grpc::Status> done;
  generic.UnaryCall(&ctx, "/grpc.health.v1.Health/Check", grpc::StubOptions(), &request, &response,
                    [&](grpc::Status s) { done.set_value(s); });
  grpc::Status st = done.get_future().get();
  ASSERT_TRUE(st.ok()) << st.error_message();
  std::vector<grpc::Slice> slices;
  ASSERT_TRUE(response.Dump(&slices).ok());
  std::string bytes;
  for (auto& s : slices) bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  EXPECT_EQ(bytes, std::string("\x08\x01", 2));  // status: SERVING
}

TEST_F(GrpcServerTest, ReflectionListsTheSyncService) {
  // A raw ServerReflectionInfo stream: request {list_services: ""} (field 7).
  grpc::CompletionQueue cq;
  grpc::GenericStub generic(channel_);
  grpc::ClientContext ctx;
  auto call = generic.PrepareCall(&ctx, "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo", &cq);
  auto wait = [&](intptr_t want) {
    void* tag = nullptr;
    bool ok = false;
    EXPECT_TRUE(cq.Next(&tag, &ok));
    EXPECT_EQ(reinterpret_cast<intptr_t>(tag), want);
    return ok;
  };
  call->StartCall(reinterpret_cast<void*>(1));
  ASSERT_TRUE(wait(1));
  grpc::Slice req_slice(std::string("\x3a\x00", 2));
  grpc::ByteBuffer req(&req_slice, 1);
  call->Write(req, reinterpret_cast<void*>(2));
  ASSERT_TRUE(wait(2));
  call->WritesDone(reinterpret_cast<void*>(3));
  ASSERT_TRUE(wait(3));
  grpc::ByteBuffer resp;
  call->Read(&resp, reinterpret_cast<void*>(4));
  ASSERT_TRUE(wait(4));
  grpc::Status st;
  call->Finish(&st, reinterpret_cast<void*>(5));
  wait(5);
  EXPECT_TRUE(st.ok()) << st.error_message();
  std::vector<grpc::Slice> slices;
  ASSERT_TRUE(resp.Dump(&slices).ok());
  std::string bytes;
  for (auto& sl : slices) bytes.append(reinterpret_cast<const char*>(sl.begin()), sl.size());
  EXPECT_NE(bytes.find("inspectsync.v1.SyncService"), std::string::npos);
  EXPECT_NE(bytes.find("grpc.health.v1.Health"), std::string::npos);
}

TEST_F(GrpcServerTest, MissingMalformedTamperedExpiredAndForeignTokensAreUnauthenticated) {
  v1::PushRequest req = Batch({CreateFinding(kClient, 1, ids_.NewUuidV7(), SampleFinding())});
  testing::TestAuth other{dir_.File("elsewhere")};
  std::string foreign = other.Token("u-li", "inspector", "tablet-9", clock_.NowMillis() / 1000);
  std::string tampered = token_;
  tampered[10] = tampered[10] == 'A' ? 'B' : 'A';
  std::string expired = auth_.Token("u-li", "inspector", "tablet-9", clock_.NowMillis() / 1000 - 7200);
  const std::string empty, garbage = "not-a-token";
  for (const std::string* t : std::initializer_list<const std::string*>{&empty, &garbage, &tampered, &expired, &foreign}) {
    v1::PushResponse resp;
    grpc::Status st = Push(req, &resp, t);
    EXPECT_EQ(st.error_code(), grpc::StatusCode::UNAUTHENTICATED) << *t << ": " << st.error_message();
  }
  auto ctx = Ctx(&empty);
  v1::PullRequest pull;
  pull.set_protocol_version(1);
  auto reader = stub_->Pull(ctx.get(), pull);
  v1::PullResponse page;
  EXPECT_FALSE(reader->Read(&page));
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(*server_->engine()->store()->Head(), 0u);

  // A token that was valid stops working once it expires (server clock moves).
  v1::PushResponse resp;
  ASSERT_TRUE(Push(req, &resp).ok());
  clock_.Advance(3601 * 1000);
  EXPECT_EQ(Push(req, &resp).error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(GrpcServerTest, VersionsRecordTheAuthenticatedUserAndDevice) {
  v1::PushResponse resp;
  ASSERT_TRUE(Push(Batch({CreateFinding(kClient, 1, ids_.NewUuidV7(), SampleFinding())}), &resp).ok());
  ASSERT_EQ(resp.results_size(), 1);
  EXPECT_EQ(resp.results(0).record().meta().author(), "u-li");
  EXPECT_EQ(resp.results(0).record().meta().device_id(), "tablet-9");  // not the client_id it sent

  // Another device's token cannot push under this device's client id.
  std::string thief = Token("u-wang", "inspector", "tablet-3");
  grpc::Status st = Push(Batch({CreateFinding(kClient, 2, ids_.NewUuidV7(), SampleFinding())}), &resp, &thief);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_NE(st.error_message().find("tablet-9"), std::string::npos);
  EXPECT_EQ(*server_->engine()->store()->Head(), 1u);
}

TEST_F(GrpcServerTest, APlaintextClientCannotTalkToTheTlsServer) {
  auto plain = v1::SyncService::NewStub(grpc::CreateChannel(server_->address(), grpc::InsecureChannelCredentials()));
  v1::PushResponse resp;
  grpc::Status st = plain->Push(Ctx().get(), Batch({}), &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::UNAVAILABLE) << st.error_message();
}

TEST(ServerStartTest, PlaintextIsRefusedOffLoopback) {
  testing::TempDir dir;
  server::ServerOptions o;
  o.listen = "0.0.0.0:0";
  o.insecure = true;
  o.db_path = dir.File("s.db");
  o.token_keys_file = dir.File("keys");
  auto s = server::Server::Start(o);
  EXPECT_EQ(s.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(s.status().message().find("loopback"), std::string::npos);
  o.listen = "127.0.0.1:0";
  EXPECT_TRUE(server::Server::Start(o).ok());
}

}  // namespace
}  // namespace inspectsync
