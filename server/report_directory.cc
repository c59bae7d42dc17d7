// The register, named, for the console's pickers, filters and directory
// pages (reports.proto ListDirectory).
//
// Who sees what: office and integration every record; a zone director the
// zones, sites and assignments of their zones (ReportContext decides, as for
// every report), and every user, team and campaign (reference data every
// tablet holds); inspector PERMISSION_DENIED.
//
// Cost: reference data only (a district's zones, sites, users, assignments,
// teams and campaigns): read once per call, the matching entries sorted in
// memory, one page returned. Page tokens carry the last entry's sort key, so
// a page follows on correctly while records change between calls.
#include <algorithm>
#include <memory>
#include <optional>
#include <tuple>
#include <unordered_map>

#include "core/hex.h"
#include "core/schema.h"
#include "core/quote.h"
#include "server/finding_names.h"
#include "server/reports.h"

namespace inspectsync::server {

namespace {

constexpr uint32_t kDefaultDirectoryPage = 100;
constexpr uint32_t kMaxDirectoryPage = 1000;
constexpr char kTokenPrefix[] = "d1.";

std::string Lower(std::string s) {
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

// "d1.<hex of code NUL name NUL id>": where the next page starts.
std::string EncodeToken(const v1::DirectoryEntry& e) {
  std::string key = e.code() + '\0' + e.name() + '\0' + e.id();
  return kTokenPrefix + core::HexEncode(key);
}

using SortKey = std::tuple<std::string, std::string, std::string>;

SortKey KeyOf(const v1::DirectoryEntry& e) { return {e.code(), e.name(), e.id()}; }

StatusOr<SortKey> DecodeToken(const std::string& token) {
  auto bad = [&] {
    return InvalidArgument("page_token " + core::Quote(token) +
                           " is not one this server gave (start again without a page_token)");
  };
  if (token.rfind(kTokenPrefix, 0) != 0) return bad();
  std::string decoded;
  if (!core::HexDecode(token.substr(sizeof(kTokenPrefix) - 1), &decoded)) return bad();
  const std::string* raw = &decoded;
  size_t a = raw->find('\0');
  size_t b = a == std::string::npos ? a : raw->find('\0', a + 1);
  if (b == std::string::npos || raw->find('\0', b + 1) != std::string::npos) return bad();
  return SortKey{raw->substr(0, a), raw->substr(a + 1, b - a - 1), raw->substr(b + 1)};
}

// Calls fn(record id, body) for every live record of `collection`.
template <class Fn>
Status ForEachLive(storage::ServerStore* store, const std::string& collection, Fn fn) {
  const core::CollectionSpec* spec = core::FindCollection(collection);
  std::unique_ptr<google::protobuf::Message> msg(
      google::protobuf::MessageFactory::generated_factory()->GetPrototype(spec->descriptor())->New());
  return store->ScanCollection(collection, [&](const storage::StoredRecord& r) -> Status {
    if (r.deleted) return Status::Ok();
    if (!msg->ParseFromString(r.body)) return DataLoss("stored " + collection + " record " + r.id + " is corrupt");
    fn(r.id, *msg);
    return Status::Ok();
  });
}

class Directory {
 public:
  Directory(const ReportContext& ctx, const FindingNames& names, bool zone_filtered, const v1::DirectoryRequest& req)
      : ctx_(ctx), names_(names), zone_filtered_(zone_filtered), req_(req), query_(Lower(req.query())) {}

  // Whether records of zone `zone_id` are listed (every zone, unfiltered).
  bool InZones(const std::string& zone_id) const { return !zone_filtered_ || ctx_.Covers(zone_id); }

  // `e` is taken by reference so `searchable` may name its fields.
  void Offer(v1::DirectoryEntry&& e, std::initializer_list<std::string> searchable) {
    if (!e.active() && !req_.include_inactive()) return;
    if (!query_.empty()) {
      bool hit = false;
      for (const std::string& s : searchable) hit = hit || Lower(s).find(query_) != std::string::npos;
      if (!hit) return;
    }
    entries_.push_back(std::move(e));
  }

  v1::PersonRef Person(const std::string& user_id) const {
    v1::PersonRef p;
    p.set_user_id(user_id);
    p.set_name(names_.UserName(user_id));
    return p;
  }

  StatusOr<v1::DirectoryPage> Page(const SortKey* after, uint32_t page_size) {
    std::sort(entries_.begin(), entries_.end(),
              [](const v1::DirectoryEntry& a, const v1::DirectoryEntry& b) { return KeyOf(a) < KeyOf(b); });
    v1::DirectoryPage page;
    page.set_total(entries_.size());
    auto it = entries_.begin();
    if (after != nullptr)
      it = std::upper_bound(entries_.begin(), entries_.end(), *after,
                            [](const SortKey& k, const v1::DirectoryEntry& e) { return k < KeyOf(e); });
    for (; it != entries_.end() && static_cast<uint32_t>(page.entries_size()) < page_size; ++it)
      *page.add_entries() = std::move(*it);
    if (it != entries_.end()) page.set_next_page_token(EncodeToken(page.entries(page.entries_size() - 1)));
    return page;
  }

 private:
  const ReportContext& ctx_;
  const FindingNames& names_;
  bool zone_filtered_;
  const v1::DirectoryRequest& req_;
  std::string query_;
  std::vector<v1::DirectoryEntry> entries_;
};

using Msg = google::protobuf::Message;
using NameMap = std::unordered_map<std::string, std::string>;

// id -> name of every live record of `collection` (records of type M), read
// before the scan that names them: no read may run inside a scan.
template <class M>
Status ReadNames(storage::ServerStore* store, const std::string& collection, NameMap* out) {
  return ForEachLive(store, collection, [&](const std::string& id, const Msg& m) {
    (*out)[id] = static_cast<const M&>(m).name();
  });
}

std::string NameIn(const NameMap& names, const std::string& id) {
  auto it = names.find(id);
  return it == names.end() ? std::string() : it->second;
}

Status OfferZones(storage::ServerStore* store, Directory* dir) {
  return ForEachLive(store, "zones", [&](const std::string& id, const Msg& m) {
    const auto& z = static_cast<const v1::Zone&>(m);
    if (!dir->InZones(id)) return;
    v1::DirectoryEntry e;
    e.set_id(id);
    e.set_code(z.code());
    e.set_name(z.name());
    e.set_active(true);
    dir->Offer(std::move(e), {z.code(), z.name()});
  });
}

Status OfferSites(storage::ServerStore* store, const FindingNames& names, Directory* dir) {
  return ForEachLive(store, "sites", [&](const std::string& id, const Msg& m) {
    const auto& s = static_cast<const v1::Site&>(m);
    if (!dir->InZones(s.zone_id())) return;
    v1::DirectoryEntry e;
    e.set_id(id);
    e.set_code(s.code());
    e.set_name(s.name());
    e.set_active(!s.deactivated());
    e.set_zone_id(s.zone_id());
    e.set_zone_name(names.ZoneName(s.zone_id()));
    e.set_site_kind(s.kind());
    e.set_address(s.address());
    dir->Offer(std::move(e), {s.code(), s.name()});
  });
}

// Every user, whatever the zone filter: users are reference data every
// tablet holds.
Status OfferUsers(storage::ServerStore* store, Directory* dir) {
  return ForEachLive(store, "users", [&](const std::string& id, const Msg& m) {
    const auto& u = static_cast<const v1::User&>(m);
    v1::DirectoryEntry e;
    e.set_id(id);
    e.set_name(u.name());
    e.set_active(u.active());
    e.set_role(u.role());
    dir->Offer(std::move(e), {u.name()});
  });
}

// Assignments have no name of their own: each is named "who @ where", and
// found by its person or team, its site or zone, or its campaign. An
// assignment is active until it ends.
Status OfferAssignments(storage::ServerStore* store, const ReportContext& ctx, const FindingNames& names,
                        Directory* dir) {
  NameMap teams, campaigns;
  INSPECTSYNC_RETURN_IF_ERROR(ReadNames<v1::Team>(store, "teams", &teams));
  INSPECTSYNC_RETURN_IF_ERROR(ReadNames<v1::Campaign>(store, "campaigns", &campaigns));
  const int64_t now = ctx.now_ms();
  return ForEachLive(store, "assignments", [&](const std::string& id, const Msg& m) {
    const auto& a = static_cast<const v1::Assignment&>(m);
    const std::string zone = a.site_id().empty() ? a.zone_id() : ctx.ZoneOf(a.site_id());
    if (!dir->InZones(zone)) return;
    v1::DirectoryEntry e;
    e.set_id(id);
    e.set_active(a.ends_at_ms() == 0 || a.ends_at_ms() > now);
    e.set_zone_id(zone);
    e.set_zone_name(names.ZoneName(zone));
    if (!a.user_id().empty()) *e.mutable_user() = dir->Person(a.user_id());
    if (!a.site_id().empty()) *e.mutable_site() = ctx.SiteRefOf(a.site_id());
    e.set_team_id(a.team_id());
    e.set_team_name(NameIn(teams, a.team_id()));
    e.set_campaign_id(a.campaign_id());
    e.set_campaign_name(NameIn(campaigns, a.campaign_id()));
    e.set_starts_at_ms(a.starts_at_ms());
    e.set_ends_at_ms(a.ends_at_ms());
    // Who at where: "李娜 @ PS-1 No. 1 Primary", "第一组 @ 东区".
    const std::string who = !a.user_id().empty() ? e.user().name() : e.team_name();
    const std::string where = a.site_id().empty() ? e.zone_name() : SiteLabel(e.site());
    e.set_name(who + " @ " + where);
    dir->Offer(std::move(e), {who, where, e.campaign_name(), e.zone_name()});
  });
}

// Teams with their leader, members and campaign, by name; found by their
// own or their leader's name.
Status OfferTeams(storage::ServerStore* store, Directory* dir) {
  NameMap campaigns;
  INSPECTSYNC_RETURN_IF_ERROR(ReadNames<v1::Campaign>(store, "campaigns", &campaigns));
  return ForEachLive(store, "teams", [&](const std::string& id, const Msg& m) {
    const auto& t = static_cast<const v1::Team&>(m);
    v1::DirectoryEntry e;
    e.set_id(id);
    e.set_name(t.name());
    e.set_active(true);
    if (!t.leader().empty()) *e.mutable_leader() = dir->Person(t.leader());
    for (const std::string& u : t.members()) *e.add_members() = dir->Person(u);
    e.set_campaign_id(t.campaign_id());
    e.set_campaign_name(NameIn(campaigns, t.campaign_id()));
    dir->Offer(std::move(e), {t.name(), e.leader().name()});
  });
}

// Campaigns are active until finished.
Status OfferCampaigns(storage::ServerStore* store, Directory* dir) {
  return ForEachLive(store, "campaigns", [&](const std::string& id, const Msg& m) {
    const auto& c = static_cast<const v1::Campaign&>(m);
    v1::DirectoryEntry e;
    e.set_id(id);
    e.set_name(c.name());
    e.set_active(c.status() != v1::FINISHED);
    e.set_campaign_kind(c.kind());
    e.set_campaign_status(c.status());
    e.set_spot_check(c.kind() == v1::SPOT_CHECK);
    e.set_sample_seed(c.sample_seed());
    e.set_sample_spec(c.sample_spec());
    e.set_starts_at_ms(c.starts_at_ms());
    e.set_ends_at_ms(c.ends_at_ms());
    e.set_template_key(c.template_key());
    e.set_template_version(c.template_version());
    dir->Offer(std::move(e), {c.name()});
  });
}

}  // namespace

StatusOr<v1::DirectoryPage> ListDirectory(SyncEngine* engine, const Caller& caller, const v1::DirectoryRequest& req) {
  auto ctx = ReportContext::Open(engine, caller, {req.zone_ids().begin(), req.zone_ids().end()});
  if (!ctx.ok()) return ctx.status();
  if (req.kind() == v1::DIRECTORY_KIND_UNSPECIFIED || !v1::DirectoryKind_IsValid(req.kind()))
    return InvalidArgument("kind is required: DIRECTORY_ZONES, DIRECTORY_SITES, DIRECTORY_USERS, "
                           "DIRECTORY_ASSIGNMENTS, DIRECTORY_TEAMS or DIRECTORY_CAMPAIGNS");
  if (req.page_size() > kMaxDirectoryPage)
    return InvalidArgument("page_size " + std::to_string(req.page_size()) + " is over the limit of " +
                           std::to_string(kMaxDirectoryPage));
  std::optional<SortKey> after;
  if (!req.page_token().empty()) {
    auto key = DecodeToken(req.page_token());
    if (!key.ok()) return key.status();
    after = *key;
  }
  auto scope = engine->ScopeOf(caller);
  if (!scope.ok()) return scope.status();
  auto names = FindingNames::Read(engine->store());
  if (!names.ok()) return names.status();
  // Zone-filtered when the caller asked for zones or may see only theirs.
  Directory dir(*ctx, *names, !req.zone_ids().empty() || !scope->all, req);
  storage::ServerStore* store = engine->store();

  Status offered = Status::Ok();
  switch (req.kind()) {
    case v1::DIRECTORY_ZONES: offered = OfferZones(store, &dir); break;
    case v1::DIRECTORY_SITES: offered = OfferSites(store, *names, &dir); break;
    case v1::DIRECTORY_USERS: offered = OfferUsers(store, &dir); break;
    case v1::DIRECTORY_ASSIGNMENTS: offered = OfferAssignments(store, *ctx, *names, &dir); break;
    case v1::DIRECTORY_TEAMS: offered = OfferTeams(store, &dir); break;
    case v1::DIRECTORY_CAMPAIGNS: offered = OfferCampaigns(store, &dir); break;
    default: break;  // unreachable: the kind was checked above
  }
  INSPECTSYNC_RETURN_IF_ERROR(offered);
  return dir.Page(after ? &*after : nullptr, req.page_size() == 0 ? kDefaultDirectoryPage : req.page_size());
}

}  // namespace inspectsync::server
