// Deferred durability of what the server sent (storage/device_store.h): push
// results and pull pages commit without an fdatasync, and one fdatasync of
// the WAL makes them durable before Sync() returns and before any ack covers
// them. A shim VFS counts the WAL's syncs and simulates a power cut: the
// database file as it is (only checkpoints write it, and they sync first)
// with the WAL cut back to what its last sync covered. The shim checks that
// the model holds: no write ever lands in an already synced part of the WAL
// (no checkpoint restarts it in these small tests).
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <string>

#include "storage/device_store.h"
#include "tests/sdk/sdk_test_util.h"

namespace inspectsync::testing {
namespace {

namespace fs = std::filesystem;

// ---------------------------------------------------------------- shim VFS

struct WalState {
  int syncs = 0;
  sqlite3_int64 synced_size = 0;
  bool overwrote_synced = false;
};
std::mutex g_mu;
std::map<std::string, WalState> g_wals;  // by WAL path
sqlite3_vfs* g_real = nullptr;

struct ShimFile {
  sqlite3_file base;
  sqlite3_file* real;  // right after this struct
  std::string* wal_path;  // null unless a WAL
};

sqlite3_file* Real(sqlite3_file* f) { return reinterpret_cast<ShimFile*>(f)->real; }

int ShimClose(sqlite3_file* f) {
  auto* s = reinterpret_cast<ShimFile*>(f);
  int rc = s->real->pMethods ? s->real->pMethods->xClose(s->real) : SQLITE_OK;
  delete s->wal_path;
  s->wal_path = nullptr;
  return rc;
}
int ShimRead(sqlite3_file* f, void* p, int n, sqlite3_int64 off) { return Real(f)->pMethods->xRead(Real(f), p, n, off); }
int ShimWrite(sqlite3_file* f, const void* p, int n, sqlite3_int64 off) {
  auto* s = reinterpret_cast<ShimFile*>(f);
  if (s->wal_path) {
    std::lock_guard<std::mutex> lock(g_mu);
    WalState& w = g_wals[*s->wal_path];
    if (off < w.synced_size) w.overwrote_synced = true;
  }
  return s->real->pMethods->xWrite(s->real, p, n, off);
}
int ShimTruncate(sqlite3_file* f, sqlite3_int64 size) {
  auto* s = reinterpret_cast<ShimFile*>(f);
  if (s->wal_path) {
    std::lock_guard<std::mutex> lock(g_mu);
    WalState& w = g_wals[*s->wal_path];
    if (size < w.synced_size) w.overwrote_synced = true;
  }
  return s->real->pMethods->xTruncate(s->real, size);
}
int ShimSync(sqlite3_file* f, int flags) {
  auto* s = reinterpret_cast<ShimFile*>(f);
  sqlite3_int64 size = 0;
  if (s->wal_path) s->real->pMethods->xFileSize(s->real, &size);
  int rc = s->real->pMethods->xSync(s->real, flags);
  if (rc == SQLITE_OK && s->wal_path) {
    std::lock_guard<std::mutex> lock(g_mu);
    WalState& w = g_wals[*s->wal_path];
    ++w.syncs;
    w.synced_size = std::max(w.synced_size, size);
  }
  return rc;
}
int ShimFileSize(sqlite3_file* f, sqlite3_int64* p) { return Real(f)->pMethods->xFileSize(Real(f), p); }
int ShimLock(sqlite3_file* f, int l) { return Real(f)->pMethods->xLock(Real(f), l); }
int ShimUnlock(sqlite3_file* f, int l) { return Real(f)->pMethods->xUnlock(Real(f), l); }
int ShimCheckReserved(sqlite3_file* f, int* p) { return Real(f)->pMethods->xCheckReservedLock(Real(f), p); }
int ShimFileControl(sqlite3_file* f, int op, void* p) { return Real(f)->pMethods->xFileControl(Real(f), op, p); }
int ShimSectorSize(sqlite3_file* f) { return Real(f)->pMethods->xSectorSize(Real(f)); }
int ShimDevChar(sqlite3_file* f) { return Real(f)->pMethods->xDeviceCharacteristics(Real(f)); }
int ShimShmMap(sqlite3_file* f, int i, int sz, int ext, void volatile** pp) {
  return Real(f)->pMethods->xShmMap(Real(f), i, sz, ext, pp);
}
int ShimShmLock(sqlite3_file* f, int off, int n, int flags) { return Real(f)->pMethods->xShmLock(Real(f), off, n, flags); }
void ShimShmBarrier(sqlite3_file* f) { Real(f)->pMethods->xShmBarrier(Real(f)); }
int ShimShmUnmap(sqlite3_file* f, int del) { return Real(f)->pMethods->xShmUnmap(Real(f), del); }

const sqlite3_io_methods kShimMethods = {
    2,         ShimClose,     ShimRead,         ShimWrite,       ShimTruncate,  ShimSync,
    ShimFileSize, ShimLock,   ShimUnlock,       ShimCheckReserved, ShimFileControl, ShimSectorSize,
    ShimDevChar, ShimShmMap,  ShimShmLock,      ShimShmBarrier,  ShimShmUnmap, nullptr, nullptr};

int ShimOpen(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* f, int flags, int* out_flags) {
  auto* s = reinterpret_cast<ShimFile*>(f);
  s->real = reinterpret_cast<sqlite3_file*>(s + 1);
  s->wal_path = nullptr;
  s->base.pMethods = nullptr;
  int rc = g_real->xOpen(g_real, name, s->real, flags, out_flags);
  if (rc != SQLITE_OK) return rc;
  if ((flags & SQLITE_OPEN_WAL) && name) s->wal_path = new std::string(name);
  s->base.pMethods = &kShimMethods;
  return SQLITE_OK;
}

sqlite3_vfs g_shim;

void RegisterShim() {
  if (g_real) return;
  g_real = sqlite3_vfs_find(nullptr);
  g_shim = *g_real;
  g_shim.zName = "durability-shim";
  g_shim.szOsFile = static_cast<int>(sizeof(ShimFile)) + g_real->szOsFile;
  g_shim.xOpen = ShimOpen;
  g_shim.pAppData = nullptr;
  sqlite3_vfs_register(&g_shim, /*makeDflt=*/1);
}

WalState Wal(const std::string& db_path) {
  std::lock_guard<std::mutex> lock(g_mu);
  return g_wals[db_path + "-wal"];
}

// The device file as a power cut now would leave it.
std::string PowerCutCopy(const std::string& db_path, const std::string& to) {
  WalState w = Wal(db_path);
  fs::copy_file(db_path, to, fs::copy_options::overwrite_existing);
  std::ifstream in(db_path + "-wal", std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  bytes.resize(std::min<size_t>(bytes.size(), static_cast<size_t>(w.synced_size)));
  std::ofstream(to + "-wal", std::ios::binary | std::ios::trunc).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  fs::remove(to + "-shm");
  return to;
}

// Before each push reaches the server: the ack it carries covers only
// results a power cut at this instant would keep.
class CheckingTransport : public Transport {
 public:
  CheckingTransport(std::shared_ptr<FakeServer> server, std::string db_path, std::string copy_path)
      : server_(std::move(server)), db_path_(std::move(db_path)), copy_path_(std::move(copy_path)) {}
  Status Push(const v1::PushRequest& request, v1::PushResponse* response) override {
    PowerCutCopy(db_path_, copy_path_);
    {
      auto s = storage::DeviceStore::Open(copy_path_, "copy");
      EXPECT_TRUE(s.ok()) << s.status().ToString();
      if (s.ok()) {
        auto on_disk = (*s)->AckThrough();
        EXPECT_TRUE(on_disk.ok());
        EXPECT_LE(request.ack_through(), *on_disk) << "an ack covers a result that is not durable";
        ++checked;
      }
    }
    return server_->Push(request, response);
  }
  Status Pull(const v1::PullRequest& request, const std::function<Status(const v1::PullResponse&)>& on_page) override {
    return server_->Pull(request, on_page);
  }
  int checked = 0;

 private:
  std::shared_ptr<FakeServer> server_;
  std::string db_path_, copy_path_;
};

class DurabilityTest : public SdkTest {
 protected:
  void SetUp() override { RegisterShim(); }
};

TEST_F(DurabilityTest, ASyncPaysOneFsyncForItsResultsAndPagesAndNoneWhenIdle) {
  for (int i = 0; i < 5; ++i) server_->OtherDeviceCreate(Body(Inspection("site-" + std::to_string(i))));
  ClientOptions o = Options();
  o.pull_page_size = 2;  // three pages
  const std::string db = o.db_path;
  auto c = Open(o);
  for (int i = 0; i < 4; ++i) ASSERT_OK(c->CreateFinding(Finding("f" + std::to_string(i))));
  const int before = Wal(db).syncs;
  auto report = c->Sync();
  ASSERT_OK(report);
  EXPECT_EQ(report->pushed, 4u);
  EXPECT_GE(report->pull_pages, 3u);
  // One push batch and several pages: one fdatasync, not one each.
  EXPECT_EQ(Wal(db).syncs - before, 1);
  // Nothing to push or pull: no fdatasync at all.
  const int idle = Wal(db).syncs;
  ASSERT_OK(c->Sync());
  EXPECT_EQ(Wal(db).syncs - idle, 0);
  EXPECT_FALSE(Wal(db).overwrote_synced);
}

TEST_F(DurabilityTest, APowerCutAfterSyncReturnsKeepsEverythingItReported) {
  for (int i = 0; i < 3; ++i) server_->OtherDeviceCreate(Body(Inspection("site-" + std::to_string(i))));
  ClientOptions o = Options();
  const std::string db = o.db_path;
  auto c = Open(o);
  ASSERT_OK(c->CreateFinding(Finding()));
  auto report = c->Sync();
  ASSERT_OK(report);
  auto live = c->ListInspections();
  ASSERT_OK(live);
  ASSERT_EQ(live->size(), 3u);
  ClientOptions cut = Options("cut.db");
  PowerCutCopy(db, cut.db_path);
  auto after = Open(cut);
  ASSERT_NE(after, nullptr);
  EXPECT_EQ(Pending(*after), 0u);  // the push result survived
  EXPECT_EQ(after->cursor(), c->cursor());
  auto kept = after->ListInspections();
  ASSERT_OK(kept);
  EXPECT_EQ(kept->size(), 3u);
  EXPECT_FALSE(Wal(db).overwrote_synced);
}

TEST_F(DurabilityTest, APowerCutBeforeTheFsyncLosesOnlyWhatTheServerSendsAgain) {
  // Results stored but not made durable (the store alone, no Sync()).
  const std::string path = dir_.File("store.db");
  {
    auto s = storage::DeviceStore::Open(path, "dev");
    ASSERT_OK(s);
    v1::Mutation m;
    m.set_client_id("dev");
    m.set_mutation_id(1);
    m.set_collection("findings");
    m.set_record_id("f1");
    m.set_op(v1::CREATE);
    *m.mutable_body() = Body(Finding());
    ASSERT_OK((*s)->AppendMutation(m, 1));
    v1::MutationResult r;
    r.set_mutation_id(1);
    r.set_outcome(v1::APPLIED);
    r.mutable_record()->set_collection("findings");
    r.mutable_record()->set_id("f1");
    r.mutable_record()->set_version(7);
    *r.mutable_record()->mutable_body() = Body(Finding());
    ASSERT_OK((*s)->ApplyPushResults({r}, 0, 0));
    v1::PullResponse page;
    page.set_next_cursor(9);
    ASSERT_OK((*s)->ApplyPullPage(page, 0));
    EXPECT_EQ(*(*s)->AckThrough(), 0u);  // not durable: not acknowledged
    // A power cut now: the edit is there (FULL), its result and the cursor are not.
    const std::string cut = PowerCutCopy(path, dir_.File("cut-before.db"));
    {
      auto c = storage::DeviceStore::Open(cut, "dev");
      ASSERT_OK(c);
      EXPECT_EQ(*(*c)->OutboxCount(), 1u);  // goes out again, answered from the ledger
      EXPECT_EQ(*(*c)->AckThrough(), 0u);
      EXPECT_EQ((*c)->cursor(), 0u);  // pulled again
    }
    ASSERT_OK((*s)->MakeDurable());
    EXPECT_EQ(*(*s)->AckThrough(), 1u);
    const std::string cut2 = PowerCutCopy(path, dir_.File("cut-after.db"));
    auto c = storage::DeviceStore::Open(cut2, "dev");
    ASSERT_OK(c);
    EXPECT_EQ(*(*c)->OutboxCount(), 0u);
    EXPECT_EQ((*c)->cursor(), 9u);
    EXPECT_EQ(*(*c)->ServerVersion("findings", "f1"), 7u);
  }
  EXPECT_FALSE(Wal(path).overwrote_synced);
}

TEST_F(DurabilityTest, AnAckIsNeverSentBeforeTheResultsItCoversAreDurable) {
  ClientOptions o = Options();
  o.push_batch_size = 3;
  const std::string db = o.db_path;
  auto checking = std::make_shared<CheckingTransport>(server_, db, dir_.File("at-push.db"));
  o.transport = checking;
  auto c = Open(o);
  for (int i = 0; i < 10; ++i) ASSERT_OK(c->CreateInspection(Inspection("site-" + std::to_string(i))));
  ASSERT_OK(c->Sync());
  ASSERT_OK(c->CreateInspection(Inspection()));
  ASSERT_OK(c->Sync());
  auto pushes = server_->pushes();
  ASSERT_EQ(pushes.size(), 5u);
  EXPECT_EQ(checking->checked, 5);
  // The acks still advance as before (lagging one batch within a sync).
  EXPECT_EQ(pushes[2].ack_through(), 3u);
  EXPECT_EQ(pushes[3].ack_through(), 6u);
  EXPECT_EQ(pushes[4].ack_through(), 10u);
  EXPECT_FALSE(Wal(db).overwrote_synced);
}

}  // namespace
}  // namespace inspectsync::testing
