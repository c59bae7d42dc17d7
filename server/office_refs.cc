#include "server/office_refs.h"

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

StatusOr<Found> Resolve(SyncEngine* engine, const std::string& collection, const std::string& ref,
                        const std::string& field, const Scope* scope) {
  const core::CollectionSpec* spec = core::FindCollection(collection);
  if (spec == nullptr) return Internal("unknown collection " + collection);
  const std::string noun = spec->descriptor()->name();
  if (ref.empty()) return InvalidArgument(field + " is required (a " + noun + ")");
  // Codes exist for what the office imports by code; everything else is
  // named by its record id only.
  const bool by_code = collection == "zones" || collection == "sites" || collection == "users";
  const std::string id = by_code ? core::ResolveImportRef(collection, ref) : ref;
  auto rec = engine->store()->GetRecord(collection, id);
  if (!rec.ok()) return rec.status();
  // The same words whether it does not exist or the caller may not see it.
  if (!rec->has_value() || (*rec)->deleted || (scope != nullptr && !scope->Sees((*rec)->scope)))
    return NotFound(field + ": no " + noun + " '" + ref + "'" + (by_code ? " (neither a code nor an id of one)" : ""));
  Found out;
  out.rec = std::move(**rec);
  if (!spec->Mutable(&out.body)->ParseFromString(out.rec.body))
    return DataLoss("stored " + collection + " record " + id + " is corrupt");
  return out;
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
  if (ms <= now_ms)
    return InvalidArgument(field + " " + std::to_string(ms) + " is in the past (now is " + std::to_string(now_ms) +
                           "); a deadline is a time to come");
  return Status::Ok();
}

uint64_t VersionOf(const std::vector<v1::MutationResult>& results, const std::string& id) {
  for (const auto& r : results)
    if (r.record().id() == id) return r.record().version();
  return 0;
}

}  // namespace inspectsync::server::office
