#include "tests/sim/office_actor.h"

#include <algorithm>
#include <map>
#include <set>

#include "server/integration_conflicts.h"
#include "server/office_writes.h"

namespace inspectsync::sim {

namespace {

const server::Caller kReviewer("office", "office", "office-pc");
const char* kDecisions[] = {"Checked with the school.", "The inspector on site is right.", "办公室已核实。"};

constexpr int64_t kDayMs = 86'400'000;
const char* kSiteNames[] = {"No. 1 Primary", "第一小学", "Sunflower Kindergarten", "No. 3 Middle School"};

// The live findings the server holds in `status`, as (id, finding).
std::vector<std::pair<std::string, v1::Finding>> ServerFindings(World& w, v1::FindingStatus status) {
  std::vector<std::pair<std::string, v1::Finding>> out;
  Status st = w.server().store()->ScanCollection("findings", [&](const storage::StoredRecord& r) -> Status {
    v1::Finding f;
    if (!r.deleted && f.ParseFromString(r.body) && f.status() == status) out.emplace_back(r.id, f);
    return Status::Ok();
  });
  if (!st.ok()) w.Fail("office cannot scan findings: " + st.ToString());
  return out;
}

// Draws of the office's own stream (World::office_rng).
uint64_t Rand(World& w, uint64_t n) { return n ? w.office_rng()() % n : 0; }
bool Chance(World& w, int percent) { return static_cast<int>(w.office_rng()() % 100) < percent; }

// Counts the outcome; refusals other than "the state moved on" fail the run.
void Outcome(World& w, const std::string& what, const Status& st) {
  if (st.ok()) {
    ++w.result().stats.office_server_writes;
    return w.Trace(what + ": written");
  }
  w.Trace(what + ": refused: " + st.ToString());
  ++w.result().stats.office_server_refused;
  if (st.code() != StatusCode::kFailedPrecondition && st.code() != StatusCode::kAlreadyExists)
    w.Fail(what + " failed unexpectedly: " + st.ToString());
}

}  // namespace

void OfficeServerStep(World& w) {
  if (!Chance(w, 35)) return;
  server::SyncEngine* engine = w.server().engine();
  const uint64_t pick = Rand(w, 10);
  if (pick < 5) {
    auto open = ServerFindings(w, v1::OPEN);
    if (open.empty()) return;
    const auto& [id, f] = open[Rand(w, open.size())];
    v1::IssueNoticeRequest req;
    req.set_site(f.site_id());
    if (Chance(w, 40)) {
      req.set_all_open(true);
    } else {
      req.add_finding_ids(id);
    }
    req.set_reference_no("SRV-" + std::to_string(Rand(w, 1000)));
    req.set_deadline_ms(w.Now() + (1 + static_cast<int64_t>(Rand(w, 30))) * kDayMs);
    req.set_text(kDecisions[Rand(w, 3)]);
    auto out = server::IssueNotice(engine, kReviewer, req);
    return Outcome(w, "office (server) notice " + req.reference_no() + " to site " + f.site_id().substr(0, 8),
                   out.status());
  }
  if (pick < 8) {
    // A second verifier beside the office tablet's Client::Verify: the two
    // meet on one finding now and then, and the merge must leave the status
    // and the verification it names (the id, note, deadline) from one move.
    auto rectified = ServerFindings(w, v1::RECTIFIED);
    if (rectified.empty()) return;
    const auto& [id, f] = rectified[Rand(w, rectified.size())];
    v1::RecordVerificationRequest req;
    req.set_finding_id(id);
    req.set_method(Chance(w, 50) ? v1::DESK : v1::ON_SITE);
    req.set_result(Chance(w, 60) ? v1::PASSED : v1::FAILED);
    if (Chance(w, 70)) req.set_note(kDecisions[Rand(w, 3)]);
    if (req.result() == v1::FAILED)
      req.set_new_deadline_ms(std::max(f.deadline_ms(), w.Now()) + (1 + static_cast<int64_t>(Rand(w, 30))) * kDayMs);
    auto out = server::RecordVerification(engine, kReviewer, req);
    return Outcome(w, "office (server) verifies " + id.substr(0, 8) + " " + v1::VerificationResult_Name(req.result()),
                   out.status());
  }
  const auto& sites = w.sites();
  if (sites.empty()) return;
  v1::CorrectSiteRequest req;
  req.set_site(sites[Rand(w, sites.size())]);
  req.set_name(kSiteNames[Rand(w, 4)]);
  // Now and then a site closes or reopens: a tablet that knows refuses new
  // work there (a FAILED_PRECONDITION the tablet step accepts); work it
  // recorded before it knew still syncs, and the checks find it on the server.
  uint64_t close = Rand(w, 10);
  if (close == 0) req.set_deactivate(true);
  if (close == 1) req.set_reactivate(true);
  auto out = server::CorrectSite(engine, kReviewer, req);
  Outcome(w, "office (server) renames site " + req.site().substr(0, 8) + " to " + req.name() +
                 (close == 0 ? ", deactivated" : close == 1 ? ", reactivated" : ""),
          out.status());
}

void ReviewConflicts(World& w) {
  v1::ConflictQuery q;
  q.set_page_size(20);
  if (w.Chance(50)) q.add_states(v1::CONFLICT_AUTO_RESOLVED);  // the office may overrule a policy too
  auto page = server::ListConflicts(w.server().engine(), kReviewer, q);
  if (!page.ok()) return w.Fail("office cannot list conflicts: " + page.status().ToString());
  if (page->conflicts().empty()) return;
  const v1::Conflict& c = page->conflicts(static_cast<int>(w.Rand(page->conflicts_size()))).conflict();
  v1::ResolveConflictRequest req;
  req.set_conflict_id(c.id());
  req.set_note(kDecisions[w.Rand(3)]);
  std::string how;
  uint64_t pick = w.Rand(3);
  const core::CollectionSpec* spec = core::FindCollection(c.collection());
  const core::FieldSpec* fs = spec ? spec->FindField(c.field()) : nullptr;
  if (pick == 2 && fs && fs->field->type() == google::protobuf::FieldDescriptor::TYPE_STRING && !fs->field->is_repeated()) {
    how = "a new value";
    spec->Mutable(req.mutable_value())->GetReflection()->SetString(spec->Mutable(req.mutable_value()), fs->field,
                                                                   "Settled by the office #" + std::to_string(w.Rand(1000)));
  } else if (pick == 1) {
    how = "the loser";
    req.set_take_loser(true);
  } else {
    how = "the winner";
    req.set_keep_winner(true);
  }
  auto out = server::ResolveConflict(w.server().engine(), kReviewer, req);
  std::string what = "office resolves conflict " + c.id().substr(0, 8) + " on " + c.collection() + "." + c.field() +
                     " with " + how;
  if (out.ok()) {
    w.resolved_conflicts.push_back(c.id());
    w.Trace(what + ": version " + std::to_string(out->conflict().resolved_version()));
    return;
  }
  // Refusals a person can meet: a rule the value breaks (a lifecycle move, a
  // workflow rule), a record deleted since, an update-vs-delete audit entry.
  w.Trace(what + ": refused: " + out.status().ToString());
  if (out.status().code() != StatusCode::kFailedPrecondition)
    w.Fail(what + " failed unexpectedly: " + out.status().ToString());
}

std::string CheckResolutions(World& w) {
  storage::ServerStore* store = w.server().store();
  std::vector<storage::VersionRow> rows;
  if (Status st = store->ReadHistory(0, 1u << 30, &rows); !st.ok()) return st.ToString();
  std::map<uint64_t, const storage::VersionRow*> by_seq;
  for (const auto& r : rows) by_seq[r.seq] = &r;
  storage::ConflictFilter f;
  f.limit = 1u << 30;
  std::set<std::string> resolved;
  std::string bad;
  Status st = store->ScanConflicts(f, [&](const storage::ConflictEntry& e) -> StatusOr<bool> {
    const v1::Conflict& c = e.conflict;
    if (c.state() != v1::CONFLICT_RESOLVED) return true;
    resolved.insert(c.id());
    std::string what = "resolved conflict " + c.id() + " on " + c.collection() + "/" + c.record_id();
    auto it = by_seq.find(c.resolved_version());
    if (c.resolved_by().empty() || c.resolved_ms() == 0) {
      bad = what + " does not say who resolved it or when";
    } else if (it == by_seq.end()) {
      bad = what + ": its resolution version " + std::to_string(c.resolved_version()) + " is not in history";
    } else if (it->second->collection != c.collection() || it->second->id != c.record_id()) {
      bad = what + ": version " + std::to_string(c.resolved_version()) + " is of another record";
    } else if (it->second->meta.author() != c.resolved_by()) {
      bad = what + ": version " + std::to_string(c.resolved_version()) + " is by '" + it->second->meta.author() +
            "', not the resolver '" + c.resolved_by() + "'";
    }
    return bad.empty();
  });
  if (!st.ok()) return st.ToString();
  if (!bad.empty()) return bad;
  for (const auto& id : w.resolved_conflicts)
    if (!resolved.count(id)) return "conflict " + id + " was resolved by the office but is not RESOLVED";
  w.result().stats.conflicts_resolved = resolved.size();
  return "";
}

}  // namespace inspectsync::sim
