// inspectsync admin site correct | zone rename | user deactivate |
// assignment end: corrections of the office's register on the server
// (tools/office_server.h). Each prints what changed, field by field, as the
// server reports it, or "no change" when the record already was so (nothing
// is written then).
#include <cstdio>
#include <cstdlib>

#include "tools/commands.h"
#include "tools/office.h"
#include "tools/office_server.h"
#include "tools/render.h"

namespace inspectsync::tools {

namespace {

// A time field ("ends_at_ms") as the day it ends, for people:
// "ends_at: 2030-12-31 -> 2026-12-04" ("-" for none).
void PrintChange(const v1::FieldChange& c) {
  const std::string& f = c.field();
  if (f.size() > 3 && f.compare(f.size() - 3, 3, "_ms") == 0) {
    auto day = [](const std::string& v) {
      char* end = nullptr;
      long long ms = std::strtoll(v.c_str(), &end, 10);
      return (end != nullptr && *end == '\0') ? LastDayText(ms) : std::string("-");
    };
    std::printf("%s: %s -> %s\n", f.substr(0, f.size() - 3).c_str(), day(c.old_value()).c_str(),
                day(c.new_value()).c_str());
    return;
  }
  std::printf("%s: %s -> %s\n", f.c_str(), c.old_value().c_str(), c.new_value().c_str());
}

int Print(const StatusOr<v1::CorrectionReply>& reply, const Args& fl) {
  if (!reply.ok()) return OfficeFail(reply.status());
  if (PrintedJson(fl, *reply)) return 0;
  std::fprintf(stderr, "%s\n", reply->record_name().c_str());
  if (reply->changes().empty()) std::printf("no change\n");
  for (const auto& c : reply->changes()) PrintChange(c);
  return 0;
}

int RunCorrection(const Args& fl) {
  const std::string what = fl.positional().at(0);
  const std::string ref = fl.positional().at(2);
  v1::CorrectSiteRequest site;
  v1::EndAssignmentRequest end;
  if (what == "site") {
    if (fl.Has("deactivate") && fl.Has("reactivate")) return OfficeUsage("give --deactivate or --reactivate, not both");
    if (!fl.Has("name") && !fl.Has("zone") && !fl.Has("deactivate") && !fl.Has("reactivate"))
      return OfficeUsage("site correct needs one of --name, --zone, --deactivate, --reactivate");
    site.set_site(ref);
    site.set_name(fl.Get("name"));
    site.set_zone(fl.Get("zone"));
    site.set_deactivate(fl.Has("deactivate"));
    site.set_reactivate(fl.Has("reactivate"));
  }
  if (what == "zone" && fl.Get("name").empty()) return OfficeUsage("zone rename needs --name");
  if (what == "assignment") {
    end.set_assignment_id(ref);
    int64_t ms = 0;
    std::string why;
    if (fl.Has("on") && !DayFlag(fl, "on", /*end_of_day=*/true, &ms, &why)) return OfficeUsage(why);
    end.set_ends_at_ms(ms);  // 0: now
  }
  auto office = ConnectOffice(fl);
  if (!office.ok()) return OfficeFail(office.status());
  if (what == "site") return Print((*office)->CorrectSite(site), fl);
  if (what == "zone") {
    v1::RenameZoneRequest req;
    req.set_zone(ref);
    req.set_name(fl.Get("name"));
    return Print((*office)->RenameZone(req), fl);
  }
  if (what == "user") return Print((*office)->DeactivateUser(ref), fl);
  return Print((*office)->EndAssignment(end), fl);
}

}  // namespace

void AddCorrectionCommands(Command& admin) {
  OfficeServerLeaf(admin.Sub("site", "sites of the register")
                       .Sub("correct", "rename a site, move it to another zone, deactivate or reactivate it")
                       .Pos("SITE", "the site, by code or id")
                       .Opt("name", "NAME", "its new name")
                       .Opt("zone", "ZONE", "the zone it belongs to, by code or id")
                       .Switch("deactivate", "no longer inspected: no new assignments")
                       .Switch("reactivate", "inspected again"),
                   RunCorrection);
  OfficeServerLeaf(admin.Sub("zone", "zones of the register")
                       .Sub("rename", "rename a zone")
                       .Pos("ZONE", "the zone, by code or id")
                       .Opt("name", "NAME", "its new name (required)"),
                   RunCorrection);
  Command user = admin.Sub("user", "people of the register");
  OfficeServerLeaf(user.Sub("deactivate", "deactivate a person: their tokens are refused from their next call")
                       .Pos("USER", "the person, by code or id"),
                   RunCorrection);
  AddConsoleUserCommands(user);
  OfficeServerLeaf(admin.Sub("assignment", "assignments of people and teams to sites")
                       .Sub("end", "end an assignment: the sites leave the tablets' scope at their next sync")
                       .Pos("ASSIGNMENT_ID", "the assignment")
                       .Opt("on", "YYYY-MM-DD", "its last day (default: it ends now)"),
                   RunCorrection);
}

}  // namespace inspectsync::tools
