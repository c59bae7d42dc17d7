#include "bench/world.h"

#include <random>

#include "bench/common.h"
#include "bench/findings.h"
#include "core/hlc.h"
#include "core/ids.h"
#include "inspectsync/client.h"
#include "server/sync_engine.h"
#include "storage/device_store.h"
#include "storage/server_store.h"

namespace inspectsync::bench {

namespace {

constexpr uint32_t kProtocol = 1;
constexpr size_t kLoadBatch = 1000;      // the engine's max_batch
constexpr uint32_t kLoadPage = 5000;     // the engine's max_page_size

StatusOr<std::unique_ptr<storage::ServerStore>> OpenForSetup(const std::string& db) {
  storage::SqliteStoreOptions so;
  so.reader_connections = 1;
  // Setup only: nothing here is timed, and the server child reopens the file
  // with synchronous=FULL (a per-connection setting; WAL mode is persistent).
  so.synchronous_full = false;
  return storage::OpenSqliteServerStore(db, so);
}

}  // namespace

Status BuildServerData(const std::string& db, size_t n, uint64_t seed, std::vector<std::string>* ids) {
  auto store = OpenForSetup(db);
  if (!store.ok()) return store.status();
  server::SyncEngine engine(store->get(), server::EngineOptions{});
  core::Hlc hlc(core::SystemClock());
  core::IdGenerator gen(core::SystemClock(), seed);
  std::mt19937_64 rng(seed);
  const std::string loader = gen.NewUuidV7();
  uint64_t mutation_id = 0;
  size_t next_note = n / 10;
  for (size_t done = 0; done < n;) {
    v1::PushRequest req;
    req.set_protocol_version(kProtocol);
    req.set_ack_through(mutation_id);  // keeps the idempotency ledger small
    size_t batch = std::min(kLoadBatch, n - done);
    for (size_t i = 0; i < batch; ++i) {
      v1::Mutation* m = req.add_mutations();
      m->set_client_id(loader);
      m->set_mutation_id(++mutation_id);
      m->set_collection("findings");
      m->set_record_id(gen.NewUuidV7());
      m->set_op(v1::CREATE);
      *m->mutable_body()->mutable_finding() = MakeFinding(rng);
      m->set_hlc(hlc.Now());
      ids->push_back(m->record_id());
    }
    auto resp = engine.Push(req, server::Caller{});
    if (!resp.ok()) return resp.status();
    for (const auto& r : resp->results())
      if (r.outcome() != v1::APPLIED) return Internal("setup push not applied: " + r.reason());
    done += batch;
    if (n >= 100000 && done >= next_note) {
      Note("  server data: %zu / %zu findings", done, n);
      next_note += n / 10;
    }
  }
  return Status::Ok();
}

Status BuildSyncedTablet(const std::string& server_db, const std::string& tablet_db) {
  auto store = OpenForSetup(server_db);
  if (!store.ok()) return store.status();
  server::SyncEngine engine(store->get(), server::EngineOptions{});
  auto device = storage::DeviceStore::Open(tablet_db, core::NewUuidV7());
  if (!device.ok()) return device.status();
  v1::PullRequest req;
  req.set_protocol_version(kProtocol);
  req.set_client_id((*device)->client_id());
  req.set_page_size(kLoadPage);
  auto plan = engine.StartPull(req, server::Caller{});
  if (!plan.ok()) return plan.status();
  const uint64_t* head = &plan->head;
  uint64_t pulled = 0, next_note = *head / 10;
  for (;;) {
    auto page = engine.NextPage(req, &*plan);
    if (!page.ok()) return page.status();
    INSPECTSYNC_RETURN_IF_ERROR((*device)->ApplyPullPage(*page, page->server_hlc()));
    pulled += static_cast<uint64_t>(page->records_size());
    if (*head >= 100000 && pulled >= next_note) {
      Note("  synced tablet: %llu / %llu records", (unsigned long long)pulled, (unsigned long long)*head);
      next_note += *head / 10;
    }
    if (!page->has_more()) break;
  }
  return Status::Ok();
}

Status PrefillOutbox(const std::string& tablet_db, size_t n, uint64_t seed, double* seconds) {
  ClientOptions co;
  co.db_path = tablet_db;  // no server: offline, as a tablet in the field
  co.rng_seed = seed;
  auto client = Client::Open(co);
  if (!client.ok()) return client.status();
  std::mt19937_64 rng(seed);
  double t0 = NowSec();
  // Client::CreateFindings: one local transaction per chunk, as an importer would.
  constexpr size_t kChunk = 1000;
  size_t next_note = n / 10;
  std::vector<v1::Finding> chunk;
  for (size_t done = 0; done < n;) {
    chunk.clear();
    for (size_t i = 0; i < kChunk && done + i < n; ++i) chunk.push_back(MakeFinding(rng));
    auto ids = (*client)->CreateFindings(chunk);
    if (!ids.ok()) return ids.status();
    done += chunk.size();
    if (n >= 10000 && done >= next_note) {
      Note("  outbox prefill: %zu / %zu findings through CreateFindings (%.0f/s)", done, n, done / (NowSec() - t0));
      next_note += n / 10;
    }
  }
  *seconds = NowSec() - t0;
  return Status::Ok();
}

}  // namespace inspectsync::bench
