// The random steps of the simulation and the final heal-sync-check.
#include "tests/sim/sim.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "core/lifecycle.h"
#include "core/workflow.h"
#include "tests/sim/office_actor.h"
#include "tests/sim/feed_consumer.h"
#include "tests/sim/world.h"
#include "tests/testing/max_records.h"

namespace inspectsync::sim {

namespace {

// Small pools, so two tablets sometimes pick the same value (no conflict).
const char* kTitles[] = {"Disinfectant expired", "Signage not visible", "Extinguisher overdue", "Gas alarm unserviced"};
const char* kTexts[] = {"Found during the morning visit.", "The school says it is ordered.", "Photos attached.",
                        "Confirmed by the principal."};
const char* kOrgs[] = {"School logistics office", "District gas company", "Kindergarten No. 7"};
const char* kTags[] = {"kitchen", "clinic", "gate", "floor-2", "follow-up"};

std::string Short(const std::string& id) { return id.substr(0, 8) + ".." + id.substr(32); }

// Runs a local write and counts it if the SDK recorded it. `max_mutations`:
// how many it may record (a notice moves its findings in the same batch).
// Returns whether the SDK accepted it.
template <typename Fn>
bool Write(World& w, SimTablet& t, const std::string& what, Fn fn, uint64_t max_mutations = 1) {
  uint64_t before = *t.client->PendingCount();
  Status st = fn();
  uint64_t after = *t.client->PendingCount();
  if (st.ok()) {
    w.result().stats.local_writes += after - before;
    if (after - before > max_mutations)
      w.Fail("one local write recorded " + std::to_string(after - before) + " mutations");
  } else {
    ++w.result().stats.refused_locally;
    if (after != before) w.Fail("a refused local write changed the outbox");
    if (st.code() != StatusCode::kInvalidArgument && st.code() != StatusCode::kFailedPrecondition &&
        st.code() != StatusCode::kNotFound)
      w.Fail("local write failed unexpectedly: " + st.ToString());
  }
  w.Trace("tablet " + std::to_string(t.index) + " " + what + (st.ok() ? "" : " -> refused: " + st.message()));
  return st.ok();
}

constexpr int64_t kDayMs = 86'400'000;
const char kTemplateKey[] = "epidemic-prevention";
const char* kItems[] = {"supplies-in-date", "signage-visible", "gas-alarm-serviced"};

// A site to record at: mostly one the tablet holds (its scope), sometimes any
// site at all (an inspector working from a stale assignment list).
std::string PickSite(World& w, SimTablet& t) {
  auto local = t.client->List("sites");
  if (local.ok() && !local->empty() && w.Chance(85)) return (*local)[w.Rand(local->size())].id;
  return w.sites()[w.Rand(w.sites().size())];
}

std::vector<LocalFinding> Findings(SimTablet& t) {
  auto list = t.client->ListFindings();
  return list.ok() ? *list : std::vector<LocalFinding>{};
}

void EditFinding(World& w, SimTablet& t) {
  auto list = Findings(t);
  if (list.empty()) return;
  const LocalFinding& f = list[w.Rand(list.size())];
  v1::Finding v = f.value;
  std::vector<std::string> fields;
  std::string what = "edit " + Short(f.id);
  int n = 1 + static_cast<int>(w.Rand(3));
  for (int i = 0; i < n; ++i) {
    switch (w.Rand(7)) {
      case 0: v.set_title(kTitles[w.Rand(4)]); fields.push_back("title"); break;
      case 1: v.set_severity(static_cast<v1::Severity>(1 + w.Rand(4))); fields.push_back("severity"); break;
      case 2: v.set_description(kTexts[w.Rand(4)]); fields.push_back("description"); break;
      case 3: v.set_responsible_org(kOrgs[w.Rand(3)]); fields.push_back("responsible_org"); break;
      case 4: {
        auto* tags = v.mutable_tags();
        std::string tag = kTags[w.Rand(5)];
        auto it = std::find(tags->begin(), tags->end(), tag);
        if (it == tags->end()) *tags->Add() = tag; else tags->erase(it);
        fields.push_back("tags");
        break;
      }
      case 5: *v.mutable_evidence()->Add() = "sha256-" + std::to_string(w.Rand(1000)); fields.push_back("evidence"); break;
      default: v.set_deadline_ms(w.Now() + static_cast<int64_t>(w.Rand(30)) * 86'400'000); fields.push_back("deadline_ms"); break;
    }
  }
  std::sort(fields.begin(), fields.end());
  fields.erase(std::unique(fields.begin(), fields.end()), fields.end());
  for (const auto& fl : fields) what += " " + fl;
  Write(w, t, what, [&] { return t.client->UpdateFinding(f.id, v, fields); });
}

// The moves an inspector makes: rectify what a notice or a failed
// verification asks for, publish drafts, void before a notice.
std::vector<v1::FindingStatus> InspectorMoves(v1::FindingStatus from) {
  switch (from) {
    case v1::DRAFT: return {v1::OPEN, v1::VOIDED};
    case v1::OPEN: return {v1::VOIDED};
    case v1::NOTIFIED: return {v1::IN_RECTIFICATION};
    case v1::IN_RECTIFICATION: return {v1::RECTIFIED};
    case v1::REOPENED: return {v1::IN_RECTIFICATION};
    default: return {};  // RECTIFIED waits for the office's verification; CLOSED and VOIDED are final
  }
}

void MoveStatus(World& w, SimTablet& t) {
  auto list = Findings(t);
  if (list.empty()) return;
  // Mostly a finding with rectification work to do, so lifecycles advance.
  std::vector<const LocalFinding*> working;
  for (const LocalFinding& f : list)
    if (f.value.status() == v1::NOTIFIED || f.value.status() == v1::IN_RECTIFICATION ||
        f.value.status() == v1::REOPENED)
      working.push_back(&f);
  const LocalFinding& f = !working.empty() && w.Chance(75) ? *working[w.Rand(working.size())] : list[w.Rand(list.size())];
  v1::Finding v = f.value;
  std::vector<v1::FindingStatus> next = InspectorMoves(v.status());
  if (v.status() == v1::OPEN && !w.Chance(25)) next.clear();  // voids are rare
  // A small share of deliberately bad moves: any status at all, which the
  // SDK refuses (illegal, or NOTIFIED / CLOSED / REOPENED without the notice
  // or verification the workflow needs).
  v1::FindingStatus to = (!next.empty() && w.Chance(90)) ? next[w.Rand(next.size())]
                                                         : static_cast<v1::FindingStatus>(1 + w.Rand(8));
  if (next.empty() && !w.Chance(15)) return;
  std::vector<std::string> fields = {"status"};
  v.set_status(to);
  if (to == v1::VOIDED) {
    v.set_void_reason("recorded twice");
    fields.push_back("void_reason");
  }
  if ((to == v1::NOTIFIED || to == v1::REOPENED || to == v1::IN_RECTIFICATION) && v.deadline_ms() == 0) {
    v.set_deadline_ms(w.Now() + 7 * kDayMs);
    fields.push_back("deadline_ms");
  }
  if (Write(w, t, "move " + Short(f.id) + " " + core::StatusName(f.value.status()) + " -> " + core::StatusName(to),
            [&] { return t.client->UpdateFinding(f.id, v, fields); }))
    ++w.result().stats.status_moves;
}

// Seeds whose template, and one inspection on it, have every field at its
// limit (~1 MB and ~2 MB): with the smallest page budget (seed % 4 == 0),
// so they travel alone in their pages and push responses.
bool MaxTemplateSeed(const World& w) { return w.options().seed % 8 == 4; }

void PublishTemplate(World& w, SimTablet& office) {
  Edit e;
  e.op = Edit::Op::kCreate;
  e.collection = "templates";
  e.id = core::TemplateRecordId(kTemplateKey, 1);
  v1::ChecklistTemplate* t = e.body.mutable_checklist_template();
  if (MaxTemplateSeed(w)) {
    *t = testing::MaxTemplate(kTemplateKey, 1);
    for (int i = 0; i < 3; ++i) t->mutable_items(i)->set_id(kItems[i]);  // the items the steps answer
  } else {
    t->set_key(kTemplateKey);
    t->set_version(1);
    t->set_title("Epidemic prevention and safety");
    for (const char* item : kItems) {
      v1::ChecklistItem* it = t->add_items();
      it->set_id(item);
      it->set_category("safety");
      it->set_text(std::string("Check: ") + item);
    }
  }
  t->set_published_at_ms(w.Now());
  if (Write(w, office, "publish template " + std::string(kTemplateKey) + " v1",
            [&] { return office.client->Apply({e}).status(); }))
    w.template_published = true;
}

// The office tablet's work: a rectification notice for OPEN findings of a
// site, or the verification of a RECTIFIED finding (passed, or failed with a
// new deadline), each one atomic batch.
void OfficeStep(World& w) {
  SimTablet& o = w.tablets()[0];
  if (!w.template_published) return PublishTemplate(w, o);
  auto list = Findings(o);
  std::vector<const LocalFinding*> open, rectified;
  for (const LocalFinding& f : list) {
    if (f.value.status() == v1::OPEN) open.push_back(&f);
    if (f.value.status() == v1::RECTIFIED) rectified.push_back(&f);
  }
  auto refused = [&](bool ok) {
    if (!ok) ++w.result().stats.workflow_refused;
    return ok;
  };
  if (!rectified.empty() && (open.empty() || w.Chance(70))) {
    const LocalFinding& f = *rectified[w.Rand(rectified.size())];
    VerificationInput in;
    in.finding_id = f.id;
    in.method = w.Chance(50) ? v1::DESK : v1::ON_SITE;
    in.result = w.Chance(65) ? v1::PASSED : v1::FAILED;
    in.verifier = o.caller.user.empty() ? "office" : o.caller.user;
    in.note = kTexts[w.Rand(4)];
    if (in.result == v1::FAILED)
      in.new_deadline_ms = std::max(f.value.deadline_ms(), w.Now()) + (1 + static_cast<int64_t>(w.Rand(30))) * kDayMs;
    if (w.Chance(5)) in.new_deadline_ms = in.result == v1::FAILED ? f.value.deadline_ms() : 0;  // a bad one now and then
    bool ok = Write(w, o, "verify " + Short(f.id) + (in.result == v1::PASSED ? " PASSED" : " FAILED"),
                    [&] { return o.client->Verify(in).status(); }, 2);
    if (refused(ok)) ++w.result().stats.verifications_made;
    return;
  }
  if (open.empty()) return;
  const LocalFinding& first = *open[w.Rand(open.size())];
  NoticeInput in;
  in.site_id = first.value.site_id();
  in.finding_ids.push_back(first.id);
  for (const LocalFinding* f : open)
    if (f != &first && f->value.site_id() == in.site_id && w.Chance(50)) in.finding_ids.push_back(f->id);
  // Now and then a finding the notice may not list (another site's, or not
  // OPEN any more): the whole notice is refused, nothing moves.
  if (w.Chance(8)) in.finding_ids.push_back(list[w.Rand(list.size())].id);
  in.deadline_ms = w.Now() + (1 + static_cast<int64_t>(w.Rand(30))) * kDayMs;
  in.reference_no = "DEC-" + std::to_string(w.Rand(1000));
  in.text = kTexts[w.Rand(4)];
  bool ok = Write(w, o, "notice to site " + Short(in.site_id) + " for " + std::to_string(in.finding_ids.size()) + " findings",
                  [&] { return o.client->IssueNotice(in).status(); }, 1 + in.finding_ids.size());
  if (refused(ok)) ++w.result().stats.notices_issued;
}

// Checklist answers on an inspection that uses the template: a SET of
// ItemResponse messages, added and removed whole.
void EditResponses(World& w, SimTablet& t, const LocalInspection& in) {
  v1::Inspection v = in.value;
  std::string what;
  if (v.responses_size() > 0 && w.Chance(35)) {
    int i = static_cast<int>(w.Rand(static_cast<uint64_t>(v.responses_size())));
    what = "remove response " + v.responses(i).item_id();
    v.mutable_responses()->DeleteSubrange(i, 1);
  } else {
    v1::ItemResponse* r = v.add_responses();
    // Rarely an item the template does not have: refused locally.
    r->set_item_id(w.Chance(5) ? "no-such-item" : kItems[w.Rand(3)]);
    r->set_result(static_cast<v1::ItemResult>(1 + w.Rand(3)));
    r->set_note(kTexts[w.Rand(4)]);
    r->set_inspector(t.caller.user);
    what = "answer " + r->item_id() + " " + v1::ItemResult_Name(r->result());
  }
  if (Write(w, t, what + " on " + Short(in.id), [&] { return t.client->UpdateInspection(in.id, v, {"responses"}); }))
    ++w.result().stats.response_edits;
}

// Photo evidence: attach one of a few photos (so the same bytes recur on
// other findings and tablets) to a finding the tablet holds, or fetch one a
// finding names.
void Photos(World& w, SimTablet& t) {
  auto list = Findings(t);
  if (list.empty()) return;
  const LocalFinding& f = list[w.Rand(list.size())];
  if (f.value.evidence_size() > 0 && w.Chance(40)) {
    std::string sha = f.value.evidence(static_cast<int>(w.Rand(static_cast<uint64_t>(f.value.evidence_size()))));
    auto got = t.client->FetchAttachment(sha);
    w.Trace("tablet " + std::to_string(t.index) + " fetch photo " + sha.substr(0, 8) + ": " +
            (got.ok() ? "ok" : got.status().ToString()));
    if (got.ok()) {
      ++w.result().stats.photos_fetched;
    } else if (got.status().code() == StatusCode::kDataLoss) {
      w.Fail("a fetched photo did not match its hash: " + got.status().ToString());
    }
    return;
  }
  uint64_t k = w.Rand(6);
  std::string bytes("\xFF\xD8\xFF\xE0", 4);
  bytes.resize(2000 + k * 15000, static_cast<char>('a' + k));
  if (Write(w, t, "attach photo " + std::to_string(k) + " to " + Short(f.id),
            [&] { return t.client->AttachPhotoBytes(f.id, bytes).status(); }))
    ++w.result().stats.photos_attached;
}

void Step(World& w, int step) {
  auto& tablets = w.tablets();
  SimTablet& t = tablets[w.Rand(tablets.size())];
  w.Advance(static_cast<int64_t>(w.Rand(5000)));
  uint64_t pick = w.Rand(100);
  std::string tn = "tablet " + std::to_string(t.index);
  if (pick < 3) {
    Photos(w, t);
  } else if (pick < 16) {
    v1::Finding f;
    // Now and then one with every field at its limit (~25 KB).
    const bool max = w.Chance(4);
    if (max) f = testing::MaxFinding("", {}, "sim" + std::to_string(step));
    f.set_site_id(PickSite(w, t));
    if (!max) {
      f.set_category("safety");
      f.set_title(kTitles[w.Rand(4)]);
      f.set_description(kTexts[w.Rand(4)]);
      f.set_severity(static_cast<v1::Severity>(1 + w.Rand(4)));
    }
    f.set_status(w.Chance(20) ? v1::DRAFT : v1::OPEN);
    if (Write(w, t, max ? "create finding at every limit" : "create finding",
              [&] { return t.client->CreateFinding(f).status(); }) &&
        max)
      ++w.result().stats.max_records;
  } else if (pick < 32) {
    EditFinding(w, t);
  } else if (pick < 42) {
    MoveStatus(w, t);
  } else if (pick < 50) {
    if (w.Chance(40)) {
      ReviewConflicts(w);  // the office's conflict review (office_actor.cc)
    } else {
      OfficeStep(w);
    }
    OfficeServerStep(w);  // the office's server-side writes, now and then (office_actor.cc)
  } else if (pick < 55) {
    v1::Inspection in;
    in.set_site_id(PickSite(w, t));
    in.set_kind(v1::ROUTINE_VISIT);
    auto tmpl = t.client->Get("templates", core::TemplateRecordId(kTemplateKey, 1));
    if (tmpl.ok() && w.Chance(75)) {
      in.set_kind(v1::SPECIAL_CAMPAIGN);
      in.set_template_key(kTemplateKey);
      in.set_template_version(1);
    }
    bool max = tmpl.ok() && MaxTemplateSeed(w) && !w.max_inspection_made && w.Chance(30);
    if (max) {  // once per such seed: ~2 MB, its 1,000 answers naming the template's items
      in = testing::MaxInspection(in.site_id(), tmpl->body.checklist_template(), {}, "sim");
      w.max_inspection_made = true;
    }
    if (Write(w, t, std::string("create inspection") + (in.template_key().empty() ? "" : " with the template") +
                        (max ? " at every limit" : ""),
              [&] { return t.client->CreateInspection(in).status(); }) &&
        max)
      ++w.result().stats.max_records;
  } else if (pick < 62) {
    auto list = t.client->ListInspections();
    if (!list.ok() || list->empty()) return;
    const auto& in = (*list)[w.Rand(list->size())];
    if (!in.value.template_key().empty() && w.Chance(60)) {
      EditResponses(w, t, in);
    } else if (w.Chance(30)) {
      Write(w, t, "delete inspection " + Short(in.id), [&] { return t.client->DeleteInspection(in.id); });
    } else {
      v1::Inspection v = in.value;
      v.set_notes(kTexts[w.Rand(4)]);
      Write(w, t, "edit inspection " + Short(in.id), [&] { return t.client->UpdateInspection(in.id, v, {"notes"}); });
    }
  } else if (pick < 80) {
    ++w.result().stats.syncs;
    auto r = t.client->Sync();
    w.Trace(tn + " sync: " + (r.ok() ? "pushed " + std::to_string(r->pushed) + ", pulled " + std::to_string(r->pulled)
                                     : r.status().ToString()));
    if (!r.ok() && !r.status().transient()) w.Fail(tn + " sync failed for good: " + r.status().ToString());
  } else if (pick < 83 && w.options().scoped) {
    // The office reassigns someone while tablets may be offline with edits.
    w.ToggleAssignment(w.tablets()[w.Rand(w.tablets().size())], w.Rand(w.sites().size()));
  } else if (pick < 86) {
    t.partitioned = !t.partitioned;
    w.Trace(tn + (t.partitioned ? " goes offline" : " comes back online"));
  } else if (pick < 90) {
    if (!w.options().crash_tablets) return;
    ++w.result().stats.tablet_crashes;
    w.Trace(tn + " crashes and restarts");
    w.CrashTablet(t);
  } else if (pick < 93) {
    if (!w.options().crash_server) return;
    ++w.result().stats.server_crashes;
    w.Trace("server crashes and restarts");
    w.CrashServer();
  } else if (pick < 97) {
    // Wall clocks on tablets are wrong often: the skew jumps anywhere within
    // +-20 minutes, past the server's 15-minute drift limit now and then.
    t.skew_ms = static_cast<int64_t>(w.Rand(40 * 60 * 1000)) - 20 * 60 * 1000;
    w.Trace(tn + " clock jumps; skew now " + std::to_string(t.skew_ms / 1000) + " s");
  } else {
    w.DeliverLate();
  }
}

// Heal everything and sync until nobody has anything left to send or receive.
void Quiesce(World& w) {
  w.set_faults(false);
  w.DeliverLate();
  for (SimTablet& t : w.tablets()) t.partitioned = false;
  w.Trace("heal: all online, faults off");
  for (int round = 0; round < 12 && !w.failed(); ++round) {
    bool moved = false;
    for (SimTablet& t : w.tablets()) {
      auto r = t.client->Sync();
      if (!r.ok()) {
        w.Fail("tablet " + std::to_string(t.index) + " cannot sync after heal: " + r.status().ToString());
        return;
      }
      moved |= r->pushed > 0 || r->pulled > 0 || r->attachments_uploaded > 0 || r->attachments_rejected > 0;
    }
    if (!moved) return;
  }
  if (!w.failed()) w.Fail("the tablets did not quiesce within 12 sync rounds");
}

}  // namespace

SimResult RunSimulation(const SimOptions& options) {
  namespace fs = std::filesystem;
  std::string dir = options.dir;
  bool temp = dir.empty();
  if (temp) {
    // tmpfs makes the many fsyncs of synchronous=FULL cheap; same semantics.
    fs::path base = fs::exists("/dev/shm") ? fs::path("/dev/shm") : fs::temp_directory_path();
    std::string tmpl = (base / "inspectsync-sim-XXXXXX").string();
    if (!mkdtemp(tmpl.data())) {
      SimResult r;
      r.ok = false;
      r.failure = "cannot make a temp dir";
      return r;
    }
    dir = tmpl;
  }
  SimResult result;
  {
    World w(options, dir);
    if (Status st = w.Start(); !st.ok()) {
      w.Fail("start: " + st.ToString());
    } else {
      FeedConsumers feed(options.seed);
      for (int step = 0; step < options.steps && !w.failed(); ++step) {
        Step(w, step);
        if (!w.failed()) feed.Step(w);
      }
      if (!w.failed()) Quiesce(w);
      if (!w.failed()) {
        std::string bad = feed.Check(w);
        if (!bad.empty()) w.Fail(bad);
      }
      for (auto check :
           {CheckHistory, CheckConvergence, CheckAcknowledged, CheckConflicts, CheckWorkflow, CheckAttachments,
            CheckResolutions}) {
        if (w.failed()) break;
        std::string bad = check(w);
        if (!bad.empty()) w.Fail(bad);
      }
      for (const Acked& a : w.acked()) {
        ++w.result().stats.acked;
        if (a.result.outcome() == v1::REJECTED) ++w.result().stats.rejected;
        // Work recorded before a tablet learned its site was deactivated is
        // kept: the rule refuses on the tablet, never on a push.
        if (a.result.outcome() == v1::REJECTED && a.result.reason().find("is deactivated") != std::string::npos)
          w.Fail("the server refused late work at a deactivated site: " + a.result.reason());
      }
    }
    result = w.result();
  }
  if (temp) {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  return result;
}

std::string DescribeFailure(const SimOptions& o, const SimResult& r) {
  std::string out = "simulation seed " + std::to_string(o.seed) + " failed: " + r.failure + "\n";
  out += "  replay: inspectsync-sim --seed " + std::to_string(o.seed) + " --steps " + std::to_string(o.steps) +
         " --tablets " + std::to_string(o.tablets) + " --faults " + std::to_string(o.fault_percent) + " --verbose\n";
  out += "  trace (" + std::to_string(r.trace.size()) + " lines):\n";
  for (const auto& line : r.trace) out += "    " + line + "\n";
  return out;
}

}  // namespace inspectsync::sim
