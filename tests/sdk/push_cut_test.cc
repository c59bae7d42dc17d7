// The SDK against the real engine when push responses fill up (issue 15):
// the server answers a prefix of a batch, refuses the batch the SDK
// pipelined behind it (ABORTED), and the SDK pushes the rest again from its
// outbox — every edit arrives, once.
#include <gtest/gtest.h>

#include <map>
#include <mutex>

#include "server/sync_engine.h"
#include "tests/sdk/sdk_test_util.h"
#include "tests/testing/max_records.h"

namespace inspectsync::testing {
namespace {

// A Transport straight into the engine that keeps the code of every push.
class CountingEngineTransport : public Transport {
 public:
  explicit CountingEngineTransport(server::SyncEngine* engine) : engine_(engine) {}
  Status Push(const v1::PushRequest& request, v1::PushResponse* response) override {
    auto r = engine_->Push(request, server::Caller{});
    std::lock_guard<std::mutex> lock(mu_);
    requests_.emplace_back(request.ByteSizeLong(), request.mutations_size());
    ++codes_[r.ok() ? StatusCode::kOk : r.status().code()];
    if (r.ok()) {
      if (r->results_size() < request.mutations_size()) ++cut_;
      *response = std::move(*r);
    }
    return r.status();
  }
  Status Pull(const v1::PullRequest& request,
              const std::function<Status(const v1::PullResponse&)>& on_page) override {
    auto plan = engine_->StartPull(request, server::Caller{});
    if (!plan.ok()) return plan.status();
    for (;;) {
      auto page = engine_->NextPage(request, &*plan);
      if (!page.ok()) return page.status();
      INSPECTSYNC_RETURN_IF_ERROR(on_page(*page));
      if (plan->done) return Status::Ok();
    }
  }
  int count(StatusCode code) {
    std::lock_guard<std::mutex> lock(mu_);
    return codes_[code];
  }
  int cut() {
    std::lock_guard<std::mutex> lock(mu_);
    return cut_;
  }
  // (encoded bytes, mutations) of every push request.
  std::vector<std::pair<size_t, int>> requests() {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }

 private:
  server::SyncEngine* engine_;
  std::mutex mu_;
  std::map<StatusCode, int> codes_;
  int cut_ = 0;
  std::vector<std::pair<size_t, int>> requests_;
};

class PushCutSdkTest : public SdkTest {
 protected:
  void SetUp() override {
    clock_.Set(1'767'225'600'000);
    auto store = storage::OpenSqliteServerStore(dir_.File("server.db"));
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(*store);
    server::EngineOptions eo;
    eo.clock = &clock_;
    eo.max_page_bytes = 256 << 10;  // ~10 results of 25 KB records
    engine_ = std::make_unique<server::SyncEngine>(store_.get(), eo);
    net_ = std::make_shared<CountingEngineTransport>(engine_.get());
  }

  std::unique_ptr<storage::ServerStore> store_;
  std::unique_ptr<server::SyncEngine> engine_;
  std::shared_ptr<CountingEngineTransport> net_;
};

// 120 findings at every limit, then a one-word edit of each: every push
// response holds about ten whole records, so batches of 50 are cut and the
// batch pipelined behind each cut one is refused. Both syncs succeed, the
// server has every edit, and history holds each mutation exactly once.
TEST_F(PushCutSdkTest, EditsOfLargeRecordsConvergeThroughCutResponsesWithNothingLostOrDoubled) {
  ClientOptions o = Options();
  o.transport = net_;
  o.push_batch_size = 50;
  auto c = Open(o);
  ASSERT_TRUE(c);
  std::vector<std::string> ids;
  for (int i = 0; i < 120; ++i) {
    auto id = c->CreateFinding(MaxFinding("site-001", {}, "s" + std::to_string(i)));
    ASSERT_OK(id);
    ids.push_back(*id);
  }
  auto created = c->Sync();
  ASSERT_OK(created);
  EXPECT_EQ(created->pushed, 120u);
  EXPECT_EQ(Pending(*c), 0u);
  for (size_t i = 0; i < ids.size(); ++i) {
    v1::Finding change;
    change.set_title("checked " + std::to_string(i));
    ASSERT_OK(c->UpdateFinding(ids[i], change, {"title"}));
  }
  auto edited = c->Sync();
  ASSERT_OK(edited);
  EXPECT_EQ(edited->pushed, 120u);
  EXPECT_EQ(Pending(*c), 0u);
  EXPECT_GT(net_->cut(), 2);
  EXPECT_GT(net_->count(StatusCode::kAborted), 0) << "no pipelined push met a cut one";

  for (size_t i = 0; i < ids.size(); ++i) {
    auto rec = store_->GetRecord("findings", ids[i]);
    ASSERT_TRUE(rec.ok() && rec->has_value());
    v1::Finding f;
    ASSERT_TRUE(f.ParseFromString((*rec)->body));
    EXPECT_EQ(f.title(), "checked " + std::to_string(i));
    auto local = c->GetFinding(ids[i]);
    ASSERT_OK(local);
    EXPECT_EQ(local->value.title(), f.title());
    EXPECT_EQ(local->version, (*rec)->version);
  }
  std::vector<storage::VersionRow> history;
  ASSERT_TRUE(store_->ReadHistory(0, 100000, &history).ok());
  std::map<std::pair<std::string, uint64_t>, int> applied;
  for (const auto& v : history) ++applied[{v.client_id, v.mutation_id}];
  EXPECT_EQ(applied.size(), 240u);
  for (const auto& [key, n] : applied) EXPECT_EQ(n, 1) << "mutation " << key.second << " applied " << n << " times";
}

// push_batch_bytes bounds a request as encoded (each mutation with its
// framing; 17 bytes more for its protocol version and ack), and a mutation larger than it still goes, alone: the outbox
// never stalls on one large edit, and no request passes the server's
// message limit (its start-up check keeps the largest PATCH under half).
TEST_F(PushCutSdkTest, PushRequestsStayWithinTheirByteBudgetAndCarryAtLeastOneMutation) {
  for (size_t budget : {size_t{100} << 10, size_t{10} << 10}) {
    ClientOptions o = Options("device-" + std::to_string(budget) + ".db");
    o.transport = net_;
    o.push_batch_bytes = budget;
    auto c = Open(o);
    ASSERT_TRUE(c);
    std::vector<v1::RecordBody> bodies;
    for (int i = 0; i < 30; ++i) bodies.push_back(Body(MaxFinding("site-001", {}, "b" + std::to_string(i))));
    ASSERT_OK(c->CreateAll("findings", bodies));
    size_t before = net_->requests().size();
    auto r = c->Sync();
    ASSERT_OK(r);
    EXPECT_EQ(r->pushed, 30u);
    auto requests = net_->requests();
    const size_t largest = testing::MaxFinding("site-001").ByteSizeLong() + 200;
    for (size_t i = before; i < requests.size(); ++i) {
      EXPECT_GE(requests[i].second, 1);
      if (requests[i].second > 1) {
        EXPECT_LE(requests[i].first, budget + 17) << "request " << i << " of " << requests[i].second;
      } else {
        EXPECT_LE(requests[i].first, std::max(budget + 17, largest));
      }
    }
  }
}

}  // namespace
}  // namespace inspectsync::testing
