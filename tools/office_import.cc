// `inspectsync admin import zones|sites|users|assignments FILE.csv` and
// `inspectsync admin template publish FILE.csv`: CSV files from the district
// office's spreadsheets, all or nothing.
//
// Every row is checked before anything is written — columns, enum names,
// lengths, duplicate codes, references to zones, sites and users (on the
// office device, after a sync) — and every problem is listed with its file
// and line, so the office fixes the file in one go. Then all records are
// created in one device transaction and synced.
//
// Ids: the office knows its zones, sites and users by codes (the register's
// "PS-014"); a record's id is derived from its code (core::ImportRecordId),
// so importing the same file again creates nothing ("already there"), and a
// reference in a later file (sites.csv's zone) is the code itself. Wherever a
// code is expected, a record id (a UUID) is accepted as well.
#include <cstdio>
#include <fstream>
#include <map>
#include <set>

#include "core/csv.h"
#include "core/ids.h"
#include "core/schema.h"
#include "core/validate.h"
#include "core/workflow.h"
#include "tools/device_creates.h"
#include "tools/office.h"

namespace inspectsync::tools {

namespace {

constexpr size_t kMaxErrorsShown = 50;

std::string Trim(std::string_view s) {
  size_t a = s.find_first_not_of(" \t"), b = s.find_last_not_of(" \t");
  return a == std::string_view::npos ? std::string() : std::string(s.substr(a, b - a + 1));
}

std::string Upper(std::string s) {
  for (char& ch : s) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return s;
}

std::string BaseName(const std::string& path) {
  size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// One CSV file: its header and rows, and the problems found in it.
struct CsvFile {
  std::string name;  // for messages: the file's base name
  std::unique_ptr<core::CsvHeader> header;
  std::vector<core::CsvRecord> rows;
  std::vector<std::string> errors;

  void Error(int64_t line, const std::string& what) {
    errors.push_back(name + " line " + std::to_string(line) + ": " + what);
  }
  std::string Get(const core::CsvRecord& r, std::string_view column) const {
    return Trim(header->Get(r.fields, column));
  }
};

// Reads the whole file (rows are kept: nothing is written before all pass).
// A file that cannot be parsed at all gets one error and no rows.
CsvFile ReadCsv(const std::string& path, const std::vector<std::string>& required,
                const std::vector<std::string>& optional) {
  CsvFile f;
  f.name = BaseName(path);
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    f.errors.push_back("cannot read " + path);
    return f;
  }
  core::CsvReader reader(in);
  core::CsvRecord rec;
  auto first = reader.Next(&rec);
  if (!first.ok() || !*first) {
    f.errors.push_back(f.name + ": " + (first.ok() ? "the file is empty (it needs a header row)" : first.status().message()));
    return f;
  }
  auto header = core::CsvHeader::Parse(rec.fields, required, optional);
  if (!header.ok()) {
    f.errors.push_back(f.name + " line " + std::to_string(rec.line) + ": " + header.status().message());
    return f;
  }
  f.header = std::make_unique<core::CsvHeader>(std::move(*header));
  for (;;) {
    auto more = reader.Next(&rec);
    if (!more.ok()) {
      f.errors.push_back(f.name + ": " + more.status().message());  // the reader names the line
      break;
    }
    if (!*more) break;
    if (Status st = f.header->CheckWidth(rec); !st.ok()) {
      f.Error(rec.line, st.message());
      continue;
    }
    f.rows.push_back(rec);
  }
  return f;
}

// Required fields of a row; false (with errors) if one is empty.
bool Need(CsvFile& f, const core::CsvRecord& r, std::initializer_list<const char*> columns) {
  bool ok = true;
  for (const char* c : columns)
    if (f.Get(r, c).empty()) {
      f.Error(r.line, std::string(c) + " is empty");
      ok = false;
    }
  return ok;
}

// The record's own limits (lengths, enums), as the server will check them.
void CheckFields(CsvFile& f, int64_t line, const std::string& collection, const v1::RecordBody& body) {
  const core::CollectionSpec* spec = core::FindCollection(collection);
  if (Status st = core::ValidateFields(*spec, spec->Get(body)); !st.ok()) f.Error(line, st.message());
}

// Codes must be unique within the file.
bool UniqueCode(CsvFile& f, std::map<std::string, int64_t>& seen, const std::string& code, int64_t line) {
  auto [it, fresh] = seen.emplace(code, line);
  if (!fresh) f.Error(line, "code '" + code + "' is already used on line " + std::to_string(it->second));
  return fresh;
}

template <typename Enum>
bool ParseEnumName(const std::string& text, bool (*parse)(const std::string&, Enum*), Enum unspecified, Enum* out) {
  return parse(Upper(text), out) && *out != unspecified;
}

bool ParseKind(const std::string& s, v1::SiteKind* out) {
  std::string u = Upper(s);
  if (u == "PRIMARY") u = "PRIMARY_SCHOOL";
  if (u == "MIDDLE") u = "MIDDLE_SCHOOL";
  return v1::SiteKind_Parse(u, out) && *out != v1::SITE_KIND_UNSPECIFIED;
}

bool ParseBool(const std::string& s, bool* out) {
  std::string u = Upper(s);
  if (u == "" || u == "TRUE" || u == "YES" || u == "1") *out = true;
  else if (u == "FALSE" || u == "NO" || u == "0") *out = false;
  else return false;
  return true;
}

StatusOr<std::set<std::string>> LiveIds(Client& c, const std::string& collection) {
  auto list = ListLive(c, collection);
  if (!list.ok()) return list.status();
  std::set<std::string> ids;
  for (const auto& r : *list) ids.insert(r.id);
  return ids;
}

// The id `ref` names in `collection`, if the device holds it (errors otherwise).
bool Known(CsvFile& f, int64_t line, const char* what, const std::string& collection, const std::string& ref,
           const std::set<std::string>& live, std::string* id) {
  *id = ResolveRef(collection, ref);
  if (live.count(*id)) return true;
  f.Error(line, std::string(what) + " '" + ref + "' does not exist (import " + collection +
                    " first, or sync this device)");
  return false;
}

int Report(const CsvFile& f) {
  for (size_t i = 0; i < f.errors.size() && i < kMaxErrorsShown; ++i) std::fprintf(stderr, "%s\n", f.errors[i].c_str());
  if (f.errors.size() > kMaxErrorsShown)
    std::fprintf(stderr, "... and %zu more problems\n", f.errors.size() - kMaxErrorsShown);
  std::fprintf(stderr, "inspectsync admin: %s has %zu problem%s; nothing was imported\n", f.name.c_str(),
               f.errors.size(), f.errors.size() == 1 ? "" : "s");
  return 1;
}

// Writes the edits in one transaction, syncs, and prints what happened.
int Write(OfficeDevice& dev, const CsvFile& f, const std::vector<Edit>& edits, const char* what) {
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

int ImportZones(OfficeDevice& dev, CsvFile& f, Client&) {
  std::vector<Edit> edits;
  std::map<std::string, int64_t> codes;
  for (const auto& r : f.rows) {
    if (!Need(f, r, {"code", "name"})) continue;
    std::string code = f.Get(r, "code");
    if (!UniqueCode(f, codes, code, r.line)) continue;
    Edit e{Edit::Op::kCreate, "zones", ResolveRef("zones", code), {}, {}};
    e.body.mutable_zone()->set_name(f.Get(r, "name"));
    e.body.mutable_zone()->set_code(code);
    CheckFields(f, r.line, "zones", e.body);
    edits.push_back(std::move(e));
  }
  if (!f.errors.empty()) return Report(f);
  return Write(dev, f, edits, "zones");
}

int ImportSites(OfficeDevice& dev, CsvFile& f, Client& c) {
  auto zones = LiveIds(c, "zones");
  if (!zones.ok()) return OfficeFail(zones.status());
  std::vector<Edit> edits;
  std::map<std::string, int64_t> codes;
  for (const auto& r : f.rows) {
    if (!Need(f, r, {"code", "name", "kind", "zone"})) continue;
    std::string code = f.Get(r, "code");
    bool ok = UniqueCode(f, codes, code, r.line);
    v1::SiteKind kind;
    if (!ParseKind(f.Get(r, "kind"), &kind)) {
      f.Error(r.line, "kind '" + f.Get(r, "kind") + "' is not one of PRIMARY_SCHOOL, MIDDLE_SCHOOL, KINDERGARTEN");
      ok = false;
    }
    std::string zone;
    ok &= Known(f, r.line, "zone", "zones", f.Get(r, "zone"), *zones, &zone);
    if (!ok) continue;
    Edit e{Edit::Op::kCreate, "sites", ResolveRef("sites", code), {}, {}};
    v1::Site* s = e.body.mutable_site();
    s->set_name(f.Get(r, "name"));
    s->set_kind(kind);
    s->set_zone_id(zone);
    s->set_address(f.Get(r, "address"));
    CheckFields(f, r.line, "sites", e.body);
    edits.push_back(std::move(e));
  }
  if (!f.errors.empty()) return Report(f);
  return Write(dev, f, edits, "sites");
}

int ImportUsers(OfficeDevice& dev, CsvFile& f, Client&) {
  std::vector<Edit> edits;
  std::map<std::string, int64_t> codes;
  std::vector<std::pair<std::string, std::string>> mapping;
  for (const auto& r : f.rows) {
    if (!Need(f, r, {"code", "name", "role"})) continue;
    std::string code = f.Get(r, "code");
    bool ok = UniqueCode(f, codes, code, r.line);
    v1::Role role;
    if (!ParseEnumName<v1::Role>(f.Get(r, "role"), v1::Role_Parse, v1::ROLE_UNSPECIFIED, &role)) {
      f.Error(r.line, "role '" + f.Get(r, "role") + "' is not one of inspector, zone_director, office, integration");
      ok = false;
    }
    bool active = true;
    if (!ParseBool(f.Get(r, "active"), &active)) {
      f.Error(r.line, "active '" + f.Get(r, "active") + "' is not true or false");
      ok = false;
    }
    if (!ok) continue;
    Edit e{Edit::Op::kCreate, "users", ResolveRef("users", code), {}, {}};
    e.body.mutable_user()->set_name(f.Get(r, "name"));
    e.body.mutable_user()->set_role(role);
    e.body.mutable_user()->set_active(active);
    CheckFields(f, r.line, "users", e.body);
    mapping.emplace_back(code, e.id);
    edits.push_back(std::move(e));
  }
  if (!f.errors.empty()) return Report(f);
  int rc = Write(dev, f, edits, "users");
  // Tokens name the user id (`admin token issue --user ID`).
  if (rc == 0)
    for (const auto& [code, id] : mapping) std::printf("  %-20s %s\n", code.c_str(), id.c_str());
  return rc;
}

int ImportAssignments(OfficeDevice& dev, CsvFile& f, Client& c) {
  auto users = LiveIds(c, "users");
  auto sites = LiveIds(c, "sites");
  auto zones = LiveIds(c, "zones");
  for (auto* s : {&users, &sites, &zones})
    if (!s->ok()) return OfficeFail(s->status());
  std::vector<Edit> edits;
  std::map<std::string, int64_t> seen;
  for (const auto& r : f.rows) {
    if (!Need(f, r, {"user"})) continue;
    std::string site_ref = f.Get(r, "site"), zone_ref = f.Get(r, "zone");
    if (site_ref.empty() == zone_ref.empty()) {
      f.Error(r.line, "give exactly one of site and zone");
      continue;
    }
    std::string user, key;
    bool ok = Known(f, r.line, "user", "users", f.Get(r, "user"), *users, &user);
    if (!site_ref.empty()) ok &= Known(f, r.line, "site", "sites", site_ref, *sites, &key);
    if (!zone_ref.empty()) ok &= Known(f, r.line, "zone", "zones", zone_ref, *zones, &key);
    int64_t from = 0, to = 0;
    if (!f.Get(r, "from").empty() && !ParseDay(f.Get(r, "from"), false, &from)) {
      f.Error(r.line, "from '" + f.Get(r, "from") + "' is not a date YYYY-MM-DD");
      ok = false;
    }
    if (!f.Get(r, "to").empty() && !ParseDay(f.Get(r, "to"), true, &to)) {
      f.Error(r.line, "to '" + f.Get(r, "to") + "' is not a date YYYY-MM-DD");
      ok = false;
    }
    if (ok && to != 0 && to <= from) {
      f.Error(r.line, "to is before from");
      ok = false;
    }
    if (!ok) continue;
    // The same row imported again is the same assignment.
    std::string name = user + (site_ref.empty() ? "/zone/" : "/site/") + key + "/" + f.Get(r, "from") + "/" + f.Get(r, "to");
    if (!UniqueCode(f, seen, name, r.line)) continue;
    Edit e{Edit::Op::kCreate, "assignments", core::ImportRecordId("assignments", name), {}, {}};
    v1::Assignment* a = e.body.mutable_assignment();
    a->set_user_id(user);
    (site_ref.empty() ? a->set_zone_id(key) : a->set_site_id(key));
    a->set_starts_at_ms(from);
    a->set_ends_at_ms(to);
    edits.push_back(std::move(e));
  }
  if (!f.errors.empty()) return Report(f);
  return Write(dev, f, edits, "assignments");
}

}  // namespace

int CmdImport(OfficeDevice& dev, const Flags&, const std::vector<std::string>& pos) {
  if (pos.size() != 3) return OfficeUsage("import needs what and a file: import zones|sites|users|assignments FILE.csv");
  const std::string& what = pos[1];
  std::vector<std::string> required, optional;
  if (what == "zones") required = {"code", "name"};
  else if (what == "sites") required = {"code", "name", "kind", "zone"}, optional = {"address"};
  else if (what == "users") required = {"code", "name", "role"}, optional = {"active"};
  else if (what == "assignments") required = {"user"}, optional = {"site", "zone", "from", "to"};
  else return OfficeUsage("import zones, sites, users or assignments, not '" + what + "'");
  CsvFile f = ReadCsv(pos[2], required, optional);
  if (!f.errors.empty()) return Report(f);
  auto c = dev.OpenAndSync();  // references are checked against the district's current data
  if (!c.ok()) return OfficeFail(c.status());
  if (what == "zones") return ImportZones(dev, f, **c);
  if (what == "sites") return ImportSites(dev, f, **c);
  if (what == "users") return ImportUsers(dev, f, **c);
  return ImportAssignments(dev, f, **c);
}

int CmdTemplatePublish(OfficeDevice& dev, const Flags& fl, const std::vector<std::string>& pos) {
  if (pos.size() != 3 || !fl.Has("key") || !fl.Has("title"))
    return OfficeUsage("template publish needs a file, --key and --title");
  std::string key = fl.Get("key");
  CsvFile f = ReadCsv(pos[2], {"id", "category", "text"}, {"default_severity", "evidence_required"});
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
  for (const auto& r : f.rows) {
    if (!Need(f, r, {"id", "category", "text"})) continue;
    bool ok = UniqueCode(f, ids, f.Get(r, "id"), r.line);
    v1::Severity sev = v1::MEDIUM;
    if (!f.Get(r, "default_severity").empty() &&
        !ParseEnumName<v1::Severity>(f.Get(r, "default_severity"), v1::Severity_Parse, v1::SEVERITY_UNSPECIFIED, &sev)) {
      f.Error(r.line, "default_severity '" + f.Get(r, "default_severity") + "' is not one of LOW, MEDIUM, HIGH, CRITICAL");
      ok = false;
    }
    bool evidence = false;
    if (!f.Get(r, "evidence_required").empty() && !ParseBool(f.Get(r, "evidence_required"), &evidence)) {
      f.Error(r.line, "evidence_required '" + f.Get(r, "evidence_required") + "' is not true or false");
      ok = false;
    }
    if (!ok) continue;
    v1::ChecklistItem* it = t->add_items();
    it->set_id(f.Get(r, "id"));
    it->set_category(f.Get(r, "category"));
    it->set_text(f.Get(r, "text"));
    it->set_default_severity(sev);
    it->set_evidence_required(evidence);
  }
  if (f.errors.empty() && t->items().empty()) f.errors.push_back(f.name + ": a template needs at least one item");
  if (f.errors.empty()) CheckFields(f, 1, "templates", e.body);
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
