#include "tests/sim/world.h"

#include <cstdio>

#include "core/hlc.h"
#include "server/log.h"

namespace inspectsync::sim {

// ---------------------------------------------------------------- server

SimServer::SimServer(std::string db_path, core::ManualClock* clock, uint64_t seed)
    : db_path_(std::move(db_path)), clock_(clock), seed_(seed) {}

Status SimServer::Open() {
  storage::SqliteStoreOptions so;
  so.reader_connections = 1;
  auto store = storage::OpenSqliteServerStore(db_path_, so);
  if (!store.ok()) return store.status();
  store_ = std::move(*store);
  server::EngineOptions eo;
  eo.clock = clock_;
  eo.max_batch = 50;
  eo.default_page_size = 7;
  eo.max_page_bytes = PageBudget(seed_);
  // A fresh id stream per incarnation: ids made after a restart must not
  // repeat those made before it at the same simulated millisecond.
  eo.id_seed = seed_ * 7919 + static_cast<uint64_t>(restarts_) + 1;
  engine_ = std::make_unique<server::SyncEngine>(store_.get(), eo);
  server::AttachmentOptions ao;
  ao.dir = db_path_ + ".blobs";
  ao.clock = clock_;
  auto att = server::AttachmentEngine::Open(engine_.get(), ao);
  if (!att.ok()) return att.status();
  attachments_ = std::move(*att);
  return Status::Ok();
}

size_t SimServer::PageBudget(uint64_t seed) {
  // A few ordinary records per page or response (~400 bytes each), or the
  // server's default. A record at every limit (~25 KB) passes the small
  // ones: it travels alone, as a legacy record would.
  switch (seed % 4) {
    case 0: return 1500;
    case 1: return 6000;
    default: return server::EngineOptions{}.max_page_bytes;
  }
}

void SimServer::Crash() {
  ++restarts_;
  attachments_.reset();
  engine_.reset();
  store_.reset();
}

// ---------------------------------------------------------------- network

Status SimTransport::Push(const v1::PushRequest& request, v1::PushResponse* response) {
  World& w = *world_;
  SimTablet& t = w.tablets_[tablet_];
  if (t.partitioned) return Unavailable("partitioned (sim)");
  int fault = w.faults_on_ && w.Chance(w.options_.fault_percent) ? 1 + static_cast<int>(w.Rand(4)) : 0;
  std::string who = "tablet " + std::to_string(tablet_) + " push of " + std::to_string(request.mutations_size());
  if (fault == 1) {
    ++w.result_.stats.faults;
    w.Trace("  net: " + who + " dropped before the server");
    return Unavailable("request lost (sim)");
  }
  auto res = w.server_.engine()->Push(request, t.caller);
  if (!res.ok()) {
    // A push pipelined behind one whose response was cut would skip the
    // rest of that one: refused, and the SDK pushes again from its outbox.
    if (res.status().code() == StatusCode::kAborted) {
      ++w.result_.stats.pushes_refused;
      w.Trace("  server: " + who + " refused: " + res.status().message());
      return res.status();
    }
    w.Fail("server refused a push from the SDK: " + res.status().ToString());
    return res.status();
  }
  if (res->results_size() < request.mutations_size()) {
    ++w.result_.stats.pushes_cut;
    w.Trace("  server: " + who + " answered " + std::to_string(res->results_size()) + " (response full)");
  }
  if (fault == 2) {
    ++w.result_.stats.faults;
    auto again = w.server_.engine()->Push(request, t.caller);
    if (!again.ok() || again->results_size() != res->results_size()) {
      w.Fail("duplicate delivery of a push failed or changed shape");
    } else {
      for (int i = 0; i < res->results_size(); ++i)
        if (again->results(i).SerializeAsString() != res->results(i).SerializeAsString())
          w.Fail("duplicate delivery of mutation " + std::to_string(res->results(i).mutation_id()) +
                 " got a different result");
    }
    w.Trace("  net: " + who + " delivered twice");
  }
  if (fault == 3) {
    ++w.result_.stats.faults;
    w.late_.emplace_back(tablet_, request);
    w.Trace("  net: " + who + " also held back for late re-delivery");
  }
  if (fault == 4) {
    ++w.result_.stats.faults;
    w.Trace("  net: " + who + " committed, response lost");
    return Unavailable("response lost (sim)");
  }
  for (int i = 0; i < res->results_size(); ++i) {
    const v1::MutationResult& r = res->results(i);
    if (r.outcome() == v1::REJECTED)
      w.Trace("  server: rejected mutation " + std::to_string(r.mutation_id()) + " (" +
              v1::RejectCode_Name(r.reject_code()) + "): " + r.reason());
    for (const auto& c : r.conflicts())
      w.Trace("  server: conflict on " + c.field() + " (" + v1::ConflictState_Name(c.state()) + ")");
    if (i < request.mutations_size()) w.acked_.push_back(Acked{tablet_, request.mutations(i), r});
  }
  *response = std::move(*res);
  return Status::Ok();
}

// The pull tablets run: the server's NextPageOut (stored bodies sent as they
// are), encoded as the gRPC service writes it, read by the SDK as PullPageIn
// (each record kept as its encoding). A bug on that path cannot hide from
// the seeds behind a friendlier in-memory shortcut.
Status SimTransport::PullRaw(const v1::PullRequest& request, const sdk_internal::RawPageHandler& on_page) {
  World& w = *world_;
  if (w.tablets_[tablet_].partitioned) return Unavailable("partitioned (sim)");
  server::SyncEngine* e = w.server_.engine();
  const server::Caller& caller = w.tablets_[tablet_].caller;
  auto plan = e->StartPull(request, caller);
  if (!plan.ok()) return plan.status();
  // As the gRPC service does: the pull is a stream under the StreamGuard,
  // each page a write the tablet must take.
  bool cut_by_server = false;
  auto stream = w.streams_.Open("SyncService/Pull", caller.user, "tablet-" + std::to_string(tablet_), true,
                                [&cut_by_server] { cut_by_server = true; });
  if (!stream.ok()) return stream.status();
  int cut_after = w.faults_on_ && w.Chance(w.options_.fault_percent) ? static_cast<int>(w.Rand(3)) : -1;
  // A tablet that stops reading (the app suspended mid-sync): the server's
  // watchdog cuts it off after the stall limit; it resumes on its next sync.
  int stall_at = w.faults_on_ && w.Chance(w.options_.fault_percent / 3 + 1) ? static_cast<int>(w.Rand(3)) : -1;
  v1::PullPageOut page;
  std::string wire;
  v1::PullPageIn received;
  for (int page_no = 0;; ++page_no) {
    if (page_no == cut_after) {
      ++w.result_.stats.faults;
      w.Trace("  net: tablet " + std::to_string(tablet_) + " pull cut after " + std::to_string(page_no) + " pages");
      return Unavailable("stream cut (sim)");
    }
    INSPECTSYNC_RETURN_IF_ERROR(e->NextPageOut(request, &*plan, &page));
    wire.clear();
    if (!page.SerializeToString(&wire)) return Status(StatusCode::kInternal, "a pull page does not encode (sim)");
    INSPECTSYNC_RETURN_IF_ERROR((*stream)->BeginWrite(wire.size()));
    if (page_no == stall_at) {
      ++w.result_.stats.faults;
      ++w.result_.stats.pulls_stalled;
      w.Trace("  net: tablet " + std::to_string(tablet_) + " stops reading its pull after " + std::to_string(page_no) +
              " pages");
      w.Advance(w.streams_.limits().stall_ms);
      w.streams_.Tick();
      if (!cut_by_server) w.Fail("a pull whose tablet stopped reading was not cut off by the server");
      return Status(StatusCode::kCancelled, "the server cut off a pull its tablet stopped reading (sim)");
    }
    // No page passes the byte budget but one holding a single record.
    const size_t budget = SimServer::PageBudget(w.options_.seed);
    if (page.records_size() > 1 && wire.size() > budget)
      w.Fail("a pull page of " + std::to_string(page.records_size()) + " records is " +
             std::to_string(wire.size()) + " bytes, over the budget of " + std::to_string(budget));
    const uint32_t asked = request.page_size() ? request.page_size() : e->options().default_page_size;
    if (page.has_more() && !page.backfill() && static_cast<uint32_t>(page.records_size()) < asked &&
        wire.size() + 2000 > budget)
      ++w.result_.stats.pull_pages_cut;
    if (!received.ParseFromString(wire)) return Status(StatusCode::kInternal, "a pull page does not decode (sim)");
    INSPECTSYNC_RETURN_IF_ERROR(on_page(received));
    (*stream)->EndWrite();
    if (plan->done) return Status::Ok();
  }
}

// Nothing in the SDK pulls this way; kept so the transport is whole: the
// production path's pages, each record parsed.
Status SimTransport::Pull(const v1::PullRequest& request,
                          const std::function<Status(const v1::PullResponse&)>& on_page) {
  v1::PullResponse parsed;
  return PullRaw(request, [&](const v1::PullPageIn& page) -> Status {
    std::string wire;
    if (!page.SerializeToString(&wire) || !parsed.ParseFromString(wire))
      return Status(StatusCode::kInternal, "a pull page does not re-encode (sim)");
    return on_page(parsed);
  });
}

StatusOr<v1::UploadResult> SimTransport::UploadAttachment(const v1::AttachmentMeta& meta, uint64_t offset,
                                                          const ChunkReader& read) {
  World& w = *world_;
  SimTablet& t = w.tablets_[tablet_];
  if (t.partitioned) return Unavailable("partitioned (sim)");
  auto up = w.server_.attachments()->BeginUpload(t.caller, meta, offset);
  if (!up.ok()) return up.status();
  // Small chunks, so a cut lands mid-photo and the next sync resumes it.
  int cut_after = w.faults_on_ && w.Chance(w.options_.fault_percent) ? static_cast<int>(w.Rand(3)) : -1;
  for (int n = 0;; ++n) {
    std::string chunk;
    INSPECTSYNC_RETURN_IF_ERROR(read(16 << 10, &chunk));
    if (chunk.empty()) break;
    if (n == cut_after) {
      ++w.result_.stats.faults;
      w.Trace("  net: tablet " + std::to_string(tablet_) + " upload of " + meta.sha256().substr(0, 8) + " cut after " +
              std::to_string(n) + " chunks");
      return Unavailable("upload cut (sim)");
    }
    INSPECTSYNC_RETURN_IF_ERROR((*up)->Append(chunk));
  }
  auto r = (*up)->Finish();
  if (r.ok()) ++w.result_.stats.photos_uploaded;
  return r;
}

StatusOr<v1::AttachmentStatusResponse> SimTransport::AttachmentStatus(const std::string& sha256) {
  World& w = *world_;
  if (w.tablets_[tablet_].partitioned) return Unavailable("partitioned (sim)");
  return w.server_.attachments()->Status(w.tablets_[tablet_].caller, sha256);
}

Status SimTransport::DownloadAttachment(const std::string& sha256, uint64_t offset,
                                        const std::function<Status(const v1::DownloadChunk&)>& on_chunk) {
  World& w = *world_;
  if (w.tablets_[tablet_].partitioned) return Unavailable("partitioned (sim)");
  v1::DownloadRequest req;
  req.set_sha256(sha256);
  req.set_offset(offset);
  return w.server_.attachments()->Download(w.tablets_[tablet_].caller, req, on_chunk);
}

// ---------------------------------------------------------------- world

World::World(const SimOptions& options, std::string dir)
    : options_(options),
      dir_(std::move(dir)),
      rng_(options.seed),
      office_rng_(options.seed ^ 0x6f66666963650000ull),
      clock_(1'767'225'600'000 + static_cast<int64_t>(options.seed % 1000) * 1000),
      server_(dir_ + "/server.db", &clock_, options.seed),
      streams_([this] {
        server::StreamLimits l;  // the server's defaults, ticked by hand
        l.tick_ms = 0;
        l.clock = &clock_;
        return l;
      }()) {}

void World::Trace(const std::string& line) {
  result_.trace.push_back(line);
  if (options_.verbose) std::printf("%s\n", line.c_str());
}

void World::Fail(const std::string& what) {
  if (!result_.ok) return;
  result_.ok = false;
  result_.failure = what;
  Trace("FAILED: " + what);
}

namespace {
// Ids the office gives its records: valid UUIDs, deterministic per run.
std::string OfficeId(uint64_t n) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "01900000-0000-7000-8000-%012llx", static_cast<unsigned long long>(n));
  return buf;
}
const char kOfficeClient[] = "01900000-0000-7000-8000-0000000f0000";
}  // namespace

Status World::OfficePush(const v1::Mutation& m) {
  v1::PushRequest req;
  req.set_protocol_version(1);
  *req.add_mutations() = m;
  auto res = server_.engine()->Push(req, server::Caller("office", "office", "office-pc"));
  if (!res.ok()) return res.status();
  if (res->results(0).outcome() != v1::APPLIED) return Internal("office push: " + res->results(0).reason());
  return Status::Ok();
}

void World::ToggleAssignment(SimTablet& t, size_t site) {
  if (!options_.scoped || t.index == 0) return;
  v1::Mutation m;
  m.set_client_id(kOfficeClient);
  m.set_mutation_id(office_mid_++);
  m.set_collection("assignments");
  m.set_hlc(core::Hlc::Pack(clock_.NowMillis(), static_cast<uint32_t>(m.mutation_id())));
  auto key = std::make_pair(t.index, site);
  auto it = assignments_.find(key);
  if (it != assignments_.end()) {
    m.set_record_id(it->second);
    m.set_op(v1::PATCH);
    m.mutable_mask()->add_paths("ends_at_ms");
    m.mutable_body()->mutable_assignment()->set_ends_at_ms(clock_.NowMillis());  // ends now
    m.mutable_base_body()->mutable_assignment();
    assignments_.erase(it);
  } else {
    m.set_record_id(OfficeId(next_office_id_++));
    m.set_op(v1::CREATE);
    m.mutable_body()->mutable_assignment()->set_user_id(t.caller.user);
    m.mutable_body()->mutable_assignment()->set_site_id(sites_[site]);
    assignments_[key] = m.record_id();
  }
  ++result_.stats.reassignments;
  Trace("office: tablet " + std::to_string(t.index) + (m.op() == v1::CREATE ? " assigned to" : " removed from") +
        " site " + std::to_string(site));
  if (Status st = OfficePush(m); !st.ok()) Fail("office reassignment failed: " + st.ToString());
}

World::~World() { server::SetLogSinkForTest(nullptr); }

Status World::Start() {
  // The server's log lines join the trace (printed with a failure), on the world's clock.
  server::SetLogSinkForTest([this](const std::string& line) { Trace("  server log: " + line); }, &clock_);
  INSPECTSYNC_RETURN_IF_ERROR(server_.Open());
  // The district: one zone, three sites (created by the office either way,
  // so findings always name a real site).
  {
    v1::Mutation m;
    m.set_client_id(kOfficeClient);
    m.set_op(v1::CREATE);
    auto create = [&](const std::string& collection, const v1::RecordBody& body) -> StatusOr<std::string> {
      m.set_mutation_id(office_mid_++);
      m.set_collection(collection);
      m.set_record_id(OfficeId(next_office_id_++));
      *m.mutable_body() = body;
      m.set_hlc(core::Hlc::Pack(clock_.NowMillis(), static_cast<uint32_t>(m.mutation_id())));
      INSPECTSYNC_RETURN_IF_ERROR(OfficePush(m));
      return m.record_id();
    };
    v1::RecordBody zone;
    zone.mutable_zone()->set_name("North");
    auto zone_id = create("zones", zone);
    if (!zone_id.ok()) return zone_id.status();
    for (int s = 0; s < 3; ++s) {
      v1::RecordBody site;
      site.mutable_site()->set_name("site " + std::to_string(s));
      site.mutable_site()->set_zone_id(*zone_id);
      auto id = create("sites", site);
      if (!id.ok()) return id.status();
      sites_.push_back(*id);
    }
  }
  tablets_.resize(static_cast<size_t>(options_.tablets));
  for (int i = 0; i < options_.tablets; ++i) {
    SimTablet& t = tablets_[i];
    t.index = i;
    if (options_.scoped) {
      t.caller = server::Caller("user-" + std::to_string(i), i == 0 ? "office" : "inspector",
                               "device-" + std::to_string(i));
      // Inspector i starts on two of the three sites, overlapping the others.
      if (i > 0) {
        ToggleAssignment(t, static_cast<size_t>(i) % 3);
        ToggleAssignment(t, static_cast<size_t>(i + 1) % 3);
      }
    } else {
      t.caller = server::Caller("user-" + std::to_string(i));
    }
    t.db_path = dir_ + "/tablet" + std::to_string(i) + ".db";
    t.skew_ms = static_cast<int64_t>(Rand(20 * 60 * 1000)) - 10 * 60 * 1000;  // within +-10 min
    t.net = std::make_shared<SimTransport>(this, i);
    INSPECTSYNC_RETURN_IF_ERROR(OpenTablet(t));
  }
  return Status::Ok();
}

Status World::OpenTablet(SimTablet& t) {
  ClientOptions o;
  o.db_path = t.db_path;
  o.transport = t.net;
  o.now_ms = [this, &t] { return clock_.NowMillis() + t.skew_ms; };
  // A new seed per open: a restarted app draws fresh record ids.
  o.rng_seed = options_.seed * 1'000'003 + static_cast<uint64_t>(t.index) * 1009 + static_cast<uint64_t>(++t.opens);
  o.push_batch_size = 1 + Rand(8);
  o.pull_page_size = 3 + static_cast<uint32_t>(Rand(6));
  auto c = Client::Open(o);
  if (!c.ok()) return c.status();
  t.client = std::move(*c);
  return Status::Ok();
}

void World::CrashTablet(SimTablet& t) {
  t.client.reset();
  Status st = OpenTablet(t);
  if (!st.ok()) Fail("tablet " + std::to_string(t.index) + " did not reopen: " + st.ToString());
}

void World::CrashServer() {
  server_.Crash();
  Status st = server_.Open();
  if (!st.ok()) {
    Fail("server did not reopen: " + st.ToString());
    return;
  }
  std::string h = CheckHistory(*this);
  if (!h.empty()) Fail("after server restart: " + h);
}

void World::DeliverLate() {
  for (const auto& [tablet, req] : late_) {
    uint64_t head_before = *server_.store()->Head();
    // Each client's last processed mutation before the late copy arrives.
    std::map<std::string, uint64_t> last;
    Status read = server_.store()->Write([&](storage::ServerWriteTxn& txn) -> Status {
      for (const auto& m : req.mutations()) {
        auto id = txn.LastMutationId(m.client_id());
        if (!id.ok()) return id.status();
        last[m.client_id()] = *id;
      }
      return Status::Ok();
    });
    if (!read.ok()) return Fail("reading the ledger failed: " + read.ToString());
    auto res = server_.engine()->Push(req, tablets_[static_cast<size_t>(tablet)].caller);
    if (!res.ok() && res.status().code() != StatusCode::kAborted) {
      Fail("late re-delivery failed: " + res.status().ToString());
      return;
    }
    // Nothing is applied twice. The copy may apply what no delivery has
    // processed yet: the tail of a batch whose response was cut, in order.
    std::vector<storage::VersionRow> rows;
    if (Status st = server_.store()->ReadHistory(head_before, 1000, &rows); !st.ok()) return Fail(st.ToString());
    for (const auto& row : rows)
      if (!last.count(row.client_id) || row.mutation_id <= last[row.client_id])
        return Fail("a late duplicate applied mutation " + std::to_string(row.mutation_id) + " of " + row.client_id +
                    " again");
  }
  if (!late_.empty()) Trace("  net: " + std::to_string(late_.size()) + " late push(es) re-delivered");
  late_.clear();
}

}  // namespace inspectsync::sim
