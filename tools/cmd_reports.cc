// The office's reports on the command line (issue 17), straight from the
// server's ReportService (inspectsync::ReportClient) with an office,
// integration or zone director token; no device database:
//   admin progress --campaign C [--zone Z]...             how far a campaign has got
//   admin review --campaign C [--zone Z]...               pass / fail / n/a per checklist item
//   admin subtotals [--by zone|site|inspector] ...        findings by status, followed, overdue
//   admin special-report --zone Z --campaign C [--out F]  the zone director's 专报 as HTML
//   admin inspection show ID                              one inspection, answer by answer
//   admin finding show ID                                 one finding, its history, notice and checks
// Campaigns are named by id or exact name, zones by code or id: the values
// go to the server unchanged, which resolves them (and names an unknown one
// in a NOT_FOUND). People read names; --json carries ids beside the names.
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <functional>
#include <optional>
#include <set>

#include "core/ids.h"
#include "core/labels.h"
#include "inspectsync/reports.h"
#include "tools/commands.h"
#include "tools/connection.h"
#include "tools/integration.h"
#include "tools/render.h"

namespace inspectsync::tools {

namespace {

// Connects, asks, and prints the answer as JSON with --json. An exit code
// when done (a failure, or the JSON printed); nullopt when `*out` is to be
// printed for people.
template <class Report>
std::optional<int> Ask(const Args& fl, const std::function<StatusOr<Report>(ReportClient&)>& ask, Report* out) {
  auto options = DirectCallOptions(fl, "office or zone director");
  if (!options.ok()) return IntegrationFail(options.status());
  auto reports = ReportClient::Connect(ServerAddress(fl), *options);
  if (!reports.ok()) return IntegrationFail(reports.status());
  auto got = ask(**reports);
  if (!got.ok()) return IntegrationFail(got.status());
  *out = std::move(*got);
  if (!fl.Has("json")) return std::nullopt;
  std::printf("%s\n", MessageToJsonLine(*out).c_str());
  return 0;
}

// "S01 东城第一小学": the site as the office names it.
std::string SiteText(const v1::SiteRef& s) {
  std::string name = s.name().empty() ? "(site not in the directory)" : s.name();
  return s.code().empty() ? name : s.code() + " " + name;
}

std::string PersonText(const v1::PersonRef& p) { return p.name().empty() ? "(not in the directory)" : p.name(); }

std::string PeopleText(const google::protobuf::RepeatedPtrField<v1::PersonRef>& people) {
  std::string out;
  for (const auto& p : people) out += (out.empty() ? "" : ", ") + PersonText(p);
  return out.empty() ? "-" : out;
}

// `s` right-aligned in `width` display columns (Chinese takes two).
std::string Right(const std::string& s, size_t width) {
  size_t w = DisplayWidth(s);
  return w >= width ? s : std::string(width - w, ' ') + s;
}

std::string N(uint64_t n) { return std::to_string(n); }

// ------------------------------------------------------------- progress

void PrintCounts(const char* heading, const google::protobuf::RepeatedPtrField<v1::ProgressCount>& rows,
                 const v1::ProgressCount* totals) {
  std::printf("%s %s %s %s\n", Cell(heading, 24).c_str(), Right("INSPECTED", 9).c_str(), Right("ASSIGNED", 9).c_str(),
              Right("TOTAL", 7).c_str());
  auto line = [](const std::string& name, const v1::ProgressCount& c) {
    std::printf("%s %s %s %s\n", Cell(name, 24).c_str(), Right(N(c.inspected()), 9).c_str(),
                Right(N(c.assigned()), 9).c_str(), Right(N(c.total()), 7).c_str());
  };
  for (const auto& c : rows) line(c.name(), c);
  if (totals != nullptr) line("TOTAL", *totals);
  if (rows.empty()) std::printf("  (none)\n");
}

int RunProgress(const Args& fl) {
  if (!fl.Has("campaign")) return IntegrationUsage("progress needs --campaign (its id or exact name)");
  v1::ProgressRequest req;
  req.set_campaign_id(fl.Get("campaign"));
  for (const auto& z : fl.GetAll("zone")) req.add_zone_ids(z);
  v1::ProgressReport r;
  if (auto done = Ask<v1::ProgressReport>(fl, [&](ReportClient& c) { return c.Progress(req); }, &r)) return *done;
  std::printf("campaign %s (%s), as of %s: %u of %u assigned sites inspected\n\n", r.campaign_name().c_str(),
              InspectionKindName(r.kind()).c_str(), FormatDate(r.as_of_ms()).c_str(), r.totals().inspected(),
              r.totals().assigned());
  PrintCounts("ZONE", r.zones(), &r.totals());
  std::printf("\n");
  PrintCounts("TEAM", r.teams(), nullptr);
  std::printf("\nnot yet visited (%d):\n", r.totals().not_visited_size());
  for (const auto& s : r.totals().not_visited())
    std::printf("  %s %s\n", Cell(SiteText(s), 36).c_str(), s.zone_name().c_str());
  std::printf("\nrepeated visits (%d):\n", r.repeated_visits_size());
  for (const auto& v : r.repeated_visits()) {
    std::printf("  %s (%s), %d inspections\n", SiteText(v.site()).c_str(), v.site().zone_name().c_str(),
                v.inspections_size());
    for (const auto& in : v.inspections())
      std::printf("    %s  %s\n", FormatDate(in.started_at_ms()).c_str(), PeopleText(in.inspectors()).c_str());
  }
  return 0;
}

// --------------------------------------------------------------- review

int RunReview(const Args& fl) {
  if (!fl.Has("campaign")) return IntegrationUsage("review needs --campaign (its id or exact name)");
  v1::ItemResultsRequest req;
  req.set_campaign_id(fl.Get("campaign"));
  for (const auto& z : fl.GetAll("zone")) req.add_zone_ids(z);
  v1::ItemResultsReport r;
  if (auto done = Ask<v1::ItemResultsReport>(fl, [&](ReportClient& c) { return c.ItemResults(req); }, &r)) return *done;
  std::printf("campaign %s, checklist %s@%u, %u inspection%s\n\n", r.campaign_name().c_str(), r.template_key().c_str(),
              r.template_version(), r.inspections(), r.inspections() == 1 ? "" : "s");
  std::printf("%s %s %s %s %s %s  %s\n", Cell("ITEM", 10).c_str(), Cell("CATEGORY", 16).c_str(), Right("PASS", 5).c_str(),
              Right("FAIL", 5).c_str(), Right("N/A", 5).c_str(), Right("DISAGREE", 8).c_str(), "TEXT");
  for (const auto& t : r.items())
    std::printf("%s %s %s %s %s %s  %s\n", Cell(t.item_id(), 10).c_str(), Cell(t.category(), 16).c_str(),
                Right(N(t.pass()), 5).c_str(), Right(N(t.fail()), 5).c_str(), Right(N(t.not_applicable()), 5).c_str(),
                Right(N(t.disagreements()), 8).c_str(),
                t.text().empty() ? "(not in the checklist)" : t.text().c_str());
  return 0;
}

// ------------------------------------------------------------ subtotals

int RunSubtotals(const Args& fl) {
  const std::string by = fl.Get("by", "zone");
  if (by != "zone" && by != "site" && by != "inspector")
    return IntegrationUsage("--by is zone, site or inspector, not '" + by + "'");
  v1::SubtotalsRequest req;
  for (const auto& z : fl.GetAll("zone")) req.add_zone_ids(z);
  for (const auto& c : fl.GetAll("campaign")) req.add_campaign_ids(c);
  req.set_sample_campaign_id(fl.Get("sample"));
  v1::SubtotalsReport r;
  if (auto done = Ask<v1::SubtotalsReport>(fl, [&](ReportClient& c) { return c.Subtotals(req); }, &r)) return *done;
  const auto& rows = by == "zone" ? r.zones() : by == "site" ? r.sites() : r.inspectors();
  // A column for each status that has findings in some row, in lifecycle order.
  std::set<int> statuses;
  for (const auto& row : rows)
    for (const auto& c : row.by_status()) statuses.insert(c.status());
  std::vector<std::pair<int, std::string>> columns;  // status, its heading
  for (int s : statuses) {
    auto status = static_cast<v1::FindingStatus>(s);
    columns.emplace_back(s, std::string(core::FindingStatusChinese(status)) + " " + v1::FindingStatus_Name(status));
  }
  std::printf("findings by %s, as of %s: %llu, overdue %llu\n\n", by.c_str(), FormatDate(r.as_of_ms()).c_str(),
              static_cast<unsigned long long>(r.findings()), static_cast<unsigned long long>(r.overdue()));
  const size_t name_width = by == "site" ? 32 : 20;
  std::string head = Cell(by == "zone" ? "ZONE" : by == "site" ? "SITE" : "INSPECTOR", name_width);
  if (by == "site") head += " " + Cell("ZONE", 12);
  head += " " + Right("FINDINGS", 8) + " " + Right("FOLLOWED", 8) + " " + Right("OVERDUE", 7);
  for (const auto& [s, heading] : columns) head += "  " + heading;
  std::printf("%s\n", head.c_str());
  for (const auto& row : rows) {
    std::string name = row.name().empty() ? "(not in the directory)" : row.name();
    if (by == "site" && !row.code().empty()) name = row.code() + " " + name;
    std::string line = Cell(name, name_width);
    if (by == "site") line += " " + Cell(row.zone_name(), 12);
    line += " " + Right(N(row.findings()), 8) + " " + Right(N(row.followed()), 8) + " " + Right(N(row.overdue()), 7);
    for (const auto& [s, heading] : columns) {
      uint64_t n = 0;
      for (const auto& c : row.by_status())
        if (c.status() == s) n = c.findings();
      line += "  " + Right(N(n), DisplayWidth(heading));
    }
    std::printf("%s\n", line.c_str());
  }
  if (rows.empty()) std::printf("  (no findings)\n");
  return 0;
}

// ------------------------------------------------------- special report

int RunSpecialReport(const Args& fl) {
  if (!fl.Has("zone") || !fl.Has("campaign"))
    return IntegrationUsage("special-report needs --zone (code or id) and --campaign (id or exact name)");
  v1::SpecialReportDocument doc;
  auto ask = [&](ReportClient& c) { return c.SpecialReport(fl.Get("zone"), fl.Get("campaign")); };
  if (auto done = Ask<v1::SpecialReportDocument>(fl, ask, &doc)) return *done;
  const std::string out = fl.Get("out");
  if (out.empty()) {
    std::fwrite(doc.html().data(), 1, doc.html().size(), stdout);
    return 0;
  }
  // Through a temporary file renamed at the end: a half-written report
  // never sits under the name.
  const std::string tmp = out + ".part";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    f.write(doc.html().data(), static_cast<std::streamsize>(doc.html().size()));
    if (!f.good()) {
      std::remove(tmp.c_str());
      return IntegrationFail(FailedPrecondition("cannot write " + out));
    }
  }
  if (std::rename(tmp.c_str(), out.c_str()) != 0) {
    std::remove(tmp.c_str());
    return IntegrationFail(FailedPrecondition("cannot write " + out));
  }
  std::printf("wrote %s: %s\n", out.c_str(), doc.title().c_str());
  return 0;
}

// ------------------------------------------------------ inspection show

int RunInspectionShow(const Args& fl) {
  const auto& pos = fl.positional();
  if (pos.size() < 3) return IntegrationUsage("inspection show needs the inspection's id");
  v1::InspectionSheet s;
  if (auto done = Ask<v1::InspectionSheet>(fl, [&](ReportClient& c) { return c.ShowInspection(pos[2]); }, &s))
    return *done;
  std::string tmpl = s.template_key() + "@" + std::to_string(s.template_version());
  std::printf("site        %s (%s)\n", SiteText(s.site()).c_str(), s.site().zone_name().c_str());
  std::printf("campaign    %s (%s)\n", s.campaign_name().empty() ? "-" : s.campaign_name().c_str(),
              InspectionKindName(s.kind()).c_str());
  std::printf("checklist   %s\n", s.template_title().empty() ? tmpl.c_str() : (s.template_title() + " (" + tmpl + ")").c_str());
  std::printf("inspectors  %s\n", PeopleText(s.inspectors()).c_str());
  std::printf("date        %s%s\n", FormatDate(s.started_at_ms()).c_str(),
              s.ended_at_ms() > 0 ? (" to " + FormatDate(s.ended_at_ms())).c_str() : "");
  if (!s.notes().empty()) std::printf("notes       %s\n", s.notes().c_str());
  std::printf("findings    %u\n\n", s.findings());
  std::printf("%s %s %s %s  %s\n", Cell("ITEM", 10).c_str(), Cell("CATEGORY", 16).c_str(), Cell("RESULT", 6).c_str(),
              Cell("BY", 12).c_str(), "TEXT");
  for (const auto& a : s.answers()) {
    std::printf("%s %s %s %s  %s\n", Cell(a.item_id(), 10).c_str(), Cell(a.category(), 16).c_str(),
                Cell(ItemResultName(a.result()), 6).c_str(), Cell(PersonText(a.answered_by()), 12).c_str(),
                a.text().empty() ? "(not in the checklist)" : a.text().c_str());
    if (!a.note().empty()) std::printf("%s  note: %s\n", std::string(47, ' ').c_str(), a.note().c_str());
  }
  if (s.answers_size() == 0) std::printf("  (no answers)\n");
  return 0;
}

// ---------------------------------------------------------- finding show

// "status NOTIFIED -> IN_RECTIFICATION": a change for people; a value that is
// a record id is left out (the field name says what changed).
std::string ChangeText(const v1::FieldChange& c) {
  if (core::IsUuid(c.old_value()) || core::IsUuid(c.new_value())) return c.field();
  if (c.old_value().empty()) return c.field() + " " + c.new_value();
  return c.field() + " " + c.old_value() + " -> " + c.new_value();
}

int RunFindingShow(const Args& fl) {
  const auto& pos = fl.positional();
  if (pos.size() < 3) return IntegrationUsage("finding show needs the finding's id");
  v1::FindingDossier d;
  if (auto done = Ask<v1::FindingDossier>(fl, [&](ReportClient& c) { return c.ShowFinding(pos[2]); }, &d)) return *done;
  const v1::FindingRow& r = d.finding();
  const v1::Finding& f = r.finding();
  std::string site = r.site_code().empty() ? r.site_name() : r.site_code() + " " + r.site_name();
  std::printf("finding     %s\n", f.title().c_str());
  std::printf("site        %s (%s)\n", site.c_str(), r.zone_name().c_str());
  std::printf("status      %s %s%s\n", std::string(core::FindingStatusChinese(f.status())).c_str(),
              v1::FindingStatus_Name(f.status()).c_str(), r.overdue() ? (", overdue " + std::to_string(r.overdue_days()) + " days").c_str() : "");
  if (f.deadline_ms() > 0) std::printf("deadline    %s\n", FormatDate(f.deadline_ms()).c_str());
  std::printf("category    %s%s\n", f.category().c_str(), d.item_text().empty() ? "" : (" — " + d.item_text()).c_str());
  if (!d.campaign_name().empty()) std::printf("campaign    %s\n", d.campaign_name().c_str());
  std::printf("inspectors  %s\n", PeopleText(d.inspectors()).c_str());
  if (!r.notice_reference().empty()) std::printf("notice      %s\n", r.notice_reference().c_str());
  int on_server = 0;
  for (const auto& p : d.photos()) on_server += p.on_server() ? 1 : 0;
  std::printf("photos      %d (%d on the server)\n", d.photos_size(), on_server);
  std::printf("\nhistory\n");
  for (const auto& h : d.history()) {
    std::string changes;
    for (const auto& c : h.changes()) changes += (changes.empty() ? "" : "; ") + ChangeText(c);
    std::printf("  %s  %s (%s)  %s\n", FormatDate(h.at_ms()).c_str(), PersonText(h.author()).c_str(),
                h.device_id().c_str(), changes.c_str());
  }
  if (d.conflicts_size() > 0) std::printf("\nconflicts\n");
  for (const auto& c : d.conflicts())
    std::printf("  %s  %s: %s kept, %s's value lost\n", v1::ConflictState_Name(c.conflict().state()).c_str(),
                c.conflict().field().c_str(), c.winner_name().c_str(), c.loser_name().c_str());
  if (d.verifications_size() > 0) std::printf("\nverifications\n");
  for (const auto& v : d.verifications())
    std::printf("  %s  %s by %s%s%s\n", FormatDate(v.verified_at_ms()).c_str(),
                v1::VerificationResult_Name(v.result()).c_str(), PersonText(v.verifier()).c_str(),
                v.note().empty() ? "" : (": " + v.note()).c_str(),
                v.new_deadline_ms() > 0 ? (" (new deadline " + FormatDate(v.new_deadline_ms()) + ")").c_str() : "");
  return 0;
}

}  // namespace

void AddReportCommands(Command& admin) {
  auto leaf = [](Command c, const Handler& run) {
    DirectCallLeaf(c, "connection (a token of role office or zone director)", run);
  };
  leaf(admin.Sub("progress", "a campaign's progress per zone and team, sites not yet visited, repeated visits")
           .Opt("campaign", "CAMPAIGN", "the campaign, by id or exact name (required)")
           .Multi("zone", "ZONE", "only this zone (code or id)"),
       RunProgress);
  leaf(admin.Sub("review", "the records review: pass / fail / n/a per checklist item of a campaign")
           .Opt("campaign", "CAMPAIGN", "the campaign, by id or exact name (required)")
           .Multi("zone", "ZONE", "only this zone (code or id)"),
       RunReview);
  leaf(admin.Sub("subtotals", "findings by status, followed and overdue, per zone, site or inspector")
           .Opt("by", "WHAT", "zone (default), site or inspector")
           .Multi("campaign", "CAMPAIGN", "only findings of this campaign's inspections (id or exact name)")
           .Opt("sample", "CAMPAIGN", "only findings at the sites of this spot check's sample")
           .Multi("zone", "ZONE", "only this zone (code or id)"),
       RunSubtotals);
  leaf(admin.Sub("special-report", "the zone director's special report (专报) for a zone and campaign, as HTML")
           .Opt("zone", "ZONE", "the zone (code or id; required)")
           .Opt("campaign", "CAMPAIGN", "the campaign, by id or exact name (required)")
           .Opt("out", "FILE", "write the document here (default: standard output)"),
       RunSpecialReport);
  leaf(admin.Sub("inspection", "inspections as people read them")
           .Sub("show", "one inspection: where, who, and each answer with its note and who gave it")
           .Pos("INSPECTION_ID", "the inspection"),
       RunInspectionShow);
  leaf(admin.Sub("finding", "findings as people read them")
           .Sub("show", "one finding: where, its status, every change with who and when, its notice and checks")
           .Pos("FINDING_ID", "the finding"),
       RunFindingShow);
}

}  // namespace inspectsync::tools
