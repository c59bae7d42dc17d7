#include "server/console/problems_csv.h"

#include <google/protobuf/descriptor.h>

#include <utility>

#include "core/export.h"
#include "inspectsync/v1/reports.pb.h"

namespace inspectsync::server::console {

namespace {

namespace pb = google::protobuf;

constexpr int64_t kChinaOffsetMs = 8 * 3'600'000;  // the district dates its papers in China Standard Time
constexpr uint32_t kPageSize = 1000;

const pb::MethodDescriptor* MethodNamed(const std::string& full_name) {
  return pb::DescriptorPool::generated_pool()->FindMethodByName(full_name);
}

const char* StatusText(v1::FindingStatus s) {
  switch (s) {
    case v1::DRAFT: return "草稿";
    case v1::OPEN: return "待处理";
    case v1::NOTIFIED: return "已下发整改通知";
    case v1::IN_RECTIFICATION: return "整改中";
    case v1::RECTIFIED: return "已整改待复查";
    case v1::CLOSED: return "已关闭";
    case v1::REOPENED: return "复查未通过";
    case v1::VOIDED: return "已作废";
    default: return "";
  }
}

const char* SeverityText(v1::Severity s) {
  switch (s) {
    case v1::LOW: return "低";
    case v1::MEDIUM: return "中";
    case v1::HIGH: return "高";
    case v1::CRITICAL: return "严重";
    default: return "";
  }
}

std::string Date(int64_t ms) { return ms > 0 ? core::IsoDate(ms + kChinaOffsetMs) : ""; }

std::string Row(std::initializer_list<std::string_view> cells) {
  std::string line;
  bool first = true;
  for (std::string_view c : cells) {
    if (!first) line += ',';
    first = false;
    line += CsvCell(c);
  }
  line += "\r\n";
  return line;
}

}  // namespace

std::string CsvCell(std::string_view text) {
  std::string cell;
  // A leading = + - @ (or tab / CR, which some spreadsheets skip before
  // one) makes a spreadsheet evaluate the cell: keep it text.
  if (!text.empty() && (text[0] == '=' || text[0] == '+' || text[0] == '-' || text[0] == '@' || text[0] == '\t' ||
                        text[0] == '\r'))
    cell += '\'';
  cell += text;
  if (cell.find_first_of(",\"\r\n") == std::string::npos) return cell;
  std::string quoted = "\"";
  for (char c : cell) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  quoted += '"';
  return quoted;
}

ProblemsCsv::ProblemsCsv(Gateway* gateway, Person person, v1::ProblemQuery query)
    : gateway_(gateway), person_(std::move(person)), query_(std::move(query)) {
  query_.set_page_size(kPageSize);
  query_.clear_page_token();
}

Status ProblemsCsv::Start() {
  INSPECTSYNC_RETURN_IF_ERROR(FetchPage());
  return FetchNames();
}

Status ProblemsCsv::FetchPage() {
  page_.Clear();
  Status st = gateway_->Call(person_, MethodNamed("inspectsync.v1.OfficeService.ListProblems"), query_, &page_);
  have_page_ = st.ok();
  return st;
}

// Names for the ids a Problem carries, asked of the server as the person
// (so they name only what the person may see): zones from CountProblems of
// the same query, notice references (and their sites' codes) from
// ListNotices, and every site's code from the site register
// (ReportService/ListDirectory) where the server has it.
Status ProblemsCsv::FetchNames() {
  v1::ProblemQuery count_query = query_;
  count_query.clear_page_size();
  v1::ProblemReport report;
  INSPECTSYNC_RETURN_IF_ERROR(
      gateway_->Call(person_, MethodNamed("inspectsync.v1.OfficeService.CountProblems"), count_query, &report));
  for (const auto& c : report.counts())
    if (!c.zone_name().empty()) zone_names_[c.zone_id()] = c.zone_name();

  v1::NoticeQuery notices_query;
  for (const auto& z : query_.zone_ids()) notices_query.add_zones(z);
  v1::NoticeList notices;
  INSPECTSYNC_RETURN_IF_ERROR(
      gateway_->Call(person_, MethodNamed("inspectsync.v1.OfficeService.ListNotices"), notices_query, &notices));
  for (const auto& n : notices.notices()) {
    notice_refs_[n.notice_id()] = n.notice().reference_no();
    if (!n.site_code().empty()) site_codes_[n.notice().site_id()] = n.site_code();
    if (!n.zone_name().empty()) zone_names_.emplace(n.zone_id(), n.zone_name());
  }

  // The site register's codes. Best effort: the rows are what the person may
  // see already (ListProblems said so); a register this person may not read
  // leaves those codes blank, never the file.
  v1::DirectoryRequest request;
  request.set_kind(v1::DIRECTORY_SITES);
  for (const auto& z : query_.zone_ids()) request.add_zone_ids(z);
  request.set_include_inactive(true);
  request.set_page_size(kPageSize);
  const pb::MethodDescriptor* directory = MethodNamed("inspectsync.v1.ReportService.ListDirectory");
  for (;;) {
    v1::DirectoryPage page;
    if (!gateway_->Call(person_, directory, request, &page).ok()) return Status();
    for (const v1::DirectoryEntry& e : page.entries()) {
      if (!e.code().empty()) site_codes_[e.id()] = e.code();
      if (!e.zone_name().empty()) zone_names_.emplace(e.zone_id(), e.zone_name());
    }
    if (page.next_page_token().empty()) break;
    request.set_page_token(page.next_page_token());
  }
  return Status();
}

void ProblemsCsv::AppendPage(std::string* out) {
  auto name = [](const std::map<std::string, std::string>& names, const std::string& id) {
    auto it = names.find(id);
    return it == names.end() ? std::string() : it->second;
  };
  for (const v1::Problem& p : page_.problems()) {
    const v1::Finding& f = p.finding();
    const std::string notice = f.notice_id().empty() ? "" : name(notice_refs_, f.notice_id());
    *out += Row({name(zone_names_, p.zone_id()), name(site_codes_, f.site_id()), p.site_name(), f.category(),
                 f.title(), f.description(), SeverityText(f.severity()), StatusText(f.status()), notice,
                 Date(f.deadline_ms()), p.overdue() ? std::to_string(p.overdue_days()) : "", f.responsible_org()});
    ++rows_;
  }
}

bool ProblemsCsv::Next(std::string* out) {
  out->clear();
  if (done_ || !status_.ok()) return false;
  if (!header_sent_) {
    header_sent_ = true;
    *out = "\xEF\xBB\xBF";  // the BOM: Excel reads the file as UTF-8 only with it
    *out += Row({"片区", "学校代码", "学校名称", "类别", "问题", "描述", "严重程度", "状态", "整改通知书编号",
                 "整改期限", "逾期天数", "责任单位"});
  } else {
    if (page_.next_page_token().empty()) {
      done_ = true;
      return false;
    }
    query_.set_page_token(page_.next_page_token());
    if (Status st = FetchPage(); !st.ok()) {
      status_ = st;
      return false;
    }
  }
  AppendPage(out);
  return true;
}

}  // namespace inspectsync::server::console
