// Access control: what a caller's role lets them change, and which records
// their scope lets them see (DESIGN.md "Security", "Scope follows
// assignments").
//
// A record's scope key is the site (or zone) it belongs to, fixed at
// creation (core::CollectionSpec::ScopeOf); reference data (zones, users) has
// the empty key and every caller sees it. A caller's scope is:
//   office, integration: everything;
//   inspector, zone director: the sites and zones of their current
//     assignments (their own, and those of the teams they are members of),
//     plus every site of an assigned zone.
// Both inspector and director scopes come from Assignment records, so the
// office controls them with the same tool; a director is assigned zones.
#ifndef INSPECTSYNC_SERVER_ACCESS_H_
#define INSPECTSYNC_SERVER_ACCESS_H_

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/schema.h"
#include "inspectsync/status.h"
#include "inspectsync/v1/records.pb.h"
#include "inspectsync/v1/sync.pb.h"
#include "storage/server_store.h"

namespace inspectsync::server {

enum class Role {
  kSystem,        // in-process callers without a token (tests, simulation, tools)
  kInspector,
  kZoneDirector,
  kOffice,
  kIntegration,
};

// "inspector", "zone_director", "office", "integration"; "" is kSystem.
// PERMISSION_DENIED naming the known roles otherwise.
StatusOr<Role> ParseRole(std::string_view name);
const char* RoleName(Role role);
// The roles a token may carry, for messages: "inspector, zone_director, ...".
const char* TokenRoleNames();

// Why `role` may not push to `spec` ("" when it may).
std::string WriteDenied(Role role, const core::CollectionSpec& spec);

// A set of scope keys, or everything. Keys are sorted and unique.
struct Scope {
  bool all = false;
  std::vector<std::string> keys;
  bool Contains(const std::string& key) const;
  // Whether a record with scope key `key` is visible: unscoped ("") always is.
  bool Sees(const std::string& key) const { return key.empty() || Contains(key); }
  void ToProto(v1::ScopeSet* out) const;
  static Scope FromProto(const v1::ScopeSet& s);
};

// Computes callers' scopes from the store's sites and assignments, and
// whether the office's user directory lets a caller in. It keeps an index of
// them in memory, rebuilt when any of those records changed (one indexed MAX
// per call to notice), so a call costs no scan.
//
// Thread-safe.
class ScopeResolver {
 public:
  explicit ScopeResolver(storage::ServerStore* store) : store_(store) {}

  StatusOr<Scope> Resolve(Role role, const std::string& user, int64_t now_ms);

  // Whether the users directory lets `user` in with `role` (a token's):
  // PERMISSION_DENIED, naming the person, if their record is deactivated,
  // deleted, or holds another role than the token grants (a token is bound
  // to the role the user had when it was issued). A user without a record
  // is let in: the office's first tokens come before any directory.
  Status CheckUser(Role role, const std::string& user);

 private:
  struct Grant {
    std::string key;       // site or zone id
    bool zone = false;
    int64_t starts_at_ms = 0;
    int64_t ends_at_ms = 0;  // 0: open-ended
  };
  struct Person {
    std::string name;
    bool active = false;
    bool deleted = false;
    v1::Role role = v1::ROLE_UNSPECIFIED;
  };
  Status RefreshLocked();

  storage::ServerStore* store_;
  std::mutex mu_;
  bool built_ = false;
  uint64_t built_at_ = 0;  // CollectionsHead of sites + assignments + teams when built
  std::unordered_map<std::string, std::vector<Grant>> grants_;            // user -> grants
  std::unordered_map<std::string, std::vector<std::string>> zone_sites_;  // zone -> live sites
  std::unordered_map<std::string, Person> people_;                        // user id -> directory entry
};

}  // namespace inspectsync::server

#endif  // INSPECTSYNC_SERVER_ACCESS_H_
