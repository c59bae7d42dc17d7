#include "server/office_refs.h"

#include <cctype>
#include <functional>
#include <optional>

#include "core/export.h"
#include "core/office_import.h"
#include "core/schema.h"

namespace inspectsync::server::office {

Status RequireRole(const Caller& caller, std::initializer_list<Role> roles, const std::string& what) {
  auto role = ParseRole(caller.role);
  if (!role.ok()) return role.status();
  if (*role == Role::kSystem) return Status::Ok();
  std::string allowed;
  for (Role r : roles) {
    if (r == *role) return Status::Ok();
    allowed += std::string(allowed.empty() ? "" : ", ") + RoleName(r);
  }
  return Status(StatusCode::kPermissionDenied, what + " is for the role" + (roles.size() > 1 ? "s " : " ") + allowed +
                                                   "; this token's role is " + RoleName(*role));
}

namespace {

// The one live team or campaign (`spec`) called exactly `name`,
// or none. Teams and campaigns are a district's few dozen records, so a scan
// on a miss by id costs little; two with the name cannot be told apart, so
// the caller is asked for the id (INVALID_ARGUMENT naming both).
StatusOr<std::optional<storage::StoredRecord>> FindByName(
    SyncEngine* engine, const core::CollectionSpec& spec, const std::string& name, const std::string& field,
    const std::function<bool(const storage::StoredRecord&)>& visible) {
  std::string noun = spec.descriptor()->name();  // "Team": "team" in a sentence
  for (char& c : noun) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::optional<storage::StoredRecord> found;
  std::string second;
  v1::RecordBody body;
  google::protobuf::Message* msg = spec.Mutable(&body);
  const bool team = spec.name() == "teams";
  INSPECTSYNC_RETURN_IF_ERROR(engine->store()->ScanCollection(spec.name(), [&](const storage::StoredRecord& r) -> Status {
    if (!visible(r) || !second.empty() || !msg->ParseFromString(r.body)) return Status::Ok();
    if ((team ? body.team().name() : body.campaign().name()) != name) return Status::Ok();
    if (found) second = r.id;
    else found = r;
    return Status::Ok();
  }));
  if (!second.empty())
    return InvalidArgument(field + ": two " + spec.name() + " are called '" + name + "' (" + found->id + " and " + second +
                           "); give the " + noun + "'s id");
  return found;
}

}  // namespace

StatusOr<Found> Resolve(SyncEngine* engine, const std::string& collection, const std::string& ref,
                        const std::string& field, const Scope* scope) {
  const core::CollectionSpec* spec = core::FindCollection(collection);
  if (spec == nullptr) return Internal("unknown collection " + collection);
  const std::string noun = spec->descriptor()->name();
  if (ref.empty()) return InvalidArgument(field + " is required (a " + noun + ")");
  // Codes exist for what the office imports by code; teams and campaigns
  // have no code, but people name them, so their exact name also works.
  const bool by_code = collection == "zones" || collection == "sites" || collection == "users";
  const bool by_name = collection == "teams" || collection == "campaigns";
  const std::string id = by_code ? core::ResolveImportRef(collection, ref) : ref;
  auto rec = engine->store()->GetRecord(collection, id);
  if (!rec.ok()) return rec.status();
  auto visible = [&](const storage::StoredRecord& r) {
    return !r.deleted && (scope == nullptr || scope->Sees(r.scope));
  };
  if ((!rec->has_value() || !visible(**rec)) && by_name) {
    auto named = FindByName(engine, *spec, ref, field, visible);
    if (!named.ok()) return named.status();
    *rec = std::move(*named);
  }
  // The same words whether it does not exist or the caller may not see it.
  if (!rec->has_value() || !visible(**rec))
    return NotFound(field + ": no " + noun + " '" + ref + "'" +
                    (by_code   ? " (neither a code nor an id of one)"
                     : by_name ? " (neither a name nor an id of one)"
                               : ""));
  Found out;
  out.rec = std::move(**rec);
  if (!spec->Mutable(&out.body)->ParseFromString(out.rec.body))
    return DataLoss("stored " + collection + " record " + id + " is corrupt");
  return out;
}

std::string NameOf(SyncEngine* engine, const std::string& collection, const std::string& id) {
  const core::CollectionSpec* spec = core::FindCollection(collection);
  if (spec == nullptr || id.empty()) return "";
  auto rec = engine->store()->GetRecord(collection, id);
  v1::RecordBody b;
  if (!rec.ok() || !rec->has_value() || !spec->Mutable(&b)->ParseFromString((*rec)->body)) return "";
  switch (b.kind_case()) {
    case v1::RecordBody::kZone: return b.zone().name();
    case v1::RecordBody::kSite: return b.site().name();
    case v1::RecordBody::kUser: return b.user().name();
    case v1::RecordBody::kTeam: return b.team().name();
    case v1::RecordBody::kCampaign: return b.campaign().name();
    default: return "";
  }
}

std::string Describe(const std::string& kind, const std::string& ref, const std::string& name) {
  if (name.empty() || name == ref) return kind + " '" + ref + "'";
  return kind + " '" + ref + "' (" + name + ")";
}

v1::Mutation CreateMutation(const std::string& collection, const std::string& id, v1::RecordBody body) {
  v1::Mutation m;
  m.set_collection(collection);
  m.set_record_id(id);
  m.set_op(v1::CREATE);
  *m.mutable_body() = std::move(body);
  return m;
}

v1::Mutation PatchMutation(const std::string& collection, const std::string& id, v1::RecordBody values,
                           const std::vector<std::string>& fields) {
  v1::Mutation m;
  m.set_collection(collection);
  m.set_record_id(id);
  m.set_op(v1::PATCH);
  for (const std::string& f : fields) m.mutable_mask()->add_paths(f);
  *m.mutable_body() = std::move(values);
  return m;
}

Status CheckFuture(const std::string& field, int64_t ms, int64_t now_ms) {
  if (ms == 0) return InvalidArgument(field + " is required");
  if (ms < core::kMinUnixMs || ms >= core::kMaxUnixMs)
    return InvalidArgument(field + " " + std::to_string(ms) +
                           " is not a time between 2000-01-01 and 2099-12-31 (unix milliseconds)");
  // The instants as people read them too: the command line sends a typed day.
  if (ms <= now_ms)
    return InvalidArgument(field + " " + std::to_string(ms) + " (" + core::IsoTime(ms) + ") is in the past (now is " +
                           core::IsoTime(now_ms) + "); a deadline is a time to come");
  return Status::Ok();
}

uint64_t VersionOf(const std::vector<v1::MutationResult>& results, const std::string& id) {
  for (const auto& r : results)
    if (r.record().id() == id) return r.record().version();
  return 0;
}

}  // namespace inspectsync::server::office
