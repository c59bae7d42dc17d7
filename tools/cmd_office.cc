// The office commands of `inspectsync admin` (see tools/office.h): templates,
// campaigns, spot-check samples, the problem list and its report. Imports are
// in office_import.cc; teams, notices, verifications and corrections go
// straight to the server (tools/office_server.h).
#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>

#include "core/clock.h"
#include "core/date.h"
#include "core/ids.h"
#include "core/office_import.h"
#include "core/sampling.h"
#include "core/spot_check.h"
#include "tools/commands.h"
#include "tools/connection.h"
#include "tools/device_creates.h"
#include "tools/office.h"
#include "tools/office_server.h"
#include "inspectsync/office.h"
#include "tools/render.h"

namespace inspectsync::tools {

namespace {

constexpr int64_t kDayMs = 86'400'000;

// "K" or "K@V": the template's key and version (0 = the latest on the device).
bool ParseTemplateRef(const std::string& s, std::string* key, uint32_t* version) {
  size_t at = s.find('@');
  *key = s.substr(0, at);
  *version = 0;
  if (at == std::string::npos) return !key->empty();
  std::string v = s.substr(at + 1);
  if (v.empty() || v.size() > 9 || v.find_first_not_of("0123456789") != std::string::npos) return false;
  *version = static_cast<uint32_t>(std::stoul(v));
  return !key->empty() && *version > 0;
}

StatusOr<LocalRecord> FindCampaign(Client& c, const std::string& ref) {
  auto list = ListLive(c, "campaigns");
  if (!list.ok()) return list.status();
  const LocalRecord* found = nullptr;
  for (const auto& r : *list) {
    if (r.id == ref) return r;
    if (r.body.campaign().name() == ref) {
      if (found) return InvalidArgument("two campaigns are named '" + ref + "'; give the campaign id");
      found = &r;
    }
  }
  if (!found) return NotFound("no campaign '" + ref + "' on this device (campaign list shows them)");
  return *found;
}

std::map<std::string, std::string> Names(Client& c, const std::string& collection) {
  std::map<std::string, std::string> out;
  auto list = ListLive(c, collection);
  if (!list.ok()) return out;
  for (const auto& r : *list) {
    if (collection == "zones") out[r.id] = r.body.zone().name();
    if (collection == "sites") out[r.id] = r.body.site().name();
  }
  return out;
}

std::string NameOr(const std::map<std::string, std::string>& names, const std::string& id) {
  if (id.empty()) return "(none)";
  auto it = names.find(id);
  return it == names.end() ? id : it->second;
}

int TemplateList(Client& c, bool json) {
  auto list = ListLive(c, "templates");
  if (!list.ok()) return OfficeFail(list.status());
  std::sort(list->begin(), list->end(), [](const LocalRecord& a, const LocalRecord& b) {
    const auto &x = a.body.checklist_template(), &y = b.body.checklist_template();
    return std::make_pair(x.key(), x.version()) < std::make_pair(y.key(), y.version());
  });
  if (!json) std::printf("%-24s %-7s %-5s %-10s %s\n", "KEY", "VERSION", "ITEMS", "PUBLISHED", "TITLE");
  for (const auto& r : *list) {
    const auto& t = r.body.checklist_template();
    if (json) std::printf("%s\n", ToJson(t).c_str());
    else
      std::printf("%-24s %-7u %-5d %-10s %s\n", t.key().c_str(), t.version(), t.items_size(),
                  FormatDate(t.published_at_ms()).c_str(), t.title().c_str());
  }
  return 0;
}

int CampaignCreate(OfficeDevice& dev, const Args& fl) {
  for (const char* f : {"name", "kind", "from", "to", "template"})
    if (!fl.Has(f)) return OfficeUsage(std::string("campaign create needs --") + f);
  v1::Campaign camp;
  camp.set_name(fl.Get("name"));
  std::string kind = fl.Get("kind");
  if (kind == "special") camp.set_kind(v1::SPECIAL_CAMPAIGN);
  else if (kind == "routine") camp.set_kind(v1::ROUTINE_VISIT);
  else if (kind == "spot-check") camp.set_kind(v1::SPOT_CHECK);
  else return OfficeUsage("--kind is special, routine or spot-check, not '" + kind + "'");
  auto from_day = core::ParseDate(fl.Get("from")), to_day = core::ParseDate(fl.Get("to"), core::DayEdge::kEnd);
  if (!from_day.ok()) return OfficeUsage("--from: " + from_day.status().message());
  if (!to_day.ok()) return OfficeUsage("--to: " + to_day.status().message());
  int64_t from = *from_day, to = *to_day;
  if (to <= from) return OfficeUsage("--to is before --from");
  camp.set_starts_at_ms(from);
  camp.set_ends_at_ms(to);  // exclusive: the end of the --to day
  std::string key;
  uint32_t version;
  if (!ParseTemplateRef(fl.Get("template"), &key, &version)) return OfficeUsage("--template is KEY or KEY@VERSION");
  auto c = dev.OpenAndSync();
  if (!c.ok()) return OfficeFail(c.status());
  auto templates = ListLive(**c, "templates");
  if (!templates.ok()) return OfficeFail(templates.status());
  uint32_t found = 0;
  for (const auto& r : *templates) {
    const auto& t = r.body.checklist_template();
    if (t.key() == key && (version == 0 ? t.version() > found : t.version() == version)) found = t.version();
  }
  if (found == 0)
    return OfficeFail("template " + fl.Get("template") + " is not published (template list shows what is)");
  camp.set_template_key(key);
  camp.set_template_version(found);
  int64_t now = core::SystemClock()->NowMillis();
  camp.set_status(now < from ? v1::PLANNED : now < to ? v1::ACTIVE : v1::FINISHED);
  v1::RecordBody body;
  *body.mutable_campaign() = camp;
  auto id = (*c)->Create("campaigns", body);
  if (!id.ok()) return OfficeFail(id.status());
  if (auto synced = dev.OpenAndSync(); !synced.ok()) return OfficeFail(synced.status());
  std::printf("%s\n", id->c_str());
  return 0;
}

int CampaignList(Client& c, bool json) {
  auto list = ListLive(c, "campaigns");
  if (!list.ok()) return OfficeFail(list.status());
  if (!json)
    std::printf("%-36s %-24s %-10s %-10s %-10s %-9s %-20s %s\n", "ID", "NAME", "KIND", "FROM", "TO", "STATUS",
                "TEMPLATE", "SAMPLE");
  for (const auto& r : *list) {
    const auto& k = r.body.campaign();
    if (json) {
      std::printf("{\"id\":\"%s\",\"campaign\":%s}\n", r.id.c_str(), ToJson(k).c_str());
      continue;
    }
    std::string sample = k.sample_spec().empty() ? "-" : k.sample_spec() + " seed " + std::to_string(k.sample_seed());
    std::printf("%-36s %s %-10s %-10s %-10s %-9s %-20s %s\n", r.id.c_str(), Cell(k.name(), 24).c_str(),
                InspectionKindName(k.kind()).c_str(), FormatDate(k.starts_at_ms()).c_str(),
                FormatDate(k.ends_at_ms() - 1).c_str(), v1::CampaignStatus_Name(k.status()).c_str(),
                (k.template_key() + "@" + std::to_string(k.template_version())).c_str(), sample.c_str());
  }
  return 0;
}

int SampleDraw(OfficeDevice& dev, const Args& fl) {
  long long schools, kgs, seed;
  if (!fl.Has("campaign") || !fl.Has("seed")) return OfficeUsage("sample draw needs --campaign and --seed");
  if (!fl.GetInt("schools", 0, &schools) || !fl.GetInt("kindergartens", 0, &kgs) || !fl.GetInt("seed", 0, &seed) ||
      schools < 0 || kgs < 0 || schools + kgs == 0)
    return OfficeUsage("--schools and --kindergartens are counts (at least one above 0), --seed a number");
  if (fl.Has("team") && fl.Has("user")) return OfficeUsage("give --team or --user, not both");
  auto c = dev.OpenAndSync();
  if (!c.ok()) return OfficeFail(c.status());
  Client& cl = **c;
  auto camp = FindCampaign(cl, fl.Get("campaign"));
  if (!camp.ok()) return OfficeFail(camp.status());
  const v1::Campaign& k = camp->body.campaign();
  if (k.kind() != v1::SPOT_CHECK) return OfficeFail("campaign '" + k.name() + "' is not a spot check");
  std::string spec = core::SampleSpec(static_cast<int>(schools), static_cast<int>(kgs));
  if (!k.sample_spec().empty() && (k.sample_spec() != spec || k.sample_seed() != static_cast<uint64_t>(seed)))
    return OfficeFail("campaign '" + k.name() + "' was sampled with " + k.sample_spec() + " seed " +
                      std::to_string(k.sample_seed()) + "; the same seed and counts redraw it, a new sample needs a new campaign");
  std::string who_team, who_user = fl.Has("user") ? ResolveRef("users", fl.Get("user")) : "";
  if (fl.Has("team")) {  // the team's id or its name, as the server-side team commands take it
    auto teams = ListLive(cl, "teams");
    if (!teams.ok()) return OfficeFail(teams.status());
    for (const auto& r : *teams)
      if (r.id == fl.Get("team") || r.body.team().name() == fl.Get("team")) {
        if (!who_team.empty()) return OfficeFail("two teams are named '" + fl.Get("team") + "'; give the team id");
        who_team = r.id;
      }
    if (who_team.empty()) return OfficeFail("no team '" + fl.Get("team") + "' (admin team list shows them)");
  }
  if (!who_user.empty() && !cl.Get("users", who_user).ok())
    return OfficeFail("no user '" + fl.Get("user") + "' on this device");

  // The register as this device has it; the candidates, exclusions and
  // strata are core/spot_check.h's, as the server's DrawSample makes them.
  auto campaigns = ListLive(cl, "campaigns");
  auto assignments = ListLive(cl, "assignments");
  auto sites = ListLive(cl, "sites");
  for (auto* l : {&campaigns, &assignments, &sites})
    if (!l->ok()) return OfficeFail(l->status());
  core::SpotCheckRegister reg;
  for (const auto& r : *campaigns) reg.campaigns.emplace_back(r.id, r.body.campaign());
  for (const auto& r : *assignments) reg.assignments.emplace_back(r.id, r.body.assignment());
  std::map<std::string, const v1::Site*> site_by_id;
  for (const auto& r : *sites) {
    site_by_id[r.id] = &r.body.site();
    reg.sites.emplace_back(r.id, r.body.site());
  }
  core::SampleRequest req = core::SpotCheckRequest(camp->id, k, reg, static_cast<int>(schools), static_cast<int>(kgs),
                                                   static_cast<uint64_t>(seed));
  auto sample = core::DrawSpotCheckSample(req);
  if (!sample.ok()) return OfficeFail(sample.status());

  // The sample, the same for the same seed: nothing here depends on the time
  // or on what was created (that goes to stderr).
  auto zones = Names(cl, "zones");
  std::printf("spot-check sample of campaign '%s', %s, seed %lld\n", k.name().c_str(), spec.c_str(), seed);
  std::vector<std::string> drawn;
  for (const auto& s : sample->strata) {
    std::printf("%s: %d drawn of %d eligible (%d excluded: already in an open spot check)\n", s.name.c_str(),
                s.requested, s.eligible, s.excluded);
    std::printf("  %-24s %8s %8s %6s\n", "ZONE", "ELIGIBLE", "EXCLUDED", "DRAWN");
    for (const auto& z : s.zones)
      std::printf("  %s %8d %8d %6zu\n", Cell(NameOr(zones, z.zone_id), 24).c_str(), z.eligible, z.excluded, z.drawn.size());
    for (const auto& z : s.zones)
      for (const auto& id : z.drawn) {
        const v1::Site* site = site_by_id[id];
        std::printf("    %s  %s %s\n", Cell(site->code().empty() ? id : site->code(), 10).c_str(),
                    Cell(site->name(), 32).c_str(), NameOr(zones, z.zone_id).c_str());
        drawn.push_back(id);
      }
  }
  if (who_team.empty() && who_user.empty()) {
    std::fprintf(stderr, "(a preview: give --team or --user to assign the drawn sites)\n");
    return 0;
  }
  // Record how the sample was drawn, then assign it; both are idempotent, so
  // a run cut short is completed by running it again.
  if (k.sample_spec().empty()) {
    v1::RecordBody values;
    values.mutable_campaign()->set_sample_seed(static_cast<uint64_t>(seed));
    values.mutable_campaign()->set_sample_spec(spec);
    if (Status st = cl.Update("campaigns", camp->id, values, {"sample_seed", "sample_spec"}); !st.ok())
      return OfficeFail(st);
  }
  std::vector<Edit> edits;
  for (const std::string& site : drawn) {
    Edit e{Edit::Op::kCreate, "assignments", core::SampleAssignmentId(camp->id, site), {}, {}};
    v1::Assignment* a = e.body.mutable_assignment();
    a->set_site_id(site);
    a->set_team_id(who_team);
    a->set_user_id(who_user);
    a->set_campaign_id(camp->id);
    a->set_starts_at_ms(k.starts_at_ms());
    a->set_ends_at_ms(k.ends_at_ms());
    edits.push_back(std::move(e));
  }
  auto done = CreateNew(cl, edits);
  if (!done.ok()) return OfficeFail(done.status());
  size_t raced = 0;
  if (auto synced = dev.OpenAndSync(&raced); !synced.ok()) return OfficeFail(synced.status());
  std::fprintf(stderr, "assignments for campaign '%s': %zu created, %zu already there%s\n", k.name().c_str(),
               done->created - raced, done->already_there + raced, dev.online() ? "; synced" : " (sync later)");
  return 0;
}

// The ProblemQuery of the filter flags; "" or the reason it is bad.
std::string QueryFromFlags(const Args& fl, v1::ProblemQuery* q) {
  // As typed: the server resolves codes and names an unknown one.
  for (const auto& z : fl.GetAll("zone")) q->add_zone_ids(z);
  for (const auto& s : fl.GetAll("site")) q->add_site_ids(s);
  for (const auto& c : fl.GetAll("campaign")) q->add_campaign_ids(c);
  q->set_sample_campaign_id(fl.Get("sample"));
  for (const auto& c : fl.GetAll("category")) q->add_categories(c);
  for (const auto& s : fl.GetAll("status")) {
    v1::FindingStatus st;
    if (!ParseStatus(s, &st)) return "unknown --status '" + s + "'";
    q->add_statuses(st);
  }
  for (const auto& s : fl.GetAll("severity")) {
    v1::Severity sev;
    if (!ParseSeverity(s, &sev)) return "unknown --severity '" + s + "' (low, medium, high, critical)";
    q->add_severities(sev);
  }
  q->set_overdue_only(fl.Has("overdue"));
  q->set_page_size(500);
  return "";
}

int Problems(OfficeDevice& dev, const Args& fl, bool report) {
  v1::ProblemQuery q;
  if (std::string err = QueryFromFlags(fl, &q); !err.empty()) return OfficeUsage(err);
  if (!dev.online()) return OfficeUsage("problems and report ask the server: give --server");
  auto office = OfficeClient::Connect(dev.options().server_address, dev.options().grpc);
  if (!office.ok()) return OfficeFail(office.status());
  // Synced first, as every office command that reads: the names and the
  // filters below are checked against the district's current data.
  auto c = dev.OpenAndSync();
  if (!c.ok()) return OfficeFail(c.status());
  for (auto [flag, collection] : {std::pair{"zone", "zones"}, {"site", "sites"}})
    for (const auto& ref : fl.GetAll(flag))
      if (!(*c)->Get(collection, ResolveRef(collection, ref)).ok())
        return OfficeFail(std::string("no ") + flag + " '" + ref + "' (by code or id) in the district's data");
  std::map<std::string, std::string> zones = Names(**c, "zones");
  if (report) {
    auto r = (*office)->Count(q);
    if (!r.ok()) return OfficeFail(r.status());
    if (fl.Has("json")) {
      std::printf("%s\n", ToJson(*r).c_str());
      return 0;
    }
    std::printf("problems as of %s\n%-24s %-24s %-18s %8s %8s\n", FormatDate(r->as_of_ms()).c_str(), "ZONE",
                "CATEGORY", "STATUS", "FINDINGS", "OVERDUE");
    // Cells padded by display width: Chinese names take two columns a character.
    for (const auto& x : r->counts())
      std::printf("%s %s %-18s %8llu %8llu\n", Cell(x.zone_name().empty() ? NameOr(zones, x.zone_id()) : x.zone_name(), 24).c_str(), Cell(x.category(), 24).c_str(),
                  v1::FindingStatus_Name(x.status()).c_str(), (unsigned long long)x.findings(),
                  (unsigned long long)x.overdue());
    std::printf("%-24s %-24s %-18s %8llu %8llu\n", "TOTAL", "", "", (unsigned long long)r->findings(),
                (unsigned long long)r->overdue());
    return 0;
  }
  auto page = (*office)->ListAll(q);
  if (!page.ok()) return OfficeFail(page.status());
  if (fl.Has("json")) {
    std::printf("%s\n", ToJson(*page).c_str());
    return 0;
  }
  std::printf("%-10s %-8s %-8s %-16s %-16s %-24s %-24s %-36s %s\n", "DEADLINE", "OVERDUE", "SEVERITY", "STATUS",
              "ZONE", "SITE", "CATEGORY", "FINDING", "TITLE");
  for (const auto& p : page->problems()) {
    const v1::Finding& f = p.finding();
    std::printf("%-10s %-8s %-8s %-16s %s %s %s %-36s %s\n", FormatDate(f.deadline_ms()).c_str(),
                p.overdue() ? (std::to_string(p.overdue_days()) + "d").c_str() : "-",
                v1::Severity_Name(f.severity()).c_str(), v1::FindingStatus_Name(f.status()).c_str(),
                Cell(NameOr(zones, p.zone_id()), 16).c_str(), Cell(p.site_name(), 24).c_str(), Cell(f.category(), 24).c_str(),
                p.finding_id().c_str(), f.title().c_str());
  }
  std::printf("%d problem%s as of %s\n", page->problems_size(), page->problems_size() == 1 ? "" : "s",
              FormatDate(page->as_of_ms()).c_str());
  return 0;
}

}  // namespace

// ---- shared helpers (office.h) ----

int OfficeUsage(const std::string& why) {
  std::fprintf(stderr, "inspectsync admin: %s\nsee 'inspectsync admin --help'\n", why.c_str());
  return kExitUsage;
}
int OfficeFail(const std::string& why) {
  std::fprintf(stderr, "inspectsync admin: %s\n", why.c_str());
  return 1;
}
int OfficeFail(const Status& s) { return OfficeFail(s.ToString()); }

OfficeDevice::OfficeDevice(const Args& fl) {
  options_.db_path = fl.Get("db", "var/office.db");
  options_.server_address = fl.Get("server");
  auto grpc = GrpcOptionsFromFlags(fl);
  if (!grpc.ok()) {
    error_ = grpc.status().ToString();
    return;
  }
  options_.grpc = std::move(*grpc);
}

StatusOr<Client*> OfficeDevice::Open() {
  if (!client_) {
    auto c = Client::Open(options_);
    if (!c.ok()) return c.status();
    client_ = std::move(*c);
  }
  return client_.get();
}

StatusOr<Client*> OfficeDevice::OpenAndSync(size_t* already_there) {
  auto c = Open();
  if (!c.ok() || !online()) return c;
  std::vector<RejectedMutation> rejected;
  (*c)->OnRejected([&](const RejectedMutation& r) { rejected.push_back(r); });
  auto rep = (*c)->Sync();
  (*c)->OnRejected(nullptr);
  if (!rep.ok()) return Status(rep.status().code(), "sync with " + options_.server_address + ": " + rep.status().message());
  size_t refused = 0;
  for (const auto& r : rejected) {
    if (r.code == v1::ALREADY_EXISTS && already_there) {
      ++*already_there;  // someone created the same derived id first: it is there
      (void)(*c)->DismissRejected(r.mutation.mutation_id());
      continue;
    }
    ++refused;
    std::fprintf(stderr, "refused by the server: %s %s: %s\n", r.mutation.collection().c_str(),
                 r.mutation.record_id().c_str(), r.reason.c_str());
  }
  if (refused > 0)
    return FailedPrecondition("the server refused " + std::to_string(refused) +
                              " edit(s), listed above (also: inspectsync tablet --db " + options_.db_path + " rejected)");
  return c;
}

std::string ResolveRef(const std::string& collection, const std::string& ref) {
  return core::IsUuid(ref) ? ref : core::ImportRecordId(collection, ref);
}

StatusOr<std::vector<LocalRecord>> ListLive(Client& c, const std::string& collection) { return c.List(collection); }

std::vector<std::string> SplitList(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t comma = s.find(',', start);
    if (comma == std::string::npos) comma = s.size();
    std::string part = s.substr(start, comma - start);
    part.erase(0, part.find_first_not_of(" \t"));
    part.erase(part.find_last_not_of(" \t") + 1);
    if (!part.empty()) out.push_back(part);
    start = comma + 1;
  }
  return out;
}

std::string ToJson(const google::protobuf::Message& m) {
  std::string out;
  google::protobuf::util::JsonPrintOptions o;
  o.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(m, &out, o);
  return out;
}

namespace {

int RunOffice(const Args& fl) {
  const auto& pos = fl.positional();
  std::string what = pos[0], verb = pos.size() > 1 ? pos[1] : "";
  if (what == "import" && ImportGoesToServer(fl)) return CmdImport(nullptr, fl, pos);
  OfficeDevice dev(fl);
  if (!dev.error().empty()) return OfficeFail(dev.error());
  if (what == "import") return CmdImport(&dev, fl, pos);
  if (what == "template" && verb == "publish") return CmdTemplatePublish(dev, fl, pos);
  if (what == "campaign" && verb == "create") return CampaignCreate(dev, fl);
  if (what == "sample" && verb == "draw") return SampleDraw(dev, fl);
  if (what == "problems" || what == "report") return Problems(dev, fl, what == "report");
  if ((what == "template" || what == "campaign") && verb == "list") {
    auto c = dev.OpenAndSync();
    if (!c.ok()) return OfficeFail(c.status());
    return what == "template" ? TemplateList(**c, fl.Has("json")) : CampaignList(**c, fl.Has("json"));
  }
  return OfficeUsage("unknown command '" + what + (verb.empty() ? "" : " " + verb) + "'");
}

void AddConnection(Command& c) {
  c.Group("the office device")
      .Opt("db", "PATH", "the office device's database (default var/office.db)")
      .Opt("server", "HOST:PORT", "sync with this server before reading and after writing")
      .Opt("ca", "FILE", "CA certificate the server's certificate is checked against")
      .Opt("token", "TOKEN", "an office token")
      .Opt("token-file", "FILE", "file holding it (wins over --token)")
      .Switch("insecure", "plaintext, loopback servers only")
      .Group("");
}

Command& Filters(Command& c) {
  return c.Multi("zone", "ZONE", "only this zone (code or id)")
      .Multi("site", "SITE", "only this site (code or id)")
      .Multi("status", "STATUS", "only this status (open, notified, ...)")
      .Multi("category", "TEXT", "only this category")
      .Multi("severity", "LEVEL", "only this severity (low, medium, high, critical)")
      .Switch("overdue", "only overdue findings")
      .Multi("campaign", "CAMPAIGN", "only findings of inspections of this campaign (id or exact name)")
      .Opt("sample", "CAMPAIGN", "only findings at the sites of this spot check's sample (id or exact name)")
      .Switch("json", "JSON instead of a table");
}

}  // namespace

void AddOfficeCommands(Command& admin) {
  auto leaf = [](Command c) {
    AddConnection(c);
    c.Run(RunOffice);
    return c;
  };
  leaf(admin.Sub("import", "import zones, sites, users or assignments from CSV or JSON Lines, all or nothing")
           .Pos("KIND", "zones, sites, users or assignments")
           .Pos("FILE", "the file (.jsonl files are JSON Lines)")
           .Opt("format", "FORMAT", "csv or jsonl")
           .Opt("encoding", "ENC", "how a CSV file is decoded: auto (default: UTF-8, else GBK), utf-8, gbk, gb18030")
           .Switch("dry-run", "check only (imports on the server: --server without --db)")
           .Switch("update", "write the rows that differ from the records there (imports on the server)")
           .Switch("json", "the result as JSON (imports on the server)")
           .Footer("With --db (or offline) as the office device; with --server and no --db through the\n"
                   "server's import (office or integration token). Every row is checked first.\n"
                   "  zones.csv:       code,name\n"
                   "  sites.csv:       code,name,kind,zone[,address]   kind PRIMARY_SCHOOL|MIDDLE_SCHOOL|KINDERGARTEN\n"
                   "  users.csv:       code,name,role[,active]         role inspector|zone_director|office|integration\n"
                   "  assignments.csv: user,site,zone[,from,to]        one of site/zone; dates YYYY-MM-DD, to inclusive\n"
                   "Ids derive from codes: importing a file again creates nothing. Rows whose code is\n"
                   "there with other values are listed (old -> new) and left as they are; --update writes them."));
  Command tmpl = admin.Sub("template", "checklist templates");
  leaf(tmpl.Sub("publish", "publish a checklist (items: id,category,text[,default_severity,evidence_required])")
           .Pos("FILE", "the items, CSV")
           .Opt("key", "KEY", "the template's key (required)")
           .Opt("title", "TEXT", "its title (required)"));
  leaf(tmpl.Sub("list", "published templates").Switch("json", "JSON lines instead of a table"));
  Command campaign = admin.Sub("campaign", "inspection campaigns");
  leaf(campaign.Sub("create", "create a campaign (prints its id)")
           .Opt("name", "NAME", "its name (required)")
           .Opt("kind", "KIND", "special, routine or spot-check (required)")
           .Opt("from", "YYYY-MM-DD", "first day (required)")
           .Opt("to", "YYYY-MM-DD", "last day, inclusive (required)")
           .Opt("template", "KEY[@VERSION]", "its checklist (required)"));
  leaf(campaign.Sub("list", "the campaigns").Switch("json", "JSON lines instead of a table"));
  leaf(admin.Sub("sample", "spot-check samples")
           .Sub("draw", "draw a reproducible sample; with --team or --user, assign it for the campaign")
           .Opt("campaign", "CAMPAIGN", "the spot-check campaign, by id or name (required)")
           .Opt("schools", "N", "schools to draw")
           .Opt("kindergartens", "N", "kindergartens to draw")
           .Opt("seed", "N", "the seed: the same seed and counts draw the same sites (required)")
           .Opt("team", "TEAM", "assign the drawn sites to this team")
           .Opt("user", "USER", "or to this person (code or id)"));
  Command problems = admin.Sub("problems", "the problem list, by deadline (asks the server: give --server)");
  leaf(Filters(problems));
  Command report = admin.Sub("report", "counts by zone x category x status, with overdue (asks the server)");
  leaf(Filters(report));
  // Straight to the server, without an office device (office_server.h).
  AddTeamCommands(admin);
  AddNoticeCommands(admin);
  AddCorrectionCommands(admin);
  AddReportCommands(admin);
}

}  // namespace inspectsync::tools
