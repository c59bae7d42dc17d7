// inspectsync admin: integration commands (findings); see tools/integration.h.
//   findings [filters] [--json]                  every page of ListFindings, as a table or JSON lines
//   export --format csv|jsonl [--out FILE] [filters]   ExportFindings, written as the chunks arrive
//   summary [--zone Z]... [--category C]... [--json]   Summary as tables
// Zones and sites are named by id or by the code they were imported with;
// the values go to the server as typed, which resolves them and names an
// unknown one (NOT_FOUND, exit 1) rather than answering with nothing.
#include <cstdio>
#include <fstream>

#include "core/date.h"
#include "core/export.h"
#include "tools/integration.h"
#include "tools/office.h"
#include "tools/render.h"

namespace inspectsync::tools {

namespace {

std::vector<std::string> Values(const Args& fl, const std::string& name) {
  std::vector<std::string> out;
  for (const auto& v : fl.GetAll(name))
    for (auto& part : SplitList(v)) out.push_back(std::move(part));
  return out;
}

// The filters of `findings` and `export`; "" or what is wrong.
std::string ParseQuery(const Args& fl, v1::FindingQuery* q) {
  for (const auto& z : Values(fl, "zone")) q->add_zone_ids(z);
  for (const auto& s : Values(fl, "site")) q->add_site_ids(s);
  for (const auto& c : Values(fl, "category")) q->add_categories(c);
  for (const auto& s : Values(fl, "status")) {
    v1::FindingStatus st;
    if (!ParseStatus(s, &st)) return "--status '" + s + "' is not a finding status (open, notified, rectified, ...)";
    q->add_statuses(st);
  }
  for (const auto& s : Values(fl, "severity")) {
    v1::Severity sev;
    if (!ParseSeverity(s, &sev)) return "--severity '" + s + "' is not one of low, medium, high, critical";
    q->add_severities(sev);
  }
  q->set_overdue_only(fl.Has("overdue"));
  for (const auto& c : Values(fl, "campaign")) q->add_campaign_ids(c);
  q->set_sample_campaign_id(fl.Get("sample"));
  if (fl.Has("updated-after")) {
    std::string v = fl.Get("updated-after");
    auto day = core::ParseDate(v);
    if (day.ok()) {
      q->set_updated_after_ms(*day - 1);  // changed on that day or later
    } else if (!v.empty() && v.find_first_not_of("0123456789") == std::string::npos) {
      q->set_updated_after_seq(std::stoull(v));
    } else {
      return "--updated-after takes a date YYYY-MM-DD or a commit seq: " + day.status().message();
    }
  }
  return "";
}

void PrintRow(const v1::FindingRow& r) {
  const v1::Finding& f = r.finding();
  std::string site = r.site_name().empty() ? f.site_id() : r.site_name();
  if (!r.site_code().empty()) site = r.site_code() + " " + site;
  // Cells cut and padded by display width, never inside a UTF-8 character.
  std::printf("%-36s  %s  %s  %s  %-8s  %-10s  %-10s  %s\n", r.finding_id().c_str(), Cell(site, 24).c_str(),
              Cell(r.zone_name(), 12).c_str(), Cell(f.category(), 20).c_str(), v1::Severity_Name(f.severity()).c_str(),
              v1::FindingStatus_Name(f.status()).c_str(), FormatDate(f.deadline_ms()).c_str(),
              r.overdue() ? ("yes, " + std::to_string(r.overdue_days()) + "d").c_str() : "");
}

}  // namespace

int RunFindings(const Args& fl) {
  v1::FindingQuery q;
  if (std::string why = ParseQuery(fl, &q); !why.empty()) return IntegrationUsage(why);
  auto conn = ConnectIntegration(fl);
  if (!conn.ok()) return IntegrationFail(conn.status());
  q.set_page_size(1000);
  bool json = fl.Has("json");
  uint64_t n = 0;
  for (;;) {
    auto got = (*conn)->ListFindings(q);
    if (!got.ok()) return IntegrationFail(got.status());
    const v1::FindingPage& page = *got;
    if (!json && q.page_token().empty())  // the first page: the header once the call worked
      std::printf("%-36s  %-24s  %-12s  %-20s  %-8s  %-10s  %-10s  %s\n", "FINDING", "SITE", "ZONE", "CATEGORY",
                  "SEVERITY", "STATUS", "DEADLINE", "OVERDUE");
    for (const auto& r : page.findings()) {
      ++n;
      if (json) std::printf("%s\n", MessageToJsonLine(r).c_str());
      else PrintRow(r);
    }
    if (page.next_page_token().empty()) break;
    q.set_page_token(page.next_page_token());
  }
  if (!json) std::printf("%llu finding%s\n", static_cast<unsigned long long>(n), n == 1 ? "" : "s");
  return 0;
}

int RunExport(const Args& fl) {
  v1::ExportRequest req;
  std::string format = fl.Get("format");
  if (format == "csv") req.set_format(v1::CSV);
  else if (format == "jsonl") req.set_format(v1::JSON_LINES);
  else return IntegrationUsage("export needs --format csv or --format jsonl");
  if (std::string why = ParseQuery(fl, req.mutable_query()); !why.empty()) return IntegrationUsage(why);
  if (fl.Has("bom") && format != "csv") return IntegrationUsage("--bom is for --format csv (for Excel), not " + format);
  auto conn = ConnectIntegration(fl);
  if (!conn.ok()) return IntegrationFail(conn.status());

  // To a temporary file renamed at the end, so a failed export never leaves
  // a file that looks complete.
  std::string out_path = fl.Get("out"), tmp_path = out_path + ".part";
  std::ofstream file;
  if (!out_path.empty()) {
    file.open(tmp_path, std::ios::binary | std::ios::trunc);
    if (!file) return IntegrationFail(FailedPrecondition("cannot write " + tmp_path));
  }
  uint64_t rows = 0, bytes = 0;
  // Excel reads a CSV without a byte order mark in the system's code page
  // (GBK on a Chinese Windows) and garbles UTF-8; with one it reads UTF-8.
  if (fl.Has("bom")) {
    static const char kBom[] = "\xEF\xBB\xBF";
    if (file.is_open()) file.write(kBom, 3);
    else std::fwrite(kBom, 1, 3, stdout);
  }
  Status st = (*conn)->Export(req, [&](const v1::ExportChunk& chunk) {
    bytes += chunk.data().size();
    if (file.is_open()) file.write(chunk.data().data(), static_cast<std::streamsize>(chunk.data().size()));
    else std::fwrite(chunk.data().data(), 1, chunk.data().size(), stdout);
    if (chunk.last()) rows = chunk.rows();
    return Status::Ok();
  });
  if (file.is_open()) file.close();
  if (!st.ok() || (file.fail() && !out_path.empty())) {
    if (!out_path.empty()) std::remove(tmp_path.c_str());
    return st.ok() ? IntegrationFail(DataLoss("writing " + out_path + " failed")) : IntegrationFail(st);
  }
  if (!out_path.empty()) {
    if (std::rename(tmp_path.c_str(), out_path.c_str()) != 0)
      return IntegrationFail(FailedPrecondition("cannot rename " + tmp_path + " to " + out_path));
    std::fprintf(stderr, "exported %llu findings (%llu bytes) to %s\n", static_cast<unsigned long long>(rows),
                 static_cast<unsigned long long>(bytes), out_path.c_str());
  }
  return 0;
}

int RunSummary(const Args& fl) {
  v1::SummaryRequest req;
  for (const auto& z : Values(fl, "zone")) req.add_zone_ids(z);
  for (const auto& c : Values(fl, "category")) req.add_categories(c);
  for (const auto& c : Values(fl, "campaign")) req.add_campaign_ids(c);
  req.set_sample_campaign_id(fl.Get("sample"));
  auto conn = ConnectIntegration(fl);
  if (!conn.ok()) return IntegrationFail(conn.status());
  auto summary = (*conn)->Summary(req);
  if (!summary.ok()) return IntegrationFail(summary.status());
  const v1::SummaryReport& report = *summary;
  if (fl.Has("json")) {
    std::printf("%s\n", MessageToJsonLine(report).c_str());
    return 0;
  }
  std::printf("findings as of %s: %llu, overdue %llu\n\n", FormatDate(report.as_of_ms()).c_str(),
              static_cast<unsigned long long>(report.findings()), static_cast<unsigned long long>(report.overdue()));
  // Zones by name; one the directory does not know by its id, as the last resort.
  auto zone = [](const std::string& id, const std::string& name, const char* none) {
    return Cell(!name.empty() ? name : !id.empty() ? id : none, 20);
  };
  std::printf("%s  %s  %-18s  %8s  %8s\n", Cell("ZONE", 20).c_str(), Cell("CATEGORY", 24).c_str(), "STATUS", "FINDINGS",
              "OVERDUE");
  for (const auto& c : report.counts())
    std::printf("%s  %s  %-18s  %8llu  %8llu\n", zone(c.zone_id(), c.zone_name(), "(unknown)").c_str(),
                Cell(c.category(), 24).c_str(), v1::FindingStatus_Name(c.status()).c_str(),
                static_cast<unsigned long long>(c.findings()), static_cast<unsigned long long>(c.overdue()));
  std::printf("\nconflicts: %llu open\n", static_cast<unsigned long long>(report.open_conflicts()));
  if (report.conflicts_size() > 0) {
    std::printf("%s  %8s  %8s  %13s\n", Cell("ZONE", 20).c_str(), "OPEN", "RESOLVED", "AUTO_RESOLVED");
    for (const auto& c : report.conflicts())
      std::printf("%s  %8llu  %8llu  %13llu\n", zone(c.zone_id(), c.zone_name(), "(reference data)").c_str(),
                  static_cast<unsigned long long>(c.open()), static_cast<unsigned long long>(c.resolved()),
                  static_cast<unsigned long long>(c.auto_resolved()));
  }
  return 0;
}

}  // namespace inspectsync::tools
