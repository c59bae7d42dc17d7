// Conflict review over a real server on 127.0.0.1 port 0 with TLS and signed
// tokens: two inspectors' tablets (the SDK) edit a finding's description
// offline and make a REVIEW conflict; the office lists and resolves it with
// IntegrationService; each tablet's next pull shows the chosen value, and
// history holds the resolution by the office user. Also the service's
// refusals: no token, the wrong role, bad ids and values, resolving twice.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <set>

#include "core/clock.h"
#include "core/ids.h"
#include "inspectsync/client.h"
#include "inspectsync/v1/integration.grpc.pb.h"
#include "server/server.h"
#include "tests/testing/auth.h"
#include "tests/testing/mutations.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/test_server.h"

namespace inspectsync {
namespace {

const std::string kSetup = "0190a000-0000-7000-8000-00000000e2e0";

class ConflictsE2ETest : public ::testing::Test {
 protected:
  void SetUp() override {
    server::ServerOptions o = testing::TlsServerOptions(auth_, dir_.File("server.db"));
    auto s = server::Server::Start(o);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    server_ = std::move(*s);
    // A site in zone north; alice and bob are assigned to it.
    auto r = server_->engine()->Push(
        testing::Batch({testing::CreateRecord(kSetup, 1, "sites", site_, testing::SiteBody("z-north")),
                        testing::CreateRecord(kSetup, 2, "assignments", ids_.NewUuidV7(),
                                              testing::AssignmentBody("alice", site_)),
                        testing::CreateRecord(kSetup, 3, "assignments", ids_.NewUuidV7(),
                                              testing::AssignmentBody("bob", site_))},
                       0),
        server::Caller{});
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    for (const auto& res : r->results()) ASSERT_EQ(res.outcome(), v1::APPLIED) << res.reason();
    auto channel = grpc::CreateChannel(server_->address(), auth_.ChannelCredentials());
    integration_ = v1::IntegrationService::NewStub(channel);
  }

  std::string Token(const std::string& user, const std::string& role) {
    return auth_.Token(user, role, "dev-" + user, core::SystemClock()->NowMillis() / 1000);
  }

  std::unique_ptr<Client> Tablet(const std::string& user) {
    ClientOptions o;
    o.db_path = dir_.File(user + ".db");
    o.server_address = server_->address();
    o.grpc.ca_cert_file = auth_.ca_file();
    o.grpc.token = Token(user, "inspector");
    auto c = Client::Open(o);
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return c.ok() ? std::move(*c) : nullptr;
  }

  static void MustSync(Client& c) {
    auto r = c.Sync();
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }

  std::unique_ptr<grpc::ClientContext> Ctx(const std::string& token) {
    return testing::BearerContext(token, 20);
  }

  // Alice and bob both edit the description of alice's finding offline.
  std::string MakeConflict(Client& alice, Client& bob) {
    v1::Finding f = testing::FindingAt(site_);
    auto id = alice.CreateFinding(f);
    EXPECT_TRUE(id.ok()) << id.status().ToString();
    MustSync(alice);
    MustSync(bob);
    EXPECT_TRUE(bob.GetFinding(*id).ok());
    v1::Finding a, b;
    a.set_description("Alarm replaced; alice saw the receipt.");
    b.set_description("Alarm still missing; bob checked the kitchen.");
    EXPECT_TRUE(alice.UpdateFinding(*id, a, {"description"}).ok());
    EXPECT_TRUE(bob.UpdateFinding(*id, b, {"description"}).ok());
    MustSync(alice);
    MustSync(bob);
    return *id;
  }

  testing::TempDir dir_;
  testing::TestAuth auth_{dir_.path()};
  std::unique_ptr<server::Server> server_;
  std::unique_ptr<v1::IntegrationService::Stub> integration_;
  core::IdGenerator ids_;
  std::string site_ = "0190a000-0000-7000-8000-0000000051e1";
};

TEST_F(ConflictsE2ETest, AResolutionAppearsOnTabletsAfterTheirPull) {
  auto alice = Tablet("alice");
  auto bob = Tablet("bob");
  ASSERT_TRUE(alice && bob);
  std::string id = MakeConflict(*alice, *bob);

  std::string office = Token("u-office", "office");
  v1::ConflictQuery q;
  q.add_zone_ids("z-north");
  q.set_inspector("bob");
  v1::ConflictPage page;
  ASSERT_TRUE(integration_->ListConflicts(Ctx(office).get(), q, &page).ok());
  ASSERT_EQ(page.conflicts_size(), 1);
  const v1::ConflictRow& row = page.conflicts(0);
  EXPECT_EQ(row.conflict().record_id(), id);
  EXPECT_EQ(row.conflict().field(), "description");
  EXPECT_EQ(row.site_id(), site_);
  EXPECT_EQ(row.zone_id(), "z-north");

  v1::ResolveConflictRequest req;
  req.set_conflict_id(row.conflict().id());
  req.mutable_value()->mutable_finding()->set_description("Alarm replaced 3 March; receipt photographed by the office.");
  req.set_note("Called the school");
  v1::ResolveConflictResponse resp;
  grpc::Status st = integration_->ResolveConflict(Ctx(office).get(), req, &resp);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(resp.conflict().conflict().state(), v1::CONFLICT_RESOLVED);
  EXPECT_EQ(resp.conflict().resolved_by(), "u-office");
  EXPECT_EQ(resp.record().meta().author(), "u-office");

  for (Client* t : {alice.get(), bob.get()}) {
    MustSync(*t);
    auto f = t->GetFinding(id);
    ASSERT_TRUE(f.ok());
    EXPECT_EQ(f->value.description(), "Alarm replaced 3 March; receipt photographed by the office.");
    EXPECT_EQ(f->version, resp.record().version());
    EXPECT_FALSE(f->pending);
  }
  std::vector<storage::VersionRow> hist;
  ASSERT_TRUE(server_->engine()->store()->History("findings", id, &hist).ok());
  ASSERT_FALSE(hist.empty());
  EXPECT_EQ(hist.back().seq, resp.conflict().resolved_version());
  EXPECT_EQ(hist.back().meta.author(), "u-office");

  // Not open any more; a second resolution is refused, naming who did it.
  v1::ConflictPage open;
  ASSERT_TRUE(integration_->ListConflicts(Ctx(office).get(), {}, &open).ok());
  EXPECT_EQ(open.conflicts_size(), 0);
  v1::ResolveConflictResponse again;
  st = integration_->ResolveConflict(Ctx(office).get(), req, &again);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_NE(st.error_message().find("already resolved by u-office"), std::string::npos) << st.error_message();
}

TEST_F(ConflictsE2ETest, TheServiceRefusesBadCallersAndBadRequests) {
  auto alice = Tablet("alice");
  auto bob = Tablet("bob");
  ASSERT_TRUE(alice && bob);
  MakeConflict(*alice, *bob);
  uint64_t head = *server_->engine()->store()->Head();

  v1::ConflictPage page;
  EXPECT_EQ(integration_->ListConflicts(Ctx("").get(), {}, &page).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  // An inspector lists the conflicts of their own sites (tablet_conflicts_test
  // has the scope); resolving is refused below.
  grpc::Status st = integration_->ListConflicts(Ctx(Token("alice", "inspector")).get(), {}, &page);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(page.conflicts_size(), 1);
  // The integration role lists too.
  ASSERT_TRUE(integration_->ListConflicts(Ctx(Token("sis", "integration")).get(), {}, &page).ok());
  ASSERT_EQ(page.conflicts_size(), 1);
  std::string cid = page.conflicts(0).conflict().id();

  std::string office = Token("u-office", "office");
  v1::ConflictQuery bad;
  bad.set_page_token("garbage");
  st = integration_->ListConflicts(Ctx(office).get(), bad, &page);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(st.error_message().find("page_token"), std::string::npos);

  auto resolve = [&](const std::string& token, const v1::ResolveConflictRequest& req) {
    v1::ResolveConflictResponse resp;
    return integration_->ResolveConflict(Ctx(token).get(), req, &resp);
  };
  v1::ResolveConflictRequest req;
  req.set_conflict_id(cid);
  req.set_take_loser(true);
  EXPECT_EQ(resolve(Token("bob", "inspector"), req).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(resolve(Token("dana", "zone_director"), req).error_code(), grpc::StatusCode::PERMISSION_DENIED);

  v1::ResolveConflictRequest unknown;
  unknown.set_conflict_id(ids_.NewUuidV7());
  unknown.set_keep_winner(true);
  st = resolve(office, unknown);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_NE(st.error_message().find("no conflict with id"), std::string::npos);

  v1::ResolveConflictRequest wrong;
  wrong.set_conflict_id(cid);
  wrong.mutable_value()->mutable_finding()->set_title("a title");
  st = resolve(office, wrong);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(st.error_message().find("value sets 'title'"), std::string::npos) << st.error_message();

  v1::ResolveConflictRequest none;
  none.set_conflict_id(cid);
  st = resolve(office, none);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);

  EXPECT_EQ(*server_->engine()->store()->Head(), head);  // nothing changed by any of them

  // The integration role may resolve (through the office's operation).
  ASSERT_TRUE(resolve(Token("sis", "integration"), req).ok());
  EXPECT_EQ(*server_->engine()->store()->Head(), head + 1);
}

// Issue 17: both sides of a conflict name the device of the writer's token,
// as history does; the losing side named the tablet's own install id.
TEST_F(ConflictsE2ETest, BothSidesOfAConflictNameTheTokensDevice) {
  auto alice = Tablet("alice");
  auto bob = Tablet("bob");
  ASSERT_TRUE(alice && bob);
  std::vector<v1::Conflict> seen_by_bob;
  bob->OnConflict([&](const v1::Conflict& c) { seen_by_bob.push_back(c); });
  std::string id = MakeConflict(*alice, *bob);

  v1::ConflictPage page;
  ASSERT_TRUE(integration_->ListConflicts(Ctx(Token("u-office", "office")).get(), {}, &page).ok());
  ASSERT_EQ(page.conflicts_size(), 1);
  const v1::Conflict& c = page.conflicts(0).conflict();
  // REVIEW: the later edit (bob's) stands; alice's is kept as the loser.
  EXPECT_EQ(c.winner().author(), "bob");
  EXPECT_EQ(c.winner().device_id(), "dev-bob");
  EXPECT_EQ(c.loser().author(), "alice");
  EXPECT_EQ(c.loser().device_id(), "dev-alice");

  std::vector<storage::VersionRow> hist;
  ASSERT_TRUE(server_->engine()->store()->History("findings", id, &hist).ok());
  std::set<std::string> devices;
  for (const auto& v : hist) devices.insert(v.meta.device_id());
  EXPECT_EQ(devices, (std::set<std::string>{"dev-alice", "dev-bob"}));
  // What bob's tablet was told says the same.
  ASSERT_EQ(seen_by_bob.size(), 1u);
  EXPECT_EQ(seen_by_bob[0].loser().device_id(), "dev-alice");
  EXPECT_EQ(seen_by_bob[0].winner().device_id(), "dev-bob");
}

// Issue 17: resolving an older conflict on a field a later conflict has since
// settled would overwrite that decision; it is refused, naming the later one.
TEST_F(ConflictsE2ETest, AnOlderResolutionDoesNotOverwriteALaterOne) {
  auto alice = Tablet("alice");
  auto bob = Tablet("bob");
  ASSERT_TRUE(alice && bob);
  std::string id = MakeConflict(*alice, *bob);
  // A second round on the same field.
  MustSync(*alice);
  v1::Finding a, b;
  a.set_description("Alarm fitted on Monday.");
  b.set_description("Alarm fitted, battery missing.");
  ASSERT_TRUE(alice->UpdateFinding(id, a, {"description"}).ok());
  ASSERT_TRUE(bob->UpdateFinding(id, b, {"description"}).ok());
  MustSync(*alice);
  MustSync(*bob);

  std::string office = Token("u-office", "office");
  v1::ConflictPage page;
  ASSERT_TRUE(integration_->ListConflicts(Ctx(office).get(), {}, &page).ok());
  ASSERT_EQ(page.conflicts_size(), 2);
  const std::string older = page.conflicts(0).conflict().id(), later = page.conflicts(1).conflict().id();
  ASSERT_LT(page.conflicts(0).conflict().version(), page.conflicts(1).conflict().version());

  v1::ResolveConflictRequest settle;
  settle.set_conflict_id(later);
  settle.mutable_value()->mutable_finding()->set_description("Alarm fitted; battery added on Tuesday.");
  v1::ResolveConflictResponse resp;
  ASSERT_TRUE(integration_->ResolveConflict(Ctx(office).get(), settle, &resp).ok());
  uint64_t head = *server_->engine()->store()->Head();

  v1::ResolveConflictRequest old;
  old.set_conflict_id(older);
  old.set_take_loser(true);
  v1::ResolveConflictResponse ignored;
  grpc::Status st = integration_->ResolveConflict(Ctx(office).get(), old, &ignored);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << st.error_message();
  EXPECT_NE(st.error_message().find("older than conflict " + later), std::string::npos) << st.error_message();
  EXPECT_NE(st.error_message().find("u-office resolved"), std::string::npos) << st.error_message();
  EXPECT_NE(st.error_message().find("battery added on Tuesday"), std::string::npos) << st.error_message();
  EXPECT_EQ(*server_->engine()->store()->Head(), head);  // nothing written
  auto record = server_->engine()->store()->GetRecord("findings", id);
  ASSERT_TRUE(record.ok() && record->has_value());
  v1::Finding now;
  ASSERT_TRUE(now.ParseFromString((*record)->body));
  EXPECT_EQ(now.description(), "Alarm fitted; battery added on Tuesday.");

  // Keeping the value the field has now overwrites nothing: the older conflict closes.
  v1::ResolveConflictRequest keep;
  keep.set_conflict_id(older);
  keep.mutable_value()->mutable_finding()->set_description(now.description());
  st = integration_->ResolveConflict(Ctx(office).get(), keep, &ignored);
  EXPECT_TRUE(st.ok()) << st.error_message();
}

}  // namespace
}  // namespace inspectsync
