// Local writes and reads of the Client: what an app sees offline, what goes
// into the outbox, what survives a restart, and what is refused.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/hlc.h"
#include "core/lifecycle.h"
#include "tests/sdk/sdk_test_util.h"

namespace inspectsync::testing {
namespace {

using ClientTest = SdkTest;

TEST_F(ClientTest, OfflineCreateUpdateVoidShowsInViewAndOutbox) {
  auto c = Open();
  auto id = c->CreateFinding(Finding());
  ASSERT_OK(id);

  auto got = c->GetFinding(*id);
  ASSERT_OK(got);
  EXPECT_EQ(got->value.status(), v1::OPEN);  // created without a status
  EXPECT_EQ(got->value.title(), "Gas alarm not serviced");
  EXPECT_TRUE(got->pending);
  EXPECT_EQ(got->version, 0u);

  v1::Finding values;
  values.set_title("Gas alarm expired");
  ASSERT_OK(c->UpdateFinding(*id, values, {"title"}));
  ASSERT_OK(c->VoidFinding(*id, "duplicate of an earlier finding"));

  got = c->GetFinding(*id);
  ASSERT_OK(got);
  EXPECT_EQ(got->value.title(), "Gas alarm expired");
  EXPECT_EQ(got->value.status(), v1::VOIDED);
  EXPECT_EQ(got->value.void_reason(), "duplicate of an earlier finding");
  EXPECT_EQ(got->value.severity(), v1::MEDIUM);  // untouched fields stay
  EXPECT_EQ(Pending(*c), 3u);
  auto all = c->ListFindings();
  ASSERT_OK(all);
  ASSERT_EQ(all->size(), 1u);

  // What went on the wire.
  ASSERT_OK(c->Sync());
  auto pushes = server_->pushes();
  ASSERT_EQ(pushes.size(), 1u);
  const auto& ms = pushes[0].mutations();
  ASSERT_EQ(ms.size(), 3);
  EXPECT_EQ(pushes[0].protocol_version(), 1u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(ms[i].mutation_id(), static_cast<uint64_t>(i + 1));
    EXPECT_EQ(ms[i].client_id(), c->client_id());
    EXPECT_EQ(ms[i].record_id(), *id);
    if (i > 0) {
      EXPECT_GT(ms[i].hlc(), ms[i - 1].hlc());
    }
  }
  EXPECT_EQ(ms[0].op(), v1::CREATE);
  EXPECT_EQ(ms[0].body().finding().status(), v1::OPEN);
  EXPECT_EQ(ms[1].op(), v1::PATCH);
  EXPECT_EQ(ms[1].base_version(), 0u);
  ASSERT_EQ(ms[1].mask().paths_size(), 1);
  EXPECT_EQ(ms[1].mask().paths(0), "title");
  EXPECT_EQ(ms[1].body().finding().title(), "Gas alarm expired");
  EXPECT_EQ(ms[1].body().finding().severity(), v1::SEVERITY_UNSPECIFIED);  // only masked fields travel
  EXPECT_EQ(ms[1].base_body().finding().title(), "Gas alarm not serviced");
  // The void chains on the device's view, which already had the new title.
  EXPECT_EQ(ms[2].base_body().finding().status(), v1::OPEN);
  EXPECT_EQ(ms[2].body().finding().status(), v1::VOIDED);

  got = c->GetFinding(*id);
  ASSERT_OK(got);
  EXPECT_FALSE(got->pending);
  EXPECT_EQ(got->version, server_->Find("findings", *id)->version());
  EXPECT_EQ(got->value.status(), v1::VOIDED);
  EXPECT_EQ(Pending(*c), 0u);
}

TEST_F(ClientTest, UpdateWithUnchangedValuesRecordsNothing) {
  auto c = Open();
  auto id = c->CreateFinding(Finding());
  ASSERT_OK(id);
  ASSERT_OK(c->UpdateFinding(*id, Finding(), {"title", "severity"}));
  EXPECT_EQ(Pending(*c), 1u);
}

TEST_F(ClientTest, BadInputIsRefusedAndChangesNothing) {
  auto c = Open();
  auto id = c->CreateFinding(Finding());
  ASSERT_OK(id);
  auto before = c->GetFinding(*id);
  ASSERT_OK(before);

  v1::Finding v;
  v.set_title("x");
  EXPECT_EQ(c->UpdateFinding("not-a-uuid", v, {"title"}).code(), StatusCode::kInvalidArgument);
  Status unknown_field = c->UpdateFinding(*id, v, {"colour"});
  EXPECT_EQ(unknown_field.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(unknown_field.message().find("colour"), std::string::npos) << unknown_field.message();
  EXPECT_EQ(c->UpdateFinding(*id, v, {}).code(), StatusCode::kInvalidArgument);  // empty field list
  EXPECT_EQ(c->UpdateFinding(*id, v, {"title", "title"}).code(), StatusCode::kInvalidArgument);

  v.set_title(std::string(201, 'x'));  // max_len 200
  Status too_long = c->UpdateFinding(*id, v, {"title"});
  EXPECT_EQ(too_long.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(too_long.message().find("limit"), std::string::npos) << too_long.message();

  v1::Finding closed;
  closed.set_status(v1::CLOSED);
  Status illegal = c->UpdateFinding(*id, closed, {"status"});
  EXPECT_EQ(illegal.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(illegal.message(), core::DescribeIllegalTransition(v1::OPEN, v1::CLOSED));

  v1::Finding notified;  // a legal move, but a notice needs a deadline
  notified.set_status(v1::NOTIFIED);
  EXPECT_EQ(c->UpdateFinding(*id, notified, {"status"}).code(), StatusCode::kInvalidArgument);

  Status del = c->Delete("findings", *id);
  EXPECT_EQ(del.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(del.message().find("void"), std::string::npos) << del.message();
  EXPECT_EQ(c->VoidFinding(*id, "").code(), StatusCode::kInvalidArgument);

  v1::Finding created_closed = Finding();
  created_closed.set_status(v1::CLOSED);
  EXPECT_EQ(c->CreateFinding(created_closed).status().code(), StatusCode::kInvalidArgument);
  v1::Finding long_title = Finding(std::string(201, 'y'));
  EXPECT_EQ(c->CreateFinding(long_title).status().code(), StatusCode::kInvalidArgument);
  v1::Finding bad_enum = Finding();
  bad_enum.set_severity(static_cast<v1::Severity>(99));
  EXPECT_EQ(c->CreateFinding(bad_enum).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(c->Create("sites", Body(Finding())).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(c->Create("inspections", Body(Finding())).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(c->UpdateFinding("01890a5d-ac96-774b-bcce-b302099a8057", Finding(), {"title"}).code(),
            StatusCode::kNotFound);
  EXPECT_EQ(c->GetFinding("01890a5d-ac96-774b-bcce-b302099a8057").status().code(), StatusCode::kNotFound);

  EXPECT_EQ(Pending(*c), 1u);
  auto after = c->GetFinding(*id);
  ASSERT_OK(after);
  EXPECT_EQ(after->value.SerializeAsString(), before->value.SerializeAsString());
  EXPECT_EQ(c->ListFindings()->size(), 1u);
  // Nothing refused reached the server either.
  ASSERT_OK(c->Sync());
  EXPECT_EQ(server_->pushes()[0].mutations_size(), 1);
}

TEST_F(ClientTest, BatchCreateStoresAllInOrderAndSyncsThemLikeSingleCreates) {
  auto c = Open();
  auto single = c->CreateFinding(Finding("first, alone"));
  ASSERT_OK(single);
  std::vector<v1::Finding> batch;
  for (int i = 0; i < 5; ++i) batch.push_back(Finding("batch " + std::to_string(i)));
  auto ids = c->CreateFindings(batch);
  ASSERT_OK(ids);
  ASSERT_EQ(ids->size(), 5u);
  for (size_t i = 0; i < ids->size(); ++i) {
    auto got = c->GetFinding((*ids)[i]);
    ASSERT_OK(got);
    EXPECT_EQ(got->value.title(), "batch " + std::to_string(i));
    EXPECT_EQ(got->value.status(), v1::OPEN);  // defaulted as by CreateFinding
    EXPECT_TRUE(got->pending);
  }
  EXPECT_EQ(Pending(*c), 6u);
  EXPECT_TRUE(c->CreateFindings({})->empty());
  EXPECT_EQ(Pending(*c), 6u);

  auto report = c->Sync();
  ASSERT_OK(report);
  EXPECT_EQ(report->applied, 6u);
  auto pushed = server_->pushes();
  ASSERT_EQ(pushed.size(), 1u);
  for (int i = 0; i < pushed[0].mutations_size(); ++i) {
    EXPECT_EQ(pushed[0].mutations(i).mutation_id(), static_cast<uint64_t>(i + 1));  // consecutive, in order
    if (i > 0) {
      EXPECT_EQ(pushed[0].mutations(i).record_id(), (*ids)[static_cast<size_t>(i - 1)]);
    }
  }
  for (const std::string& id : *ids) EXPECT_TRUE(server_->Find("findings", id).has_value());
}

TEST_F(ClientTest, BatchCreateWithOneBadRecordStoresNothing) {
  auto c = Open();
  std::vector<v1::Finding> batch = {Finding("fine"), Finding(std::string(201, 'x')), Finding("also fine")};
  auto refused = c->CreateFindings(batch);
  EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(refused.status().message().find("record 1"), std::string::npos) << refused.status().message();
  EXPECT_EQ(Pending(*c), 0u);
  EXPECT_TRUE(c->ListFindings()->empty());
  v1::Finding closed = Finding();
  closed.set_status(v1::CLOSED);  // only DRAFT and OPEN at creation
  EXPECT_FALSE(c->CreateFindings({Finding(), closed}).ok());
  EXPECT_EQ(Pending(*c), 0u);
  // Mutation ids were not burnt: the next write is still mutation 1.
  ASSERT_OK(c->CreateFinding(Finding()));
  ASSERT_OK(c->Sync());
  EXPECT_EQ(server_->pushes().back().mutations(0).mutation_id(), 1u);
}

TEST_F(ClientTest, BatchCreateSurvivesReopen) {
  std::vector<std::string> ids;
  {
    auto c = Open();
    auto created = c->CreateAll("inspections", {Body(Inspection("site-a")), Body(Inspection("site-b"))});
    ASSERT_OK(created);
    ids = *created;
  }
  auto c = Open();
  EXPECT_EQ(Pending(*c), 2u);
  EXPECT_EQ(c->GetInspection(ids[1])->value.site_id(), "site-b");
  ASSERT_OK(c->CreateInspection(Inspection()));
  ASSERT_OK(c->Sync());
  EXPECT_EQ(server_->pushes().back().mutations(2).mutation_id(), 3u);
}

TEST_F(ClientTest, LegalLifecycleMovesAreAccepted) {
  auto c = Open();
  auto id = c->CreateFinding(Finding());
  ASSERT_OK(id);
  v1::Finding v;
  v.set_status(v1::NOTIFIED);
  v.set_deadline_ms(clock_.NowMillis() + 86'400'000);
  // NOTIFIED only through a notice that lists the finding (core/workflow.h).
  Status bare = c->UpdateFinding(*id, v, {"status", "deadline_ms"});
  EXPECT_EQ(bare.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(bare.message().find("notice_id"), std::string::npos) << bare.message();
  NoticeInput notice;
  notice.site_id = "site-001";
  notice.finding_ids = {*id};
  notice.deadline_ms = clock_.NowMillis() + 86'400'000;
  ASSERT_OK(c->IssueNotice(notice));
  EXPECT_EQ(c->GetFinding(*id)->value.status(), v1::NOTIFIED);
  v.set_status(v1::IN_RECTIFICATION);
  ASSERT_OK(c->UpdateFinding(*id, v, {"status"}));
  // Voiding is only allowed before a notice.
  EXPECT_EQ(c->VoidFinding(*id, "mistake").code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(c->GetFinding(*id)->value.status(), v1::IN_RECTIFICATION);
}

TEST_F(ClientTest, OutboxAndIdentitySurviveReopen) {
  std::string client_id, finding_id;
  {
    auto c = Open();
    client_id = c->client_id();
    auto id = c->CreateFinding(Finding());
    ASSERT_OK(id);
    finding_id = *id;
    v1::Finding v;
    v.set_title("Edited before the battery died");
    ASSERT_OK(c->UpdateFinding(finding_id, v, {"title"}));
  }
  auto c = Open("device.db", /*seed=*/7);  // a different seed must not change the stored identity
  EXPECT_EQ(c->client_id(), client_id);
  EXPECT_EQ(Pending(*c), 2u);
  auto got = c->GetFinding(finding_id);
  ASSERT_OK(got);
  EXPECT_TRUE(got->pending);
  EXPECT_EQ(got->value.title(), "Edited before the battery died");
  ASSERT_OK(c->CreateInspection(Inspection()));

  ASSERT_OK(c->Sync());
  auto pushes = server_->pushes();
  ASSERT_EQ(pushes.size(), 1u);
  ASSERT_EQ(pushes[0].mutations_size(), 3);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(pushes[0].mutations(i).mutation_id(), static_cast<uint64_t>(i + 1));
  EXPECT_EQ(server_->Find("findings", finding_id)->body().finding().title(), "Edited before the battery died");
}

TEST_F(ClientTest, HlcFollowsServerAndNeverGoesBackAcrossRestart) {
  const uint64_t server_hlc = core::Hlc::Pack(clock_.NowMillis() + 60'000, 9);  // server a minute ahead
  server_->SetServerHlc(server_hlc);
  {
    auto c = Open();
    ASSERT_OK(c->CreateFinding(Finding()));
    ASSERT_OK(c->Sync());
    ASSERT_OK(c->CreateFinding(Finding("second")));  // made after observing the server's clock
  }
  clock_.Advance(-86'400'000);  // the tablet's clock jumps back a day over the reboot
  auto c = Open();
  ASSERT_OK(c->CreateFinding(Finding("third")));
  ASSERT_OK(c->Sync());
  auto pushes = server_->pushes();
  ASSERT_EQ(pushes.size(), 2u);
  ASSERT_EQ(pushes[1].mutations_size(), 2);
  EXPECT_GT(pushes[1].mutations(0).hlc(), server_hlc);
  EXPECT_GT(pushes[1].mutations(1).hlc(), pushes[1].mutations(0).hlc());
}

TEST_F(ClientTest, DeleteInspectionHidesItAtOnce) {
  auto c = Open();
  auto id = c->CreateInspection(Inspection());
  ASSERT_OK(id);
  ASSERT_OK(c->DeleteInspection(*id));
  EXPECT_EQ(c->GetInspection(*id).status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(c->ListInspections()->empty());
  EXPECT_EQ(c->DeleteInspection(*id).code(), StatusCode::kNotFound);
  EXPECT_EQ(c->UpdateInspection(*id, Inspection("site-002"), {"site_id"}).code(), StatusCode::kNotFound);
  EXPECT_EQ(Pending(*c), 2u);

  ASSERT_OK(c->Sync());
  EXPECT_TRUE(server_->Find("inspections", *id)->deleted());
  EXPECT_EQ(c->GetInspection(*id).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(Pending(*c), 0u);
}

TEST_F(ClientTest, GenericApiMatchesTypedApi) {
  auto c = Open();
  auto id = c->Create("inspections", Body(Inspection()));
  ASSERT_OK(id);
  v1::Inspection notes;
  notes.set_notes("Gate log checked.");
  ASSERT_OK(c->Update("inspections", *id, Body(notes), {"notes"}));
  auto rec = c->Get("inspections", *id);
  ASSERT_OK(rec);
  EXPECT_EQ(rec->collection, "inspections");
  EXPECT_EQ(rec->body.inspection().notes(), "Gate log checked.");
  EXPECT_EQ(c->GetInspection(*id)->value.notes(), "Gate log checked.");
  // The site decides who sees a record: it is fixed at creation.
  auto moved = c->Update("inspections", *id, Body(Inspection("site-009")), {"site_id"});
  EXPECT_EQ(moved.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(moved.message(), ::testing::HasSubstr("fixed when it is created"));
  EXPECT_EQ(c->List("inspections")->size(), 1u);
  EXPECT_EQ(c->List("nope").status().code(), StatusCode::kInvalidArgument);
}

TEST_F(ClientTest, OfflineOnlyClientWritesButCannotSync) {
  ClientOptions o = Options();
  o.transport = nullptr;
  auto c = Open(o);
  ASSERT_OK(c->CreateFinding(Finding()));
  EXPECT_EQ(c->Sync().status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(c->StartBackgroundSync().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(Pending(*c), 1u);
}

TEST_F(ClientTest, OpenRequiresAPath) {
  ClientOptions o;
  EXPECT_EQ(Client::Open(o).status().code(), StatusCode::kInvalidArgument);
  o.db_path = dir_.File("no-such-dir/device.db");
  EXPECT_FALSE(Client::Open(o).ok());
}

}  // namespace
}  // namespace inspectsync::testing
