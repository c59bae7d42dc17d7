// `inspectsync tablet` commands for reference data: zones, sites, users and
// assignments. Anyone can list what their tablet holds; only a tablet signed
// in with an office token can change them (the server refuses the others,
// and `tablet rejected` says why).
#include "tools/tablet_reference.h"

#include <cstdio>
#include <ctime>

#include "tools/render.h"

namespace inspectsync::tools {

namespace {

bool ParseSiteKind(const std::string& s, v1::SiteKind* out) {
  if (s == "primary") *out = v1::PRIMARY_SCHOOL;
  else if (s == "middle") *out = v1::MIDDLE_SCHOOL;
  else if (s == "kindergarten") *out = v1::KINDERGARTEN;
  else return false;
  return true;
}

bool ParseRoleName(const std::string& s, v1::Role* out) {
  if (s == "inspector") *out = v1::INSPECTOR;
  else if (s == "zone_director") *out = v1::ZONE_DIRECTOR;
  else if (s == "office") *out = v1::OFFICE;
  else if (s == "integration") *out = v1::INTEGRATION;
  else return false;
  return true;
}

std::string Date(int64_t ms) {
  if (ms == 0) return "-";
  std::time_t t = static_cast<std::time_t>(ms / 1000);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", std::gmtime(&t));
  return buf;
}

int Created(const StatusOr<std::string>& id, const ReferenceContext& ctx) {
  if (!id.ok()) return ctx.fail(id.status());
  std::printf("%s\n", id->c_str());
  return 0;
}

}  // namespace

const char* kReferenceUsage =
    "  zone add --name N                      (office)\n"
    "  site add --name N --zone ZONE_ID [--kind primary|middle|kindergarten] [--address A]   (office)\n"
    "  user add --name N --role inspector|zone_director|office|integration   (office; prints the user id\n"
    "                                         that `admin token issue --user` takes)\n"
    "  assign --user USER_ID (--site SITE_ID | --zone ZONE_ID) [--from YYYY-MM-DD] [--until YYYY-MM-DD]   (office)\n"
    "  unassign ASSIGNMENT_ID                 end an assignment today (office)\n"
    "  zone list | site list | user list | assignment list   what this tablet holds (its scope)\n";

std::optional<int> RunReferenceCommand(Client& c, const Flags& fl, const std::vector<std::string>& pos,
                                       const ReferenceContext& ctx) {
  std::string what = pos[0], verb = pos.size() > 1 ? pos[1] : "";
  if (what == "zone" && verb == "add") {
    if (!fl.Has("name")) return ctx.usage("zone add needs --name");
    v1::RecordBody b;
    b.mutable_zone()->set_name(fl.Get("name"));
    return Created(c.Create("zones", b), ctx);
  }
  if (what == "site" && verb == "add") {
    if (!fl.Has("name") || !fl.Has("zone")) return ctx.usage("site add needs --name and --zone");
    v1::RecordBody b;
    v1::Site* s = b.mutable_site();
    s->set_name(fl.Get("name"));
    s->set_zone_id(fl.Get("zone"));
    s->set_address(fl.Get("address"));
    v1::SiteKind kind = v1::PRIMARY_SCHOOL;
    if (fl.Has("kind") && !ParseSiteKind(fl.Get("kind"), &kind))
      return ctx.usage("--kind is primary, middle or kindergarten, not '" + fl.Get("kind") + "'");
    s->set_kind(kind);
    return Created(c.Create("sites", b), ctx);
  }
  if (what == "user" && verb == "add") {
    v1::Role role = v1::ROLE_UNSPECIFIED;
    if (!fl.Has("name") || !fl.Has("role")) return ctx.usage("user add needs --name and --role");
    if (!ParseRoleName(fl.Get("role"), &role))
      return ctx.usage("--role is inspector, zone_director, office or integration, not '" + fl.Get("role") + "'");
    v1::RecordBody b;
    b.mutable_user()->set_name(fl.Get("name"));
    b.mutable_user()->set_role(role);
    b.mutable_user()->set_active(true);
    return Created(c.Create("users", b), ctx);
  }
  if (what == "assign") {
    if (!fl.Has("user") || fl.Has("site") == fl.Has("zone"))
      return ctx.usage("assign needs --user and exactly one of --site, --zone");
    v1::RecordBody b;
    v1::Assignment* a = b.mutable_assignment();
    a->set_user_id(fl.Get("user"));
    a->set_site_id(fl.Get("site"));
    a->set_zone_id(fl.Get("zone"));
    for (const char* flag : {"from", "until"}) {
      if (!fl.Has(flag)) continue;
      int64_t ms;
      if (!ParseDate(fl.Get(flag), &ms))
        return ctx.usage(std::string("--") + flag + " must be YYYY-MM-DD, got '" + fl.Get(flag) + "'");
      (std::string(flag) == "from" ? a->set_starts_at_ms(ms) : a->set_ends_at_ms(ms));
    }
    return Created(c.Create("assignments", b), ctx);
  }
  if (what == "unassign") {
    if (pos.size() < 2) return ctx.usage("unassign needs the assignment id");
    v1::RecordBody b;
    b.mutable_assignment()->set_ends_at_ms(static_cast<int64_t>(std::time(nullptr)) * 1000);
    Status st = c.Update("assignments", pos[1], b, {"ends_at_ms"});
    return st.ok() ? 0 : ctx.fail(st);
  }
  if (verb == "list" && (what == "zone" || what == "site" || what == "user" || what == "assignment")) {
    auto list = c.List(what + "s");
    if (!list.ok()) return ctx.fail(list.status());
    for (const LocalRecord& r : *list) {
      const v1::RecordBody& b = r.body;
      std::string line;
      if (what == "zone") line = b.zone().name();
      if (what == "site")
        line = b.site().name() + "  " + v1::SiteKind_Name(b.site().kind()) + "  zone " + b.site().zone_id();
      if (what == "user") line = b.user().name() + "  " + v1::Role_Name(b.user().role());
      if (what == "assignment") {
        const v1::Assignment& a = b.assignment();
        line = "user " + a.user_id() + "  " + (a.site_id().empty() ? "zone " + a.zone_id() : "site " + a.site_id()) +
               "  " + Date(a.starts_at_ms()) + " .. " + Date(a.ends_at_ms());
      }
      std::printf("%-36s  %-8s  %s\n", r.id.c_str(), VersionText(r.version, r.pending).c_str(), line.c_str());
    }
    return 0;
  }
  return std::nullopt;
}

}  // namespace inspectsync::tools
