#include "tests/sim/office_actor.h"

#include <map>
#include <set>

#include "server/integration_conflicts.h"

namespace inspectsync::sim {

namespace {

const server::Caller kReviewer("office", "office", "office-pc");
const char* kDecisions[] = {"Checked with the school.", "The inspector on site is right.", "办公室已核实。"};

}  // namespace

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
