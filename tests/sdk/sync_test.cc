// Client::Sync against the FakeServer: push results, dead letters, retries
// after network errors, pull paging, tombstones, conflicts, concurrency.
#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>

#include "tests/sdk/sdk_test_util.h"

namespace inspectsync::testing {
namespace {

using SyncTest = SdkTest;

TEST_F(SyncTest, PendingEditsAreReappliedOverPulledState) {
  auto c = Open();
  auto id = c->CreateFinding(Finding());
  ASSERT_OK(id);
  ASSERT_OK(c->Sync());

  // Another tablet rewrites the description on the server.
  v1::Finding other;
  other.set_description("Alarm replaced; certificate missing.");
  server_->OtherDevicePatch("findings", *id, Body(other), {"description"});

  // This tablet edits the title; while that push is on the wire the app adds
  // a tag (the store is not locked during network calls).
  v1::Finding title;
  title.set_title("Gas alarm: no certificate");
  ASSERT_OK(c->UpdateFinding(*id, title, {"title"}));
  std::atomic<bool> once{false};
  server_->SetPushHook([&] {
    if (once.exchange(true)) return;
    v1::Finding tags;
    tags.add_tags("urgent");
    EXPECT_TRUE(c->UpdateFinding(*id, tags, {"tags"}).ok());
  });
  auto report = c->Sync();
  ASSERT_OK(report);
  EXPECT_EQ(report->pushed, 1u);  // the tag was written after the sync began
  EXPECT_EQ(report->pending, 1u);

  auto got = c->GetFinding(*id);
  ASSERT_OK(got);
  EXPECT_EQ(got->value.title(), "Gas alarm: no certificate");             // ours, acknowledged
  EXPECT_EQ(got->value.description(), "Alarm replaced; certificate missing.");  // theirs, pulled
  ASSERT_EQ(got->value.tags_size(), 1);                                  // ours, still pending
  EXPECT_EQ(got->value.tags(0), "urgent");
  EXPECT_TRUE(got->pending);
  EXPECT_EQ(got->version, server_->Find("findings", *id)->version());

  ASSERT_OK(c->Sync());
  got = c->GetFinding(*id);
  EXPECT_FALSE(got->pending);
  EXPECT_EQ(server_->Find("findings", *id)->body().finding().tags(0), "urgent");
}

TEST_F(SyncTest, RejectedMutationIsKeptListedAndLeavesTheView) {
  auto c = Open();
  Collector<RejectedMutation> heard;
  c->OnRejected([&](const RejectedMutation& r) { heard.Add(r); });
  auto id = c->CreateFinding(Finding());
  ASSERT_OK(id);
  v1::Finding v;
  v.set_title("Retitled");
  ASSERT_OK(c->UpdateFinding(*id, v, {"title"}));
  EXPECT_EQ(c->GetFinding(*id)->value.title(), "Retitled");
  server_->RejectMutation(2, v1::PERMISSION_DENIED, "inspectors may not retitle findings");

  auto report = c->Sync();
  ASSERT_OK(report);
  EXPECT_EQ(report->applied, 1u);
  EXPECT_EQ(report->rejected, 1u);
  EXPECT_EQ(Pending(*c), 0u);

  auto got = c->GetFinding(*id);
  ASSERT_OK(got);
  EXPECT_EQ(got->value.title(), "Gas alarm not serviced");  // the refused edit is gone from the view
  EXPECT_FALSE(got->pending);

  auto rejected = c->Rejected();
  ASSERT_OK(rejected);
  ASSERT_EQ(rejected->size(), 1u);
  const RejectedMutation& r = (*rejected)[0];
  EXPECT_EQ(r.mutation.mutation_id(), 2u);
  EXPECT_EQ(r.mutation.body().finding().title(), "Retitled");  // what was lost stays readable
  EXPECT_EQ(r.code, v1::PERMISSION_DENIED);
  EXPECT_EQ(r.reason, "inspectors may not retitle findings");
  EXPECT_EQ(r.rejected_at_ms, clock_.NowMillis());
  ASSERT_EQ(heard.items().size(), 1u);
  EXPECT_EQ(heard.items()[0].mutation.mutation_id(), 2u);

  ASSERT_OK(c->DismissRejected(2));
  EXPECT_TRUE(c->Rejected()->empty());
  EXPECT_EQ(c->DismissRejected(2).code(), StatusCode::kNotFound);
}

TEST_F(SyncTest, RejectedCreateRemovesTheRecordButKeepsTheDeadLetter) {
  auto c = Open();
  auto id = c->CreateInspection(Inspection());
  ASSERT_OK(id);
  server_->RejectMutation(1, v1::PERMISSION_DENIED, "site-001 is not assigned to you");
  ASSERT_OK(c->Sync());
  EXPECT_EQ(c->GetInspection(*id).status().code(), StatusCode::kNotFound);
  auto rejected = c->Rejected();
  ASSERT_EQ(rejected->size(), 1u);
  EXPECT_EQ((*rejected)[0].mutation.record_id(), *id);
}

TEST_F(SyncTest, TransportErrorKeepsOutboxAndRetryResendsSameIds) {
  auto c = Open();
  auto id = c->CreateFinding(Finding());
  ASSERT_OK(id);
  v1::Finding v;
  v.set_severity(v1::HIGH);
  ASSERT_OK(c->UpdateFinding(*id, v, {"severity"}));
  ASSERT_OK(c->CreateInspection(Inspection()));

  server_->FailNextPushes({Unavailable("no network")});
  EXPECT_EQ(c->Sync().status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(Pending(*c), 3u);
  EXPECT_TRUE(c->GetFinding(*id)->pending);
  EXPECT_EQ(c->GetFinding(*id)->value.severity(), v1::HIGH);

  // The server commits, but the answer is lost on the way back.
  server_->LoseNextPushResponse();
  EXPECT_EQ(c->Sync().status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(Pending(*c), 3u);

  auto report = c->Sync();
  ASSERT_OK(report);
  EXPECT_EQ(report->pushed, 3u);
  EXPECT_EQ(Pending(*c), 0u);

  auto pushes = server_->pushes();
  ASSERT_EQ(pushes.size(), 3u);
  for (const auto& p : pushes) {
    ASSERT_EQ(p.mutations_size(), 3);
    EXPECT_EQ(p.ack_through(), 0u);
    // Byte for byte the same mutations: never renumbered, never re-stamped.
    for (int i = 0; i < 3; ++i) EXPECT_EQ(p.mutations(i).SerializeAsString(), pushes[0].mutations(i).SerializeAsString());
  }
  for (uint64_t mid = 1; mid <= 3; ++mid) EXPECT_EQ(server_->applied_count(c->client_id(), mid), 1) << mid;

  // The next push tells the server everything up to 3 is safely stored.
  ASSERT_OK(c->CreateInspection(Inspection()));
  ASSERT_OK(c->Sync());
  EXPECT_EQ(server_->pushes().back().ack_through(), 3u);
  EXPECT_EQ(server_->pushes().back().mutations(0).mutation_id(), 4u);
}

TEST_F(SyncTest, PushGoesInBatchesInOrder) {
  ClientOptions o = Options();
  o.push_batch_size = 3;
  auto c = Open(o);
  for (int i = 0; i < 7; ++i) ASSERT_OK(c->CreateInspection(Inspection("site-" + std::to_string(i))));
  auto report = c->Sync();
  ASSERT_OK(report);
  EXPECT_EQ(report->push_batches, 3u);
  EXPECT_EQ(report->pushed, 7u);
  auto pushes = server_->pushes();
  ASSERT_EQ(pushes.size(), 3u);
  EXPECT_EQ(pushes[0].mutations_size(), 3);
  EXPECT_EQ(pushes[1].mutations_size(), 3);
  EXPECT_EQ(pushes[2].mutations_size(), 1);
  // Batches are pipelined: batch i+1 leaves before the results of batch i
  // are stored, so acknowledgements lag one batch and never cover a result
  // the device has not stored.
  EXPECT_EQ(pushes[0].ack_through(), 0u);
  EXPECT_EQ(pushes[1].ack_through(), 0u);
  EXPECT_EQ(pushes[2].ack_through(), 3u);
  EXPECT_EQ(pushes[2].mutations(0).mutation_id(), 7u);
  ASSERT_OK(c->CreateInspection(Inspection()));
  ASSERT_OK(c->Sync());
  EXPECT_EQ(server_->pushes().back().ack_through(), 7u);
}

// A failure of a push while the results of the one before it are being
// stored: what was answered is stored, the rest stays in the outbox and goes
// out again with the same bytes; nothing is applied twice.
TEST_F(SyncTest, PipelinedPushFailingMidwayKeepsStoredBatchesAndResendsTheRest) {
  for (int failing_call : {2, 3}) {
    server_ = std::make_shared<FakeServer>(&clock_);
    ClientOptions o = Options();
    o.db_path = dir_.File("pipeline-" + std::to_string(failing_call) + ".db");
    o.push_batch_size = 3;
    auto c = Open(o);
    for (int i = 0; i < 8; ++i) ASSERT_OK(c->CreateInspection(Inspection("site-" + std::to_string(i))));
    int calls = 0;
    server_->SetPushHook([&] {
      if (++calls == failing_call) server_->FailNextPushes({Unavailable("cut")});
    });
    EXPECT_EQ(c->Sync().status().code(), StatusCode::kUnavailable);
    const uint64_t stored = 3u * static_cast<uint64_t>(failing_call - 1);
    EXPECT_EQ(Pending(*c), 8u - stored) << failing_call;
    auto first = server_->pushes();

    server_->SetPushHook(nullptr);
    auto report = c->Sync();
    ASSERT_OK(report);
    EXPECT_EQ(report->pushed, 8u - stored);
    EXPECT_EQ(Pending(*c), 0u);
    for (uint64_t mid = 1; mid <= 8; ++mid) EXPECT_EQ(server_->applied_count(c->client_id(), mid), 1) << mid;
    // The failed batch went out again byte for byte.
    auto all = server_->pushes();
    const v1::PushRequest& failed = first.back();
    const v1::PushRequest& resent = all[first.size()];
    ASSERT_EQ(resent.mutations_size(), failed.mutations_size());
    for (int i = 0; i < failed.mutations_size(); ++i)
      EXPECT_EQ(resent.mutations(i).SerializeAsString(), failed.mutations(i).SerializeAsString());
  }
}

TEST_F(SyncTest, PushBatchesRespectTheByteBudget) {
  ClientOptions o = Options();
  o.push_batch_bytes = 1;  // always at least one mutation per batch
  auto c = Open(o);
  for (int i = 0; i < 3; ++i) ASSERT_OK(c->CreateInspection(Inspection()));
  ASSERT_OK(c->Sync());
  EXPECT_EQ(server_->pushes().size(), 3u);
}

TEST_F(SyncTest, PullPagesAdvanceAndPersistTheCursor) {
  for (int i = 0; i < 7; ++i) server_->OtherDeviceCreate(Body(Inspection("site-" + std::to_string(i))));
  ClientOptions o = Options();
  o.pull_page_size = 3;
  {
    auto c = Open(o);
    auto report = c->Sync();
    ASSERT_OK(report);
    EXPECT_EQ(report->pulled, 7u);
    EXPECT_EQ(report->pull_pages, 3u);
    EXPECT_EQ(report->cursor, 7u);
    auto list = c->ListInspections();
    ASSERT_EQ(list->size(), 7u);
    for (const auto& i : *list) {
      EXPECT_FALSE(i.pending);
      EXPECT_GT(i.version, 0u);
    }
    EXPECT_EQ(server_->pulls().back().page_size(), 3u);
    EXPECT_EQ(server_->pulls().back().client_id(), c->client_id());
  }
  auto c = Open(o);
  EXPECT_EQ(c->cursor(), 7u);
  server_->OtherDeviceCreate(Body(Inspection("site-new")));
  auto report = c->Sync();
  ASSERT_OK(report);
  EXPECT_EQ(server_->pulls().back().cursor(), 7u);
  EXPECT_EQ(report->pulled, 1u);
  EXPECT_EQ(c->cursor(), 8u);

  // A server that ends each stream after one page: the client asks again.
  server_->SetMaxPagesPerStream(1);
  for (int i = 0; i < 4; ++i) server_->OtherDeviceCreate(Body(Inspection()));
  size_t pulls_before = server_->pulls().size();
  report = c->Sync();
  ASSERT_OK(report);
  EXPECT_EQ(report->pulled, 4u);
  EXPECT_EQ(server_->pulls().size(), pulls_before + 2);
  EXPECT_EQ(c->ListInspections()->size(), 12u);
}

TEST_F(SyncTest, PullCutMidStreamKeepsEarlierPagesAndResumes) {
  for (int i = 0; i < 7; ++i) server_->OtherDeviceCreate(Body(Inspection()));
  ClientOptions o = Options();
  o.pull_page_size = 3;
  auto c = Open(o);
  server_->FailNextPull(Status(StatusCode::kDeadlineExceeded, "stream deadline"), /*pages_first=*/1);
  EXPECT_EQ(c->Sync().status().code(), StatusCode::kDeadlineExceeded);
  EXPECT_EQ(c->cursor(), 3u);
  EXPECT_EQ(c->ListInspections()->size(), 3u);
  auto report = c->Sync();
  ASSERT_OK(report);
  EXPECT_EQ(server_->pulls().back().cursor(), 3u);
  EXPECT_EQ(report->pulled, 4u);
  EXPECT_EQ(c->ListInspections()->size(), 7u);
}

TEST_F(SyncTest, TombstonesRemoveRecordsFromTheView) {
  std::string id = server_->OtherDeviceCreate(Body(Inspection()));
  auto c = Open();
  ASSERT_OK(c->Sync());
  ASSERT_OK(c->GetInspection(id));
  server_->OtherDeviceDelete("inspections", id);
  auto report = c->Sync();
  ASSERT_OK(report);
  EXPECT_EQ(report->pulled, 1u);
  EXPECT_EQ(c->GetInspection(id).status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(c->ListInspections()->empty());
  EXPECT_EQ(c->UpdateInspection(id, Inspection("x"), {"site_id"}).code(), StatusCode::kNotFound);
}

TEST_F(SyncTest, ConflictsReachTheListenerAndTheViewShowsTheServersResult) {
  auto c = Open();
  Collector<v1::Conflict> heard;
  c->OnConflict([&](const v1::Conflict& k) { heard.Add(k); });
  auto id = c->CreateFinding(Finding());
  ASSERT_OK(id);
  ASSERT_OK(c->Sync());

  v1::Finding theirs, ours;
  theirs.set_title("Title from the office");
  ours.set_title("Title from the tablet");
  server_->OtherDevicePatch("findings", *id, Body(theirs), {"title"});
  ASSERT_OK(c->UpdateFinding(*id, ours, {"title"}));
  auto report = c->Sync();
  ASSERT_OK(report);
  EXPECT_EQ(report->conflicts, 1u);

  std::vector<v1::Conflict> conflicts = heard.items();
  ASSERT_EQ(conflicts.size(), 1u);
  const v1::Conflict& k = conflicts[0];
  EXPECT_EQ(k.record_id(), *id);
  EXPECT_EQ(k.field(), "title");
  EXPECT_EQ(k.policy(), v1::LWW);
  std::set<std::string> both = {k.winner_value().finding().title(), k.loser_value().finding().title()};
  EXPECT_EQ(both, (std::set<std::string>{"Title from the office", "Title from the tablet"}));
  auto got = c->GetFinding(*id);
  EXPECT_EQ(got->value.title(), server_->Find("findings", *id)->body().finding().title());
  EXPECT_EQ(got->value.title(), k.winner_value().finding().title());
  EXPECT_FALSE(got->pending);
}

TEST_F(SyncTest, WritersAndSyncsOnManyThreads) {
  auto c = Open();
  constexpr int kThreads = 4, kEach = 25;
  std::vector<std::thread> writers;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    writers.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        auto id = c->CreateFinding(Finding("t" + std::to_string(t) + "-" + std::to_string(i)));
        if (!id.ok()) {
          ++failures;
          continue;
        }
        v1::Finding v;
        v.set_severity(v1::HIGH);
        if (!c->UpdateFinding(*id, v, {"severity"}).ok()) ++failures;
      }
    });
  }
  std::thread syncer([&] {
    for (int i = 0; i < 10; ++i)
      if (!c->Sync().ok()) ++failures;
  });
  for (auto& w : writers) w.join();
  syncer.join();
  ASSERT_OK(c->Sync());
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(Pending(*c), 0u);
  auto list = c->ListFindings();
  ASSERT_EQ(list->size(), static_cast<size_t>(kThreads * kEach));
  for (const auto& f : *list) {
    EXPECT_EQ(f.value.severity(), v1::HIGH);
    EXPECT_FALSE(f.pending);
  }
  for (uint64_t mid = 1; mid <= 2 * kThreads * kEach; ++mid) EXPECT_EQ(server_->applied_count(c->client_id(), mid), 1);
}

TEST_F(SyncTest, GrpcTransportReportsAnUnreachableServerAsTransient) {
  // Nothing listens on port 1: the call fails fast with UNAVAILABLE.
  ClientOptions o = Options();
  o.transport = nullptr;
  o.server_address = "127.0.0.1:1";
  auto c = Open(o);
  ASSERT_OK(c->CreateFinding(Finding()));
  auto report = c->Sync();
  ASSERT_FALSE(report.ok());
  EXPECT_TRUE(report.status().transient()) << report.status().ToString();
  EXPECT_EQ(Pending(*c), 1u);

  GrpcTransportOptions t;
  t.call_deadline = std::chrono::milliseconds(5'000);
  t.ca_cert_file = "/nonexistent/ca.pem";
  EXPECT_EQ(MakeGrpcTransport("127.0.0.1:1", t).status().code(), StatusCode::kFailedPrecondition);
  t.ca_cert_file.clear();
  auto transport = MakeGrpcTransport("127.0.0.1:1", t);
  ASSERT_TRUE(transport.ok());
  v1::PullRequest pull;
  int pages = 0;
  Status st = (*transport)->Pull(pull, [&](const v1::PullResponse&) {
    ++pages;
    return Status::Ok();
  });
  EXPECT_TRUE(st.transient()) << st.ToString();
  EXPECT_EQ(pages, 0);
}

}  // namespace
}  // namespace inspectsync::testing
