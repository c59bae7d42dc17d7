// Fuzz target: Push request handling, end to end through the sync engine and
// a real SQLite server store.
//
// Input: a serialized inspectsync.v1.PushRequest. It is pushed to a
// server::SyncEngine over a scratch store (a per-process temp directory,
// synchronous=NORMAL, a core::ManualClock at 2026-01-01), then pushed again.
// By default the store is wiped before every input, so a crash reproduces
// from its input alone; INSPECTSYNC_FUZZ_RESET_EVERY=N keeps the store for N
// inputs (state carried between inputs reaches deeper, reproduces worse).
// Even-sized inputs push with an authenticated device (client ids get bound to
// it, as through the gRPC service), odd-sized ones without (as the simulation).
// Properties:
//   - Push never crashes;
//   - a failed Push (request-level error) leaves head, history and conflicts
//     unchanged, and fails the same way again;
//   - a successful Push returns one result per mutation, in order, with the
//     mutation's id — or for a prefix of them, cut exactly where the results
//     reached the response budget (kPageBytes), the rest unapplied; outcomes
//     are consistent (REJECTED: code + reason, no
//     conflicts; CONFLICT: conflicts; otherwise the record it produced);
//   - a REJECTED mutation writes no version; every other mutation writes at
//     most one, with the seq reported in its result; seqs are gap-free;
//   - every version written holds a record that passes core::ValidateFields
//     and core::CheckRecordInvariants and is within the schema's size bound
//     (core/record_bounds.h): the server never stores invalid data;
//   - the conflicts stored are exactly those reported;
//   - pushing the same request again returns the same results, byte for byte,
//     and writes nothing (idempotency).
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/merge.h"
#include "core/record_bounds.h"
#include "core/schema.h"
#include "core/validate.h"
#include "fuzz_util.h"
#include "server/sync_engine.h"
#include "storage/server_store.h"

namespace {

using namespace inspectsync;  // NOLINT

// The engine's response budget: small, so a push carrying records near
// their limits (a ~25 KB finding) is cut, as the server cuts one of large
// records at its 4 MiB.
constexpr size_t kPageBytes = 16 << 10;
namespace pb = google::protobuf;
namespace fs = std::filesystem;

class Scratch {
 public:
  Scratch() {
    const char* every = std::getenv("INSPECTSYNC_FUZZ_RESET_EVERY");
    reset_every_ = every ? std::max(1L, std::atol(every)) : 1;
    // tmpfs when there is one: the store is rewritten for every input.
    std::string parent = std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "";
    if (parent.empty()) {
      std::error_code ec;
      parent = fs::is_directory("/dev/shm", ec) && access("/dev/shm", W_OK) == 0 ? "/dev/shm"
                                                                                 : fs::temp_directory_path().string();
    }
    RemoveStale(parent);
    std::string tmpl = parent + "/" + kPrefix + std::to_string(getpid()) + "-XXXXXX";
    FUZZ_CHECK(mkdtemp(tmpl.data()) != nullptr, "cannot create a temp directory under " + parent);
    dir_ = tmpl;
    fuzz::OnFailure([this] { RemoveDir(); });  // a property violation ends the process
  }
  ~Scratch() {
    engine_.reset();
    store_.reset();
    RemoveDir();
  }

  // The engine for the next input, on a fresh store when it is time.
  server::SyncEngine& Next() {
    if (!engine_ || ++inputs_ % reset_every_ == 0) Reset();
    return *engine_;
  }
  storage::ServerStore& store() { return *store_; }

 private:
  static constexpr const char* kPrefix = "inspectsync-fuzz-push-";

  void RemoveDir() {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  // Directories left by earlier processes that crashed (a sanitizer report or
  // a signal ends the process without running destructors).
  static void RemoveStale(const std::string& parent) {
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(parent, ec)) {
      std::string name = e.path().filename().string();
      if (name.rfind(kPrefix, 0) != 0) continue;
      long pid = std::atol(name.c_str() + std::strlen(kPrefix));
      if (pid > 0 && kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) fs::remove_all(e.path(), ec);
    }
  }

  void Reset() {
    engine_.reset();
    store_.reset();
    std::error_code ec;
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) fs::remove(dir_ + "/server.db" + suffix, ec);
    clock_ = std::make_unique<core::ManualClock>(fuzz::kNowMs);
    storage::SqliteStoreOptions opts;
    opts.reader_connections = 1;
    opts.synchronous_full = false;
    auto store = storage::OpenSqliteServerStore(dir_ + "/server.db", opts);
    FUZZ_CHECK(store.ok(), "cannot open the scratch store: " + store.status().ToString());
    store_ = std::move(*store);
    server::EngineOptions eo;
    eo.clock = clock_.get();
    eo.id_seed = 1;
    eo.max_page_bytes = kPageBytes;
    engine_ = std::make_unique<server::SyncEngine>(store_.get(), eo);
  }

  std::string dir_;
  long reset_every_ = 1;
  uint64_t inputs_ = 0;
  std::unique_ptr<core::ManualClock> clock_;
  std::unique_ptr<storage::ServerStore> store_;
  std::unique_ptr<server::SyncEngine> engine_;
};

Scratch* g_scratch = nullptr;

uint64_t Head(storage::ServerStore& store) {
  auto h = store.Head();
  FUZZ_CHECK(h.ok(), "Head failed: " + h.status().ToString());
  return *h;
}

std::vector<v1::Conflict> AllConflicts(storage::ServerStore& store) {
  storage::ConflictFilter f;
  f.limit = 1'000'000;
  std::vector<v1::Conflict> out;
  Status st = store.ListConflicts(f, &out);
  FUZZ_CHECK(st.ok(), "ListConflicts failed: " + st.ToString());
  return out;
}

std::string Str(const pb::Message& m) {
  std::string s = m.ShortDebugString();
  return s.size() > 600 ? s.substr(0, 600) + "..." : s;
}

// One key per (client, mutation id): unique within a request (ids increase per client).
using Key = std::pair<std::string, uint64_t>;

// The ledger's last mutation id of every client of the request, before it is
// pushed: mutations at or below it are answered from the ledger with the
// result of whatever was sent under that id earlier (only possible when the
// store is kept between inputs).
std::map<std::string, uint64_t> LastIds(storage::ServerStore& store, const v1::PushRequest& req) {
  std::map<std::string, uint64_t> last;
  Status st = store.Write([&](storage::ServerWriteTxn& txn) -> Status {
    for (const auto& m : req.mutations()) {
      if (last.count(m.client_id())) continue;
      auto id = txn.LastMutationId(m.client_id());
      if (!id.ok()) return id.status();
      last[m.client_id()] = *id;
    }
    return Status::Ok();
  });
  FUZZ_CHECK(st.ok(), "reading the ledger failed: " + st.ToString());
  return last;
}

// `index`: the mutations processed for the first time, by (client, id).
void CheckResults(const v1::PushRequest& req, const v1::PushResponse& resp, const std::map<std::string, uint64_t>& last,
                  std::map<Key, int>* index) {
  const int n = resp.results_size();
  FUZZ_CHECK(n <= req.mutations_size() && (n > 0 || req.mutations_size() == 0),
             std::to_string(req.mutations_size()) + " mutations, " + std::to_string(n) + " results");
  if (n < req.mutations_size()) {
    // Cut exactly where the results reached the budget (server/byte_budgets.h).
    size_t before = 0;
    for (int i = 0; i + 1 < n; ++i) before += core::DelimitedBytes(resp.results(i).ByteSizeLong());
    size_t all = before + core::DelimitedBytes(resp.results(n - 1).ByteSizeLong());
    FUZZ_CHECK(before + 11 < kPageBytes && all + 11 >= kPageBytes,
               "response cut after " + std::to_string(n) + " results of " + std::to_string(all) +
                   " bytes (before the last: " + std::to_string(before) + ") for a budget of " +
                   std::to_string(kPageBytes));
  }
  for (int i = 0; i < n; ++i) {
    const v1::Mutation& m = req.mutations(i);
    const v1::MutationResult& r = resp.results(i);
    const bool fresh = m.mutation_id() > last.at(m.client_id());
    if (fresh) (*index)[{m.client_id(), m.mutation_id()}] = i;
    const std::string where = "result " + std::to_string(i) + " " + Str(r) + "\n  of mutation " + Str(m);
    FUZZ_CHECK(r.mutation_id() == m.mutation_id(), "result for the wrong mutation: " + where);
    switch (r.outcome()) {
      case v1::REJECTED:
        FUZZ_CHECK(r.reject_code() != v1::REJECT_CODE_UNSPECIFIED && !r.reason().empty(),
                   "REJECTED without code or reason: " + where);
        FUZZ_CHECK(r.conflicts_size() == 0, "REJECTED with conflicts: " + where);
        break;
      case v1::APPLIED:
      case v1::MERGED:
      case v1::CONFLICT:
        FUZZ_CHECK(r.reject_code() == v1::REJECT_CODE_UNSPECIFIED, "accepted with a reject code: " + where);
        FUZZ_CHECK((r.outcome() == v1::CONFLICT) == (r.conflicts_size() > 0),
                   "outcome and conflicts disagree: " + where);
        FUZZ_CHECK(r.has_record(), "accepted without the record: " + where);
        if (!fresh) break;  // an earlier answer under this id, maybe about another record
        FUZZ_CHECK(r.record().collection() == m.collection() && r.record().id() == m.record_id(),
                   "accepted with another record: " + where);
        FUZZ_CHECK(r.record().version() > 0, "accepted record without a version: " + where);
        for (const v1::Conflict& c : r.conflicts())
          FUZZ_CHECK(c.collection() == m.collection() && c.record_id() == m.record_id() && !c.id().empty(),
                     "conflict about another record: " + where);
        break;
      default: FUZZ_CHECK(false, "no outcome: " + where);
    }
  }
}

void CheckHistory(const v1::PushRequest& req, const v1::PushResponse& resp, const std::map<Key, int>& index,
                  storage::ServerStore& store, uint64_t head0, uint64_t head1) {
  FUZZ_CHECK(head1 >= head0, "head moved back from " + std::to_string(head0) + " to " + std::to_string(head1));
  std::vector<storage::VersionRow> rows;
  Status st = store.ReadHistory(head0, static_cast<size_t>(req.mutations_size()) + 16, &rows);
  FUZZ_CHECK(st.ok(), "ReadHistory failed: " + st.ToString());
  FUZZ_CHECK(rows.size() == head1 - head0,
             std::to_string(rows.size()) + " versions written, head moved by " + std::to_string(head1 - head0));
  std::map<int, int> versions_of;  // mutation index -> versions it wrote
  uint64_t prev = head0;
  for (const storage::VersionRow& row : rows) {
    FUZZ_CHECK(row.seq == prev + 1, "seq gap: " + std::to_string(prev) + " then " + std::to_string(row.seq));
    prev = row.seq;
    auto it = index.find({row.client_id, row.mutation_id});
    FUZZ_CHECK(it != index.end(), "version " + std::to_string(row.seq) + " by " + row.client_id + "/" +
                                      std::to_string(row.mutation_id) + " is of no mutation of this push");
    const v1::Mutation& m = req.mutations(it->second);
    const v1::MutationResult& r = resp.results(it->second);
    FUZZ_CHECK(r.outcome() != v1::REJECTED, "a REJECTED mutation wrote version " + std::to_string(row.seq) + ": " +
                                                Str(r) + "\n  mutation: " + Str(m));
    FUZZ_CHECK(++versions_of[it->second] == 1, "mutation " + Str(m) + " wrote two versions");
    FUZZ_CHECK(r.record().version() == row.seq, "result reports version " + std::to_string(r.record().version()) +
                                                    ", history has " + std::to_string(row.seq));
    FUZZ_CHECK(row.collection == m.collection() && row.id == m.record_id() && row.op == m.op(),
               "version " + std::to_string(row.seq) + " does not match its mutation " + Str(m));
    const core::CollectionSpec* spec = core::FindCollection(row.collection);
    FUZZ_CHECK(spec != nullptr, "stored a record of unknown collection '" + row.collection + "'");
    std::unique_ptr<pb::Message> body(pb::MessageFactory::generated_factory()->GetPrototype(spec->descriptor())->New());
    FUZZ_CHECK(body->ParseFromString(row.body), "stored body does not parse");
    Status fields = core::ValidateFields(*spec, *body);
    FUZZ_CHECK(fields.ok(), "stored an invalid record (v" + std::to_string(row.seq) + "): " + fields.message() +
                                "\n  body: " + Str(*body) + "\n  mutation: " + Str(m));
    Status inv = core::CheckRecordInvariants(*spec, *body);
    FUZZ_CHECK(inv.ok(), "stored a record that breaks an invariant: " + inv.message() + "\n  body: " + Str(*body));
    FUZZ_CHECK(body->ByteSizeLong() <= core::BoundsOf(*spec, {}).body,
               "stored a record of " + std::to_string(body->ByteSizeLong()) + " bytes, over the schema's bound");
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fuzz::QuietProtobuf();
  g_scratch = new Scratch();
  std::atexit([] {
    delete g_scratch;
    g_scratch = nullptr;
  });
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  v1::PushRequest req;
  if (!req.ParseFromArray(data, static_cast<int>(size))) return -1;  // not an input: keep it out of the corpus
  server::SyncEngine& engine = g_scratch->Next();
  storage::ServerStore& store = g_scratch->store();
  // By input size: as the gRPC service does, with an authenticated office
  // user and device to which every client id gets bound; as the simulation
  // and engine tests do, no device (the client id stands in); or as an
  // inspector with no assignment, whose every write must be refused.
  const std::string device = "0190a000-0000-7000-8000-0000000000d1";
  const server::Caller caller = size % 3 == 0   ? server::Caller("fuzz-user", "office", device)
                                : size % 3 == 1 ? server::Caller()
                                                : server::Caller("fuzz-inspector", "inspector", device);

  const std::map<std::string, uint64_t> last = LastIds(store, req);
  const uint64_t head0 = Head(store);
  const size_t conflicts0 = AllConflicts(store).size();
  auto first = engine.Push(req, caller);
  const uint64_t head1 = Head(store);
  const size_t conflicts1 = AllConflicts(store).size();
  if (size % 3 == 2) FUZZ_CHECK(head1 == head0, "an inspector with no assignment wrote a version");

  if (fuzz::Verbose()) {
    std::fprintf(stderr, "push: as %s\n", caller.device.empty() ? "no device" : caller.device.c_str());
    if (!first.ok()) std::fprintf(stderr, "push: %s\n", first.status().ToString().c_str());
    for (int i = 0; first.ok() && i < first->results_size(); ++i) {
      const v1::MutationResult& r = first->results(i);
      std::fprintf(stderr, "push: #%d %s %s %s conflicts=%d v%llu %s\n", i, v1::Outcome_Name(r.outcome()).c_str(),
                   r.reject_code() ? v1::RejectCode_Name(r.reject_code()).c_str() : "", r.reason().c_str(),
                   r.conflicts_size(), static_cast<unsigned long long>(r.record().version()),
                   r.record().deleted() ? "deleted" : "");
    }
  }

  if (!first.ok()) {
    FUZZ_CHECK(head1 == head0, "a failed push (" + first.status().ToString() + ") moved the head");
    FUZZ_CHECK(conflicts1 == conflicts0, "a failed push (" + first.status().ToString() + ") stored conflicts");
    FUZZ_CHECK(first.status().code() != StatusCode::kInternal && first.status().code() != StatusCode::kDataLoss,
               "push failed inside the server: " + first.status().ToString());
    auto again = engine.Push(req, caller);
    FUZZ_CHECK(!again.ok() && again.status().ToString() == first.status().ToString(),
               "a failed push fails differently the second time: " + first.status().ToString() + " then " +
                   (again.ok() ? std::string("OK") : again.status().ToString()));
    FUZZ_CHECK(Head(store) == head0, "a failed push moved the head the second time");
    return 0;
  }

  std::map<Key, int> index;
  CheckResults(req, *first, last, &index);
  CheckHistory(req, *first, index, store, head0, head1);
  size_t reported = 0;  // by mutations processed now (not answered from the ledger)
  for (const auto& [key, i] : index) reported += static_cast<size_t>(first->results(i).conflicts_size());
  FUZZ_CHECK(conflicts1 - conflicts0 == reported,
             std::to_string(reported) + " conflicts reported, " + std::to_string(conflicts1 - conflicts0) + " stored");

  // Idempotency: the same request again gets the same answers and changes nothing.
  auto second = engine.Push(req, caller);
  FUZZ_CHECK(second.ok(), "the same push failed the second time: " + second.status().ToString());
  FUZZ_CHECK(second->results_size() == first->results_size(), "the second push answered a different count");
  for (int i = 0; i < first->results_size(); ++i) {
    std::string a, b;
    first->results(i).SerializeToString(&a);
    second->results(i).SerializeToString(&b);
    FUZZ_CHECK(a == b, "push is not idempotent at mutation " + std::to_string(i) +
                           ":\n  first:  " + Str(first->results(i)) + "\n  second: " + Str(second->results(i)) +
                           "\n  mutation: " + Str(req.mutations(i)));
  }
  FUZZ_CHECK(Head(store) == head1,
             "the repeated push moved the head from " + std::to_string(head1) + " to " + std::to_string(Head(store)));
  FUZZ_CHECK(AllConflicts(store).size() == conflicts1, "the repeated push stored conflicts");
  return 0;
}

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t max_size, unsigned int seed) {
  return inspectsync::fuzz::MutateProtoInput<inspectsync::v1::PushRequest>(data, size, max_size, seed);
}

extern "C" size_t LLVMFuzzerCustomCrossOver(const uint8_t* d1, size_t s1, const uint8_t* d2, size_t s2, uint8_t* out,
                                            size_t max_out, unsigned int seed) {
  return inspectsync::fuzz::CrossOverProtoInputs<inspectsync::v1::PushRequest>(d1, s1, d2, s2, out, max_out, seed);
}
