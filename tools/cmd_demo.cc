// `inspectsync demo`: a district's round of inspections, end to end (the
// acts are listed in demo_round.h). This file holds the later acts (notice,
// rectify, reassign, report, the office's systems) and the command.
//
// Exits 0 only if every tablet converged to the server's state within its
// scope (every collection), every conflict a tablet was told about is on
// the server, nothing was rejected, and the lifecycle ended where it should.
#include <cstdio>
#include <set>

#include "core/lifecycle.h"
#include "tools/commands.h"
#include "tools/demo_integration.h"
#include "tools/demo_round.h"
#include "tools/cli.h"
#include "tools/render.h"

namespace inspectsync::tools {

namespace demo {

// The office's settled text for the finding two inspectors edited at once.
constexpr const char* kMergedDescription =
    "Gas alarm unserviced since 2024; its battery is missing; a technician is booked.";


// ---- a concurrent edit: two north inspectors edit the followed finding offline ----
Status Round::EditConcurrently() {
  if (inspectors() < 3) return Status::Ok();
  v1::Finding a = gas_, b = gas_;
  a.set_severity(v1::CRITICAL);
  a.set_description("Gas alarm unserviced; its battery is missing.");
  a.add_tags("kitchen");
  b.set_description("Gas alarm unserviced since 2024; a technician is booked.");
  b.set_responsible_org("School logistics office");
  b.add_tags("follow-up");
  DEMO_OK(tablets_[0].client->UpdateFinding(followed_, a, {"severity", "description", "tags"}), "edit");
  DEMO_OK(tablets_[2].client->UpdateFinding(followed_, b, {"description", "responsible_org", "tags"}), "edit");
  DEMO_OK(SyncAll(&total_), "sync");
  DEMO_OK(SyncAll(&total_), "sync");
  conflict_note_ = "inspector-1 and inspector-3 both edited it offline";
  return Status::Ok();
}

// ---- notices: the office, after the round ----
Status Round::IssueNotices() {
  std::map<std::string, std::vector<std::string>> open_by_site;
  for (const auto& id : findings_) {
    auto f = office().client->GetFinding(id);
    DEMO_OK(f.status(), "office read");
    if (f->value.status() == v1::OPEN) open_by_site[f->value.site_id()].push_back(id);
  }
  int notices = 0;
  for (const auto& [site, ids] : open_by_site) {
    NoticeInput n;
    n.site_id = site;
    n.finding_ids = ids;
    // The first notice was issued on paper three weeks ago and is recorded
    // late: its 14-day deadline has passed, so its findings are overdue.
    bool late = late_site_.empty() && site != sites_[0];
    n.deadline_ms = late ? now_ - 7 * kDay : now_ + 14 * kDay;
    n.reference_no = "Edu-Safety [2026] " + std::to_string(30 + notices);
    n.text = "Rectify the problems listed within the time limit and report back.";
    if (late) late_site_ = site;
    DEMO_OK(office().client->IssueNotice(n).status(), "issue notice");
    ++notices;
  }
  DEMO_OK(SyncAll(&total_), "sync");  // the office syncs last: a second round brings its notices to everyone
  DEMO_OK(SyncAll(&total_), "sync");
  std::printf("notice    %d rectification notices (one per site with open findings)%s\n", notices,
              late_site_.empty() ? "" : ("; the one to " + std::string(SiteName(late_site_)) +
                                         " was recorded late: its deadline has passed")
                                            .c_str());
  return Status::Ok();
}

// ---- rectification and verification of the followed finding ----
Status Round::MoveFollowed(v1::FindingStatus to) {
  v1::Finding v;
  v.set_status(to);
  return tablets_[0].client->UpdateFinding(followed_, v, {"status"});
}

Status Round::RectifyAndVerify() {
  Tablet& verifier = tablets_[0];
  DEMO_OK(MoveFollowed(v1::IN_RECTIFICATION), "rectify");
  DEMO_OK(MoveFollowed(v1::RECTIFIED), "rectified");
  VerificationInput vi;
  vi.finding_id = followed_;
  vi.method = v1::ON_SITE;
  vi.result = v1::FAILED;
  vi.verifier = verifier.caller.user;
  vi.note = "Alarm replaced but not connected to the kitchen's shut-off valve.";
  vi.new_deadline_ms = now_ + 21 * kDay;
  DEMO_OK(verifier.client->Verify(vi).status(), "verify (failed)");
  DEMO_OK(MoveFollowed(v1::IN_RECTIFICATION), "rectify again");
  DEMO_OK(MoveFollowed(v1::RECTIFIED), "rectified again");
  vi.result = v1::PASSED;
  vi.note = "Alarm connected and tested with the school's logistics officer.";
  vi.new_deadline_ms = 0;
  DEMO_OK(verifier.client->Verify(vi).status(), "verify (passed)");
  DEMO_OK(SyncAll(&total_), "sync");
  DEMO_OK(SyncAll(&total_), "sync");
  auto closed = office().client->GetFinding(followed_);
  DEMO_OK(closed.status(), "read");
  ok_ &= closed->value.status() == v1::CLOSED && !closed->value.verification_id().empty();
  std::printf("verify    %s at %s: notified -> rectified -> on-site check FAILED (reopened, new deadline) -> "
              "rectified -> PASSED: %s\n",
              Short(followed_).c_str(), kSites[0].name, core::StatusName(closed->value.status()).c_str());
  return Status::Ok();
}

// ---- convergence, every tablet within its scope ----
Status Round::CheckConvergence() {
  auto state = ReadServer(store());
  DEMO_OK(state.status(), "read server");
  for (auto& t : tablets_) {
    std::string d = Diff(t, engine(), *state);
    auto n = t.client->ListFindings();
    std::printf("check     %-12s %s (%zu of %zu findings: its scope)\n", t.name.c_str(),
                d.empty() ? "converged" : ("DIVERGED: " + d).c_str(), n.ok() ? n->size() : 0,
                (*state)["findings"].size());
    ok_ &= d.empty();
  }
  return Status::Ok();
}

// ---- reassignment: inspector-2 moves from the south zone to the east ----
Status Round::Reassign() {
  const size_t i = 1;
  Tablet& t = tablets_[i];
  v1::RecordBody end;
  end.mutable_assignment()->set_ends_at_ms(now_ - 1);
  DEMO_OK(office().client->Update("assignments", zone_assignment_[i], end, {"ends_at_ms"}), "end assignment");
  v1::RecordBody a;
  a.mutable_assignment()->set_user_id(t.caller.user);
  a.mutable_assignment()->set_zone_id(zones_[2]);
  DEMO_OK(CreateAsOffice("assignments", a).status(), "assign");
  DEMO_OK(office().client->Sync().status(), "office sync");
  auto before = t.client->ListFindings();
  auto r = t.client->Sync();
  DEMO_OK(r.status(), "sync");
  auto after = t.client->ListFindings();
  std::printf("reassign  %s moved from the south zone to the east: pulled %llu, %zu -> %zu findings on the tablet\n",
              t.name.c_str(), (unsigned long long)r->pulled, before.ok() ? before->size() : 0,
              after.ok() ? after->size() : 0);
  std::string d = DiffFromServer(t);
  std::printf("check     %-12s %s\n", t.name.c_str(), d.empty() ? "converged within its new scope" : ("DIVERGED: " + d).c_str());
  ok_ &= d.empty();
  return Status::Ok();
}

// ---- conflicts and rejections ----
Status Round::CheckConflicts() {
  std::vector<v1::Conflict> recorded;
  DEMO_OK(store()->ListConflicts({}, &recorded), "list conflicts");
  std::set<std::string> recorded_ids;
  for (const auto& c : recorded) recorded_ids.insert(c.id());
  size_t told = 0, missing = 0;
  for (auto& t : tablets_)
    for (const auto& c : t.conflicts) {
      ++told;
      if (!recorded_ids.count(c.id())) ++missing;
    }
  std::printf("conflicts %zu recorded on the server, %zu reported to tablets, %zu missing%s%s\n", recorded.size(), told,
              missing, conflict_note_.empty() ? "" : "; ", conflict_note_.c_str());
  for (const auto& c : recorded) std::printf("  %s\n", ConflictLine(c).c_str());
  if (missing > 0 || (!conflict_note_.empty() && recorded.empty())) ok_ = false;
  for (auto& t : tablets_)
    for (const auto& r : t.rejected) {
      std::printf("  %s: rejected %s\n", t.name.c_str(), r.reason.c_str());
      ok_ = false;  // the demo makes only valid edits
    }
  return Status::Ok();
}

// ---- the report: the problem list and its counts (the office's tablet) ----
Status Round::Report() {
  INSPECTSYNC_RETURN_IF_ERROR(PrintProblemList());
  return PrintCounts();
}

Status Round::PrintProblemList() {
  v1::ProblemQuery all_open;
  all_open.set_page_size(1000);
  auto page = office().client->Problems(all_open);
  DEMO_OK(page.status(), "problem list");
  std::printf("\nproblem list (%d findings still followed, by deadline):\n", page->problems_size());
  std::printf("  %-10s %-26s %-11s %-20s %-9s %-16s %s\n", "finding", "site", "zone", "category", "severity", "status",
              "deadline");
  int overdue = 0;
  for (const auto& p : page->problems()) {
    const v1::Finding& f = p.finding();
    std::string status = core::StatusName(f.status());
    if (p.overdue()) {
      status += " OVERDUE";
      ++overdue;
    }
    std::printf("  %-10s %-26s %-11s %-20s %-9s %-16s %s\n", Short(p.finding_id()).c_str(), p.site_name().c_str(),
                ZoneName(p.zone_id()), f.category().c_str(), v1::Severity_Name(f.severity()).c_str(), status.c_str(),
                f.deadline_ms() ? FormatDate(f.deadline_ms()).c_str() : "-");
  }
  if (!late_site_.empty() && overdue == 0) {
    std::printf("  expected an overdue finding at the late notice's site\n");
    ok_ = false;
  }
  return Status::Ok();
}

Status Round::PrintCounts() {
  v1::ProblemQuery everything;
  for (int s = v1::DRAFT; s <= v1::VOIDED; ++s) everything.add_statuses(static_cast<v1::FindingStatus>(s));
  auto report = office().client->CountProblems(everything);
  DEMO_OK(report.status(), "report");
  std::printf("\nreport: findings by zone x category x status (overdue):\n");
  for (const auto& c : report->counts())
    std::printf("  %-11s %-20s %-16s %3llu (%llu)\n", ZoneName(c.zone_id()), c.category().c_str(),
                core::StatusName(c.status()).c_str(), (unsigned long long)c.findings(),
                (unsigned long long)c.overdue());
  std::printf("  total %llu findings, %llu overdue\n", (unsigned long long)report->findings(),
              (unsigned long long)report->overdue());
  return Status::Ok();
}

// ---- the office's own systems: conflict review, change feed, export, summary ----
Status Round::OfficeSystems() {
  if (conflict_note_.empty()) return Status::Ok();
  auto token = IssueToken(core::NewUuidV7(), "integration", "district-systems");
  DEMO_OK(token.status(), "issue token");
  DemoIntegration di;
  di.address = server_->address();
  di.ca_file = options_.certs_dir + "/ca.pem";
  di.token = *token;
  di.export_path = (dir_ / "findings.csv").string();
  di.followed_finding = followed_;
  di.merged_description = kMergedDescription;
  di.sync_tablets = [this]() { return SyncAll(nullptr); };
  di.check_tablets = [this]() -> std::string {
    std::string diff;
    for (auto& t : tablets_) {
      auto f = t.client->GetFinding(followed_);
      if (!f.ok()) continue;  // outside this tablet's scope
      if (f->value.description() != kMergedDescription)
        diff += t.name + " still shows the old text; ";
    }
    return diff;
  };
  ok_ &= RunDemoIntegration(di);
  return Status::Ok();
}

void Round::Stop() {
  for (auto& t : tablets_) t.client.reset();
  if (server_) server_->Shutdown(std::chrono::seconds(2));
}

}  // namespace demo

namespace {

int RunDemo(const Args& fl) {
  long long n_tablets, n_findings, seed_ll;
  if (!fl.GetInt("tablets", 4, &n_tablets) || n_tablets < 3 || n_tablets > 50 ||
      !fl.GetInt("findings", 3, &n_findings) || n_findings < 0 || n_findings > 10000 ||
      !fl.GetInt("seed", static_cast<long long>(std::random_device{}() & 0x7fffffff), &seed_ll)) {
    std::fprintf(stderr, "inspectsync demo: --tablets 3..50, --findings 0..10000, --seed a whole number\n"
                         "see 'inspectsync demo --help'\n");
    return kExitUsage;
  }
  const uint64_t seed = static_cast<uint64_t>(seed_ll);
  const bool keep = fl.Has("dir");
  namespace fs = std::filesystem;
  const fs::path dir =
      keep ? fs::path(fl.Get("dir")) : fs::temp_directory_path() / ("inspectsync-demo-" + std::to_string(seed));
  std::error_code ec;
  fs::remove_all(dir, ec);
  fs::create_directories(dir, ec);
  if (ec) {
    std::fprintf(stderr, "demo: cannot create %s: %s\n", dir.c_str(), ec.message().c_str());
    return 1;
  }
  struct Cleanup {
    fs::path d;
    bool keep;
    ~Cleanup() {
      std::error_code e;
      if (!keep) fs::remove_all(d, e);
    }
  } cleanup{dir, keep};

  // Declared after the cleanup so that the server and tablets close their
  // databases before the directory goes.
  using demo::Round;
  Round round(seed, n_findings, dir);
  Status run = round.Start(static_cast<size_t>(n_tablets));
  for (Status (Round::*act)() : {&Round::SetUp, &Round::Inspect, &Round::EditConcurrently, &Round::IssueNotices,
                                 &Round::RectifyAndVerify, &Round::CheckConvergence, &Round::Reassign,
                                 &Round::CheckConflicts, &Round::Report, &Round::OfficeSystems}) {
    if (!run.ok()) break;
    run = (round.*act)();
  }
  round.Stop();
  if (!run.ok()) return 1;  // the failed step is printed already
  std::printf("\n%s\n", round.ok() ? "RESULT: the round ran end to end; every tablet converged to the server's state "
                                     "within its scope; every conflict is recorded."
                                   : "RESULT: FAILED (see above)");
  if (keep) std::printf("databases kept in %s\n", dir.c_str());
  return round.ok() ? 0 : 1;
}

}  // namespace

void AddDemoCommand(Command& root) {
  root.Sub("demo", "a district's round of inspections on a TLS server with tablets; exits 0 only if all converged")
      .Opt("tablets", "N", "tablets: the office's and N-1 inspectors' (default 4, at least 3)")
      .Opt("findings", "N", "extra findings each inspector captures offline (default 3)")
      .Opt("seed", "S", "random seed (default: from the clock; printed)")
      .Opt("dir", "DIR", "keep the server and tablet databases here (default: a temp dir, removed)")
      .Run(RunDemo);
}

}  // namespace inspectsync::tools
