// `inspectsync tablet`: act as one tablet on a local database — capture and
// edit findings offline, list them, sync with a server. Each invocation opens
// the device database, does one thing, and closes it, exactly like an app
// that is started and killed.
#include <cstdio>
#include <ctime>
#include <map>
#include <optional>

#include "inspectsync/client.h"
#include "tools/commands.h"
#include "tools/connection.h"
#include "tools/cli.h"
#include "tools/render.h"
#include "tools/tablet_conflicts.h"
#include "tools/tablet_inspect.h"
#include "tools/tablet_reference.h"

namespace inspectsync::tools {

namespace {

void AddTabletFindingCommands(Command& tablet);

int Fail(const Status& s) {
  std::fprintf(stderr, "inspectsync tablet: %s\n", s.ToString().c_str());
  // Refused input (a value the rules refuse, a move the finding's state does
  // not allow) is 1 like every failure; 2 is only for a bad command line.
  return kExitFailed;
}

int Usage(const std::string& why) {
  std::fprintf(stderr, "inspectsync tablet: %s\nsee 'inspectsync tablet --help'\n", why.c_str());
  return kExitUsage;
}

// Fills `f` and `fields` from the flags of `finding add|edit`. Returns an
// error message, or "" on success.
std::string FindingFromFlags(Client& c, const Args& fl, const v1::Finding& current, v1::Finding* f,
                             std::vector<std::string>* fields) {
  *f = current;
  if (fl.Has("site")) {
    auto site = ResolveOnDevice(c, "sites", fl.Get("site"));
    if (!site.ok()) return site.status().message();
    f->set_site_id(*site);
    fields->push_back("site_id");
  }
  auto str = [&](const char* flag, const char* field, void (v1::Finding::*set)(const std::string&)) {
    if (fl.Has(flag)) {
      (f->*set)(fl.Get(flag));
      fields->push_back(field);
    }
  };
  str("title", "title", &v1::Finding::set_title);
  str("category", "category", &v1::Finding::set_category);
  str("description", "description", &v1::Finding::set_description);
  str("responsible-org", "responsible_org", &v1::Finding::set_responsible_org);
  str("void-reason", "void_reason", &v1::Finding::set_void_reason);
  str("inspection", "inspection_id", &v1::Finding::set_inspection_id);
  if (fl.Has("severity")) {
    v1::Severity s;
    if (!ParseSeverity(fl.Get("severity"), &s)) return "unknown severity '" + fl.Get("severity") + "'";
    f->set_severity(s);
    fields->push_back("severity");
  }
  if (fl.Has("status")) {
    v1::FindingStatus s;
    if (!ParseStatus(fl.Get("status"), &s)) return "unknown status '" + fl.Get("status") + "'";
    f->set_status(s);
    fields->push_back("status");
  }
  if (fl.Has("deadline")) {
    int64_t ms;
    if (!ParseDate(fl.Get("deadline"), &ms)) return "deadline must be YYYY-MM-DD, got '" + fl.Get("deadline") + "'";
    f->set_deadline_ms(ms);
    fields->push_back("deadline_ms");
  }
  auto set_edit = [&](const char* add, const char* remove, const char* field,
                      google::protobuf::RepeatedPtrField<std::string>* values) {
    std::vector<std::string> adds = fl.GetAll(add), removes = remove ? fl.GetAll(remove) : std::vector<std::string>{};
    if (adds.empty() && removes.empty()) return;
    std::vector<std::string> out;
    for (const auto& v : *values)
      if (std::find(removes.begin(), removes.end(), v) == removes.end()) out.push_back(v);
    for (const auto& a : adds)
      if (std::find(out.begin(), out.end(), a) == out.end()) out.push_back(a);
    values->Clear();
    for (auto& v : out) *values->Add() = v;
    fields->push_back(field);
  };
  set_edit("tag", nullptr, "tags", f->mutable_tags());
  set_edit("add-tag", "remove-tag", "tags", f->mutable_tags());
  set_edit("evidence", nullptr, "evidence", f->mutable_evidence());
  set_edit("add-evidence", nullptr, "evidence", f->mutable_evidence());
  return "";
}

// finding add|edit|void|show|list; nullopt when the command is another.
std::optional<int> RunFindingCommand(Client& c, const Args& fl, const std::string& what, const std::string& verb,
                                     const std::vector<std::string>& pos) {
  // A site the tablet does not hold is refused input (exit 1), not a bad command line.
  if (what == "finding" && fl.Has("site"))
    if (auto site = ResolveOnDevice(c, "sites", fl.Get("site")); !site.ok()) return Fail(site.status());
  if (what == "finding" && verb == "add") {
    v1::Finding f;
    std::vector<std::string> fields;
    if (std::string err = FindingFromFlags(c, fl, v1::Finding(), &f, &fields); !err.empty()) return Usage(err);
    if (f.title().empty()) return Usage("finding add needs --title");
    auto id = c.CreateFinding(f);
    if (!id.ok()) return Fail(id.status());
    std::printf("%s\n", id->c_str());
    return 0;
  }
  if (what == "finding" && (verb == "edit" || verb == "void" || verb == "show")) {
    if (pos.size() < 3) return Usage("finding " + verb + " needs the finding id");
    const std::string& id = pos[2];
    auto cur = c.GetFinding(id);
    if (!cur.ok()) return Fail(cur.status());
    if (verb == "show") {
      DeviceNames names(c);
      PrintFinding(*cur, names.Site(cur->value.site_id()));
      return 0;
    }
    if (verb == "void") {
      if (!fl.Has("reason")) return Usage("finding void needs --reason");
      Status st = c.VoidFinding(id, fl.Get("reason"));
      return st.ok() ? 0 : Fail(st);
    }
    v1::Finding f;
    std::vector<std::string> fields;
    if (std::string err = FindingFromFlags(c, fl, cur->value, &f, &fields); !err.empty()) return Usage(err);
    if (fields.empty()) return Usage("finding edit: nothing to change");
    Status st = c.UpdateFinding(id, f, fields);
    return st.ok() ? 0 : Fail(st);
  }
  if (what == "finding" && verb == "list") {
    auto list = c.ListFindings();
    if (!list.ok()) return Fail(list.status());
    PrintFindingTable(*list);
    return 0;
  }
  return std::nullopt;
}

// inspection add|list; nullopt when the command is another.
std::optional<int> RunInspectionCommand(Client& c, const Args& fl, const std::string& what,
                                        const std::string& verb) {
  if (what == "inspection" && verb == "add") {
    if (!fl.Has("site")) return Usage("inspection add needs --site");
    auto site = ResolveOnDevice(c, "sites", fl.Get("site"));
    if (!site.ok()) return Fail(site.status());
    v1::Inspection in;
    in.set_site_id(*site);
    in.set_notes(fl.Get("notes"));
    std::string kind = fl.Get("kind", "routine");
    in.set_kind(kind == "special" ? v1::SPECIAL_CAMPAIGN : kind == "spot" ? v1::SPOT_CHECK : v1::ROUTINE_VISIT);
    in.set_started_at_ms(static_cast<int64_t>(std::time(nullptr)) * 1000);
    auto id = c.CreateInspection(in);
    if (!id.ok()) return Fail(id.status());
    std::printf("%s\n", id->c_str());
    return 0;
  }
  if (what == "inspection" && verb == "list") {
    auto list = c.ListInspections();
    if (!list.ok()) return Fail(list.status());
    std::printf("%-36s  %-8s  %-12s  %s\n", "ID", "VERSION", "SITE", "NOTES");
    for (const auto& i : *list)
      std::printf("%-36s  %-8s  %-12s  %s\n", i.id.c_str(), VersionText(i.version, i.pending).c_str(),
                  i.value.site_id().c_str(), i.value.notes().c_str());
    return 0;
  }
  return std::nullopt;
}

// sync, status, rejected: the device itself; nullopt when the command is another.
std::optional<int> RunDeviceCommand(Client& c, const std::string& what) {
  if (what == "sync") {
    std::vector<v1::Conflict> conflicts;
    std::vector<RejectedMutation> rejected;
    c.OnConflict([&](const v1::Conflict& x) { conflicts.push_back(x); });
    c.OnRejected([&](const RejectedMutation& r) { rejected.push_back(r); });
    auto rep = c.Sync();
    if (!rep.ok()) return Fail(rep.status());
    std::printf("pushed %llu (applied %llu, merged %llu, conflicts %llu, rejected %llu), pulled %llu, cursor %llu\n",
                (unsigned long long)rep->pushed, (unsigned long long)rep->applied, (unsigned long long)rep->merged,
                (unsigned long long)rep->conflicts, (unsigned long long)rep->rejected,
                (unsigned long long)rep->pulled, (unsigned long long)rep->cursor);
    for (const auto& x : conflicts) std::printf("  conflict %s\n", ConflictLine(x).c_str());
    for (const auto& r : rejected)
      std::printf("  rejected %s %s: %s\n    you typed: %s\n", r.mutation.collection().c_str(),
                  r.mutation.record_id().c_str(), r.reason.c_str(), EditText(r.mutation).c_str());
    // A sync that went through but lost edits is not a success for whoever
    // typed them: scripts see it in the exit code.
    return rep->rejected > 0 || !rejected.empty() ? kExitRejected : kExitOk;
  }
  if (what == "status") {
    auto pending = c.PendingCount();
    auto rejected = c.Rejected();
    if (!pending.ok()) return Fail(pending.status());
    if (!rejected.ok()) return Fail(rejected.status());
    std::printf("device   %s\npending  %llu\nrejected %zu\ncursor   %llu\n", c.client_id().c_str(),
                (unsigned long long)*pending, rejected->size(), (unsigned long long)c.cursor());
    return 0;
  }
  if (what == "rejected") {
    auto rejected = c.Rejected();
    if (!rejected.ok()) return Fail(rejected.status());
    for (const auto& r : *rejected)
      std::printf("%llu  %s %s  %s\n    %s: %s\n", (unsigned long long)r.mutation.mutation_id(),
                  r.mutation.collection().c_str(), r.mutation.record_id().c_str(), r.reason.c_str(),
                  r.mutation.op() == v1::CREATE ? "created" : r.mutation.op() == v1::DELETE ? "deleted" : "changed",
                  EditText(r.mutation).c_str());
    return 0;
  }
  return std::nullopt;
}

int RunTablet(const Args& fl) {
  const auto& pos = fl.positional();
  if (!fl.Has("db")) return Usage("--db is required");

  ClientOptions opts;
  opts.db_path = fl.Get("db");
  opts.server_address = fl.Get("server");
  auto grpc = GrpcOptionsFromFlags(fl);
  if (!grpc.ok()) return Fail(grpc.status());
  opts.grpc = std::move(*grpc);
  auto opened = Client::Open(opts);
  if (!opened.ok()) return Fail(opened.status());
  Client& c = **opened;
  std::string what = pos[0], verb = pos.size() > 1 ? pos[1] : "";

  if (auto done = RunReferenceCommand(c, fl, pos, ReferenceContext{Usage, Fail})) return *done;
  if (auto done = RunInspectCommand(c, fl, pos, ReferenceContext{Usage, Fail})) return *done;
  if (auto done = RunConflictsCommand(c, fl, pos, ReferenceContext{Usage, Fail})) return *done;

  if (auto done = RunFindingCommand(c, fl, what, verb, pos)) return *done;
  if (auto done = RunInspectionCommand(c, fl, what, verb)) return *done;
  if (auto done = RunDeviceCommand(c, what)) return *done;
  return Usage("unknown command '" + what + (verb.empty() ? "" : " " + verb) + "'");
}

}  // namespace

void AddTabletCommands(Command& root) {
  Command tablet = root.Sub("tablet", "act as a tablet on a local database: capture offline, list, sync");
  tablet.Opt("db", "PATH", "the tablet's database (required; created if missing)")
      .Opt("server", "HOST:PORT", "the sync server (for sync)")
      .Opt("ca", "FILE", "CA certificate the server's certificate is checked against")
      .Opt("token", "TOKEN", "bearer token")
      .Opt("token-file", "FILE", "file holding the bearer token (wins over --token)")
      .Switch("insecure", "plaintext, loopback servers only")
      .Footer("Sites, zones and users are named by their code (PS-1) or their id.\n"
              "Exit codes: 0 done; 1 failed; 2 bad command line; 3 synced, but the server refused\n"
              "some edits ('tablet rejected' lists them with what was typed).");
  AddTabletFindingCommands(tablet);
  Command inspection = tablet.Sub("inspection", "inspections without a checklist");
  inspection.Sub("add", "record an inspection visit (prints its id)")
      .Opt("site", "SITE", "the site (code or id)")
      .Opt("kind", "KIND", "special, routine (default) or spot")
      .Opt("notes", "TEXT", "notes")
      .Run(RunTablet);
  inspection.Sub("list", "the inspections on this tablet").Run(RunTablet);
  tablet.Sub("sync", "push pending edits, pull the server's changes (exit 3 if some were refused)").Run(RunTablet);
  tablet.Sub("status", "device id, pending edits, rejected edits, cursor").Run(RunTablet);
  tablet.Sub("rejected", "edits the server refused: the reason and what was typed").Run(RunTablet);
  AddTabletReferenceCommands(tablet, RunTablet);
  AddTabletInspectCommands(tablet, RunTablet);
  AddTabletConflictsCommand(tablet, RunTablet);
  // Further tablet commands (their own files) are declared here, one line each.
}

namespace {

void AddTabletFindingCommands(Command& tablet) {
  Command finding = tablet.Sub("finding", "findings: add, edit, void, show, list");
  finding.Sub("add", "record a finding offline (prints its id)")
      .Opt("title", "TEXT", "what is wrong (required)")
      .Opt("site", "SITE", "the site (code or id)")
      .Opt("category", "TEXT", "category")
      .Opt("severity", "LEVEL", "low, medium, high or critical")
      .Opt("description", "TEXT", "details")
      .Opt("status", "STATUS", "draft or open")
      .Opt("inspection", "ID", "the inspection it was found in")
      .Multi("tag", "TAG", "a tag")
      .Multi("evidence", "SHA256", "a photo already attached")
      .Run(RunTablet);
  finding.Sub("edit", "change fields of a finding")
      .Pos("ID", "the finding")
      .Opt("title", "TEXT", "what is wrong")
      .Opt("site", "SITE", "the site (code or id)")
      .Opt("category", "TEXT", "category")
      .Opt("severity", "LEVEL", "low, medium, high or critical")
      .Opt("description", "TEXT", "details")
      .Opt("status", "STATUS", "open, notified, rectified, ...")
      .Opt("deadline", "YYYY-MM-DD", "rectification deadline")
      .Opt("responsible-org", "TEXT", "who must fix it")
      .Opt("inspection", "ID", "the inspection it was found in")
      .Opt("void-reason", "TEXT", "why it is void")
      .Multi("add-tag", "TAG", "add a tag")
      .Multi("remove-tag", "TAG", "remove a tag")
      .Multi("add-evidence", "SHA256", "add a photo already attached")
      .Run(RunTablet);
  finding.Sub("void", "void a finding").Pos("ID", "the finding").Opt("reason", "TEXT", "why (required)").Run(RunTablet);
  finding.Sub("show", "one finding, every field").Pos("ID", "the finding").Run(RunTablet);
  finding.Sub("list", "the findings on this tablet").Run(RunTablet);
}

}  // namespace

}  // namespace inspectsync::tools
