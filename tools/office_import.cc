// `inspectsync admin import zones|sites|users|assignments FILE [--format csv|jsonl]
//  [--encoding auto|utf-8|gbk|gb18030] [--update]`
// and `inspectsync admin template publish FILE.csv`: files from the district
// office's spreadsheets, all or nothing.
//
// Every row is checked before anything is written — columns, enum names,
// lengths, duplicate codes, references to zones, sites and users — by the
// planner the server's Import RPC uses too (core/office_import.h), and every
// problem is listed with its file and line, so the office fixes the file in
// one go.
//
// Two ways to write, chosen by the flags:
//   --db FILE (or neither --db nor --server): as the office device — checked
//     against the device's records after a sync, created in one device
//     transaction, then synced (offline: synced later);
//   --server without --db: through the server's IntegrationService.Import
//     (office or integration token), checked against the server's records
//     and written in one server transaction.
//
// Ids: a record's id is derived from its code (core::ImportRecordId), so
// importing the same file again creates nothing ("already there"). A row
// whose code is there with other values is a difference: listed column by
// column (old -> new) and left as it is, on either path, the rest of the file
// imported, and the exit status 0 — the new records are the point of most imports, and a
// clerk who changed a name on purpose re-runs with --update, which writes
// the changes (server path only) through the same write path as a tablet.
#include <cctype>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>

#include "core/csv.h"
#include "core/ids.h"
#include "core/office_import.h"
#include "core/quote.h"
#include "core/schema.h"
#include "core/text_encoding.h"
#include "core/validate.h"
#include "core/workflow.h"
#include "tools/device_creates.h"
#include "tools/integration.h"
#include "tools/office.h"

namespace inspectsync::tools {

namespace {

constexpr size_t kMaxErrorsShown = 50;

std::string Upper(std::string s) {
  for (char& ch : s) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return s;
}

bool ParseYesNo(const std::string& s, bool* out) {
  std::string u = Upper(s);
  if (u == "TRUE" || u == "YES" || u == "1") *out = true;
  else if (u == "FALSE" || u == "NO" || u == "0") *out = false;
  else return false;
  return true;
}

std::string BaseName(const std::string& path) {
  size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// One file: its rows, and the problems found in it.
struct ImportFile {
  std::string name;  // for messages: the file's base name
  bool opened = false;
  core::ImportTable table;
  std::vector<std::string> errors;

  void Add(const core::ImportProblem& p) {
    errors.push_back(p.line > 0 ? name + " " + p.ToString() : name + ": " + p.what);
  }
  void Error(int64_t line, const std::string& what) { Add({line, what}); }
};

// Reads the whole file (rows are kept: nothing is written before all pass).
ImportFile ReadFile(const std::string& path, bool jsonl, const std::vector<std::string>& required,
                    const std::vector<std::string>& optional, core::TextEncoding encoding = core::TextEncoding::kAuto) {
  ImportFile f;
  f.name = BaseName(path);
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    f.errors.push_back("cannot read " + path);
    return f;
  }
  f.opened = true;
  f.table = jsonl ? core::ReadJsonLinesTable(in, required, optional)
                  : core::ReadCsvTable(in, required, optional, encoding);
  for (const auto& p : f.table.problems) f.Add(p);
  return f;
}

int Report(const ImportFile& f) {
  for (size_t i = 0; i < f.errors.size() && i < kMaxErrorsShown; ++i) std::fprintf(stderr, "%s\n", f.errors[i].c_str());
  if (f.errors.size() > kMaxErrorsShown)
    std::fprintf(stderr, "... and %zu more problems\n", f.errors.size() - kMaxErrorsShown);
  std::fprintf(stderr, "inspectsync admin: %s has %zu problem%s; nothing was imported\n", f.name.c_str(),
               f.errors.size(), f.errors.size() == 1 ? "" : "s");
  return 1;
}

// The device's live records, read once per collection.
class DeviceLookup : public core::ImportLookup {
 public:
  explicit DeviceLookup(Client& c) : client_(c) {}
  StatusOr<bool> Exists(const std::string& collection, const std::string& id) override {
    auto body = Body(collection, id);
    if (!body.ok()) return body.status();
    return *body != nullptr;
  }
  // The live record's body, nullptr if there is none.
  StatusOr<const v1::RecordBody*> Body(const std::string& collection, const std::string& id) {
    auto it = live_.find(collection);
    if (it == live_.end()) {
      auto list = ListLive(client_, collection);
      if (!list.ok()) return list.status();
      std::map<std::string, v1::RecordBody> bodies;
      for (auto& r : *list) bodies.emplace(r.id, std::move(r.body));
      it = live_.emplace(collection, std::move(bodies)).first;
    }
    auto found = it->second.find(id);
    return found == it->second.end() ? nullptr : &found->second;
  }

 private:
  Client& client_;
  std::map<std::string, std::map<std::string, v1::RecordBody>> live_;
};

// Writes the edits in one transaction, syncs, and prints what happened.
int Write(OfficeDevice& dev, const ImportFile& f, const std::vector<Edit>& edits, const char* what) {
  auto open = dev.Open();
  if (!open.ok()) return OfficeFail(open.status());
  auto done = CreateNew(**open, edits);
  if (!done.ok()) return OfficeFail(done.status());
  size_t raced = 0;
  auto c = dev.OpenAndSync(&raced);
  if (!c.ok()) return OfficeFail(c.status());
  std::printf("%s: %zu %s: %zu created, %zu already there%s\n", f.name.c_str(), edits.size(), what,
              done->created - raced, done->already_there + raced, dev.online() ? "; synced" : " (sync later)");
  return 0;
}

// Tokens name the user id (`admin token issue --user ID`): list them.
void PrintUserIds(const std::vector<core::PlannedRecord>& records) {
  for (const auto& r : records) std::printf("  %-20s %s\n", r.code.c_str(), r.id.c_str());
}

// One line per record: "site PS-1 (No. 1 Primary): name 'old' -> 'new', ...".
void PrintDifferences(const v1::ImportResponse& resp) {
  for (const v1::ImportDifference& d : resp.differences()) {
    std::string kind = core::ImportKindName(static_cast<core::ImportKind>(static_cast<int>(d.kind()) - 1));
    if (!kind.empty() && kind.back() == 's') kind.pop_back();
    std::string line = "  " + kind + " " + d.code() + (d.name().empty() ? "" : " (" + d.name() + ")") + ":";
    for (int i = 0; i < d.changes_size(); ++i) {
      const v1::ImportFieldChange& c = d.changes(i);
      line += (i ? ", " : " ") + c.column() + " " + core::Quote(c.old_value()) + " -> " + core::Quote(c.new_value());
    }
    std::printf("%s\n", line.c_str());
  }
}

int ImportOnServer(const Args& fl, core::ImportKind kind, ImportFile& f, bool jsonl, const std::string& path) {
  auto conn = ConnectIntegration(fl);
  if (!conn.ok()) return OfficeFail(conn.status());
  std::ifstream in(path, std::ios::binary);
  v1::ImportRequest req;
  req.set_kind(static_cast<v1::ImportKind>(static_cast<int>(kind) + 1));
  req.set_format(jsonl ? v1::JSON_LINES : v1::CSV);
  req.set_data(std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()));
  req.set_dry_run(fl.Has("dry-run"));
  req.set_update(fl.Has("update"));
  req.set_encoding(fl.Get("encoding", ""));
  auto imported = (*conn)->Import(req);
  if (imported.status().code() == StatusCode::kInvalidArgument) {
    // "the import has N problems; nothing was written: line 3: ...; line 4: ..." -> one per line.
    const std::string& msg = imported.status().message();
    size_t colon = msg.find("nothing was written: ");
    std::string list = colon == std::string::npos ? msg : msg.substr(colon + 21);
    for (size_t start = 0; start < list.size();) {
      size_t next = list.find("; line ", start);
      std::string one = list.substr(start, next == std::string::npos ? std::string::npos : next - start);
      std::fprintf(stderr, "%s %s\n", f.name.c_str(), one.c_str());
      if (next == std::string::npos) break;
      start = next + 2;
    }
    std::fprintf(stderr, "inspectsync admin: %s was refused by the server; nothing was imported\n", f.name.c_str());
    return 1;
  }
  if (!imported.ok()) return IntegrationFail(imported.status());
  const v1::ImportResponse& resp = *imported;
  if (fl.Has("json")) {
    std::printf("%s\n", MessageToJsonLine(resp).c_str());
    return 0;
  }
  std::printf("%s: %llu %s: %llu %screated, %llu already there", f.name.c_str(),
              static_cast<unsigned long long>(resp.rows()), core::ImportKindName(kind),
              static_cast<unsigned long long>(resp.created()), req.dry_run() ? "would be " : "",
              static_cast<unsigned long long>(resp.unchanged()));
  const size_t differ = static_cast<size_t>(resp.differences_size());
  if (differ > 0 && req.update())
    std::printf(", %zu %supdated", differ, req.dry_run() ? "would be " : "");
  else if (differ > 0)
    std::printf(", %zu differ%s (left as they are)", differ, differ == 1 ? "s" : "");
  if (resp.seq() > 0) std::printf("; commit seq %llu", static_cast<unsigned long long>(resp.seq()));
  std::printf("%s\n", req.dry_run() ? " (dry run: nothing written)" : "");
  PrintDifferences(resp);
  if (differ > 0 && !req.update())
    std::printf("use --update to apply %s\n", differ == 1 ? "this change" : ("these " + std::to_string(differ) + " changes").c_str());
  if (kind == core::ImportKind::kUsers) {
    // The ids derive from the codes: list them without asking the server.
    std::vector<core::PlannedRecord> users;
    for (const auto& r : f.table.rows)
      users.push_back({r.line, r.Get("code"), "users", core::ResolveImportRef("users", r.Get("code")), {}, {}});
    PrintUserIds(users);
  }
  return 0;
}

}  // namespace

bool ImportGoesToServer(const Args& fl) { return fl.Has("server") && !fl.Has("db"); }

int CmdImport(OfficeDevice* dev, const Args& fl, const std::vector<std::string>& pos) {
  if (pos.size() != 3)
    return OfficeUsage("import needs what and a file: import zones|sites|users|assignments FILE [--format csv|jsonl]");
  auto kind = core::ParseImportKind(pos[1]);
  if (!kind.ok()) return OfficeUsage(kind.status().message());
  std::string format = fl.Get("format", "");
  if (format.empty()) format = pos[2].size() > 6 && pos[2].substr(pos[2].size() - 6) == ".jsonl" ? "jsonl" : "csv";
  if (format != "csv" && format != "jsonl") return OfficeUsage("--format is csv or jsonl, not '" + format + "'");
  bool jsonl = format == "jsonl";
  auto encoding = core::ParseTextEncoding(fl.Get("encoding", "auto"));
  if (!encoding.ok()) return OfficeUsage("--encoding: " + encoding.status().message());
  if (jsonl && *encoding == core::TextEncoding::kGb18030)
    return OfficeUsage("--encoding " + fl.Get("encoding") + " is for CSV files; JSON Lines are UTF-8");
  std::vector<std::string> required, optional;
  core::ImportColumns(*kind, &required, &optional);
  ImportFile f = ReadFile(pos[2], jsonl, required, optional, *encoding);
  // Rows that were read are checked even when others were not, so one run
  // lists every problem of the file; only a file without rows stops here.
  if (!f.opened || f.table.rows.empty()) {
    if (f.errors.empty()) f.errors.push_back(f.name + ": the file has no rows");
    return Report(f);
  }
  if (dev == nullptr) return ImportOnServer(fl, *kind, f, jsonl, pos[2]);  // the server lists them all
  if (fl.Has("dry-run")) return OfficeUsage("--dry-run is for imports on the server (--server without --db)");
  if (fl.Has("update")) return OfficeUsage("--update is for imports on the server (--server without --db)");

  auto c = dev->OpenAndSync();  // references are checked against the district's current data
  if (!c.ok()) return OfficeFail(c.status());
  DeviceLookup lookup(**c);
  auto plan = core::PlanImport(*kind, f.table, lookup);
  if (!plan.ok()) return OfficeFail(plan.status());
  for (const auto& p : plan->problems) f.Add(p);
  if (!f.errors.empty()) return Report(f);
  // Rows already there with other values: shown, never written from here
  // (the device creates; an update goes through the server's import).
  v1::ImportResponse differ;
  for (const auto& r : plan->records) {
    auto now = lookup.Body(r.collection, r.id);
    if (!now.ok()) return OfficeFail(now.status());
    if (*now == nullptr) continue;
    auto changes = core::DiffImport(*kind, r, **now, [&](const std::string& collection, const std::string& id) {
      auto ref = lookup.Body(collection, id);
      std::string text = ref.ok() && *ref != nullptr ? core::CodeAndName(**ref) : "";
      return text.empty() ? id : text;
    });
    if (changes.empty()) continue;
    *differ.add_differences() = core::ImportDifferenceOf(*kind, r, **now, changes);
  }
  std::vector<Edit> edits;
  for (const auto& r : plan->records) edits.push_back(Edit{Edit::Op::kCreate, r.collection, r.id, r.body, {}});
  int rc = Write(*dev, f, edits, core::ImportKindName(*kind));
  if (rc == 0 && *kind == core::ImportKind::kUsers) PrintUserIds(plan->records);
  if (rc == 0 && differ.differences_size() > 0) {
    std::printf("%d of them differ from the records there (left as they are):\n", differ.differences_size());
    PrintDifferences(differ);
    std::printf("use --update on the server's import (--server without --db) to apply\n");
  }
  return rc;
}

int CmdTemplatePublish(OfficeDevice& dev, const Args& fl, const std::vector<std::string>& pos) {
  if (pos.size() != 3 || !fl.Has("key") || !fl.Has("title"))
    return OfficeUsage("template publish needs a file, --key and --title");
  std::string key = fl.Get("key");
  ImportFile f = ReadFile(pos[2], /*jsonl=*/false, {"id", "category", "text"}, {"default_severity", "evidence_required"});
  if (!f.errors.empty()) return Report(f);
  auto c = dev.OpenAndSync();
  if (!c.ok()) return OfficeFail(c.status());
  auto templates = ListLive(**c, "templates");
  if (!templates.ok()) return OfficeFail(templates.status());
  const v1::ChecklistTemplate* latest = nullptr;
  for (const auto& t : *templates)
    if (t.body.checklist_template().key() == key &&
        (latest == nullptr || t.body.checklist_template().version() > latest->version()))
      latest = &t.body.checklist_template();
  uint32_t version = latest ? latest->version() + 1 : 1;

  Edit e{Edit::Op::kCreate, "templates", core::TemplateRecordId(key, version), {}, {}};
  v1::ChecklistTemplate* t = e.body.mutable_checklist_template();
  t->set_key(key);
  t->set_version(version);
  t->set_title(fl.Get("title"));
  t->set_published_at_ms(core::SystemClock()->NowMillis());
  std::map<std::string, int64_t> ids;
  for (const auto& r : f.table.rows) {
    bool ok = true;
    for (const char* column : {"id", "category", "text"})
      if (r.Get(column).empty()) {
        f.Error(r.line, std::string(column) + " is empty");
        ok = false;
      }
    if (!ok) continue;
    auto [seen, fresh] = ids.emplace(r.Get("id"), r.line);
    if (!fresh) {
      f.Error(r.line, "id '" + r.Get("id") + "' is already used on line " + std::to_string(seen->second));
      ok = false;
    }
    v1::Severity sev = v1::MEDIUM;
    if (!r.Get("default_severity").empty() &&
        (!v1::Severity_Parse(Upper(r.Get("default_severity")), &sev) || sev == v1::SEVERITY_UNSPECIFIED)) {
      f.Error(r.line, "default_severity '" + r.Get("default_severity") + "' is not one of LOW, MEDIUM, HIGH, CRITICAL");
      ok = false;
    }
    bool evidence = false;
    if (!r.Get("evidence_required").empty() && !ParseYesNo(r.Get("evidence_required"), &evidence)) {
      f.Error(r.line, "evidence_required '" + r.Get("evidence_required") + "' is not true or false");
      ok = false;
    }
    if (!ok) continue;
    v1::ChecklistItem* it = t->add_items();
    it->set_id(r.Get("id"));
    it->set_category(r.Get("category"));
    it->set_text(r.Get("text"));
    it->set_default_severity(sev);
    it->set_evidence_required(evidence);
  }
  if (f.errors.empty() && t->items().empty()) f.errors.push_back(f.name + ": a template needs at least one item");
  if (f.errors.empty()) {
    const core::CollectionSpec* spec = core::FindCollection("templates");
    if (Status st = core::ValidateFields(*spec, spec->Get(e.body)); !st.ok()) f.Error(1, st.message());
  }
  if (!f.errors.empty()) return Report(f);
  // Publishing the same file again is not a new version.
  if (latest != nullptr && latest->title() == t->title() && latest->items_size() == t->items_size() &&
      std::equal(latest->items().begin(), latest->items().end(), t->items().begin(),
                 [](const v1::ChecklistItem& a, const v1::ChecklistItem& b) {
                   return a.SerializeAsString() == b.SerializeAsString();
                 })) {
    std::printf("%s version %u already has these items; nothing published\n", key.c_str(), latest->version());
    return 0;
  }
  int rc = Write(dev, f, {e}, "template version");
  if (rc == 0) std::printf("published %s version %u (%d items) as %s\n", key.c_str(), version, t->items_size(), e.id.c_str());
  return rc;
}

}  // namespace inspectsync::tools
