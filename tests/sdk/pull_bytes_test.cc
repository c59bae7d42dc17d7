// Pull pages with encoded records (v1::PullPageIn, what Client::Sync pulls
// through the gRPC transport): the device stores each record's encoding as it
// came. It must hold exactly what the parsed path (v1::PullResponse) holds,
// refuse a page with a malformed record whole, and move the cursor only with
// a stored page.
#include <gtest/gtest.h>

#include "storage/device_store.h"
#include "tests/sdk/sdk_test_util.h"

namespace inspectsync::testing {
namespace {

using storage::DeviceStore;
using storage::ViewRecord;

constexpr char kClient[] = "01890a5d-ac96-774b-bcce-b302099a8000";

v1::Record Rec(const std::string& collection, const std::string& id, uint64_t version, const v1::RecordBody& body,
               bool deleted = false) {
  v1::Record r;
  r.set_collection(collection);
  r.set_id(id);
  r.set_version(version);
  r.set_deleted(deleted);
  *r.mutable_body() = body;
  r.mutable_meta()->set_author("inspector-王");
  r.mutable_meta()->set_device_id("tablet-7");
  r.mutable_meta()->set_hlc(version * 10);
  r.mutable_meta()->set_created_version(1);
  return r;
}

// A finding in Chinese, a tombstone, reference data (a zone), a scope.
v1::PullResponse SamplePage() {
  v1::PullResponse page;
  v1::Finding f = Finding("消防通道被杂物堵塞，需立即清理");
  f.set_description("三楼东侧楼梯间，灭火器过期（2023年）。");
  f.set_status(v1::OPEN);
  *page.add_records() = Rec("findings", "01890a5d-ac96-774b-bcce-b302099a8001", 3, Body(f));
  *page.add_records() = Rec("findings", "01890a5d-ac96-774b-bcce-b302099a8002", 4, Body(Finding("gone")), true);
  v1::RecordBody zone;
  zone.mutable_zone()->set_name("南区");
  zone.mutable_zone()->set_code("S-1");
  *page.add_records() = Rec("zones", "01890a5d-ac96-774b-bcce-b302099a8003", 5, zone);
  page.set_next_cursor(5);
  page.set_head(9);
  page.set_server_hlc(1234);
  page.set_has_more(true);
  page.mutable_scope()->add_keys("site-001");
  page.mutable_scope()->add_keys(zone.zone().code());
  return page;
}

// The page as the gRPC transport hands it over: same wire, records left encoded.
v1::PullPageIn AsIn(const v1::PullResponse& page) {
  v1::PullPageIn in;
  EXPECT_TRUE(in.ParseFromString(page.SerializeAsString()));
  return in;
}

class PullBytesTest : public ::testing::Test {
 protected:
  std::unique_ptr<DeviceStore> Open(const std::string& name) {
    auto s = DeviceStore::Open(dir_.File(name), kClient);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? std::move(*s) : nullptr;
  }
  // Everything the app can read of `collection`, as text.
  static std::string Dump(DeviceStore* s, const std::string& collection) {
    std::string out;
    auto views = s->ListView(collection);
    EXPECT_TRUE(views.ok());
    for (const ViewRecord& v : *views)
      out += v.id + " v" + std::to_string(v.version) + (v.deleted ? " deleted" : "") +
             (v.pending ? " pending " : " ") + v.body.DebugString() + "\n";
    return out;
  }
  TempDir dir_;
};

TEST_F(PullBytesTest, TheGrpcTransportsWireReadsAsEncodedRecords) {
  v1::PullResponse page = SamplePage();
  v1::PullPageIn in = AsIn(page);
  ASSERT_EQ(in.records_size(), page.records_size());
  for (int i = 0; i < page.records_size(); ++i) EXPECT_EQ(in.records(i), page.records(i).SerializeAsString());
  EXPECT_EQ(in.SerializeAsString(), page.SerializeAsString());  // and back: the same bytes
}

TEST_F(PullBytesTest, StoredFromBytesReadsBackAsTheParsedPathStoresIt) {
  auto parsed = Open("parsed.db");
  auto bytes = Open("bytes.db");
  ASSERT_OK(parsed->ApplyPullPage(SamplePage(), 7));
  ASSERT_OK(bytes->ApplyPullPage(AsIn(SamplePage()), 7));
  for (const char* c : {"findings", "zones"}) {
    EXPECT_FALSE(Dump(bytes.get(), c).empty());
    EXPECT_EQ(Dump(bytes.get(), c), Dump(parsed.get(), c)) << c;
  }
  auto tomb = bytes->GetView("findings", "01890a5d-ac96-774b-bcce-b302099a8002");
  ASSERT_OK(tomb);
  ASSERT_TRUE(tomb->has_value());
  EXPECT_TRUE((*tomb)->deleted);
  EXPECT_EQ(*bytes->ServerVersion("findings", "01890a5d-ac96-774b-bcce-b302099a8002"), 4u);
  auto f = bytes->GetView("findings", "01890a5d-ac96-774b-bcce-b302099a8001");
  ASSERT_OK(f);
  ASSERT_TRUE(f->has_value());
  EXPECT_EQ((*f)->body.finding().title(), "消防通道被杂物堵塞，需立即清理");
  EXPECT_EQ(bytes->cursor(), parsed->cursor());
  EXPECT_EQ(bytes->last_hlc(), parsed->last_hlc());
  ASSERT_NE(bytes->synced_scope(), nullptr);
  EXPECT_EQ(bytes->synced_scope()->DebugString(), parsed->synced_scope()->DebugString());
}

TEST_F(PullBytesTest, PendingEditsFoldOverARecordStoredFromBytes) {
  const std::string id = "01890a5d-ac96-774b-bcce-b302099a8001";
  auto parsed = Open("parsed.db");
  auto bytes = Open("bytes.db");
  for (DeviceStore* s : {parsed.get(), bytes.get()}) {
    v1::Mutation m;
    m.set_client_id(kClient);
    m.set_mutation_id(1);
    m.set_collection("findings");
    m.set_record_id(id);
    m.set_base_version(2);
    m.set_op(v1::PATCH);
    m.mutable_mask()->add_paths("title");
    m.mutable_body()->mutable_finding()->set_title("本地修改");
    m.mutable_base_body()->mutable_finding()->set_title("old");
    m.set_hlc(1);
    ASSERT_OK(s->AppendMutation(m, 1));
  }
  ASSERT_OK(parsed->ApplyPullPage(SamplePage(), 7));
  ASSERT_OK(bytes->ApplyPullPage(AsIn(SamplePage()), 7));
  EXPECT_EQ(Dump(bytes.get(), "findings"), Dump(parsed.get(), "findings"));
  auto v = bytes->GetView("findings", id);
  ASSERT_OK(v);
  ASSERT_TRUE(v->has_value());
  EXPECT_TRUE((*v)->pending);
  EXPECT_EQ((*v)->body.finding().title(), "本地修改");
  EXPECT_EQ((*v)->version, 3u);
}

TEST_F(PullBytesTest, AMalformedRecordRefusesThePageAndStoresNothing) {
  v1::PullPageIn good = AsIn(SamplePage());
  std::string whole = good.records(0);
  // Each of these makes the second record of the page unusable.
  std::vector<std::pair<std::string, std::string>> bad = {
      {"truncated", whole.substr(0, whole.size() - 5)},
      {"garbage", std::string("\xff\xff\xff\xff", 4)},
      {"a zone's body in a finding", [] {
         v1::Record r = SamplePage().records(0);
         r.mutable_body()->mutable_zone()->set_name("x");
         return r.SerializeAsString();
       }()},
      {"an id that is not UTF-8", [] {
         v1::RecordOut r;  // bytes fields: lets the test write what a string field must not hold
         r.set_collection("findings");
         r.set_id("\xc3\x28");
         r.set_version(8);
         return r.SerializeAsString();
       }()},
  };
  auto s = Open("store.db");
  for (const auto& [what, record] : bad) {
    v1::PullPageIn page = good;
    *page.mutable_records(1) = record;
    page.set_next_cursor(99);
    Status st = s->ApplyPullPage(page, 50);
    EXPECT_EQ(st.code(), StatusCode::kDataLoss) << what;
    EXPECT_NE(st.message().find("record 2 of 3"), std::string::npos) << what << ": " << st.message();
    EXPECT_EQ(s->cursor(), 0u) << what;
    EXPECT_EQ(Dump(s.get(), "findings"), "") << what;
    EXPECT_EQ(Dump(s.get(), "zones"), "") << what;
    EXPECT_EQ(s->synced_scope(), nullptr) << what;
  }
  // The same store takes the good page afterwards, cursor and records together.
  ASSERT_OK(s->ApplyPullPage(good, 50));
  EXPECT_EQ(s->cursor(), 5u);
  EXPECT_NE(Dump(s.get(), "zones"), "");
}

TEST_F(PullBytesTest, PagesAdvanceTheCursorWithTheirRecordsAcrossReopen) {
  v1::PullResponse first = SamplePage();
  v1::PullResponse second;
  v1::Finding f = Finding("第二页");
  *second.add_records() = Rec("findings", "01890a5d-ac96-774b-bcce-b302099a8009", 8, Body(f));
  second.set_next_cursor(9);
  second.set_head(9);
  {
    auto s = Open("store.db");
    ASSERT_OK(s->ApplyPullPage(AsIn(first), 1));
    EXPECT_EQ(s->cursor(), 5u);
    ASSERT_OK(s->ApplyPullPage(AsIn(second), 2));
  }
  auto s = Open("store.db");
  EXPECT_EQ(s->cursor(), 9u);
  EXPECT_EQ(*s->ServerVersion("findings", "01890a5d-ac96-774b-bcce-b302099a8009"), 8u);
  // A stale page stores nothing older and never moves the cursor back.
  ASSERT_OK(s->ApplyPullPage(AsIn(first), 3));
  EXPECT_EQ(s->cursor(), 9u);
  EXPECT_EQ(*s->ServerVersion("findings", "01890a5d-ac96-774b-bcce-b302099a8001"), 3u);
}

}  // namespace
}  // namespace inspectsync::testing
