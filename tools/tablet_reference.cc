// `inspectsync tablet` commands for reference data: zones, sites, users and
// assignments. Anyone can list what their tablet holds; only a tablet signed
// in with an office token can change them (the server refuses the others,
// and `tablet rejected` says why).
#include "tools/tablet_reference.h"

#include <cstdio>
#include <ctime>

#include "core/export.h"
#include "core/ids.h"
#include "core/labels.h"
#include "tools/office.h"
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

constexpr char kNotHere[] = "(not on this tablet)";

// `tablet zone|site|user|assignment list`: a table of names for people, or
// with --json one object a line with the ids, the record and the names.
// `all`: deactivated sites too; otherwise a site that takes no new work is
// not offered.
int List(Client& c, const std::string& what, bool json, bool all, const ReferenceContext& ctx) {
  auto list = c.List(what + "s");
  if (!list.ok()) return ctx.fail(list.status());
  DeviceNames names(c);
  for (const LocalRecord& r : *list) {
    const v1::RecordBody& b = r.body;
    if (what == "site" && b.site().deactivated() && !all) continue;
    const std::string version = VersionText(r.version, r.pending);
    if (json) {
      std::string extra;  // the names beside the ids
      const google::protobuf::Message* m = &b.zone();
      if (what == "site") {
        m = &b.site();
        extra = ",\"zone_name\":" + core::JsonQuote(names.Zone(b.site().zone_id()));
      } else if (what == "user") {
        m = &b.user();
      } else if (what == "assignment") {
        const v1::Assignment& a = b.assignment();
        m = &a;
        if (!a.user_id().empty()) extra += ",\"user_name\":" + core::JsonQuote(names.Person(a.user_id()));
        if (!a.team_id().empty()) extra += ",\"team_name\":" + core::JsonQuote(names.Team(a.team_id()));
        if (!a.site_id().empty()) extra += ",\"site_name\":" + core::JsonQuote(names.Site(a.site_id()));
        if (!a.zone_id().empty()) extra += ",\"zone_name\":" + core::JsonQuote(names.Zone(a.zone_id()));
      }
      std::printf("{\"id\":%s,\"version\":%llu,\"pending\":%s,\"%s\":%s%s}\n", core::JsonQuote(r.id).c_str(),
                  static_cast<unsigned long long>(r.version), r.pending ? "true" : "false", what.c_str(),
                  ToJson(*m).c_str(), extra.c_str());
      continue;
    }
    std::string line;
    if (what == "zone") line = Cell(b.zone().code(), 12) + " " + b.zone().name();
    if (what == "site") {
      const v1::Site& site = b.site();
      std::string kind(core::SiteKindChinese(site.kind()));
      line = Cell(names.Site(r.id), 36) + " " + Cell(kind.empty() ? "-" : kind, 8) + " " + names.Zone(site.zone_id()) +
             (site.deactivated() ? "  已停用/deactivated" : "");
    }
    if (what == "user") line = Cell(b.user().name(), 20) + " " + v1::Role_Name(b.user().role());
    if (what == "assignment") {
      const v1::Assignment& a = b.assignment();
      std::string who = !a.user_id().empty() ? names.Person(a.user_id()) : "team " + names.Team(a.team_id());
      std::string where = !a.site_id().empty() ? names.Site(a.site_id()) : "zone " + names.Zone(a.zone_id());
      line = Cell(who, 20) + " " + Cell(where, 36) + " " + FormatDate(a.starts_at_ms()) + " .. " + LastDayText(a.ends_at_ms());
    }
    std::printf("%-8s  %s\n", version.c_str(), line.c_str());
  }
  return 0;
}

int Created(const StatusOr<std::string>& id, const ReferenceContext& ctx) {
  if (!id.ok()) return ctx.fail(id.status());
  std::printf("%s\n", id->c_str());
  return 0;
}

}  // namespace

const v1::RecordBody* DeviceNames::Get(const std::string& collection, const std::string& id) {
  if (id.empty()) return nullptr;
  auto key = std::make_pair(collection, id);
  auto it = cache_.find(key);
  if (it == cache_.end()) {
    auto rec = c_.Get(collection, id);
    it = cache_.emplace(key, rec.ok() ? std::optional<v1::RecordBody>(rec->body) : std::nullopt).first;
  }
  return it->second ? &*it->second : nullptr;
}

std::string DeviceNames::Site(const std::string& id) {
  const v1::RecordBody* b = Get("sites", id);
  if (b == nullptr) return kNotHere;
  return b->site().code().empty() ? b->site().name() : b->site().code() + " " + b->site().name();
}

std::string DeviceNames::Zone(const std::string& id) {
  const v1::RecordBody* b = Get("zones", id);
  return b == nullptr ? kNotHere : b->zone().name();
}

std::string DeviceNames::Person(const std::string& id) {
  const v1::RecordBody* b = Get("users", id);
  return b == nullptr ? kNotHere : b->user().name();
}

std::string DeviceNames::Team(const std::string& id) {
  const v1::RecordBody* b = Get("teams", id);
  return b == nullptr ? kNotHere : b->team().name();
}

std::string DeviceNames::ZoneOfSite(const std::string& site_id) {
  const v1::RecordBody* b = Get("sites", site_id);
  return b == nullptr ? "" : Zone(b->site().zone_id());
}

StatusOr<std::string> ResolveOnDevice(Client& c, const std::string& collection, const std::string& ref) {
  if (!ref.empty()) {
    if (c.Get(collection, ref).ok()) return ref;
    std::string id = core::ImportRecordId(collection, ref);
    if (c.Get(collection, id).ok()) return id;
  }
  std::string what = collection.substr(0, collection.size() - 1);
  return NotFound("no " + what + " '" + ref + "' on this tablet (by code or id; 'tablet " + what +
                  " list' shows those it holds, 'sync' brings new ones)");
}

void AddTabletReferenceCommands(Command& tablet, const Handler& run) {
  static const char kJsonHelp[] = "JSON, one record a line: ids, the record and its names";
  Command zone = tablet.Sub("zone", "zones (adding one needs an office token)");
  zone.Sub("add", "add a zone (prints its id)").Opt("name", "NAME", "its name (required)").Run(run);
  zone.Sub("list", "the zones this tablet holds").Switch("json", kJsonHelp).Run(run);
  Command site = tablet.Sub("site", "sites: schools and kindergartens (adding one needs an office token)");
  site.Sub("add", "add a site (prints its id)")
      .Opt("name", "NAME", "its name (required)")
      .Opt("zone", "ZONE", "its zone, by code or id (required)")
      .Opt("kind", "KIND", "primary (default), middle or kindergarten")
      .Opt("address", "TEXT", "its address")
      .Run(run);
  site.Sub("list", "the sites this tablet holds, in service")
      .Switch("all", "deactivated sites too (marked 已停用/deactivated)")
      .Switch("json", kJsonHelp)
      .Run(run);
  Command user = tablet.Sub("user", "people (adding one needs an office token)");
  user.Sub("add", "add a person (prints the user id 'admin token issue --user' takes)")
      .Opt("name", "NAME", "their name (required)")
      .Opt("role", "ROLE", "inspector, zone_director, office or integration (required)")
      .Run(run);
  user.Sub("list", "the people this tablet holds").Switch("json", kJsonHelp).Run(run);
  tablet.Sub("assign", "assign a person to a site or a whole zone (office; prints the assignment id)")
      .Opt("user", "USER", "the person, by code or id (required)")
      .Opt("site", "SITE", "a site, by code or id")
      .Opt("zone", "ZONE", "or a zone, by code or id")
      .Opt("from", "YYYY-MM-DD", "first day")
      .Opt("until", "YYYY-MM-DD", "end")
      .Run(run);
  tablet.Sub("unassign", "end an assignment today (office)").Pos("ASSIGNMENT_ID", "the assignment").Run(run);
  tablet.Sub("assignment", "assignments").Sub("list", "the assignments this tablet holds").Switch("json", kJsonHelp).Run(run);
}

std::optional<int> RunReferenceCommand(Client& c, const Args& fl, const std::vector<std::string>& pos,
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
    auto zone = ResolveOnDevice(c, "zones", fl.Get("zone"));
    if (!zone.ok()) return ctx.fail(zone.status());
    s->set_zone_id(*zone);
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
    for (auto [flag, collection] : {std::pair{"user", "users"}, {"site", "sites"}, {"zone", "zones"}}) {
      if (!fl.Has(flag)) continue;
      auto id = ResolveOnDevice(c, collection, fl.Get(flag));
      if (!id.ok()) return ctx.fail(id.status());
      if (std::string(flag) == "user") a->set_user_id(*id);
      else if (std::string(flag) == "site") a->set_site_id(*id);
      else a->set_zone_id(*id);
    }
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
  if (verb == "list" && (what == "zone" || what == "site" || what == "user" || what == "assignment"))
    return List(c, what, fl.Has("json"), fl.Has("all"), ctx);
  return std::nullopt;
}

}  // namespace inspectsync::tools
