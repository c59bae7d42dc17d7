// Corrections of the office's register: rename or move a site, deactivate it,
// rename a zone, deactivate a user, end an assignment. Each is one PATCH of
// the record through SyncEngine::WriteAll, so it is a version in history by
// the office's user, in the change feed, and on tablets at their next sync
// (a site moved to another zone leaves the old zone's scopes there). A
// correction that changes nothing writes nothing and says so (no changes).
#include "core/export.h"
#include "server/office_refs.h"
#include "server/office_writes.h"

namespace inspectsync::server {

namespace {

Status MayCorrect(const Caller& caller) {
  return office::RequireRole(caller, {Role::kOffice}, "correcting the register (sites, zones, users, assignments)");
}

void AddChange(v1::CorrectionReply* out, const std::string& field, const std::string& before,
               const std::string& after) {
  v1::FieldChange* c = out->add_changes();
  c->set_field(field);
  c->set_old_value(before);
  c->set_new_value(after);
}

// Writes the patch (if any field changed) and fills the reply's version.
StatusOr<v1::CorrectionReply> Write(SyncEngine* engine, const Caller& caller, const office::Found& found,
                                    v1::RecordBody values, const std::vector<std::string>& fields,
                                    v1::CorrectionReply out) {
  out.set_collection(found.rec.collection);
  out.set_record_id(found.rec.id);
  out.set_version(found.rec.version);
  if (fields.empty()) return out;
  auto written =
      engine->WriteAll({office::PatchMutation(found.rec.collection, found.rec.id, std::move(values), fields)}, caller);
  if (!written.ok()) return written.status();
  out.set_version(written->front().record().version());
  return out;
}

std::string ZoneName(SyncEngine* engine, const std::string& zone_id) {
  std::string name = office::NameOf(engine, "zones", zone_id);
  return name.empty() ? zone_id : name;
}

// "site 'PS-1' (No. 1 Primary)": by its code when it has one, else its name.
std::string SiteText(const v1::Site& s) {
  return s.code().empty() ? "site '" + s.name() + "'" : office::Describe("site", s.code(), s.name());
}

// "assignment of 李娜 at site 'PS-1' (No. 1 Primary)", or of a team, or of
// a whole zone.
std::string AssignmentText(SyncEngine* engine, const v1::Assignment& a) {
  std::string who = !a.user_id().empty() ? office::NameOf(engine, "users", a.user_id())
                                         : "team " + office::NameOf(engine, "teams", a.team_id());
  std::string where;
  if (!a.site_id().empty()) {
    auto rec = engine->store()->GetRecord("sites", a.site_id());
    v1::Site s;
    if (rec.ok() && rec->has_value() && s.ParseFromString((*rec)->body)) where = SiteText(s);
  } else {
    where = "zone '" + ZoneName(engine, a.zone_id()) + "'";
  }
  return "assignment of " + who + (where.empty() ? "" : " at " + where);
}

}  // namespace

StatusOr<v1::CorrectionReply> CorrectSite(SyncEngine* engine, const Caller& caller, const v1::CorrectSiteRequest& req) {
  INSPECTSYNC_RETURN_IF_ERROR(MayCorrect(caller));
  if (req.deactivate() && req.reactivate()) return InvalidArgument("deactivate and reactivate: ask for one of them");
  auto found = office::Resolve(engine, "sites", req.site(), "site");
  if (!found.ok()) return found.status();
  const v1::Site& cur = found->body.site();
  v1::RecordBody values;
  v1::Site* s = values.mutable_site();
  std::vector<std::string> fields;
  v1::CorrectionReply out;
  out.set_record_name(SiteText(cur));
  if (!req.name().empty() && req.name() != cur.name()) {
    s->set_name(req.name());
    fields.push_back("name");
    AddChange(&out, "name", cur.name(), req.name());
  }
  if (!req.zone().empty()) {
    auto zone = office::Resolve(engine, "zones", req.zone(), "zone");
    if (!zone.ok()) return zone.status();
    if (zone->rec.id != cur.zone_id()) {
      s->set_zone_id(zone->rec.id);
      fields.push_back("zone_id");
      AddChange(&out, "zone", ZoneName(engine, cur.zone_id()), zone->body.zone().name());
    }
  }
  if ((req.deactivate() && !cur.deactivated()) || (req.reactivate() && cur.deactivated())) {
    s->set_deactivated(req.deactivate());
    fields.push_back("deactivated");
    AddChange(&out, "active", cur.deactivated() ? "no" : "yes", req.deactivate() ? "no" : "yes");
  }
  return Write(engine, caller, *found, std::move(values), fields, std::move(out));
}

StatusOr<v1::CorrectionReply> RenameZone(SyncEngine* engine, const Caller& caller, const v1::RenameZoneRequest& req) {
  INSPECTSYNC_RETURN_IF_ERROR(MayCorrect(caller));
  auto found = office::Resolve(engine, "zones", req.zone(), "zone");
  if (!found.ok()) return found.status();
  if (req.name().empty()) return InvalidArgument("name is required (the zone's new name)");
  v1::RecordBody values;
  std::vector<std::string> fields;
  v1::CorrectionReply out;
  out.set_record_name(found->body.zone().code().empty() ? "zone '" + found->body.zone().name() + "'"
                                                         : office::Describe("zone", found->body.zone().code(),
                                                                            found->body.zone().name()));
  if (req.name() != found->body.zone().name()) {
    values.mutable_zone()->set_name(req.name());
    fields.push_back("name");
    AddChange(&out, "name", found->body.zone().name(), req.name());
  }
  return Write(engine, caller, *found, std::move(values), fields, std::move(out));
}

StatusOr<v1::CorrectionReply> DeactivateUser(SyncEngine* engine, const Caller& caller,
                                             const v1::DeactivateUserRequest& req) {
  INSPECTSYNC_RETURN_IF_ERROR(MayCorrect(caller));
  auto found = office::Resolve(engine, "users", req.user(), "user");
  if (!found.ok()) return found.status();
  if (found->rec.id == caller.user)
    return FailedPrecondition(office::Describe("user", req.user(), found->body.user().name()) +
                              " is the caller; another office user deactivates you");
  v1::RecordBody values;
  std::vector<std::string> fields;
  v1::CorrectionReply out;
  out.set_record_name("user '" + found->body.user().name() + "'");
  if (found->body.user().active()) {
    values.mutable_user()->set_active(false);
    fields.push_back("active");
    AddChange(&out, "active", "yes", "no");
  }
  return Write(engine, caller, *found, std::move(values), fields, std::move(out));
}

StatusOr<v1::CorrectionReply> EndAssignment(SyncEngine* engine, const Caller& caller,
                                            const v1::EndAssignmentRequest& req) {
  INSPECTSYNC_RETURN_IF_ERROR(MayCorrect(caller));
  auto found = office::Resolve(engine, "assignments", req.assignment_id(), "assignment_id");
  if (!found.ok()) return found.status();
  const v1::Assignment& a = found->body.assignment();
  const int64_t now = engine->options().clock->NowMillis();
  const int64_t ends = req.ends_at_ms() != 0 ? req.ends_at_ms() : now;
  if (ends < core::kMinUnixMs || ends >= core::kMaxUnixMs)
    return InvalidArgument("ends_at_ms " + std::to_string(ends) +
                           " is not a time between 2000-01-01 and 2099-12-31 (unix milliseconds)");
  // The engine refuses an assignment that ends when it starts, too.
  if (ends <= a.starts_at_ms())
    return InvalidArgument("ends_at_ms " + std::to_string(ends) + " is not after the assignment starts (" +
                           std::to_string(a.starts_at_ms()) + ")");
  if (a.ends_at_ms() != 0 && a.ends_at_ms() <= ends && a.ends_at_ms() <= now)
    return FailedPrecondition(AssignmentText(engine, a) + " already ended on " + core::IsoDate(a.ends_at_ms() - 1) + " (" +
                              found->rec.id + ")");
  v1::RecordBody values;
  std::vector<std::string> fields;
  v1::CorrectionReply out;
  out.set_record_name(AssignmentText(engine, a));
  if (a.ends_at_ms() != ends) {
    values.mutable_assignment()->set_ends_at_ms(ends);
    fields.push_back("ends_at_ms");
    AddChange(&out, "ends_at_ms", std::to_string(a.ends_at_ms()), std::to_string(ends));
  }
  return Write(engine, caller, *found, std::move(values), fields, std::move(out));
}

}  // namespace inspectsync::server
