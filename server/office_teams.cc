// Teams (a special campaign's inspection teams, DOMAIN.md): create, change
// members and leader, put teams on a campaign, give a team its sites.
//
// Sites go to a team through Assignment records (team_id, site_id,
// campaign_id), not a list on the Team: assignments are what scopes are
// computed from (server/access.h), so every member's tablet receives the
// sites at its next sync and loses them when the assignment ends, with the
// period and campaign an assignment already carries; a site list on the team
// would be a second source of scope. Each assignment's id derives from
// (team, campaign, site), so giving the same site twice collides
// (ALREADY_EXISTS) inside the transaction, whatever races.
#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "core/ids.h"
#include "server/office_refs.h"
#include "server/office_writes.h"

namespace inspectsync::server {

namespace {

using office::Found;

const char kTeams[] = "teams";

Status MayManageTeams(const Caller& caller) {
  return office::RequireRole(caller, {Role::kOffice}, "managing teams");
}

// The user ids of `refs` (codes or ids), each once, in order.
StatusOr<std::vector<std::string>> ResolveUsers(SyncEngine* engine, const std::string& field,
                                                const google::protobuf::RepeatedPtrField<std::string>& refs) {
  std::vector<std::string> out;
  for (const std::string& ref : refs) {
    auto u = office::Resolve(engine, "users", ref, field);
    if (!u.ok()) return u.status();
    if (std::find(out.begin(), out.end(), u->rec.id) == out.end()) out.push_back(u->rec.id);
  }
  return out;
}

// ALREADY_EXISTS if a live team other than `except` is called `name`.
Status CheckTeamName(SyncEngine* engine, const std::string& name, const std::string& except) {
  if (name.empty()) return InvalidArgument("name is required (the team's name)");
  std::string clash;
  INSPECTSYNC_RETURN_IF_ERROR(engine->store()->ScanCollection(kTeams, [&](const storage::StoredRecord& r) -> Status {
    if (r.deleted || r.id == except || !clash.empty()) return Status::Ok();
    v1::Team t;
    if (t.ParseFromString(r.body) && t.name() == name) clash = r.id;
    return Status::Ok();
  }));
  if (!clash.empty()) return AlreadyExists("a team is already called '" + name + "' (team " + clash + ")");
  return Status::Ok();
}

// The team with the names of its people and campaign (a reply is read by
// people: the command line prints names, never ids).
v1::TeamReply Reply(SyncEngine* engine, const std::string& id, uint64_t version, const v1::Team& team) {
  v1::TeamReply out;
  out.set_team_id(id);
  out.set_version(version);
  *out.mutable_team() = team;
  out.set_leader_name(office::NameOf(engine, "users", team.leader()));
  for (const std::string& m : team.members()) out.add_member_names(office::NameOf(engine, "users", m));
  out.set_campaign_name(office::NameOf(engine, "campaigns", team.campaign_id()));
  return out;
}

}  // namespace

StatusOr<v1::TeamReply> CreateTeam(SyncEngine* engine, const Caller& caller, const v1::CreateTeamRequest& req) {
  INSPECTSYNC_RETURN_IF_ERROR(MayManageTeams(caller));
  INSPECTSYNC_RETURN_IF_ERROR(CheckTeamName(engine, req.name(), ""));
  auto leader = office::Resolve(engine, "users", req.leader(), "leader");
  if (!leader.ok()) return leader.status();
  auto members = ResolveUsers(engine, "members", req.members());
  if (!members.ok()) return members.status();
  std::string campaign_id;  // resolved: the request may name it
  if (!req.campaign_id().empty()) {
    auto c = office::Resolve(engine, "campaigns", req.campaign_id(), "campaign_id");
    if (!c.ok()) return c.status();
    campaign_id = c->rec.id;
  }
  v1::RecordBody body;
  v1::Team* t = body.mutable_team();
  t->set_name(req.name());
  t->set_leader(leader->rec.id);
  t->add_members(leader->rec.id);  // the leader is one of the team
  for (const std::string& m : *members)
    if (m != leader->rec.id) t->add_members(m);
  t->set_campaign_id(campaign_id);
  const v1::Team team = *t;
  const std::string id = engine->NewRecordId();
  auto written = engine->WriteAll({office::CreateMutation(kTeams, id, std::move(body))}, caller);
  if (!written.ok()) return written.status();
  return Reply(engine, id, office::VersionOf(*written, id), team);
}

StatusOr<v1::TeamReply> UpdateTeam(SyncEngine* engine, const Caller& caller, const v1::UpdateTeamRequest& req) {
  INSPECTSYNC_RETURN_IF_ERROR(MayManageTeams(caller));
  auto found = office::Resolve(engine, kTeams, req.team_id(), "team_id");
  if (!found.ok()) return found.status();
  const v1::Team& cur = found->body.team();
  v1::RecordBody values;
  v1::Team* t = values.mutable_team();
  std::vector<std::string> fields;
  if (!req.name().empty() && req.name() != cur.name()) {
    INSPECTSYNC_RETURN_IF_ERROR(CheckTeamName(engine, req.name(), found->rec.id));
    t->set_name(req.name());
    fields.push_back("name");
  }
  std::string leader = cur.leader();
  if (!req.leader().empty()) {
    auto l = office::Resolve(engine, "users", req.leader(), "leader");
    if (!l.ok()) return l.status();
    leader = l->rec.id;
    if (leader != cur.leader()) {
      t->set_leader(leader);
      fields.push_back("leader");
    }
  }
  auto add = ResolveUsers(engine, "add_members", req.add_members());
  if (!add.ok()) return add.status();
  auto remove = ResolveUsers(engine, "remove_members", req.remove_members());
  if (!remove.ok()) return remove.status();
  std::vector<std::string> members(cur.members().begin(), cur.members().end());
  for (const std::string& r : *remove) {
    if (r == leader)
      return FailedPrecondition("remove_members: user '" + r + "' leads team '" + cur.name() +
                                "'; name another leader first");
    members.erase(std::remove(members.begin(), members.end(), r), members.end());
  }
  std::vector<std::string> wanted = *add;
  if (!leader.empty()) wanted.push_back(leader);  // a leader is a member
  for (const std::string& a : wanted)
    if (std::find(members.begin(), members.end(), a) == members.end()) members.push_back(a);
  if (members != std::vector<std::string>(cur.members().begin(), cur.members().end())) {
    for (const std::string& m : members) t->add_members(m);
    fields.push_back("members");
  }
  if (fields.empty()) return Reply(engine, found->rec.id, found->rec.version, cur);
  auto written =
      engine->WriteAll({office::PatchMutation(kTeams, found->rec.id, std::move(values), fields)}, caller);
  if (!written.ok()) return written.status();
  const v1::MutationResult& r = written->front();
  return Reply(engine, found->rec.id, r.record().version(), r.record().body().team());
}

StatusOr<v1::AssignCampaignReply> AssignCampaign(SyncEngine* engine, const Caller& caller,
                                                 const v1::AssignCampaignRequest& req) {
  INSPECTSYNC_RETURN_IF_ERROR(MayManageTeams(caller));
  auto campaign = office::Resolve(engine, "campaigns", req.campaign_id(), "campaign_id");
  if (!campaign.ok()) return campaign.status();
  if (req.team_ids().empty()) return InvalidArgument("team_ids: name at least one team");
  std::vector<v1::Mutation> ms;
  std::set<std::string> seen;
  for (const std::string& tid : req.team_ids()) {
    auto team = office::Resolve(engine, kTeams, tid, "team_ids");
    if (!team.ok()) return team.status();
    if (!seen.insert(team->rec.id).second) continue;
    v1::RecordBody values;
    values.mutable_team()->set_campaign_id(campaign->rec.id);
    ms.push_back(office::PatchMutation(kTeams, team->rec.id, std::move(values), {"campaign_id"}));
  }
  auto written = engine->WriteAll(std::move(ms), caller);
  if (!written.ok()) return written.status();
  v1::AssignCampaignReply out;
  for (const auto& r : *written)
    *out.add_teams() = Reply(engine, r.record().id(), r.record().version(), r.record().body().team());
  return out;
}

StatusOr<v1::AssignSitesReply> AssignSites(SyncEngine* engine, const Caller& caller,
                                           const v1::AssignSitesRequest& req) {
  INSPECTSYNC_RETURN_IF_ERROR(MayManageTeams(caller));
  auto team = office::Resolve(engine, kTeams, req.team_id(), "team_id");
  if (!team.ok()) return team.status();
  auto campaign = office::Resolve(engine, "campaigns", req.campaign_id(), "campaign_id");
  if (!campaign.ok()) return campaign.status();
  if (req.sites().empty()) return InvalidArgument("sites: name at least one site");
  const v1::Campaign& c = campaign->body.campaign();
  const int64_t starts = req.starts_at_ms() != 0 ? req.starts_at_ms() : c.starts_at_ms();
  const int64_t ends = req.ends_at_ms() != 0 ? req.ends_at_ms() : c.ends_at_ms();
  if (ends != 0 && starts > ends)
    return InvalidArgument("ends_at_ms " + std::to_string(ends) + " is before starts_at_ms " + std::to_string(starts));
  std::vector<v1::Mutation> ms;
  v1::AssignSitesReply out;
  std::set<std::string> seen;
  for (const std::string& ref : req.sites()) {
    auto site = office::Resolve(engine, "sites", ref, "sites");
    if (!site.ok()) return site.status();
    if (site->body.site().deactivated())
      return FailedPrecondition(office::Describe("site", ref, site->body.site().name()) +
                                " is deactivated; reactivate it before assigning it");
    if (!seen.insert(site->rec.id).second) return InvalidArgument("sites: site '" + ref + "' is named twice");
    const std::string id =
        core::NameBasedUuid("team-assignment:" + team->rec.id + ":" + campaign->rec.id + ":" + site->rec.id);
    v1::RecordBody body;
    v1::Assignment* a = body.mutable_assignment();
    a->set_team_id(team->rec.id);
    a->set_site_id(site->rec.id);
    a->set_campaign_id(campaign->rec.id);
    a->set_starts_at_ms(starts);
    a->set_ends_at_ms(ends);
    ms.push_back(office::CreateMutation("assignments", id, std::move(body)));
    out.add_assignment_ids(id);
  }
  auto written = engine->WriteAll(std::move(ms), caller);
  if (!written.ok()) {
    if (written.status().code() == StatusCode::kAlreadyExists)
      return AlreadyExists("team '" + team->body.team().name() + "' already covers one of these sites for campaign '" +
                           c.name() + "'; nothing was written (" + written.status().message() + ")");
    return written.status();
  }
  for (const auto& r : *written) out.set_seq(std::max<uint64_t>(out.seq(), r.record().version()));
  out.set_team_name(team->body.team().name());
  out.set_campaign_name(c.name());
  return out;
}

StatusOr<v1::TeamList> ListTeams(SyncEngine* engine, const Caller& caller, const v1::ListTeamsRequest&) {
  INSPECTSYNC_RETURN_IF_ERROR(office::RequireRole(caller, {Role::kOffice, Role::kZoneDirector}, "the list of teams"));
  const int64_t now = engine->options().clock->NowMillis();
  // The sites each team covers now or later: one pass over the assignments.
  std::map<std::string, std::set<std::string>> sites;
  v1::Assignment a;
  INSPECTSYNC_RETURN_IF_ERROR(engine->store()->ScanCollection("assignments", [&](const storage::StoredRecord& r) -> Status {
    if (r.deleted || !a.ParseFromString(r.body) || a.team_id().empty()) return Status::Ok();
    if (a.ends_at_ms() != 0 && a.ends_at_ms() <= now) return Status::Ok();
    sites[a.team_id()].insert(a.site_id());
    return Status::Ok();
  }));
  v1::TeamList out;
  v1::Team t;
  INSPECTSYNC_RETURN_IF_ERROR(engine->store()->ScanCollection(kTeams, [&](const storage::StoredRecord& r) -> Status {
    if (r.deleted) return Status::Ok();
    if (!t.ParseFromString(r.body)) return DataLoss("stored team " + r.id + " is corrupt");
    v1::TeamReply* view = out.add_teams();
    *view = Reply(engine, r.id, r.version, t);
    auto it = sites.find(r.id);
    view->set_sites_assigned(it == sites.end() ? 0 : static_cast<uint32_t>(it->second.size()));
    return Status::Ok();
  }));
  std::sort(out.mutable_teams()->begin(), out.mutable_teams()->end(),
            [](const v1::TeamReply& x, const v1::TeamReply& y) {
              return std::tie(x.team().name(), x.team_id()) < std::tie(y.team().name(), y.team_id());
            });
  return out;
}

}  // namespace inspectsync::server
