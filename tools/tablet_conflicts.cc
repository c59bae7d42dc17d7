// `inspectsync tablet conflicts [--all] [--json]`: the conflicts of this
// tablet's records, asked of the server (Client::Conflicts): for each, the
// site, the finding, the field, the value kept and the value lost with who
// wrote each, and why the merge kept that one. A person who lost an edit
// offline sees it here, with what they typed.
#include "tools/tablet_conflicts.h"

#include <cstdio>

#include <google/protobuf/struct.pb.h>

#include "tools/integration.h"  // MessageToJsonLine
#include "tools/render.h"

namespace inspectsync::tools {

namespace {

// "PS-1 阳光小学", or the zone's name for a record of a zone.
std::string SiteText(const ConflictInfo& c) {
  if (!c.site_name.empty() || !c.site_code.empty())
    return c.site_code.empty() ? c.site_name : c.site_name.empty() ? c.site_code : c.site_code + " " + c.site_name;
  if (!c.zone_name.empty()) return c.zone_name;
  return "-";
}

// The record as a person names it: its title, else its collection alone
// (a record without a title, e.g. an inspection), never its id.
std::string RecordText(const ConflictInfo& c) {
  return c.record_title.empty() ? "(" + c.collection + ")" : c.record_title;
}

// A person's name; their user id only when the directory does not know
// them (the server has nothing better to say).
std::string Who(const ConflictSide& s) { return s.user_name.empty() ? s.user_id : s.user_name; }

// "kept: <value> (<who>)" in at most `width` columns: the value is cut, not
// the name, so a long text still says whose it was.
std::string SideText(const char* label, const ConflictSide& s, size_t width) {
  std::string head = std::string(label) + ": ", who = " (" + Who(s) + ")";
  size_t fixed = DisplayWidth(head) + DisplayWidth(who);
  size_t room = width > fixed + 6 ? width - fixed : 6;
  return head + Truncate(s.value.empty() ? "(empty)" : s.value, room) + who;
}

const char* StateText(v1::ConflictState s) {
  switch (s) {
    case v1::CONFLICT_OPEN: return "open";
    case v1::CONFLICT_AUTO_RESOLVED: return "settled";
    case v1::CONFLICT_RESOLVED: return "resolved";
    default: return "?";
  }
}

google::protobuf::Value Str(const std::string& s) {
  google::protobuf::Value v;
  v.set_string_value(s);
  return v;
}

google::protobuf::Value SideJson(const ConflictSide& s) {
  google::protobuf::Value v;
  auto& f = *v.mutable_struct_value()->mutable_fields();
  f["value"] = Str(s.value);
  f["user_id"] = Str(s.user_id);
  f["user_name"] = Str(s.user_name);
  f["device_id"] = Str(s.device_id);
  f["written_ms"].set_number_value(static_cast<double>(s.written_ms));
  return v;
}

// One JSON line per conflict: ids and names both, for scripts.
std::string JsonLine(const ConflictInfo& c) {
  google::protobuf::Struct out;
  auto& f = *out.mutable_fields();
  f["id"] = Str(c.id);
  f["collection"] = Str(c.collection);
  f["record_id"] = Str(c.record_id);
  f["record_title"] = Str(c.record_title);
  f["site_id"] = Str(c.site_id);
  f["site_code"] = Str(c.site_code);
  f["site_name"] = Str(c.site_name);
  f["zone_id"] = Str(c.zone_id);
  f["zone_name"] = Str(c.zone_name);
  f["field"] = Str(c.field);
  f["policy"] = Str(v1::MergePolicy_Name(c.policy));
  f["why"] = Str(c.why);
  f["kept"] = SideJson(c.kept);
  f["lost"] = SideJson(c.lost);
  f["opened_ms"].set_number_value(static_cast<double>(c.opened_ms));
  f["state"] = Str(StateText(c.state));
  f["resolved_by"] = Str(c.resolved_by);
  f["resolved_by_name"] = Str(c.resolved_by_name);
  f["resolution_note"] = Str(c.resolution_note);
  return MessageToJsonLine(out);
}

// Column widths in terminal columns (a CJK character takes two).
constexpr size_t kSite = 22, kRecord = 22, kField = 12, kSide = 34, kState = 8;

int List(Client& c, const Args& fl, const ReferenceContext& ctx) {
  ConflictsOptions o;
  o.include_resolved = fl.Has("all");
  auto list = c.Conflicts(o);
  if (!list.ok()) return ctx.fail(list.status());
  if (fl.Has("json")) {
    for (const ConflictInfo& x : *list) std::printf("%s\n", JsonLine(x).c_str());
    return 0;
  }
  std::printf("%s  %s  %s  %s  %s  %s  %s\n", Cell("SITE", kSite).c_str(), Cell("FINDING", kRecord).c_str(),
              Cell("FIELD", kField).c_str(), Cell("KEPT", kSide).c_str(), Cell("LOST", kSide).c_str(),
              Cell("STATE", kState).c_str(), "WHY");
  for (const ConflictInfo& x : *list)
    std::printf("%s  %s  %s  %s  %s  %s  %s\n", Cell(SiteText(x), kSite).c_str(), Cell(RecordText(x), kRecord).c_str(),
                Cell(x.field, kField).c_str(), Cell(SideText("kept", x.kept, kSide), kSide).c_str(),
                Cell(SideText("lost", x.lost, kSide), kSide).c_str(), Cell(StateText(x.state), kState).c_str(),
                x.why.c_str());
  std::printf("%zu conflict%s%s\n", list->size(), list->size() == 1 ? "" : "s",
              o.include_resolved ? "" : " not yet resolved by a person (--all shows resolved ones too)");
  return 0;
}

}  // namespace

void AddTabletConflictsCommand(Command& tablet, const Handler& run) {
  tablet.Sub("conflicts", "conflicts on this tablet's records, from the server: both values, who, why")
      .Switch("all", "those a person has resolved too (default: open and settled by policy)")
      .Switch("json", "one JSON object per line (ids and names)")
      .Run(run);
}

std::optional<int> RunConflictsCommand(Client& c, const Args& fl, const std::vector<std::string>& pos,
                                       const ReferenceContext& ctx) {
  if (pos.empty() || pos[0] != "conflicts") return std::nullopt;
  return List(c, fl, ctx);
}

}  // namespace inspectsync::tools
