// The invariants checked at quiescence (and history after every server
// restart). Each check reads the server's store and the tablets' SDKs
// directly: nothing here trusts what the sync code reported about itself.
#include <map>
#include <set>

#include "core/patch.h"
#include "core/schema.h"
#include "core/workflow.h"
#include "tests/sim/world.h"

namespace inspectsync::sim {

namespace {

std::string RowKey(const storage::VersionRow& r) {
  return std::to_string(r.seq) + "|" + r.collection + "|" + r.id + "|" + (r.deleted ? "d" : "l") + "|" + r.body +
         "|" + r.client_id + "|" + std::to_string(r.mutation_id);
}

// The editor's additions are in the result and its removals are not.
bool SetEffectPresent(const core::CollectionSpec& spec, const core::FieldSpec& f, const v1::Mutation& m,
                      const v1::Record& result) {
  auto after = core::GetStrings(spec.Get(m.body()), f.field);
  std::vector<std::string> before;
  if (spec.Holds(m.base_body())) before = core::GetStrings(spec.Get(m.base_body()), f.field);
  auto now = core::GetStrings(spec.Get(result.body()), f.field);
  std::set<std::string> b(before.begin(), before.end()), a(after.begin(), after.end()), n(now.begin(), now.end());
  for (const auto& x : a)
    if (!b.count(x) && !n.count(x)) return false;
  for (const auto& x : b)
    if (!a.count(x) && n.count(x)) return false;
  return true;
}

Status AllHistory(World& w, std::vector<storage::VersionRow>* rows) {
  return w.server().store()->ReadHistory(0, 1u << 30, rows);
}

}  // namespace

std::string CheckHistory(World& w) {
  std::vector<storage::VersionRow> rows;
  if (Status st = AllHistory(w, &rows); !st.ok()) return "cannot read history: " + st.ToString();
  // The commit seq is 1..head with no gap and no repeat.
  for (size_t i = 0; i < rows.size(); ++i)
    if (rows[i].seq != i + 1)
      return "history seq " + std::to_string(rows[i].seq) + " at position " + std::to_string(i + 1);
  auto head = w.server().store()->Head();
  if (!head.ok() || *head != rows.size()) return "head does not match the history length";
  // Append-only: what was there before is still there, unchanged.
  auto& snap = w.history_snapshot();
  if (snap.size() > rows.size()) return "history shrank from " + std::to_string(snap.size()) + " to " + std::to_string(rows.size());
  for (size_t i = 0; i < snap.size(); ++i)
    if (snap[i] != RowKey(rows[i])) return "history entry " + std::to_string(i + 1) + " was rewritten";
  snap.clear();
  for (const auto& r : rows) snap.push_back(RowKey(r));
  // No mutation applied twice.
  std::set<std::pair<std::string, uint64_t>> seen;
  for (const auto& r : rows)
    if (r.mutation_id && !seen.insert({r.client_id, r.mutation_id}).second)
      return "mutation " + std::to_string(r.mutation_id) + " of " + r.client_id + " applied twice";
  // The latest version of each record is its last history entry.
  std::map<std::pair<std::string, std::string>, const storage::VersionRow*> last;
  for (const auto& r : rows) last[{r.collection, r.id}] = &r;
  for (const auto& [key, row] : last) {
    auto rec = w.server().store()->GetRecord(key.first, key.second);
    if (!rec.ok() || !rec->has_value()) return "record " + key.second + " is in history but not in records";
    if ((*rec)->version != row->seq || (*rec)->body != row->body || (*rec)->deleted != row->deleted)
      return "record " + key.second + " does not match its last history entry";
  }
  w.result().stats.history = rows.size();
  return "";
}

std::string CheckConvergence(World& w) {
  storage::ServerStore* store = w.server().store();
  uint64_t head = *store->Head();
  for (const core::CollectionSpec* spec : core::AllCollections()) {
    std::vector<storage::StoredRecord> rows;
    storage::ChangeQuery q;
    q.upto = head;
    q.limit = 1u << 30;
    q.collections = {spec->name()};
    if (Status st = store->ReadChanges(q, &rows); !st.ok()) return st.ToString();
    for (SimTablet& t : w.tablets()) {
      // A tablet holds exactly the live records of its scope now.
      auto scope = w.server().engine()->ScopeOf(t.caller);
      if (!scope.ok()) return scope.status().ToString();
      std::map<std::string, const storage::StoredRecord*> live;
      for (const auto& r : rows)
        if (!r.deleted && scope->Sees(r.scope)) live[r.id] = &r;
      std::string who = "tablet " + std::to_string(t.index) + " " + spec->name();
      auto list = t.client->List(spec->name());
      if (!list.ok()) return who + ": " + list.status().ToString();
      if (list->size() != live.size()) {
        std::string extra;
        for (const LocalRecord& r : *list)
          if (!live.count(r.id)) extra += " " + r.id;
        return who + ": " + std::to_string(list->size()) + " records, server has " + std::to_string(live.size()) +
               " in its scope" + (extra.empty() ? "" : "; only on the tablet:" + extra);
      }
      for (const LocalRecord& r : *list) {
        auto it = live.find(r.id);
        if (it == live.end()) return who + ": has " + r.id + " which the server does not";
        if (r.pending) return who + ": " + r.id + " still pending";
        if (r.version != it->second->version)
          return who + ": " + r.id + " at v" + std::to_string(r.version) + ", server v" +
                 std::to_string(it->second->version);
        if (spec->Get(r.body).SerializeAsString() != it->second->body) return who + ": " + r.id + " differs";
      }
      auto pending = t.client->PendingCount();
      if (!pending.ok() || *pending != 0) return "tablet " + std::to_string(t.index) + " has an unsent outbox";
    }
  }
  return "";
}

std::string CheckAcknowledged(World& w) {
  std::vector<storage::VersionRow> rows;
  if (Status st = AllHistory(w, &rows); !st.ok()) return st.ToString();
  std::set<std::pair<std::string, uint64_t>> in_history;
  for (const auto& r : rows) in_history.insert({r.client_id, r.mutation_id});
  std::vector<v1::Conflict> conflicts;
  storage::ConflictFilter every;
  every.limit = 1u << 30;
  if (Status st = w.server().store()->ListConflicts(every, &conflicts); !st.ok())
    return st.ToString();
  std::set<std::string> conflict_ids;
  for (const auto& c : conflicts) conflict_ids.insert(c.id());

  std::map<int, std::set<uint64_t>> dead_letters;
  for (SimTablet& t : w.tablets()) {
    auto rej = t.client->Rejected();
    if (!rej.ok()) return rej.status().ToString();
    for (const auto& r : *rej) dead_letters[t.index].insert(r.mutation.mutation_id());
  }
  std::set<std::pair<std::string, uint64_t>> distinct;
  for (const Acked& a : w.acked()) {
    const v1::Mutation& m = a.mutation;
    const v1::MutationResult& r = a.result;
    std::string what = "acknowledged mutation " + std::to_string(m.mutation_id()) + " of tablet " +
                       std::to_string(a.tablet) + " (" + v1::Outcome_Name(r.outcome()) + ")";
    if (r.mutation_id() != m.mutation_id()) return what + ": result for another mutation";
    distinct.insert({m.client_id(), m.mutation_id()});
    if (r.outcome() == v1::REJECTED) {
      // Pruned replays aside, a rejection stays visible on the tablet.
      if (!dead_letters[a.tablet].count(m.mutation_id()))
        return what + " is not in the tablet's Rejected() list (reason: " + r.reason() + ")";
      continue;
    }
    if (in_history.count({m.client_id(), m.mutation_id()})) continue;  // its version is in history
    bool all_recorded = r.conflicts_size() > 0;
    for (const auto& c : r.conflicts()) all_recorded &= conflict_ids.count(c.id()) > 0;
    if (r.outcome() == v1::CONFLICT && all_recorded) continue;  // it lost, and the loss is kept
    // Otherwise its effect must already have been there: the values it set,
    // or for a SET field its additions present and its removals absent.
    const core::CollectionSpec* spec = core::FindCollection(m.collection());
    if (spec && m.op() == v1::PATCH && spec->Holds(r.record().body())) {
      bool present = true;
      for (const auto& path : m.mask().paths()) {
        const core::FieldSpec* f = spec->FindField(path);
        if (!f) {
          present = false;
        } else if (f->policy == v1::SET) {
          present &= SetEffectPresent(*spec, *f, m, r.record());
        } else {
          // A masked field the editor left as it was has no effect to look for.
          bool untouched = spec->Holds(m.base_body()) && core::FieldEquals(spec->Get(m.body()), spec->Get(m.base_body()), *f);
          present &= untouched || core::FieldEquals(spec->Get(m.body()), spec->Get(r.record().body()), *f);
        }
      }
      if (present) continue;
    }
    if (m.op() == v1::DELETE && r.record().deleted()) continue;
    return what + " has no version in history and no recorded conflict: mutation {" + m.ShortDebugString() +
           "} result {" + r.ShortDebugString() + "}";
  }
  uint64_t writes = w.result().stats.local_writes;
  if (distinct.size() != writes)
    return std::to_string(writes) + " local writes were recorded but " + std::to_string(distinct.size()) +
           " distinct mutations were acknowledged";
  return "";
}

std::string CheckConflicts(World& w) {
  std::vector<v1::Conflict> conflicts;
  storage::ConflictFilter every;
  every.limit = 1u << 30;
  if (Status st = w.server().store()->ListConflicts(every, &conflicts); !st.ok())
    return st.ToString();
  for (const auto& c : conflicts) {
    const core::CollectionSpec* spec = core::FindCollection(c.collection());
    std::string what = "conflict " + c.id() + " on " + c.field();
    if (!spec) return what + ": unknown collection";
    if (c.winner().device_id().empty() || c.loser().device_id().empty()) return what + ": a side has no device";
    if (!spec->Holds(c.winner_value()) || !spec->Holds(c.loser_value())) return what + ": a value is missing";
    if (c.field() == "deleted") continue;
    const core::FieldSpec* f = spec->FindField(c.field());
    if (!f) return what + ": not a field of " + c.collection();
    if (core::FieldEquals(spec->Get(c.winner_value()), spec->Get(c.loser_value()), *f))
      return what + ": winner and loser are the same value";
  }
  w.result().stats.conflicts = conflicts.size();
  return "";
}

namespace {

// The live records of one collection on the server, by id.
template <typename T>
Status LiveOnServer(World& w, const char* collection, std::map<std::string, T>* out) {
  storage::ServerStore* store = w.server().store();
  auto head = store->Head();
  if (!head.ok()) return head.status();
  std::vector<storage::StoredRecord> rows;
  storage::ChangeQuery q;
  q.upto = *head;
  q.limit = 1u << 30;
  q.collections = {collection};
  INSPECTSYNC_RETURN_IF_ERROR(store->ReadChanges(q, &rows));
  for (const auto& r : rows) {
    if (r.deleted) continue;
    if (!(*out)[r.id].ParseFromString(r.body)) return DataLoss(std::string(collection) + "/" + r.id + " is corrupt");
  }
  return Status::Ok();
}

// The versions of a finding, for a failure message: who moved it where.
std::string FindingHistory(World& w, const std::string& id) {
  std::vector<storage::VersionRow> rows;
  if (!AllHistory(w, &rows).ok()) return "";
  std::string out = "; history:";
  for (const auto& r : rows) {
    if (r.collection != "findings" || r.id != id) continue;
    v1::Finding f;
    f.ParseFromString(r.body);
    out += " [seq " + std::to_string(r.seq) + " " + r.client_id.substr(30) + "#" + std::to_string(r.mutation_id) +
           " " + v1::FindingStatus_Name(f.status()) + " notice '" + f.notice_id() + "' verification '" +
           f.verification_id() + "']";
  }
  return out;
}

bool FollowsANotice(v1::FindingStatus s) {
  return s == v1::NOTIFIED || s == v1::IN_RECTIFICATION || s == v1::RECTIFIED || s == v1::CLOSED ||
         s == v1::REOPENED;
}

}  // namespace

std::string CheckWorkflow(World& w) {
  std::map<std::string, v1::Finding> findings;
  std::map<std::string, v1::RectificationNotice> notices;
  std::map<std::string, v1::Verification> verifications;
  std::map<std::string, v1::Inspection> inspections;
  std::map<std::string, v1::ChecklistTemplate> templates;
  for (Status st : {LiveOnServer(w, "findings", &findings), LiveOnServer(w, "notices", &notices),
                    LiveOnServer(w, "verifications", &verifications), LiveOnServer(w, "inspections", &inspections),
                    LiveOnServer(w, "templates", &templates)})
    if (!st.ok()) return "cannot read the server: " + st.ToString();
  SimStats& stats = w.result().stats;
  stats.server_notices = notices.size();
  stats.server_verifications = verifications.size();
  auto check_finding = [&](const std::string& id, const v1::Finding& f) -> std::string {
    std::string what = "finding " + id + " (" + v1::FindingStatus_Name(f.status()) + ")";
    // In the simulation every finding past OPEN went through a notice.
    if (FollowsANotice(f.status())) {
      auto n = notices.find(f.notice_id());
      if (n == notices.end()) return what + " names no notice that exists ('" + f.notice_id() + "')";
      if (n->second.site_id() != f.site_id()) return what + " names a notice of another site";
      if (std::find(n->second.finding_ids().begin(), n->second.finding_ids().end(), id) == n->second.finding_ids().end())
        return what + " names notice " + f.notice_id() + ", which does not list it";
      if (f.deadline_ms() <= 0) return what + " has no deadline";
    }
    if (f.status() == v1::CLOSED || f.status() == v1::REOPENED) {
      bool closed = f.status() == v1::CLOSED;
      auto v = verifications.find(f.verification_id());
      if (v == verifications.end()) return what + " names no verification that exists ('" + f.verification_id() + "')";
      if (v->second.finding_id() != id) return what + " names a verification of finding " + v->second.finding_id();
      if (v->second.result() != (closed ? v1::PASSED : v1::FAILED))
        return what + " names a " + v1::VerificationResult_Name(v->second.result()) + " verification";
      if (closed) ++stats.closed; else ++stats.reopened_now;
    }
    return "";
  };
  for (const auto& [id, f] : findings) {
    std::string bad = check_finding(id, f);
    if (!bad.empty()) return bad + FindingHistory(w, id);
  }
  for (const auto& [id, n] : notices)
    for (const std::string& fid : n.finding_ids()) {
      auto f = findings.find(fid);
      if (f == findings.end()) return "notice " + id + " lists finding " + fid + ", which the server does not hold";
      if (f->second.site_id() != n.site_id()) return "notice " + id + " lists finding " + fid + " of another site";
    }
  for (const auto& [id, v] : verifications) {
    auto f = findings.find(v.finding_id());
    if (f == findings.end()) return "verification " + id + " is of finding " + v.finding_id() + ", which does not exist";
    if (f->second.site_id() != v.site_id()) return "verification " + id + " names another site than its finding's";
  }
  for (const auto& [id, in] : inspections) {
    if (in.template_key().empty()) continue;
    ++stats.templated_inspections;
    auto t = templates.find(core::TemplateRecordId(in.template_key(), in.template_version()));
    if (t == templates.end()) return "inspection " + id + " uses template " + in.template_key() + ", not published";
    std::set<std::string> items;
    for (const auto& it : t->second.items()) items.insert(it.id());
    for (const auto& r : in.responses())
      if (!items.count(r.item_id())) return "inspection " + id + " answers '" + r.item_id() + "', not a template item";
  }
  return "";
}

}  // namespace inspectsync::sim

namespace inspectsync::sim {

std::string CheckAttachments(World& w) {
  SimStats& stats = w.result().stats;
  std::set<std::string> dead;  // hashes some tablet holds in its photo dead letter
  for (SimTablet& t : w.tablets()) {
    auto pending = t.client->PendingAttachments();
    if (!pending.ok()) return "tablet " + std::to_string(t.index) + ": " + pending.status().ToString();
    if (!pending->empty())
      return "tablet " + std::to_string(t.index) + " still queues photo " + (*pending)[0].sha256 + " after the heal";
    auto rejected = t.client->RejectedAttachments();
    if (!rejected.ok()) return "tablet " + std::to_string(t.index) + ": " + rejected.status().ToString();
    for (const auto& r : *rejected) {
      if (r.reason.empty()) return "photo " + r.sha256 + " was refused without a reason";
      dead.insert(r.sha256);
      ++stats.photos_rejected;
      w.Trace("tablet " + std::to_string(t.index) + " photo " + r.sha256.substr(0, 8) + " refused: " + r.reason);
    }
  }
  std::map<std::string, v1::Finding> findings;
  if (Status st = LiveOnServer(w, "findings", &findings); !st.ok()) return "cannot read the server: " + st.ToString();
  std::set<std::string> stored;
  for (const auto& [id, f] : findings)
    for (const std::string& sha : f.evidence()) {
      // Evidence may also be other references (the sim's edits add some).
      if (sha.size() != 64 || sha.find_first_not_of("0123456789abcdef") != std::string::npos) continue;
      auto held = w.server().attachments()->Status(server::Caller(), sha);
      if (!held.ok()) return "server status of photo " + sha + ": " + held.status().ToString();
      if (held->complete()) {
        stored.insert(sha);
      } else if (!dead.count(sha)) {
        return "finding " + id + " names photo " + sha.substr(0, 8) +
               ", which the server does not hold and no tablet lists as refused: a photo lost silently";
      }
    }
  stats.photos_on_server = stored.size();
  // Whoever may see a finding fetches its photos back, verified.
  SimTablet& office = w.tablets()[0];
  for (const std::string& sha : stored) {
    auto got = office.client->FetchAttachment(sha);
    if (!got.ok()) return "tablet 0 cannot fetch stored photo " + sha.substr(0, 8) + ": " + got.status().ToString();
  }
  return "";
}

}  // namespace inspectsync::sim
