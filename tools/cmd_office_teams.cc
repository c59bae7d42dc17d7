// inspectsync admin team ...: the special campaign's inspection teams on the
// server (tools/office_server.h). Teams and campaigns are named by id or
// exact name, people and sites by code or id; the server resolves them all,
// so the names mean the same here as in every other client.
#include <cstdio>
#include <fstream>

#include "tools/office.h"
#include "tools/office_server.h"
#include "tools/render.h"

namespace inspectsync::tools {

namespace {

std::string Join(const google::protobuf::RepeatedPtrField<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

std::string CampaignText(const v1::TeamReply& t) {
  return t.campaign_name().empty() ? "no campaign" : "campaign " + t.campaign_name();
}

// "team 第一督导组: leader 李娜; members 李娜, 王伟; campaign 冬季专项".
std::string TeamLine(const v1::TeamReply& t) {
  return "team " + t.team().name() + ": leader " + t.leader_name() + "; members " + Join(t.member_names()) + "; " +
         CampaignText(t);
}

int Create(OfficeClient& office, const Args& fl) {
  v1::CreateTeamRequest req;
  req.set_name(fl.Get("name"));
  req.set_leader(fl.Get("leader"));
  for (const auto& m : fl.GetAll("member")) req.add_members(m);
  req.set_campaign_id(fl.Get("campaign"));
  auto team = office.CreateTeam(req);
  if (!team.ok()) return OfficeFail(team.status());
  if (PrintedJson(fl, *team)) return 0;
  std::printf("%s\n", team->team_id().c_str());  // for scripts; people read stderr
  std::fprintf(stderr, "created %s\n", TeamLine(*team).c_str());
  return 0;
}

int Edit(OfficeClient& office, const Args& fl) {
  v1::UpdateTeamRequest req;
  req.set_team_id(fl.positional().at(2));
  req.set_name(fl.Get("name"));
  req.set_leader(fl.Get("leader"));
  for (const auto& m : fl.GetAll("add-member")) req.add_add_members(m);
  for (const auto& m : fl.GetAll("remove-member")) req.add_remove_members(m);
  auto team = office.UpdateTeam(req);
  if (!team.ok()) return OfficeFail(team.status());
  if (!PrintedJson(fl, *team)) std::printf("%s\n", TeamLine(*team).c_str());
  return 0;
}

int List(OfficeClient& office, const Args& fl) {
  auto list = office.ListTeams();
  if (!list.ok()) return OfficeFail(list.status());
  if (fl.Has("json")) {
    for (const auto& t : list->teams()) std::printf("%s\n", ToJson(t).c_str());
    return 0;
  }
  // Cells by display width: Chinese names take two columns a character.
  std::printf("%s %s %s %s %s\n", Cell("TEAM", 20).c_str(), Cell("LEADER", 12).c_str(), Cell("MEMBERS", 40).c_str(),
              Cell("CAMPAIGN", 24).c_str(), "SITES");
  for (const auto& t : list->teams())
    std::printf("%s %s %s %s %5u\n", Cell(t.team().name(), 20).c_str(), Cell(t.leader_name(), 12).c_str(),
                Cell(Join(t.member_names()), 40).c_str(), Cell(t.campaign_name().empty() ? "-" : t.campaign_name(), 24).c_str(),
                t.sites_assigned());
  std::printf("%d team%s\n", list->teams_size(), list->teams_size() == 1 ? "" : "s");
  return 0;
}

int AssignCampaign(OfficeClient& office, const Args& fl) {
  v1::AssignCampaignRequest req;
  req.set_campaign_id(fl.Get("campaign"));
  for (const auto& t : fl.GetAll("team")) req.add_team_ids(t);
  auto reply = office.AssignCampaign(req);
  if (!reply.ok()) return OfficeFail(reply.status());
  if (PrintedJson(fl, *reply)) return 0;
  for (const auto& t : reply->teams())
    std::printf("team %s now works on %s\n", t.team().name().c_str(), CampaignText(t).c_str());
  return 0;
}

// The sites of --sites-file: one code or id a line; blank lines, a header
// line "code" and a spreadsheet's byte order mark are skipped.
bool ReadSitesFile(const std::string& path, std::vector<std::string>* out, std::string* why) {
  std::ifstream in(path);
  if (!in) {
    *why = "cannot read --sites-file " + path;
    return false;
  }
  std::string line;
  for (bool first = true; std::getline(in, line); first = false) {
    if (first && line.rfind("\xEF\xBB\xBF", 0) == 0) line.erase(0, 3);
    line.erase(0, line.find_first_not_of(" \t\r"));
    line.erase(line.find_last_not_of(" \t\r") + 1);
    if (line.empty() || (out->empty() && line == "code")) continue;
    out->push_back(line);
  }
  if (out->empty()) *why = "--sites-file " + path + " names no site";
  return !out->empty();
}

// `req` holds the period of --from and --to (CheckFlags).
int AssignSites(OfficeClient& office, const Args& fl, v1::AssignSitesRequest req) {
  req.set_team_id(fl.positional().at(2));
  req.set_campaign_id(fl.Get("campaign"));
  std::vector<std::string> sites = fl.GetAll("site");
  std::string why;
  if (fl.Has("sites-file") && !ReadSitesFile(fl.Get("sites-file"), &sites, &why)) return OfficeFail(why);
  for (auto& s : sites) req.add_sites(s);
  auto reply = office.AssignSites(req);
  if (!reply.ok()) return OfficeFail(reply.status());
  if (PrintedJson(fl, *reply)) return 0;
  // "N sites" whatever N: scripts match this line (the wording).
  std::printf("%d sites assigned to %s for %s\n", reply->assignment_ids_size(), reply->team_name().c_str(),
              reply->campaign_name().c_str());
  return 0;
}

// Flags checked before any call: a bad command line changes nothing.
std::string CheckFlags(const std::string& verb, const Args& fl, v1::AssignSitesRequest* period) {
  if (verb == "create" && (!fl.Has("name") || !fl.Has("leader"))) return "team create needs --name and --leader";
  if (verb == "edit" && !fl.Has("name") && !fl.Has("leader") && !fl.Has("add-member") && !fl.Has("remove-member"))
    return "team edit needs one of --name, --leader, --add-member, --remove-member";
  if (verb == "assign-campaign" && (!fl.Has("campaign") || !fl.Has("team")))
    return "team assign-campaign needs --campaign and at least one --team";
  if (verb == "assign-sites") {
    if (!fl.Has("campaign")) return "team assign-sites needs --campaign";
    if (fl.Has("site") == fl.Has("sites-file")) return "team assign-sites needs --site SITE... or --sites-file FILE";
    std::string why;
    int64_t ms = 0;
    if (fl.Has("from")) {
      if (!DayFlag(fl, "from", /*end_of_day=*/false, &ms, &why)) return why;
      period->set_starts_at_ms(ms);
    }
    if (fl.Has("to")) {
      if (!DayFlag(fl, "to", /*end_of_day=*/true, &ms, &why)) return why;
      period->set_ends_at_ms(ms);
    }
    if (period->ends_at_ms() != 0 && period->starts_at_ms() >= period->ends_at_ms()) return "--to is before --from";
  }
  return "";
}

int RunTeam(const Args& fl) {
  const std::string verb = fl.positional().at(1);
  v1::AssignSitesRequest period;
  if (std::string why = CheckFlags(verb, fl, &period); !why.empty()) return OfficeUsage(why);
  auto office = ConnectOffice(fl);
  if (!office.ok()) return OfficeFail(office.status());
  if (verb == "create") return Create(**office, fl);
  if (verb == "edit") return Edit(**office, fl);
  if (verb == "list") return List(**office, fl);
  if (verb == "assign-campaign") return AssignCampaign(**office, fl);
  return AssignSites(**office, fl, std::move(period));
}

}  // namespace

void AddTeamCommands(Command& admin) {
  Command team = admin.Sub("team", "inspection teams on the server: create, edit, list, give them campaigns and sites");
  OfficeServerLeaf(team.Sub("create", "create a team (prints its id)")
                       .Opt("name", "NAME", "its name, unique among teams (required)")
                       .Opt("leader", "USER", "who leads it, by code or id (required; made a member)")
                       .Multi("member", "USER", "a member, by code or id")
                       .Opt("campaign", "CAMPAIGN", "the campaign it works on, by id or name"),
                   RunTeam);
  OfficeServerLeaf(team.Sub("edit", "rename a team, change its leader or members")
                       .Pos("TEAM", "the team, by id or name")
                       .Opt("name", "NAME", "its new name")
                       .Opt("leader", "USER", "its new leader (made a member)")
                       .Multi("add-member", "USER", "add this person")
                       .Multi("remove-member", "USER", "remove this person (not the leader)"),
                   RunTeam);
  OfficeServerLeaf(team.Sub("list", "the teams: leader, members, campaign, sites assigned"), RunTeam);
  OfficeServerLeaf(team.Sub("assign-campaign", "put teams on a campaign")
                       .Opt("campaign", "CAMPAIGN", "the campaign, by id or name (required)")
                       .Multi("team", "TEAM", "a team, by id or name (at least one)"),
                   RunTeam);
  OfficeServerLeaf(team.Sub("assign-sites", "give a team sites to visit for a campaign; members' tablets receive them")
                       .Pos("TEAM", "the team, by id or name")
                       .Opt("campaign", "CAMPAIGN", "the campaign the visits are for, by id or name (required)")
                       .Multi("site", "SITE", "a site, by code or id")
                       .Opt("sites-file", "FILE", "or the sites of this file: one code or id a line")
                       .Opt("from", "YYYY-MM-DD", "first day (default: the campaign's)")
                       .Opt("to", "YYYY-MM-DD", "last day, inclusive (default: the campaign's)"),
                   RunTeam);
}

}  // namespace inspectsync::tools
