// SpecialReport (reports.proto): the zone director's special report (专报)
// for a zone and a campaign, rendered into server/special_report_template.h.
// Every text that comes from a record is escaped for HTML here; names, never
// ids, reach the page.
//
// What it counts (docs/DESIGN-NOTES.md "Reports"): the zone's sites assigned
// for the campaign and those inspected in it; the findings of the campaign's
// inspections at the zone's sites, by category, with at most three examples
// each; those overdue (at most kMaxOverdueLines listed, all counted); the
// notices at the zone's sites that list such findings, and the
// verifications of those findings.
//
// Memory: the ids of the campaign's inspections and findings in the zone,
// counters per site and category, and the few lines the page lists.
#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <unordered_set>
#include <vector>

#include "core/lifecycle.h"
#include "server/reports.h"
#include "server/special_report_template.h"

namespace inspectsync::server {

namespace {

constexpr int64_t kDayMs = 86'400'000;
constexpr int64_t kChinaOffsetMs = 8 * 3'600'000;  // the district dates its documents in China Standard Time
constexpr size_t kExamplesPerCategory = 3;
constexpr size_t kMaxOverdueLines = 100;
constexpr size_t kMaxNoticeLines = 100;

std::string Escape(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

// "2026年12月3日" (proleptic Gregorian, days from the civil calendar).
std::string ChineseDate(int64_t ms) {
  int64_t z = (ms + kChinaOffsetMs) / kDayMs + 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int64_t d = doy - (153 * mp + 2) / 5 + 1;
  int64_t m = mp < 10 ? mp + 3 : mp - 9;
  int64_t y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  return std::to_string(y) + "年" + std::to_string(m) + "月" + std::to_string(d) + "日";
}

std::string Td(const std::string& escaped, bool number = false) {
  return std::string(number ? "<td class=\"n\">" : "<td>") + escaped + "</td>";
}

struct Category {
  uint64_t findings = 0, closed = 0, followed = 0, overdue = 0;
  std::vector<std::string> examples;  // escaped
};

struct Figures {
  std::set<std::string> assigned;                               // the zone's sites assigned for the campaign
  std::map<std::string, std::pair<int, std::set<std::string>>> visits;  // site -> inspections, inspector ids
  std::unordered_set<std::string> inspections;                  // the campaign's, in the zone
  std::unordered_set<std::string> findings_ids;
  uint64_t findings = 0, closed = 0, followed = 0, overdue = 0;
  std::map<std::string, Category> categories;
  std::vector<std::tuple<int64_t, std::string, std::string>> overdue_lines;  // deadline, site id, title
  uint64_t notices = 0, verified_passed = 0, verified_failed = 0;
  std::vector<std::tuple<int64_t, std::string>> notice_rows;  // issued, rendered row
};

template <class Msg, class Fn>
Status ScanLive(const ReportContext& ctx, const std::string& collection, Fn fn) {
  Msg msg;
  return ctx.engine()->store()->ScanCollection(collection, [&](const storage::StoredRecord& r) -> Status {
    if (r.deleted) return Status::Ok();
    if (!msg.ParseFromString(r.body)) return DataLoss("stored " + collection + " record " + r.id + " is corrupt");
    fn(r, msg);
    return Status::Ok();
  });
}

Status ReadWork(const ReportContext& ctx, const std::string& zone, const std::string& campaign, Figures* fig) {
  auto in_zone = [&](const std::string& site) { return ctx.ZoneOf(site) == zone; };
  INSPECTSYNC_RETURN_IF_ERROR(ScanLive<v1::Assignment>(ctx, "assignments", [&](const storage::StoredRecord&, const v1::Assignment& a) {
    if (a.campaign_id() != campaign) return;
    if (!a.site_id().empty() && in_zone(a.site_id())) fig->assigned.insert(a.site_id());
    if (a.zone_id() == zone)
      for (const auto& [id, site] : ctx.sites())
        if (site.zone_id == zone) fig->assigned.insert(id);
  }));
  INSPECTSYNC_RETURN_IF_ERROR(ScanLive<v1::Inspection>(ctx, "inspections", [&](const storage::StoredRecord& r, const v1::Inspection& in) {
    if (in.campaign_id() != campaign || !in_zone(in.site_id())) return;
    fig->inspections.insert(r.id);
    auto& visit = fig->visits[in.site_id()];
    ++visit.first;
    for (std::string& u : InspectorsOf(r, in)) visit.second.insert(std::move(u));
  }));
  return Status::Ok();
}

Status ReadFindings(const ReportContext& ctx, const std::string& zone, Figures* fig) {
  return ScanLive<v1::Finding>(ctx, "findings", [&](const storage::StoredRecord& r, const v1::Finding& f) {
    if (ctx.ZoneOf(r.scope) != zone || !fig->inspections.count(f.inspection_id())) return;
    fig->findings_ids.insert(r.id);
    ++fig->findings;
    Category& c = fig->categories[f.category()];
    ++c.findings;
    if (f.status() == v1::CLOSED) ++fig->closed, ++c.closed;
    if (core::FollowedByDefault(f.status())) ++fig->followed, ++c.followed;
    if (c.examples.size() < kExamplesPerCategory)
      c.examples.push_back(Escape(SiteLabel(ctx.SiteRefOf(f.site_id()))) + "：" + Escape(f.title()));
    if (core::IsOverdue(f, ctx.now_ms())) {
      ++fig->overdue, ++c.overdue;
      fig->overdue_lines.emplace_back(f.deadline_ms(), f.site_id(), f.title());
      // Keep the longest overdue: the earliest deadlines.
      std::sort(fig->overdue_lines.begin(), fig->overdue_lines.end());
      if (fig->overdue_lines.size() > kMaxOverdueLines) fig->overdue_lines.pop_back();
    }
  });
}

Status ReadNotices(const ReportContext& ctx, const std::string& zone, Figures* fig) {
  INSPECTSYNC_RETURN_IF_ERROR(ScanLive<v1::RectificationNotice>(ctx, "notices", [&](const storage::StoredRecord&, const v1::RectificationNotice& n) {
    if (ctx.ZoneOf(n.site_id()) != zone) return;
    int listed = 0;
    for (const std::string& id : n.finding_ids()) listed += fig->findings_ids.count(id) ? 1 : 0;
    if (listed == 0) return;
    ++fig->notices;
    if (fig->notice_rows.size() >= kMaxNoticeLines) return;
    std::string row = "<tr>" + Td(Escape(n.reference_no())) + Td(Escape(SiteLabel(ctx.SiteRefOf(n.site_id())))) +
                      Td(n.issued_at_ms() > 0 ? ChineseDate(n.issued_at_ms()) : "—") +
                      Td(n.deadline_ms() > 0 ? ChineseDate(n.deadline_ms()) : "—") + Td(std::to_string(listed) + "项", true) +
                      "</tr>";
    fig->notice_rows.emplace_back(n.issued_at_ms(), std::move(row));
  }));
  return ScanLive<v1::Verification>(ctx, "verifications", [&](const storage::StoredRecord&, const v1::Verification& v) {
    if (!fig->findings_ids.count(v.finding_id())) return;
    if (v.result() == v1::PASSED) ++fig->verified_passed;
    if (v.result() == v1::FAILED) ++fig->verified_failed;
  });
}

std::string Summary(const std::string& zone, const std::string& campaign, const std::string& date, const Figures& f) {
  size_t inspected_assigned = 0;
  for (const std::string& s : f.assigned) inspected_assigned += f.visits.count(s);
  std::string out = "截至" + date + "，" + zone + "片区在“" + campaign + "”中";
  if (!f.assigned.empty()) {
    out += "应检查学校（幼儿园）" + std::to_string(f.assigned.size()) + "所，已检查" +
           std::to_string(inspected_assigned) + "所，完成率" +
           std::to_string(inspected_assigned * 100 / f.assigned.size()) + "%";
    size_t left = f.assigned.size() - inspected_assigned;
    out += left > 0 ? "，尚有" + std::to_string(left) + "所未检查；" : "，已全部检查；";
  }
  out += "共检查学校（幼儿园）" + std::to_string(f.visits.size()) + "所。共发现问题" + std::to_string(f.findings) + "项";
  if (f.findings > 0)
    out += "，其中已整改销号" + std::to_string(f.closed) + "项，仍在跟踪整改" + std::to_string(f.followed) +
           "项，逾期未整改" + std::to_string(f.overdue) + "项";
  out += "。下发整改通知" + std::to_string(f.notices) + "份，复查" + std::to_string(f.verified_passed + f.verified_failed) +
         "次（通过" + std::to_string(f.verified_passed) + "次，未通过" + std::to_string(f.verified_failed) + "次）。";
  if (f.overdue > 0) out += "逾期问题须督促相关学校（幼儿园）限期整改到位。";
  else if (f.findings > 0 && f.followed == 0) out += "发现的问题均已整改销号。";
  return Escape(out);
}

// One pass over the template, so a value that happens to contain "{{x}}"
// (a finding's title) is never filled in again.
std::string Fill(const std::string& page, const std::map<std::string, std::string>& values) {
  std::string out;
  size_t at = 0;
  for (size_t open = page.find("{{"); open != std::string::npos; open = page.find("{{", at)) {
    size_t close = page.find("}}", open + 2);
    if (close == std::string::npos) break;
    auto it = values.find(page.substr(open + 2, close - open - 2));
    out.append(page, at, open - at);
    if (it != values.end()) out += it->second;
    else out.append(page, open, close + 2 - open);
    at = close + 2;
  }
  out.append(page, at, std::string::npos);
  return out;
}

std::string SiteRows(const ReportContext& ctx, const Figures& fig) {
  std::vector<std::pair<std::string, std::string>> rows;  // label, row
  for (const auto& [site, visit] : fig.visits) {
    std::string people;
    for (const std::string& u : visit.second) {
      std::string name = ctx.PersonOf(u).name();
      people += (people.empty() ? "" : "、") + (name.empty() ? std::string("（未登记人员）") : name);
    }
    std::string label = SiteLabel(ctx.SiteRefOf(site));
    rows.emplace_back(label, "<tr>" + Td(Escape(label)) + Td(std::to_string(visit.first) + "次", true) +
                                 Td(Escape(people)) + "</tr>");
  }
  std::sort(rows.begin(), rows.end());
  std::string out;
  for (const auto& r : rows) out += r.second + "\n";
  return out.empty() ? "<tr><td colspan=\"3\" class=\"empty\">尚无检查记录</td></tr>" : out;
}

std::string Render(const ReportContext& ctx, const std::string& zone_name, const v1::Campaign& campaign, const Figures& fig) {
  std::map<std::string, std::string> v;
  const std::string date = ChineseDate(ctx.now_ms());
  v["title"] = Escape(zone_name + "片区" + campaign.name() + "专报");
  v["zone"] = Escape(zone_name);
  v["campaign"] = Escape(campaign.name());
  v["date"] = date;
  v["summary"] = Summary(zone_name, campaign.name(), date, fig);
  v["sites"] = SiteRows(ctx, fig);
  std::vector<std::string> missing;
  for (const std::string& s : fig.assigned)
    if (!fig.visits.count(s)) missing.push_back(SiteLabel(ctx.SiteRefOf(s)));
  std::sort(missing.begin(), missing.end());
  for (const std::string& m : missing) v["not_visited"] += "<li>" + Escape(m) + "</li>\n";
  if (missing.empty()) v["not_visited"] = "<li class=\"empty\">无</li>";
  for (const auto& [category, c] : fig.categories) {
    std::string examples;
    for (const std::string& e : c.examples) examples += (examples.empty() ? "" : "<br>") + e;
    v["categories"] += "<tr>" + Td(Escape(category.empty() ? "未分类" : category)) +
                       Td(std::to_string(c.findings), true) + Td(std::to_string(c.closed), true) +
                       Td(std::to_string(c.followed), true) + Td(std::to_string(c.overdue), true) + Td(examples) +
                       "</tr>\n";
  }
  if (fig.categories.empty()) v["categories"] = "<tr><td colspan=\"6\" class=\"empty\">未发现问题</td></tr>";
  for (const auto& [deadline, site, title] : fig.overdue_lines)
    v["overdue"] += "<tr>" + Td(Escape(SiteLabel(ctx.SiteRefOf(site)))) + Td(Escape(title)) + Td(ChineseDate(deadline)) +
                    Td(std::to_string((ctx.now_ms() - deadline) / kDayMs) + "天", true) + "</tr>\n";
  if (fig.overdue > fig.overdue_lines.size())
    v["overdue"] += "<tr><td colspan=\"4\">另有" + std::to_string(fig.overdue - fig.overdue_lines.size()) +
                    "项逾期问题未列出</td></tr>\n";
  if (fig.overdue == 0) v["overdue"] = "<tr><td colspan=\"4\" class=\"empty\">无逾期问题</td></tr>";
  std::vector<std::tuple<int64_t, std::string>> notices = fig.notice_rows;
  std::sort(notices.begin(), notices.end());
  for (const auto& n : notices) v["notices"] += std::get<1>(n) + "\n";
  if (notices.empty()) v["notices"] = "<tr><td colspan=\"5\" class=\"empty\">尚未下发整改通知</td></tr>";
  v["verifications"] = "整改复查" + std::to_string(fig.verified_passed + fig.verified_failed) + "次：通过" +
                       std::to_string(fig.verified_passed) + "次，未通过（重新整改）" +
                       std::to_string(fig.verified_failed) + "次。";
  return Fill(kSpecialReportTemplate, v);
}

}  // namespace

StatusOr<v1::SpecialReportDocument> SpecialReport(SyncEngine* engine, const Caller& caller,
                                                  const v1::SpecialReportRequest& req) {
  // The caller first: an inspector learns nothing from a bad request.
  std::vector<std::string> zones;
  if (!req.zone_id().empty()) zones.push_back(req.zone_id());
  auto ctx = ReportContext::Open(engine, caller, zones, "zone_id");
  if (!ctx.ok()) return ctx.status();
  if (req.zone_id().empty()) return InvalidArgument("zone_id is required: a special report is for one zone");
  if (req.campaign_id().empty()) return InvalidArgument("campaign_id is required: a special report is for one campaign");
  auto campaign = ctx->Campaign(req.campaign_id());
  if (!campaign.ok()) return campaign.status();
  const std::string& zone = ctx->asked_zones().front();  // the zone's id, however it was named
  Figures fig;
  INSPECTSYNC_RETURN_IF_ERROR(ReadWork(*ctx, zone, campaign->id, &fig));
  INSPECTSYNC_RETURN_IF_ERROR(ReadFindings(*ctx, zone, &fig));
  INSPECTSYNC_RETURN_IF_ERROR(ReadNotices(*ctx, zone, &fig));
  const std::string zone_name = ctx->ZoneName(zone);
  v1::SpecialReportDocument doc;
  doc.set_title(zone_name + "片区" + campaign->campaign.name() + "专报");
  doc.set_as_of_ms(ctx->now_ms());
  doc.set_html(Render(*ctx, zone_name, campaign->campaign, fig));
  return doc;
}

}  // namespace inspectsync::server
