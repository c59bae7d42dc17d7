#include "server/access.h"

#include <algorithm>

namespace inspectsync::server {

StatusOr<Role> ParseRole(std::string_view name) {
  if (name.empty()) return Role::kSystem;
  if (name == "inspector") return Role::kInspector;
  if (name == "zone_director") return Role::kZoneDirector;
  if (name == "office") return Role::kOffice;
  if (name == "integration") return Role::kIntegration;
  return Status(StatusCode::kPermissionDenied,
                "unknown role '" + std::string(name) + "'; roles are: " + TokenRoleNames());
}

const char* RoleName(Role role) {
  switch (role) {
    case Role::kSystem: return "system";
    case Role::kInspector: return "inspector";
    case Role::kZoneDirector: return "zone_director";
    case Role::kOffice: return "office";
    case Role::kIntegration: return "integration";
  }
  return "?";
}

const char* TokenRoleNames() { return "inspector, zone_director, office, integration"; }

std::string WriteDenied(Role role, const core::CollectionSpec& spec) {
  switch (role) {
    case Role::kSystem:
    case Role::kOffice:
      return "";
    case Role::kIntegration:
      return "the integration role reads through sync; it changes data through the office's integration "
             "operations, not by pushing " + spec.name();
    case Role::kInspector:
    case Role::kZoneDirector:
      if (spec.reference())
        return std::string("only the office changes ") + spec.name() + "; the role " + RoleName(role) +
               " reads them";
      return "";
  }
  return "unknown role";
}

bool Scope::Contains(const std::string& key) const {
  return all || std::binary_search(keys.begin(), keys.end(), key);
}

void Scope::ToProto(v1::ScopeSet* out) const {
  out->Clear();
  out->set_all(all);
  if (!all)
    for (const auto& k : keys) out->add_keys(k);
}

Scope Scope::FromProto(const v1::ScopeSet& s) {
  Scope out;
  out.all = s.all();
  if (!out.all) {
    out.keys.assign(s.keys().begin(), s.keys().end());
    std::sort(out.keys.begin(), out.keys.end());
    out.keys.erase(std::unique(out.keys.begin(), out.keys.end()), out.keys.end());
  }
  return out;
}

Status ScopeResolver::RefreshLocked() {
  auto head = store_->CollectionsHead({"sites", "assignments", "teams", "users"});
  if (!head.ok()) return head.status();
  if (built_ && *head == built_at_) return Status::Ok();
  std::unordered_map<std::string, std::vector<Grant>> grants;
  std::unordered_map<std::string, std::vector<std::string>> zone_sites;
  INSPECTSYNC_RETURN_IF_ERROR(store_->ScanCollection("sites", [&](const storage::StoredRecord& r) -> Status {
    if (r.deleted) return Status::Ok();
    v1::Site site;
    if (!site.ParseFromString(r.body)) return DataLoss("stored site " + r.id + " is corrupt");
    if (!site.zone_id().empty()) zone_sites[site.zone_id()].push_back(r.id);
    return Status::Ok();
  }));
  std::unordered_map<std::string, std::vector<std::string>> team_members;
  INSPECTSYNC_RETURN_IF_ERROR(store_->ScanCollection("teams", [&](const storage::StoredRecord& r) -> Status {
    if (r.deleted) return Status::Ok();
    v1::Team team;
    if (!team.ParseFromString(r.body)) return DataLoss("stored team " + r.id + " is corrupt");
    team_members[r.id].assign(team.members().begin(), team.members().end());
    return Status::Ok();
  }));
  INSPECTSYNC_RETURN_IF_ERROR(store_->ScanCollection("assignments", [&](const storage::StoredRecord& r) -> Status {
    if (r.deleted) return Status::Ok();
    v1::Assignment a;
    if (!a.ParseFromString(r.body)) return DataLoss("stored assignment " + r.id + " is corrupt");
    Grant g;
    g.zone = a.site_id().empty();
    g.key = g.zone ? a.zone_id() : a.site_id();
    g.starts_at_ms = a.starts_at_ms();
    g.ends_at_ms = a.ends_at_ms();
    if (g.key.empty()) return Status::Ok();
    // A team's assignment covers whoever is in the team now: a member who
    // joins later gains the sites, one who leaves loses them.
    if (!a.team_id().empty()) {
      auto members = team_members.find(a.team_id());
      if (members != team_members.end())
        for (const std::string& u : members->second) grants[u].push_back(g);
    }
    if (!a.user_id().empty()) grants[a.user_id()].push_back(std::move(g));
    return Status::Ok();
  }));
  std::unordered_map<std::string, Person> people;
  INSPECTSYNC_RETURN_IF_ERROR(store_->ScanCollection("users", [&](const storage::StoredRecord& r) -> Status {
    v1::User u;
    if (!u.ParseFromString(r.body)) return DataLoss("stored user " + r.id + " is corrupt");
    people[r.id] = Person{u.name(), u.active(), r.deleted, u.role()};
    return Status::Ok();
  }));
  grants_ = std::move(grants);
  zone_sites_ = std::move(zone_sites);
  people_ = std::move(people);
  built_ = true;
  built_at_ = *head;
  return Status::Ok();
}

namespace {

// The directory's role as a token names it ("" for none).
const char* TokenRoleOf(v1::Role role) {
  switch (role) {
    case v1::INSPECTOR: return "inspector";
    case v1::ZONE_DIRECTOR: return "zone_director";
    case v1::OFFICE: return "office";
    case v1::INTEGRATION: return "integration";
    default: return "";
  }
}

}  // namespace

Status ScopeResolver::CheckUser(Role role, const std::string& user) {
  if (role == Role::kSystem) return Status::Ok();
  std::lock_guard<std::mutex> lock(mu_);
  INSPECTSYNC_RETURN_IF_ERROR(RefreshLocked());
  auto it = people_.find(user);
  if (it == people_.end()) return Status::Ok();
  const Person& p = it->second;
  const std::string who = (p.name.empty() ? std::string("user") : p.name) + " (" + user + ")";
  if (p.deleted)
    return Status(StatusCode::kPermissionDenied,
                  who + " was removed from the office's user directory; their tokens no longer work");
  if (!p.active)
    return Status(StatusCode::kPermissionDenied,
                  who + " is deactivated in the office's user directory; the office can reactivate the account");
  const std::string directory_role = TokenRoleOf(p.role);
  if (!directory_role.empty() && directory_role != RoleName(role))
    return Status(StatusCode::kPermissionDenied, "this token grants the role " + std::string(RoleName(role)) + ", but " +
                                                     who + " is " + directory_role +
                                                     " in the office's user directory now; sign in again for a new token");
  return Status::Ok();
}

StatusOr<Scope> ScopeResolver::Resolve(Role role, const std::string& user, int64_t now_ms) {
  Scope scope;
  if (role == Role::kSystem || role == Role::kOffice || role == Role::kIntegration) {
    scope.all = true;
    return scope;
  }
  std::lock_guard<std::mutex> lock(mu_);
  INSPECTSYNC_RETURN_IF_ERROR(RefreshLocked());
  auto it = grants_.find(user);
  if (it != grants_.end()) {
    for (const Grant& g : it->second) {
      if (g.starts_at_ms != 0 && now_ms < g.starts_at_ms) continue;
      if (g.ends_at_ms != 0 && now_ms >= g.ends_at_ms) continue;
      scope.keys.push_back(g.key);
      if (!g.zone) continue;
      auto zs = zone_sites_.find(g.key);
      if (zs != zone_sites_.end()) scope.keys.insert(scope.keys.end(), zs->second.begin(), zs->second.end());
    }
  }
  std::sort(scope.keys.begin(), scope.keys.end());
  scope.keys.erase(std::unique(scope.keys.begin(), scope.keys.end()), scope.keys.end());
  return scope;
}

}  // namespace inspectsync::server
