// inspectsync admin conflicts list|resolve: conflict review over the
// IntegrationService (see tools/integration.h and docs/integration/conflicts.md).
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "core/schema.h"
#include "tools/integration.h"
#include "tools/render.h"

namespace inspectsync::tools {

namespace {

namespace pb = google::protobuf;

// The one field a conflict value holds, as text for a table.
std::string ValueText(const v1::RecordBody& body, const std::string& field) {
  const core::CollectionSpec* spec = core::CollectionOf(body);
  if (spec == nullptr) return "";
  const pb::Message& m = spec->Get(body);
  const pb::FieldDescriptor* f = spec->descriptor()->FindFieldByName(field);
  if (f == nullptr) return field == "deleted" ? "(kept)" : "";
  const pb::Reflection* r = m.GetReflection();
  if (f->is_repeated()) {
    std::string out;
    for (int i = 0; i < r->FieldSize(m, f); ++i) {
      if (i) out += ", ";
      out += f->cpp_type() == pb::FieldDescriptor::CPPTYPE_STRING ? r->GetRepeatedString(m, f, i) : "...";
    }
    return "[" + out + "]";
  }
  switch (f->cpp_type()) {
    case pb::FieldDescriptor::CPPTYPE_STRING: return r->GetString(m, f);
    case pb::FieldDescriptor::CPPTYPE_ENUM: return r->GetEnum(m, f)->name();
    case pb::FieldDescriptor::CPPTYPE_INT32: return std::to_string(r->GetInt32(m, f));
    case pb::FieldDescriptor::CPPTYPE_INT64: return std::to_string(r->GetInt64(m, f));
    case pb::FieldDescriptor::CPPTYPE_UINT32: return std::to_string(r->GetUInt32(m, f));
    case pb::FieldDescriptor::CPPTYPE_UINT64: return std::to_string(r->GetUInt64(m, f));
    case pb::FieldDescriptor::CPPTYPE_DOUBLE: return std::to_string(r->GetDouble(m, f));
    case pb::FieldDescriptor::CPPTYPE_BOOL: return r->GetBool(m, f) ? "true" : "false";
    default: return "...";
  }
}

const char* StateName(v1::ConflictState s) {
  switch (s) {
    case v1::CONFLICT_OPEN: return "open";
    case v1::CONFLICT_AUTO_RESOLVED: return "auto";
    case v1::CONFLICT_RESOLVED: return "resolved";
    default: return "?";
  }
}

void PrintRow(const v1::ConflictRow& row) {
  const v1::Conflict& c = row.conflict();
  std::string sides = Truncate(ValueText(c.winner_value(), c.field()), 24) + " vs " +
                      Truncate(ValueText(c.loser_value(), c.field()), 24);
  std::printf("%-36s  %-11s %-8.8s  %-18s %-14.14s %4lldd  %-8s %s\n", c.id().c_str(), c.collection().c_str(),
              c.record_id().substr(c.record_id().size() > 8 ? c.record_id().size() - 8 : 0).c_str(),
              c.field().c_str(), (row.site_id().empty() ? row.zone_id() : row.site_id()).c_str(),
              static_cast<long long>(row.age_days()), StateName(c.state()), sides.c_str());
}

int List(const Args& fl, IntegrationClient& conn) {
  v1::ConflictQuery q;
  for (const auto& s : fl.GetAll("site")) q.add_site_ids(s);
  for (const auto& z : fl.GetAll("zone")) q.add_zone_ids(z);
  q.set_inspector(fl.Get("inspector"));
  if (fl.Has("older-than-days")) {
    long long days = 0;
    if (!fl.GetInt("older-than-days", 0, &days) || days < 0)
      return IntegrationUsage("--older-than-days takes a whole number of days, 0 or more");
    int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
    q.set_opened_before_ms(now - days * 86'400'000LL + 1);
  }
  if (fl.Has("all")) {
    q.add_states(v1::CONFLICT_OPEN);
    q.add_states(v1::CONFLICT_AUTO_RESOLVED);
    q.add_states(v1::CONFLICT_RESOLVED);
  }
  bool json = fl.Has("json");
  size_t n = 0;
  for (bool first = true;; first = false) {
    auto got = conn.ListConflicts(q);
    if (!got.ok()) return IntegrationFail(got.status());
    const v1::ConflictPage& page = *got;
    if (first && !json)  // after the first answer: a refusal prints no table
      std::printf("%-36s  %-11s %-8s  %-18s %-14s %5s  %-8s %s\n", "ID", "COLLECTION", "RECORD", "FIELD",
                  "SITE/ZONE", "AGE", "STATE", "WINNER vs LOSER");
    for (const auto& row : page.conflicts()) {
      ++n;
      if (json) {
        std::printf("%s\n", MessageToJsonLine(row).c_str());
      } else {
        PrintRow(row);
      }
    }
    if (page.next_page_token().empty()) break;
    q.set_page_token(page.next_page_token());
  }
  if (!json) std::printf("%zu conflict%s\n", n, n == 1 ? "" : "s");
  return 0;
}

// The conflict `id` in any state, to learn its collection and field.
StatusOr<v1::ConflictRow> Find(IntegrationClient& conn, const std::string& id) {
  v1::ConflictQuery q;
  q.set_conflict_id(id);
  q.add_states(v1::CONFLICT_OPEN);
  q.add_states(v1::CONFLICT_AUTO_RESOLVED);
  q.add_states(v1::CONFLICT_RESOLVED);
  auto page = conn.ListConflicts(q);
  if (!page.ok()) return page.status();
  if (page->conflicts_size() == 0) return NotFound("no conflict with id " + id);
  return page->conflicts(0);
}

// A record of the conflict's collection with only its field set from `text`:
// strings as given, enums by name, numbers and true/false parsed.
StatusOr<v1::RecordBody> ValueFrom(const v1::Conflict& c, const std::string& text) {
  const core::CollectionSpec* spec = core::FindCollection(c.collection());
  const core::FieldSpec* fs = spec ? spec->FindField(c.field()) : nullptr;
  if (fs == nullptr)
    return InvalidArgument("conflict " + c.id() + " on '" + c.field() + "' has no value to set; use --keep-winner");
  v1::RecordBody body;
  pb::Message* m = spec->Mutable(&body);
  const pb::FieldDescriptor* f = fs->field;
  const pb::Reflection* r = m->GetReflection();
  if (f->is_repeated() || f->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE)
    return InvalidArgument("'" + c.field() + "' is a list; --value cannot set it: use --keep-winner or --take-loser");
  char* end = nullptr;
  errno = 0;
  switch (f->cpp_type()) {
    case pb::FieldDescriptor::CPPTYPE_STRING: r->SetString(m, f, text); return body;
    case pb::FieldDescriptor::CPPTYPE_ENUM: {
      const pb::EnumValueDescriptor* v = f->enum_type()->FindValueByName(text);
      if (v == nullptr) {
        std::string names;
        for (int i = 1; i < f->enum_type()->value_count(); ++i)
          names += (i > 1 ? ", " : "") + f->enum_type()->value(i)->name();
        return InvalidArgument("'" + text + "' is not a value of '" + c.field() + "'; one of: " + names);
      }
      r->SetEnum(m, f, v);
      return body;
    }
    case pb::FieldDescriptor::CPPTYPE_BOOL:
      if (text != "true" && text != "false") return InvalidArgument("'" + c.field() + "' takes true or false");
      r->SetBool(m, f, text == "true");
      return body;
    case pb::FieldDescriptor::CPPTYPE_DOUBLE:
    case pb::FieldDescriptor::CPPTYPE_FLOAT: {
      double d = std::strtod(text.c_str(), &end);
      if (text.empty() || *end != '\0' || errno) return InvalidArgument("'" + c.field() + "' takes a number, not '" + text + "'");
      if (f->cpp_type() == pb::FieldDescriptor::CPPTYPE_DOUBLE) r->SetDouble(m, f, d); else r->SetFloat(m, f, static_cast<float>(d));
      return body;
    }
    default: {
      long long n = std::strtoll(text.c_str(), &end, 10);
      if (text.empty() || *end != '\0' || errno) return InvalidArgument("'" + c.field() + "' takes a whole number, not '" + text + "'");
      switch (f->cpp_type()) {
        case pb::FieldDescriptor::CPPTYPE_INT32: r->SetInt32(m, f, static_cast<int32_t>(n)); break;
        case pb::FieldDescriptor::CPPTYPE_INT64: r->SetInt64(m, f, n); break;
        case pb::FieldDescriptor::CPPTYPE_UINT32: r->SetUInt32(m, f, static_cast<uint32_t>(n)); break;
        default: r->SetUInt64(m, f, static_cast<uint64_t>(n)); break;
      }
      return body;
    }
  }
}

int Resolve(const Args& fl, IntegrationClient& conn) {
  if (fl.positional().size() != 3) return IntegrationUsage("conflicts resolve takes one conflict ID");
  const std::string& id = fl.positional()[2];
  int chosen = fl.Has("keep-winner") + fl.Has("take-loser") + fl.Has("value");
  if (chosen != 1) return IntegrationUsage("choose exactly one of --keep-winner, --take-loser, --value TEXT");
  v1::ResolveConflictRequest req;
  req.set_conflict_id(id);
  req.set_note(fl.Get("note"));
  if (fl.Has("keep-winner")) {
    req.set_keep_winner(true);
  } else if (fl.Has("take-loser")) {
    req.set_take_loser(true);
  } else {
    auto row = Find(conn, id);
    if (!row.ok()) return IntegrationFail(row.status());
    auto value = ValueFrom(row->conflict(), fl.Get("value"));
    if (!value.ok()) return IntegrationFail(value.status());
    *req.mutable_value() = std::move(*value);
  }
  auto resolved = conn.ResolveConflict(req);
  if (!resolved.ok()) return IntegrationFail(resolved.status());
  const v1::ResolveConflictResponse& resp = *resolved;
  if (fl.Has("json")) {
    std::printf("%s\n", MessageToJsonLine(resp).c_str());
  } else {
    const v1::Conflict& c = resp.conflict().conflict();
    std::printf("resolved %s: %s/%s %s = %s (version %llu by %s)\n", c.id().c_str(), c.collection().c_str(),
                c.record_id().c_str(), c.field().c_str(), Truncate(ValueText(resp.record().body(), c.field()), 60).c_str(),
                static_cast<unsigned long long>(resp.conflict().resolved_version()),
                resp.conflict().resolved_by().c_str());
  }
  return 0;
}

}  // namespace

int RunConflicts(const Args& fl) {
  const std::string& what = fl.positional()[1];
  auto conn = ConnectIntegration(fl);
  if (!conn.ok()) return IntegrationFail(conn.status());
  return what == "list" ? List(fl, **conn) : Resolve(fl, **conn);
}

}  // namespace inspectsync::tools
