// The machine's limits, measured in the same run as the scenarios:
//   - raw SQLite: the same ~600-byte finding rows inserted through SQLiteCpp
//     with the production durability (WAL, synchronous=FULL), one transaction
//     per push-sized batch; plus the latency of one fdatasync;
//   - raw gRPC: a bench-only service (bench_echo.proto) in its own process on
//     loopback — a server stream of pull-page-sized messages, a small unary
//     echo (the floor of any round trip) and push-sized unary batches.
// Nothing behind these does any work, so they are what this machine can do
// at best with the same bytes and the same durability.
#include <fcntl.h>
#include <grpcpp/grpcpp.h>
#include <signal.h>
#include <unistd.h>

#include <SQLiteCpp/SQLiteCpp.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "bench_echo.grpc.pb.h"
#include "bench/common.h"
#include "bench/findings.h"
#include "bench/roles.h"
#include "client-sdk/src/grpc_channel.h"
#include "core/ids.h"

namespace inspectsync::bench {

namespace {

double Ms(double s) { return s * 1e3; }

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string RandomBytes(size_t n, std::mt19937_64& rng) {
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

}  // namespace

// ---------------------------------------------------------------- SQLite

namespace {

using Rows = std::vector<std::pair<std::string, std::string>>;  // id, serialized finding

// A database with the production durability; `page_size` ("" = SQLite's)
// is set before WAL mode, which fixes it.
std::unique_ptr<SQLite::Database> OpenDurable(const std::string& path, const std::string& page_size) {
  auto db = std::make_unique<SQLite::Database>(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE | SQLite::OPEN_FULLMUTEX);
  if (!page_size.empty()) db->exec(page_size);
  db->exec("PRAGMA journal_mode=WAL");
  db->exec("PRAGMA synchronous=FULL");
  return db;
}

// Inserts every row, `batch` rows a transaction; the latency of each.
std::vector<double> InsertPlain(SQLite::Database& db, SQLite::Statement& insert, const Rows& rows, size_t batch) {
  std::vector<double> txn_lat;
  const size_t n = rows.size();
  for (size_t done = 0; done < n;) {
    double b0 = NowSec();
    SQLite::Transaction txn(db);
    size_t end = std::min(n, done + batch);
    for (; done < end; ++done) {
      insert.bind(1, rows[done].first);
      insert.bind(2, rows[done].second.data(), static_cast<int>(rows[done].second.size()));
      insert.exec();
      insert.reset();
    }
    txn.commit();
    txn_lat.push_back(NowSec() - b0);
  }
  return txn_lat;
}

// The same rows in the shape any versioned sync server needs at least: an
// append-only history row with the body, plus a small "latest version"
// row per record, each with its index (no body written twice, no ledger).
struct VersionedDb {
  VersionedDb(const std::string& path, const std::string& page_size) : db(OpenDurable(path, page_size)) {
    db->exec(
        "CREATE TABLE history (seq INTEGER PRIMARY KEY, collection TEXT NOT NULL, id TEXT NOT NULL, body BLOB NOT NULL);"
        "CREATE INDEX history_by_record ON history (collection, id, seq);"
        "CREATE TABLE latest (collection TEXT NOT NULL, id TEXT NOT NULL, version INTEGER NOT NULL,"
        " PRIMARY KEY (collection, id)) WITHOUT ROWID;"
        "CREATE UNIQUE INDEX latest_by_version ON latest (version);");
    put_history = std::make_unique<SQLite::Statement>(
        *db, "INSERT INTO history (seq, collection, id, body) VALUES (?, 'findings', ?, ?)");
    put_latest =
        std::make_unique<SQLite::Statement>(*db, "INSERT INTO latest (collection, id, version) VALUES ('findings', ?, ?)");
  }

  // Every row as version seq = its position + 1, `batch` rows a transaction.
  void InsertAll(const Rows& rows, size_t batch) {
    const size_t n = rows.size();
    for (size_t done = 0; done < n;) {
      SQLite::Transaction txn(*db);
      size_t end = std::min(n, done + batch);
      for (; done < end; ++done) {
        put_history->bind(1, static_cast<int64_t>(done + 1));
        put_history->bind(2, rows[done].first);
        put_history->bind(3, rows[done].second.data(), static_cast<int>(rows[done].second.size()));
        put_history->exec();
        put_history->reset();
        put_latest->bind(1, rows[done].first);
        put_latest->bind(2, static_cast<int64_t>(done + 1));
        put_latest->exec();
        put_latest->reset();
      }
      txn.commit();
    }
  }

  std::unique_ptr<SQLite::Database> db;
  std::unique_ptr<SQLite::Statement> put_history, put_latest;
};

// The conflict scenario's storage floor: the 1 % of records both tablets
// edit, written as the least that scenario has to write. Server: two
// transactions (A's patches, then B's) each appending a history row and
// moving the record's latest version (its index entry moves too); tablets:
// three transactions (A's results, B's results and pulls, A's pull) each
// rewriting those records' bodies in a 100,000-row table. Random records in
// files far bigger than a page cache's worth: what costs is the pages, each
// written to the WAL and made durable once per transaction.
struct FloorTimes {
  std::vector<double> txn;  // each of the five transactions
  double seconds = 0;       // all five (the checkpoint before them left out)
};
FloorTimes ConflictFloor(SQLite::Database& tablet_db, VersionedDb& server, const Rows& rows,
                                  const std::vector<size_t>& picks) {
  const size_t n = rows.size();
  SQLite::Statement bump_latest(*server.db, "UPDATE latest SET version = ? WHERE collection = 'findings' AND id = ?");
  SQLite::Statement rewrite(tablet_db, "UPDATE findings SET body = ? WHERE id = ?");
  // Checkpoints are left out of the floor: the last insert's are done before
  // it starts, and none run inside it (a product may defer them to idle time;
  // the server does them on a thread of their own).
  for (SQLite::Database* d : {&tablet_db, server.db.get()}) {
    d->exec("PRAGMA wal_checkpoint(TRUNCATE)");
    d->exec("PRAGMA wal_autocheckpoint=0");
  }
  FloorTimes times;
  int64_t next_seq = static_cast<int64_t>(n) + 1;
  double c0 = NowSec();
  for (int phase = 0; phase < 5; ++phase) {
    double p0 = NowSec();
    bool on_server = phase < 2;
    SQLite::Transaction txn(on_server ? *server.db : tablet_db);
    for (size_t i : picks) {
      const std::string& body = rows[(i + static_cast<size_t>(phase) + 1) % n].second;  // a different body each time
      if (on_server) {
        server.put_history->bind(1, next_seq);
        server.put_history->bind(2, rows[i].first);
        server.put_history->bind(3, body.data(), static_cast<int>(body.size()));
        server.put_history->exec();
        server.put_history->reset();
        bump_latest.bind(1, next_seq++);
        bump_latest.bind(2, rows[i].first);
        bump_latest.exec();
        bump_latest.reset();
      } else {
        rewrite.bind(1, body.data(), static_cast<int>(body.size()));
        rewrite.bind(2, rows[i].first);
        rewrite.exec();
        rewrite.reset();
      }
    }
    txn.commit();
    times.txn.push_back(NowSec() - p0);
  }
  times.seconds = NowSec() - c0;
  for (SQLite::Database* d : {&tablet_db, server.db.get()}) d->exec("PRAGMA wal_autocheckpoint=1000");
  return times;
}

// One durable commit's floor: a 4 KiB write and fdatasync, as a WAL commit
// does, 500 times on `fd` (closed after).
std::vector<double> FsyncLatencies(int fd) {
  std::string block(4096, 'x');
  std::vector<double> fsync_lat;
  for (int i = 0; i < 500 && fd >= 0; ++i) {
    if (::pwrite(fd, block.data(), block.size(), static_cast<off_t>((i % 16) * 4096)) < 0) break;
    double f0 = NowSec();
    ::fdatasync(fd);
    fsync_lat.push_back(NowSec() - f0);
  }
  if (fd >= 0) ::close(fd);
  return fsync_lat;
}

}  // namespace

int RunSqliteLimitRole(const Args& a) {
  size_t n = static_cast<size_t>(a.GetInt("n", 100000));
  size_t batch = static_cast<size_t>(a.GetInt("batch", 500));
  std::string dir = a.Get("dir");
  std::mt19937_64 rng(a.GetInt("seed", 1));
  core::IdGenerator ids(core::SystemClock(), 99);
  Rows rows;
  rows.reserve(n);
  for (size_t i = 0; i < n; ++i) rows.emplace_back(ids.NewUuidV7(), MakeFinding(rng).SerializeAsString());

  // Another page size shows how much of a floor is the layout (before WAL mode: it fixes the size).
  std::string page_size = a.GetInt("page-bytes", 0) > 0 ? "PRAGMA page_size=" + std::to_string(a.GetInt("page-bytes", 0)) : "";
  auto db = OpenDurable(dir + "/limit.db", page_size);
  db->exec("CREATE TABLE findings (id TEXT PRIMARY KEY, body BLOB NOT NULL) WITHOUT ROWID");
  SQLite::Statement insert(*db, "INSERT INTO findings (id, body) VALUES (?, ?)");
  std::string fsync_path = dir + "/fsync.bin";
  int fd = ::open(fsync_path.c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0644);
  bool reset = ReadyThenWaitForGo();

  double t0 = NowSec();
  std::vector<double> txn_lat = InsertPlain(*db, insert, rows, batch);
  double s = NowSec() - t0;

  VersionedDb shaped(dir + "/limit-shaped.db", page_size);
  double s0 = NowSec();
  shaped.InsertAll(rows, batch);
  double shaped_s = NowSec() - s0;

  size_t contested = std::max<size_t>(1, n / 100);
  std::vector<size_t> picks(n);
  for (size_t i = 0; i < n; ++i) picks[i] = i;
  std::shuffle(picks.begin(), picks.end(), rng);
  picks.resize(contested);
  FloorTimes floor = ConflictFloor(*db, shaped, rows, picks);

  std::vector<double> fsync_lat = FsyncLatencies(fd);

  Kv kv;
  kv["items"] = static_cast<double>(n);
  kv["seconds"] = s;
  kv["items_per_s"] = static_cast<double>(n) / s;
  kv["p50_ms"] = Ms(Percentile(txn_lat, 50));
  kv["p99_ms"] = Ms(Percentile(txn_lat, 99));
  kv["shaped_items_per_s"] = static_cast<double>(n) / shaped_s;
  kv["conflict_floor_ms"] = Ms(floor.seconds);
  kv["conflict_floor_server_ms"] = Ms(floor.txn[0] + floor.txn[1]);
  kv["conflict_records"] = static_cast<double>(contested);
  kv["fsync_p50_ms"] = Ms(Percentile(fsync_lat, 50));
  kv["fsync_p99_ms"] = Ms(Percentile(fsync_lat, 99));
  kv["errors"] = 0;
  EmitResult(kv, reset);
  return 0;
}

// ---------------------------------------------------------------- gRPC client

int RunGrpcLimitRole(const Args& a) {
  uint64_t n = static_cast<uint64_t>(a.GetInt("n", 100000));
  uint32_t page = static_cast<uint32_t>(a.GetInt("page", 500));
  uint32_t item_bytes = static_cast<uint32_t>(a.GetInt("item-bytes", 700));
  int rounds = static_cast<int>(a.GetInt("rounds", 2000));
  uint32_t batch = static_cast<uint32_t>(a.GetInt("batch", 500));
  // The SDK's own channel (TLS trusting the bench CA, or plaintext with
  // --insecure; its retry policy): the limit is what the SDK's clients
  // could get at best.
  GrpcTransportOptions options;
  options.insecure = a.Has("insecure");
  options.ca_cert_file = a.Get("ca");
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(options.max_receive_bytes);  // as the SDK's transport
  auto channel = sdk_internal::MakeChannel(a.Get("server"), options, args);
  if (!channel.ok()) {
    Warn("echo channel: %s", channel.status().ToString().c_str());
    return 1;
  }
  auto stub = Bench::NewStub(*channel);
  std::mt19937_64 rng(3);

  EchoRequest small;
  small.set_payload(RandomBytes(16, rng));
  EchoRequest big;
  for (uint32_t i = 0; i < batch; ++i) big.add_items(RandomBytes(item_bytes, rng));
  for (int i = 0; i < 20; ++i) {  // connect and warm up
    grpc::ClientContext ctx;
    EchoReply reply;
    grpc::Status st = stub->Echo(&ctx, small, &reply);
    if (!st.ok()) {
      Warn("echo server: %s", st.error_message().c_str());
      return 1;
    }
  }
  bool reset = ReadyThenWaitForGo();
  int errors = 0;

  // 1. A stream of pull-sized pages.
  std::vector<double> gaps;
  uint64_t items = 0;
  double t0 = NowSec();
  {
    grpc::ClientContext ctx;
    StreamRequest req;
    req.set_count(n);
    req.set_page(page);
    req.set_item_bytes(item_bytes);
    auto reader = stub->Stream(&ctx, req);
    Page p;
    double last = t0;
    size_t bytes = 0;
    while (reader->Read(&p)) {
      double now = NowSec();
      gaps.push_back(now - last);
      last = now;
      items += static_cast<uint64_t>(p.items_size());
      for (const auto& it : p.items()) bytes += it.size();
    }
    if (!reader->Finish().ok() || items != n || bytes == 0) ++errors;
  }
  double stream_s = NowSec() - t0;

  // 2. Small unary round trips: the floor of a sync with nothing to do.
  std::vector<double> unary;
  for (int i = 0; i < rounds; ++i) {
    grpc::ClientContext ctx;
    EchoReply reply;
    double u0 = NowSec();
    if (!stub->Echo(&ctx, small, &reply).ok()) ++errors;
    unary.push_back(NowSec() - u0);
  }

  // 3. Push-sized unary batches.
  std::vector<double> batch_lat;
  uint64_t sent = 0;
  double b0 = NowSec();
  while (sent < n) {
    grpc::ClientContext ctx;
    EchoReply reply;
    double c0 = NowSec();
    if (!stub->Echo(&ctx, big, &reply).ok()) ++errors;
    batch_lat.push_back(NowSec() - c0);
    sent += batch;
  }
  double batch_s = NowSec() - b0;

  Kv kv;
  kv["stream_items_per_s"] = static_cast<double>(items) / stream_s;
  kv["stream_p50_ms"] = Ms(Percentile(gaps, 50));
  kv["stream_p99_ms"] = Ms(Percentile(gaps, 99));
  kv["unary_p50_ms"] = Ms(Percentile(unary, 50));
  kv["unary_p99_ms"] = Ms(Percentile(unary, 99));
  kv["batch_items_per_s"] = static_cast<double>(sent) / batch_s;
  kv["batch_p50_ms"] = Ms(Percentile(batch_lat, 50));
  kv["batch_p99_ms"] = Ms(Percentile(batch_lat, 99));
  kv["errors"] = errors;
  EmitResult(kv, reset);
  return 0;
}

// ---------------------------------------------------------------- echo server

namespace {

class StreamReactor final : public grpc::ServerWriteReactor<Page> {
 public:
  explicit StreamReactor(const StreamRequest* req) : left_(req->count()), item_bytes_(req->item_bytes()) {
    page_size_ = std::max<uint32_t>(1, req->page());
    std::mt19937_64 rng(5);
    for (uint32_t i = 0; i < page_size_; ++i) page_.add_items(RandomBytes(item_bytes_, rng));
    Next();
  }
  void OnWriteDone(bool ok) override {
    if (!ok) {
      Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE, "client went away"));
      return;
    }
    Next();
  }
  void OnDone() override { delete this; }

 private:
  void Next() {
    if (left_ == 0) {
      Finish(grpc::Status::OK);
      return;
    }
    uint64_t now = std::min<uint64_t>(left_, page_size_);
    while (static_cast<uint64_t>(page_.items_size()) > now) page_.mutable_items()->RemoveLast();
    left_ -= now;
    page_.set_more(left_ > 0);
    StartWrite(&page_);
  }
  uint64_t left_;
  uint32_t item_bytes_;
  uint32_t page_size_ = 1;
  Page page_;
};

class BenchService final : public Bench::CallbackService {
  grpc::ServerUnaryReactor* Echo(grpc::CallbackServerContext* ctx, const EchoRequest* req, EchoReply* reply) override {
    reply->set_payload(req->payload());
    reply->set_count(static_cast<uint32_t>(req->items_size()));
    auto* r = ctx->DefaultReactor();
    r->Finish(grpc::Status::OK);
    return r;
  }
  grpc::ServerWriteReactor<Page>* Stream(grpc::CallbackServerContext*, const StreamRequest* req) override {
    return new StreamReactor(req);
  }
};

}  // namespace

int RunEchoServerRole(const Args& a) {
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);
  BenchService service;
  grpc::ServerBuilder builder;
  int port = 0;
  std::shared_ptr<grpc::ServerCredentials> creds = grpc::InsecureServerCredentials();
  if (!a.Has("insecure")) {  // the same certificate the InspectSync server serves
    grpc::SslServerCredentialsOptions ssl;
    ssl.pem_key_cert_pairs.push_back({ReadAll(a.Get("certs") + "/server-key.pem"), ReadAll(a.Get("certs") + "/server.pem")});
    creds = grpc::SslServerCredentials(ssl);
  }
  builder.AddListeningPort("127.0.0.1:0", creds, &port);
  builder.RegisterService(&service);
  builder.SetMaxReceiveMessageSize(16 << 20);  // as the InspectSync server
  builder.SetMaxSendMessageSize(16 << 20);
  auto server = builder.BuildAndStart();
  if (!server || port == 0) {
    Warn("echo server: cannot listen");
    return 1;
  }
  std::printf("echo server listening on 127.0.0.1:%d\n", port);
  std::fflush(stdout);
  int sig = 0;
  sigwait(&stop, &sig);
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  server->Wait();
  return 0;
}

}  // namespace inspectsync::bench
