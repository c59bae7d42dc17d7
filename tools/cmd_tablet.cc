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
#include "tools/flags.h"
#include "tools/render.h"
#include "tools/tablet_inspect.h"
#include "tools/tablet_reference.h"

namespace inspectsync::tools {

namespace {

const char* kUsage =
    "usage: inspectsync tablet --db PATH [--server HOST:PORT [--ca FILE] [--token T | --token-file F] [--insecure]]\n"
    "                          <command>\n"
    "commands:\n"
    "  finding add --title T [--site S] [--category C] [--severity low|medium|high|critical]\n"
    "              [--description D] [--status draft|open] [--tag X]... [--evidence HASH]...\n"
    "  finding edit ID [--title T] [--severity S] [--description D] [--category C] [--site S]\n"
    "              [--status STATUS] [--deadline YYYY-MM-DD] [--responsible-org O]\n"
    "              [--add-tag X]... [--remove-tag X]... [--add-evidence H]... [--void-reason R]\n"
    "  finding void ID --reason R\n"
    "  finding show ID\n"
    "  finding list\n"
    "  inspection add --site S [--kind special|routine|spot] [--notes N]\n"
    "  inspection list\n"
    "  sync            push pending edits, pull the server's changes\n"
    "  status          device id, pending edits, rejected edits, cursor\n"
    "  rejected        edits the server refused, with the reason\n";

int Fail(const Status& s) {
  std::fprintf(stderr, "inspectsync tablet: %s\n", s.ToString().c_str());
  return s.code() == StatusCode::kInvalidArgument || s.code() == StatusCode::kFailedPrecondition ? 2 : 1;
}

int Usage(const std::string& why) {
  std::fprintf(stderr, "inspectsync tablet: %s\n%s%s%s", why.c_str(), kUsage, kReferenceUsage, kInspectUsage);
  return 2;
}

// Fills `f` and `fields` from the flags of `finding add|edit`. Returns an
// error message, or "" on success.
std::string FindingFromFlags(const Flags& fl, const v1::Finding& current, v1::Finding* f,
                             std::vector<std::string>* fields) {
  *f = current;
  auto str = [&](const char* flag, const char* field, void (v1::Finding::*set)(const std::string&)) {
    if (fl.Has(flag)) {
      (f->*set)(fl.Get(flag));
      fields->push_back(field);
    }
  };
  str("title", "title", &v1::Finding::set_title);
  str("site", "site_id", &v1::Finding::set_site_id);
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
std::optional<int> RunFindingCommand(Client& c, const Flags& fl, const std::string& what, const std::string& verb,
                                     const std::vector<std::string>& pos) {
  if (what == "finding" && verb == "add") {
    v1::Finding f;
    std::vector<std::string> fields;
    if (std::string err = FindingFromFlags(fl, v1::Finding(), &f, &fields); !err.empty()) return Usage(err);
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
      PrintFinding(*cur);
      return 0;
    }
    if (verb == "void") {
      if (!fl.Has("reason")) return Usage("finding void needs --reason");
      Status st = c.VoidFinding(id, fl.Get("reason"));
      return st.ok() ? 0 : Fail(st);
    }
    v1::Finding f;
    std::vector<std::string> fields;
    if (std::string err = FindingFromFlags(fl, cur->value, &f, &fields); !err.empty()) return Usage(err);
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
std::optional<int> RunInspectionCommand(Client& c, const Flags& fl, const std::string& what,
                                        const std::string& verb) {
  if (what == "inspection" && verb == "add") {
    if (!fl.Has("site")) return Usage("inspection add needs --site");
    v1::Inspection in;
    in.set_site_id(fl.Get("site"));
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
      std::printf("  rejected %s %s: %s\n", r.mutation.collection().c_str(), r.mutation.record_id().c_str(),
                  r.reason.c_str());
    return 0;
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
      std::printf("%llu  %s %s  %s\n", (unsigned long long)r.mutation.mutation_id(),
                  r.mutation.collection().c_str(), r.mutation.record_id().c_str(), r.reason.c_str());
    return 0;
  }
  return std::nullopt;
}

}  // namespace

int CmdTablet(const std::vector<std::string>& args) {
  Flags fl({"db", "server", "title", "site", "category", "severity", "description", "status", "tag", "evidence",
            "deadline", "responsible-org", "add-tag", "remove-tag", "add-evidence", "void-reason", "reason", "kind",
            "notes", "inspection", "ca", "token", "token-file", "insecure", "name", "zone", "role", "user", "from",
            "until", "address", "campaign", "template", "item", "result", "note", "finding-title", "help"},
           {"help", "insecure"});
  if (!fl.Parse(args)) return Usage(fl.error());
  if (fl.Has("help")) {
    std::fputs(kUsage, stdout);
    std::fputs(kReferenceUsage, stdout);
    std::fputs(kInspectUsage, stdout);
    return 0;
  }
  const auto& pos = fl.positional();
  if (!fl.Has("db")) return Usage("--db is required");
  if (pos.empty()) return Usage("no command given");

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

  if (auto done = RunFindingCommand(c, fl, what, verb, pos)) return *done;
  if (auto done = RunInspectionCommand(c, fl, what, verb)) return *done;
  if (auto done = RunDeviceCommand(c, what)) return *done;
  return Usage("unknown command '" + what + (verb.empty() ? "" : " " + verb) + "'");
}

}  // namespace inspectsync::tools
