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
std::string Short(const std::string& s, size_t n) { return s.size() <= n ? s : s.substr(0, n - 1) + "~"; }
}  // namespace

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

std::string VersionText(uint64_t version, bool pending) {
  return (version ? "v" + std::to_string(version) : std::string("new")) + (pending ? "*" : "");
}

void PrintFinding(const LocalFinding& f) {
  const auto& v = f.value;
  std::printf("id           %s\nversion      %s%s\n", f.id.c_str(), VersionText(f.version, f.pending).c_str(),
              f.pending ? "  (* local edits not yet synced)" : "");
  std::printf("title        %s\nsite         %s\ncategory     %s\nseverity     %s\nstatus       %s\n",
              v.title().c_str(), v.site_id().c_str(), v.category().c_str(), v1::Severity_Name(v.severity()).c_str(),
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
