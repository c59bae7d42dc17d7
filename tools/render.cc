#include "tools/render.h"

#include <cctype>
#include <cstdio>
#include <ctime>

#include "core/export.h"          // IsoDate
#include "core/date.h"
#include "core/patch.h"
#include "core/schema.h"

namespace inspectsync::tools {

namespace {
std::string Upper(std::string s) {
  for (auto& ch : s) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  for (auto& ch : s)
    if (ch == '-') ch = '_';
  return s;
}

// The code point starting at s[i] and its length in bytes; a malformed byte
// counts as one column-wide character of one byte.
char32_t Next(const std::string& s, size_t i, size_t* len) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
  if (n == 0 || i + n > s.size()) {
    *len = 1;
    return 0xFFFD;
  }
  char32_t cp = n == 1 ? c : c & (0xFF >> (n + 1));
  for (size_t k = 1; k < n; ++k) {
    unsigned char cc = static_cast<unsigned char>(s[i + k]);
    if ((cc >> 6) != 0x2) {
      *len = 1;
      return 0xFFFD;
    }
    cp = (cp << 6) | (cc & 0x3F);
  }
  *len = n;
  return cp;
}

// East Asian Wide and Fullwidth characters (Unicode 15, the common blocks).
bool Wide(char32_t c) {
  return (c >= 0x1100 && c <= 0x115F) || (c >= 0x2E80 && c <= 0x303E) || (c >= 0x3041 && c <= 0x33FF) ||
         (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0xA000 && c <= 0xA4CF) ||
         (c >= 0xAC00 && c <= 0xD7A3) || (c >= 0xF900 && c <= 0xFAFF) || (c >= 0xFE30 && c <= 0xFE4F) ||
         (c >= 0xFF00 && c <= 0xFF60) || (c >= 0xFFE0 && c <= 0xFFE6) || (c >= 0x1F300 && c <= 0x1F64F) ||
         (c >= 0x1F900 && c <= 0x1F9FF) || (c >= 0x20000 && c <= 0x3FFFD);
}

std::string Short(const std::string& s, size_t n) { return Truncate(s, n); }
}  // namespace

size_t DisplayWidth(const std::string& s) {
  size_t width = 0;
  for (size_t i = 0, len = 0; i < s.size(); i += len) width += Wide(Next(s, i, &len)) ? 2 : 1;
  return width;
}

std::string Truncate(const std::string& s, size_t width) {
  if (DisplayWidth(s) <= width) return s;
  std::string out;
  size_t used = 0;
  for (size_t i = 0, len = 0; i < s.size(); i += len) {
    size_t w = Wide(Next(s, i, &len)) ? 2 : 1;
    if (used + w + 1 > width) break;  // keep a column for the mark
    out.append(s, i, len);
    used += w;
  }
  return out + "~";
}

std::string Cell(const std::string& s, size_t width) {
  std::string out = Truncate(s, width);
  size_t w = DisplayWidth(out);
  if (w < width) out.append(width - w, ' ');
  return out;
}

std::string CutBytes(const std::string& s, size_t max_bytes) {
  if (s.size() <= max_bytes) return s;
  size_t end = 0;
  for (size_t i = 0, len = 0; i < s.size(); i += len) {
    Next(s, i, &len);
    if (i + len > max_bytes) break;
    end = i + len;
  }
  return s.substr(0, end);
}

std::string EditText(const v1::Mutation& m) {
  const core::CollectionSpec* spec = core::FindCollection(m.collection());
  if (m.op() == v1::DELETE) return "(delete)";
  if (spec == nullptr || !spec->Holds(m.body())) return "(no fields)";
  const google::protobuf::Message& body = spec->Get(m.body());
  const google::protobuf::Reflection* refl = body.GetReflection();
  std::vector<std::string> names;
  if (m.op() == v1::PATCH) {
    for (const auto& p : m.mask().paths()) names.push_back(p);
  } else {
    for (const core::FieldSpec& f : spec->fields()) {
      bool set = f.field->is_repeated() ? refl->FieldSize(body, f.field) > 0 : refl->HasField(body, f.field);
      if (set) names.push_back(f.field->name());
    }
  }
  std::string out;
  for (const std::string& name : names) {
    const core::FieldSpec* f = spec->FindField(name);
    if (f == nullptr) continue;
    out += (out.empty() ? "" : ", ") + name + "='" + Truncate(core::FieldToString(body, f->field), 60) + "'";
  }
  return out.empty() ? "(no fields)" : out;
}

bool ParseSeverity(const std::string& s, v1::Severity* out) {
  return v1::Severity_Parse(Upper(s), out) && *out != v1::SEVERITY_UNSPECIFIED;
}

bool ParseStatus(const std::string& s, v1::FindingStatus* out) {
  return v1::FindingStatus_Parse(Upper(s), out) && *out != v1::FINDING_STATUS_UNSPECIFIED;
}

bool ParseDate(const std::string& s, int64_t* ms) {
  auto day = core::ParseDate(s);
  if (day.ok()) *ms = *day;
  return day.ok();
}

std::string FormatDate(int64_t ms) { return ms <= 0 ? "-" : core::IsoDate(ms); }

std::string LastDayText(int64_t end_ms) { return end_ms <= 0 ? "-" : core::IsoDate(end_ms - 1); }

std::string InspectionKindName(v1::InspectionKind kind) {
  switch (kind) {
    case v1::SPECIAL_CAMPAIGN: return "special";
    case v1::ROUTINE_VISIT: return "routine";
    case v1::SPOT_CHECK: return "spot-check";
    default: return "-";
  }
}

const char* ItemResultName(v1::ItemResult result) {
  switch (result) {
    case v1::PASS: return "pass";
    case v1::FAIL: return "FAIL";
    case v1::NOT_APPLICABLE: return "n/a";
    default: return "-";
  }
}

std::string VersionText(uint64_t version, bool pending) {
  return (version ? "v" + std::to_string(version) : std::string("new")) + (pending ? "*" : "");
}

void PrintFinding(const LocalFinding& f, const std::string& site) {
  const auto& v = f.value;
  std::printf("id           %s\nversion      %s%s\n", f.id.c_str(), VersionText(f.version, f.pending).c_str(),
              f.pending ? "  (* local edits not yet synced)" : "");
  std::printf("title        %s\nsite         %s\ncategory     %s\nseverity     %s\nstatus       %s\n",
              v.title().c_str(), site.c_str(), v.category().c_str(), v1::Severity_Name(v.severity()).c_str(),
              v1::FindingStatus_Name(v.status()).c_str());
  std::printf("deadline     %s\nresponsible  %s\ndescription  %s\n", FormatDate(v.deadline_ms()).c_str(),
              v.responsible_org().c_str(), v.description().c_str());
  std::string tags, ev;
  for (const auto& t : v.tags()) tags += (tags.empty() ? "" : ", ") + t;
  for (const auto& e : v.evidence()) ev += (ev.empty() ? "" : ", ") + e;
  std::printf("tags         %s\nevidence     %s\n", tags.c_str(), ev.c_str());
  if (!v.void_reason().empty()) std::printf("void reason  %s\n", v.void_reason().c_str());
}

void PrintFindingTable(const std::vector<LocalFinding>& list) {
  std::printf("%-36s  %-7s  %-16s  %-8s  %-10s  %s\n", "ID", "VERSION", "STATUS", "SEVERITY", "DEADLINE", "TITLE");
  // The title is last: truncated by display width, never mid-character.
  for (const auto& f : list)
    std::printf("%-36s  %-7s  %-16s  %-8s  %-10s  %s\n", f.id.c_str(), VersionText(f.version, f.pending).c_str(),
                v1::FindingStatus_Name(f.value.status()).c_str(), v1::Severity_Name(f.value.severity()).c_str(),
                FormatDate(f.value.deadline_ms()).c_str(), Short(f.value.title(), 40).c_str());
  std::printf("%zu finding(s); * = local edits not yet synced\n", list.size());
}

std::string ConflictLine(const v1::Conflict& c) {
  const core::CollectionSpec* spec = core::FindCollection(c.collection());
  std::string winner = "?", loser = "?";
  if (spec && c.field() == "deleted") {
    winner = "kept";
    loser = "deleted";
  } else if (spec) {
    if (const core::FieldSpec* f = spec->FindField(c.field())) {
      if (spec->Holds(c.winner_value())) winner = core::FieldToString(spec->Get(c.winner_value()), f->field);
      if (spec->Holds(c.loser_value())) loser = core::FieldToString(spec->Get(c.loser_value()), f->field);
    }
  }
  std::string state = c.state() == v1::CONFLICT_OPEN ? "open for review" : "settled by policy";
  return c.collection() + "/" + c.record_id().substr(0, 8) + "… " + c.field() + " [" + core::PolicyName(c.policy()) +
         "]: '" + Short(winner, 40) + "' over '" + Short(loser, 40) + "' (" + state + ")";
}

}  // namespace inspectsync::tools
