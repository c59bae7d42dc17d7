#include "core/office_import.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include <cctype>
#include <cmath>
#include <algorithm>
#include <cstdio>
#include <iterator>
#include <set>

#include "core/csv.h"
#include "core/date.h"
#include "core/ids.h"
#include "core/labels.h"
#include "core/patch.h"
#include "core/quote.h"
#include "core/schema.h"
#include "core/validate.h"

namespace inspectsync::core {

namespace {

std::string Trim(std::string_view s) {
  size_t a = s.find_first_not_of(" \t"), b = s.find_last_not_of(" \t");
  return a == std::string_view::npos ? std::string() : std::string(s.substr(a, b - a + 1));
}

std::string Upper(std::string s) {
  for (char& ch : s) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return s;
}

// Collects the problems of one plan.
struct Checker {
  std::vector<ImportProblem>* problems;
  void Error(int64_t line, const std::string& what) { problems->push_back({line, what}); }

  // Required fields; false (with problems) if one is empty.
  bool Need(const ImportRow& r, std::initializer_list<const char*> columns) {
    bool ok = true;
    for (const char* c : columns)
      if (r.Get(c).empty()) {
        Error(r.line, std::string(c) + " is empty");
        ok = false;
      }
    return ok;
  }
  // Codes must be unique within the file.
  bool Unique(std::map<std::string, int64_t>& seen, const std::string& code, int64_t line) {
    auto [it, fresh] = seen.emplace(code, line);
    if (!fresh) Error(line, "code " + Quote(code) + " is already used on line " + std::to_string(it->second));
    return fresh;
  }
  // An optional date column: empty is none (0); otherwise a real day.
  bool Day(const ImportRow& r, const char* column, DayEdge edge, int64_t* ms) {
    if (r.Get(column).empty()) return true;
    auto day = ParseDate(r.Get(column), edge);
    if (!day.ok()) {
      Error(r.line, std::string(column) + ": " + day.status().message());
      return false;
    }
    *ms = *day;
    return true;
  }
  // The record's own limits (lengths, enums), as the server checks them.
  void Fields(int64_t line, const std::string& collection, const v1::RecordBody& body) {
    const CollectionSpec* spec = FindCollection(collection);
    if (Status st = ValidateFields(*spec, spec->Get(body)); !st.ok()) Error(line, st.message());
  }
};

bool ParseBool(const std::string& s, bool* out) {
  std::string u = Upper(s);
  if (u == "" || u == "TRUE" || u == "YES" || u == "1") *out = true;
  else if (u == "FALSE" || u == "NO" || u == "0") *out = false;
  else return false;
  return true;
}

// The id `ref` names in `collection`, if it exists (a problem otherwise).
StatusOr<bool> Known(Checker& c, ImportLookup& lookup, int64_t line, const char* what, const std::string& collection,
                     const std::string& ref, std::string* id) {
  *id = ResolveImportRef(collection, ref);
  auto exists = lookup.Exists(collection, *id);
  if (!exists.ok()) return exists.status();
  if (!*exists) c.Error(line, std::string(what) + " " + Quote(ref) + " does not exist (import " + collection + " first)");
  return *exists;
}

std::string JsonValueText(const google::protobuf::Value& v, bool* ok) {
  *ok = true;
  switch (v.kind_case()) {
    case google::protobuf::Value::kStringValue: return v.string_value();
    case google::protobuf::Value::kBoolValue: return v.bool_value() ? "true" : "false";
    case google::protobuf::Value::kNullValue: return "";
    case google::protobuf::Value::kNumberValue: {
      double d = v.number_value();
      char buf[64];
      if (std::floor(d) == d && std::fabs(d) < 1e15) std::snprintf(buf, sizeof buf, "%.0f", d);
      else std::snprintf(buf, sizeof buf, "%.17g", d);
      return buf;
    }
    default: *ok = false; return "";
  }
}

}  // namespace

StatusOr<ImportKind> ParseImportKind(const std::string& name) {
  if (name == "zones") return ImportKind::kZones;
  if (name == "sites") return ImportKind::kSites;
  if (name == "users") return ImportKind::kUsers;
  if (name == "assignments") return ImportKind::kAssignments;
  return InvalidArgument("import zones, sites, users or assignments, not " + Quote(name));
}

const char* ImportKindName(ImportKind kind) {
  switch (kind) {
    case ImportKind::kZones: return "zones";
    case ImportKind::kSites: return "sites";
    case ImportKind::kUsers: return "users";
    case ImportKind::kAssignments: return "assignments";
  }
  return "";
}

void ImportColumns(ImportKind kind, std::vector<std::string>* required, std::vector<std::string>* optional) {
  switch (kind) {
    case ImportKind::kZones: *required = {"code", "name"}, *optional = {}; break;
    case ImportKind::kSites: *required = {"code", "name", "kind", "zone"}, *optional = {"address"}; break;
    case ImportKind::kUsers: *required = {"code", "name", "role"}, *optional = {"active"}; break;
    case ImportKind::kAssignments: *required = {"user"}, *optional = {"site", "zone", "from", "to"}; break;
  }
}

std::string ImportRow::Get(const std::string& column) const {
  auto it = values.find(column);
  return it == values.end() ? std::string() : it->second;
}

std::string ImportProblem::ToString() const {
  return line > 0 ? "line " + std::to_string(line) + ": " + what : what;
}

namespace {

// A problem from the CSV reader or header, whose messages name their line
// themselves ("line 7: ..."): the line moves into the problem and out of the
// text, so ToString (and a caller adding the file's name) says it once.
ImportProblem ReaderProblem(int64_t line, const std::string& message) {
  constexpr std::string_view kPrefix = "line ";
  if (message.compare(0, kPrefix.size(), kPrefix) == 0) {
    size_t end = kPrefix.size();
    int64_t n = 0;
    while (end < message.size() && message[end] >= '0' && message[end] <= '9' && n < (int64_t{1} << 50))
      n = n * 10 + (message[end++] - '0');
    if (end > kPrefix.size() && message.compare(end, 2, ": ") == 0) return {n, message.substr(end + 2)};
  }
  return {line, message};
}

}  // namespace

ImportTable ReadCsvTable(std::istream& in, const std::vector<std::string>& required,
                         const std::vector<std::string>& optional, TextEncoding encoding) {
  ImportTable t;
  std::string bytes(std::istreambuf_iterator<char>(in), {});
  if (in.bad()) {
    t.problems.push_back({0, "the input could not be read"});
    return t;
  }
  auto text = DecodeCsvText(bytes, encoding);
  if (!text.ok()) {
    t.problems.push_back(ReaderProblem(0, text.status().message()));
    return t;
  }
  bytes.clear();
  bytes.shrink_to_fit();
  CsvReader reader(std::move(*text));
  CsvRecord rec;
  auto first = reader.Next(&rec);
  if (!first.ok() || !*first) {
    t.problems.push_back(first.ok() ? ImportProblem{0, "the file is empty (it needs a header row)"}
                                    : ReaderProblem(0, first.status().message()));
    return t;
  }
  auto header = CsvHeader::Parse(rec.fields, required, optional);
  if (!header.ok()) {
    t.problems.push_back(ReaderProblem(rec.line, header.status().message()));
    return t;
  }
  std::vector<std::string> columns = required;
  columns.insert(columns.end(), optional.begin(), optional.end());
  for (;;) {
    auto more = reader.Next(&rec);
    if (!more.ok()) {
      // The reader cannot go on past malformed input (its errors are sticky):
      // the rows before it are still checked, so their problems are listed too.
      t.problems.push_back(ReaderProblem(0, more.status().message()));
      break;
    }
    if (!*more) break;
    if (Status st = header->CheckWidth(rec); !st.ok()) {
      t.problems.push_back(ReaderProblem(rec.line, st.message()));
      continue;
    }
    ImportRow row;
    row.line = rec.line;
    for (const auto& c : columns) row.values[c] = Trim(header->Get(rec.fields, c));
    t.rows.push_back(std::move(row));
  }
  return t;
}

ImportTable ReadJsonLinesTable(std::istream& in, const std::vector<std::string>& required,
                               const std::vector<std::string>& optional) {
  ImportTable t;
  std::set<std::string> known(required.begin(), required.end());
  known.insert(optional.begin(), optional.end());
  std::string line;
  int64_t n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (Trim(line).empty()) continue;
    google::protobuf::Struct obj;
    if (!google::protobuf::util::JsonStringToMessage(line, &obj).ok()) {
      t.problems.push_back({n, "not a JSON object (each line is one object: {\"code\": \"...\", ...})"});
      continue;
    }
    ImportRow row;
    row.line = n;
    bool ok = true;
    for (const auto& [key, value] : obj.fields()) {
      std::string column = CsvHeader::Normalize(key);
      if (!known.count(column)) {
        std::string names;
        for (const auto& k : known) names += (names.empty() ? "" : ", ") + k;
        t.problems.push_back({n, "key " + Quote(key) + " is not a column of this import (known: " + names + ")"});
        ok = false;
        continue;
      }
      bool scalar = false;
      std::string text = JsonValueText(value, &scalar);
      if (!scalar) {
        t.problems.push_back({n, "key " + Quote(key) + " must be a string, number or boolean"});
        ok = false;
        continue;
      }
      row.values[column] = Trim(text);
    }
    if (ok) t.rows.push_back(std::move(row));
  }
  if (in.bad()) t.problems.push_back({0, "the input could not be read"});
  if (t.rows.empty() && t.problems.empty()) t.problems.push_back({0, "the file has no objects"});
  return t;
}

std::string ResolveImportRef(const std::string& collection, const std::string& ref) {
  return IsUuid(ref) ? ref : ImportRecordId(collection, ref);
}

namespace {

// The record field each updatable column fills, and the collection whose
// record id it holds, if any (the code is the identity, never updated).
struct ColumnField {
  const char* column;
  const char* field;
  const char* refers_to;
};
std::vector<ColumnField> ColumnFields(ImportKind kind) {
  switch (kind) {
    case ImportKind::kZones: return {{"name", "name", nullptr}};
    case ImportKind::kSites:
      return {{"name", "name", nullptr}, {"kind", "kind", nullptr}, {"zone", "zone_id", "zones"},
              {"address", "address", nullptr}};
    case ImportKind::kUsers: return {{"name", "name", nullptr}, {"role", "role", nullptr}, {"active", "active", nullptr}};
    case ImportKind::kAssignments: return {};
  }
  return {};
}

}  // namespace

namespace {

// A string field of the record in `body` by name, "" if it has none.
std::string TextField(const v1::RecordBody& body, const char* field) {
  const CollectionSpec* spec = CollectionOf(body);
  const FieldSpec* fs = spec ? spec->FindField(field) : nullptr;
  if (fs == nullptr || fs->field->type() != pb::FieldDescriptor::TYPE_STRING || fs->field->is_repeated()) return "";
  const pb::Message& m = spec->Get(body);
  return m.GetReflection()->GetString(m, fs->field);
}

}  // namespace

std::string NameOf(const v1::RecordBody& body) { return TextField(body, "name"); }

std::string CodeAndName(const v1::RecordBody& body) {
  std::string code = TextField(body, "code"), name = NameOf(body);
  if (code.empty()) return name;
  return name.empty() ? code : code + " (" + name + ")";
}

std::vector<ImportChange> DiffImport(ImportKind kind, const PlannedRecord& planned, const v1::RecordBody& existing,
                                     const ImportRefText& ref_text) {
  std::vector<ImportChange> out;
  const CollectionSpec* spec = FindCollection(planned.collection);
  if (spec == nullptr || !spec->Holds(existing) || !spec->Holds(planned.body)) return out;
  const pb::Message& now = spec->Get(existing);
  const pb::Message& next = spec->Get(planned.body);
  for (const ColumnField& c : ColumnFields(kind)) {
    if (std::find(planned.given.begin(), planned.given.end(), c.column) == planned.given.end()) continue;
    const FieldSpec* fs = spec->FindField(c.field);
    if (fs == nullptr || FieldEquals(now, next, *fs)) continue;
    auto text = [&](const pb::Message& m) {
      const pb::Reflection* r = m.GetReflection();
      switch (fs->field->cpp_type()) {
        case pb::FieldDescriptor::CPPTYPE_ENUM: return std::string(r->GetEnum(m, fs->field)->name());
        case pb::FieldDescriptor::CPPTYPE_BOOL: return std::string(r->GetBool(m, fs->field) ? "true" : "false");
        default: break;
      }
      std::string v = r->GetString(m, fs->field);
      return c.refers_to == nullptr || v.empty() || !ref_text ? v : ref_text(c.refers_to, v);
    };
    out.push_back({c.column, c.field, text(now), text(next)});
  }
  return out;
}

v1::ImportDifference ImportDifferenceOf(ImportKind kind, const PlannedRecord& planned, const v1::RecordBody& existing,
                                        const std::vector<ImportChange>& changes) {
  v1::ImportDifference d;
  d.set_kind(static_cast<v1::ImportKind>(static_cast<int>(kind) + 1));  // the enums list the kinds alike
  d.set_code(planned.code);
  d.set_name(NameOf(existing));
  d.set_record_id(planned.id);
  d.set_line(planned.line);
  for (const ImportChange& c : changes) {
    v1::ImportFieldChange* f = d.add_changes();
    f->set_column(c.column);
    f->set_old_value(c.old_value);
    f->set_new_value(c.new_value);
  }
  return d;
}

StatusOr<ImportPlan> PlanImport(ImportKind kind, const ImportTable& table, ImportLookup& lookup) {
  ImportPlan plan;
  Checker c{&plan.problems};
  std::map<std::string, int64_t> seen;
  const std::string collection = ImportKindName(kind);
  for (const ImportRow& r : table.rows) {
    PlannedRecord rec;
    rec.line = r.line;
    rec.collection = collection;
    switch (kind) {
      case ImportKind::kZones: {
        bool ok = c.Need(r, {"code", "name"});
        rec.code = r.Get("code");
        if (!rec.code.empty()) ok = c.Unique(seen, rec.code, r.line) && ok;
        if (!ok) continue;
        rec.body.mutable_zone()->set_name(r.Get("name"));
        rec.body.mutable_zone()->set_code(rec.code);
        break;
      }
      case ImportKind::kSites: {
        // Every problem of the row, not only the first: the office fixes the file in one go.
        bool ok = c.Need(r, {"code", "name", "kind", "zone"});
        rec.code = r.Get("code");
        if (!rec.code.empty()) ok = c.Unique(seen, rec.code, r.line) && ok;
        auto site_kind = ParseSiteKindLabel(r.Get("kind"));
        if (!site_kind.ok() && !r.Get("kind").empty()) c.Error(r.line, site_kind.status().message());
        ok = ok && site_kind.ok();
        std::string zone;
        if (!r.Get("zone").empty()) {
          auto known = Known(c, lookup, r.line, "zone", "zones", r.Get("zone"), &zone);
          if (!known.ok()) return known.status();
          ok = ok && *known;
        }
        if (!ok) continue;
        v1::Site* s = rec.body.mutable_site();
        s->set_name(r.Get("name"));
        s->set_kind(*site_kind);
        s->set_zone_id(zone);
        s->set_address(r.Get("address"));
        s->set_code(rec.code);
        break;
      }
      case ImportKind::kUsers: {
        bool ok = c.Need(r, {"code", "name", "role"});
        rec.code = r.Get("code");
        if (!rec.code.empty()) ok = c.Unique(seen, rec.code, r.line) && ok;
        auto role = ParseRoleLabel(r.Get("role"));
        if (!role.ok() && !r.Get("role").empty()) c.Error(r.line, role.status().message());
        ok = ok && role.ok();
        bool active = true;
        if (!ParseBool(r.Get("active"), &active)) {
          c.Error(r.line, "active " + Quote(r.Get("active")) + " is not true or false");
          ok = false;
        }
        if (!ok) continue;
        rec.body.mutable_user()->set_name(r.Get("name"));
        rec.body.mutable_user()->set_role(*role);
        rec.body.mutable_user()->set_active(active);
        break;
      }
      case ImportKind::kAssignments: {
        bool ok = c.Need(r, {"user"});
        std::string site_ref = r.Get("site"), zone_ref = r.Get("zone");
        if (site_ref.empty() == zone_ref.empty()) {
          c.Error(r.line, "give exactly one of site and zone");
          ok = false;
        }
        std::string user, key;
        if (!r.Get("user").empty()) {
          auto u = Known(c, lookup, r.line, "user", "users", r.Get("user"), &user);
          if (!u.ok()) return u.status();
          ok = ok && *u;
        }
        if (site_ref.empty() != zone_ref.empty()) {
          auto k = site_ref.empty() ? Known(c, lookup, r.line, "zone", "zones", zone_ref, &key)
                                    : Known(c, lookup, r.line, "site", "sites", site_ref, &key);
          if (!k.ok()) return k.status();
          ok = ok && *k;
        }
        int64_t from = 0, to = 0;
        ok = c.Day(r, "from", DayEdge::kStart, &from) && ok;
        ok = c.Day(r, "to", DayEdge::kEnd, &to) && ok;
        if (ok && to != 0 && to <= from) {
          c.Error(r.line, "to is before from");
          ok = false;
        }
        if (!ok) continue;
        // The same row imported again is the same assignment.
        rec.code = user + (site_ref.empty() ? "/zone/" : "/site/") + key + "/" + r.Get("from") + "/" + r.Get("to");
        if (!c.Unique(seen, rec.code, r.line)) continue;
        rec.id = ImportRecordId("assignments", rec.code);
        v1::Assignment* a = rec.body.mutable_assignment();
        a->set_user_id(user);
        (site_ref.empty() ? a->set_zone_id(key) : a->set_site_id(key));
        a->set_starts_at_ms(from);
        a->set_ends_at_ms(to);
        break;
      }
    }
    if (rec.id.empty()) rec.id = ResolveImportRef(collection, rec.code);
    for (const auto& [column, value] : r.values)
      if (!value.empty()) rec.given.push_back(column);
    size_t before = plan.problems.size();
    c.Fields(r.line, collection, rec.body);
    if (plan.problems.size() == before) plan.records.push_back(std::move(rec));
  }
  return plan;
}

}  // namespace inspectsync::core
