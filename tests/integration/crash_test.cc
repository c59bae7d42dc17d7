// A real server process under a push storm, killed with SIGKILL at random
// moments and restarted on the same database: nothing acknowledged is
// missing, nothing is applied twice.
#include <SQLiteCpp/SQLiteCpp.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "core/ids.h"
#include "inspectsync/v1/sync.grpc.pb.h"
#include "tests/testing/auth.h"
#include "tests/testing/mutations.h"
#include "tests/testing/server_process.h"
#include "tests/testing/temp_dir.h"

namespace inspectsync {
namespace {

struct Acked {
  std::mutex mu;
  std::map<std::string, std::string> title_by_id;  // every create the server acknowledged
};

// One device: pushes batches of creates; a batch that got no answer is sent
// again, unchanged, to whichever server is up next.
void Device(int n, std::atomic<bool>* stop, std::atomic<std::shared_ptr<std::string>*>* address, Acked* acked,
            uint64_t seed, const testing::TestAuth* auth) {
  std::string token = auth->Token("user-" + std::to_string(n), "office", "device-" + std::to_string(n),
                                  core::SystemClock()->NowMillis() / 1000);
  auto creds = auth->ChannelCredentials();
  core::IdGenerator ids(core::SystemClock(), seed);
  std::string client = ids.NewUuidV7();
  uint64_t next_mid = 1;
  std::vector<v1::Mutation> pending;
  while (!stop->load()) {
    if (pending.empty()) {
      for (int i = 0; i < 20; ++i) {
        std::string id = ids.NewUuidV7();
        pending.push_back(testing::CreateFinding(client, next_mid++, id,
                                                 testing::SampleFinding("dev" + std::to_string(n) + " " + id),
                                                 core::SystemClock()->NowMillis()));
      }
    }
    std::string addr = **address->load();
    auto stub = v1::SyncService::NewStub(grpc::CreateChannel(addr, creds));
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
    ctx.AddMetadata("authorization", "Bearer " + token);
    v1::PushResponse resp;
    grpc::Status st = stub->Push(&ctx, testing::Batch(pending), &resp);
    if (!st.ok()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      continue;  // server down or killed mid-call: resend the same batch
    }
    std::lock_guard<std::mutex> lock(acked->mu);
    for (const auto& r : resp.results()) {
      EXPECT_NE(r.outcome(), v1::REJECTED) << r.reason();
      acked->title_by_id[r.record().id()] = r.record().body().finding().title();
    }
    pending.clear();
  }
}

TEST(CrashTest, SigkillDuringPushStormLosesNothingAcknowledgedAndAppliesNothingTwice) {
  testing::TempDir dir;
  std::string db = dir.File("server.db");
  uint64_t seed = std::random_device{}();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);

  auto server = std::make_unique<testing::ServerProcess>(INSPECTSYNC_BINARY, db);
  ASSERT_TRUE(server->ok());
  std::vector<std::unique_ptr<std::shared_ptr<std::string>>> addresses;
  addresses.push_back(std::make_unique<std::shared_ptr<std::string>>(std::make_shared<std::string>(server->address())));
  std::atomic<std::shared_ptr<std::string>*> address{addresses.back().get()};

  std::atomic<bool> stop{false};
  Acked acked;
  testing::TestAuth auth{dir.path()};
  std::vector<std::thread> devices;
  for (int i = 0; i < 4; ++i) devices.emplace_back(Device, i, &stop, &address, &acked, seed + i + 1, &auth);

  const int kKills = 6;
  for (int k = 0; k < kKills; ++k) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100 + rng() % 300));
    server->Kill(SIGKILL);
    server = std::make_unique<testing::ServerProcess>(INSPECTSYNC_BINARY, db);
    ASSERT_TRUE(server->ok()) << "restart " << k;
    addresses.push_back(std::make_unique<std::shared_ptr<std::string>>(std::make_shared<std::string>(server->address())));
    address.store(addresses.back().get());
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  stop = true;
  for (auto& t : devices) t.join();
  server->Kill(SIGTERM);

  // Check the database directly: every acknowledged create is there with its
  // value, each created exactly once, and history has no duplicate mutation.
  SQLite::Database check(db, SQLite::OPEN_READONLY);
  ASSERT_GT(acked.title_by_id.size(), 0u);
  SQLite::Statement get(check,
                        "SELECT COUNT(*) FROM history WHERE collection='findings' AND id=? AND op=1");
  for (const auto& [id, title] : acked.title_by_id) {
    get.reset();
    get.bind(1, id);
    ASSERT_TRUE(get.executeStep());
    EXPECT_EQ(get.getColumn(0).getInt(), 1) << "record " << id << " created " << get.getColumn(0).getInt() << " times";
  }
  int dup_mutations = check.execAndGet(
                               "SELECT COUNT(*) FROM (SELECT client_id, mutation_id FROM history "
                               "GROUP BY client_id, mutation_id HAVING COUNT(*) > 1)")
                          .getInt();
  EXPECT_EQ(dup_mutations, 0);
  int records = check.execAndGet("SELECT COUNT(*) FROM records").getInt();
  EXPECT_GE(static_cast<size_t>(records), acked.title_by_id.size());
  std::printf("crash test: %d kills, %zu acknowledged creates, %d records on disk\n", kKills,
              acked.title_by_id.size(), records);
}

TEST(CrashTest, SigtermDrainsAndClosesCleanly) {
  testing::TempDir dir;
  testing::ServerProcess server(INSPECTSYNC_BINARY, dir.File("server.db"));
  ASSERT_TRUE(server.ok());
  int status = server.Kill(SIGTERM);
  std::string output = server.DrainOutput();
  EXPECT_TRUE(WIFEXITED(status)) << "ended by signal " << (WIFSIGNALED(status) ? WTERMSIG(status) : 0) << ":\n"
                                 << output;
  EXPECT_EQ(WEXITSTATUS(status), 0) << output;
  EXPECT_NE(output.find("stopped cleanly"), std::string::npos) << output;
}

}  // namespace
}  // namespace inspectsync
