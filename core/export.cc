#include "core/export.h"

#include <cstdio>
#include <ctime>

#include "core/csv.h"

namespace inspectsync::core {

namespace {

// One value of a row: text (CSV and JSON string), or a JSON number, boolean
// or array of strings.
struct Cell {
  enum Kind { kText, kNumber, kBool, kList };
  Kind kind = kText;
  std::string text;                // kText, kNumber ("12"), kBool ("true")
  std::vector<std::string> list;   // kList
};

Cell Text(std::string s) { return Cell{Cell::kText, std::move(s), {}}; }
Cell Number(int64_t v) { return Cell{Cell::kNumber, std::to_string(v), {}}; }
Cell Number(uint64_t v) { return Cell{Cell::kNumber, std::to_string(v), {}}; }
Cell Bool(bool b) { return Cell{Cell::kBool, b ? "true" : "false", {}}; }
template <typename R>
Cell List(const R& items) {
  Cell c{Cell::kList, "", {}};
  for (const auto& s : items) c.list.push_back(s);
  return c;
}

// The cells of a row, in FindingExportColumns() order.
std::vector<Cell> Cells(const v1::FindingRow& r) {
  const v1::Finding& f = r.finding();
  return {Text(r.finding_id()),
          Number(r.version()),
          Text(f.site_id()),
          Text(r.site_name()),
          Text(r.zone_id()),
          Text(f.inspection_id()),
          Text(f.checklist_item_id()),
          Text(f.category()),
          Text(f.title()),
          Text(v1::Severity_Name(f.severity())),
          Text(v1::FindingStatus_Name(f.status())),
          Text(IsoDate(f.deadline_ms())),
          Number(f.deadline_ms()),
          Bool(r.overdue()),
          Number(r.overdue_days()),
          Text(f.description()),
          Text(f.responsible_org()),
          Text(f.notice_id()),
          Text(f.verification_id()),
          Text(f.void_reason()),
          Text(f.verification_note()),
          List(f.evidence()),
          List(f.tags()),
          Number(r.created_ms()),
          Number(r.updated_ms()),
          Text(r.updated_by()),
          Text(r.zone_name()),
          Text(r.site_code()),
          Text(r.notice_reference()),
          Text(r.inspector_id()),
          Text(r.inspector_name())};
}

}  // namespace

const std::vector<std::string>& FindingExportColumns() {
  static const std::vector<std::string> kColumns = {
      "finding_id",      "version",         "site_id",       "site_name",    "zone_id",  "inspection_id",
      "checklist_item_id", "category",      "title",         "severity",     "status",   "deadline",
      "deadline_ms",     "overdue",         "overdue_days",  "description",  "responsible_org",
      "notice_id",       "verification_id", "void_reason",   "verification_note", "evidence",
      "tags",            "created_ms",      "updated_ms",    "updated_by",
      // Issue 17: what a clerk reads (appended: scripts depend on the order).
      "zone_name",       "site_code",       "notice_reference", "inspector_id", "inspector_name"};
  return kColumns;
}

void AppendFindingCsvHeader(std::string* out) {
  CsvWriter w(out);
  (void)w.WriteRow(FindingExportColumns());
}

void AppendFindingCsv(const v1::FindingRow& row, std::string* out) {
  std::vector<std::string> fields;
  for (Cell& c : Cells(row)) {
    if (c.kind != Cell::kList) {
      fields.push_back(std::move(c.text));
      continue;
    }
    std::string joined;
    for (const auto& s : c.list) joined += (joined.empty() ? "" : ";") + s;
    fields.push_back(std::move(joined));
  }
  CsvWriter w(out);
  (void)w.WriteRow(fields);  // same width every row: cannot fail on a string
}

void AppendFindingJson(const v1::FindingRow& row, std::string* out) {
  const auto& columns = FindingExportColumns();
  std::vector<Cell> cells = Cells(row);
  out->push_back('{');
  for (size_t i = 0; i < cells.size(); ++i) {
    if (i) out->push_back(',');
    out->append(JsonQuote(columns[i]));
    out->push_back(':');
    const Cell& c = cells[i];
    if (c.kind == Cell::kText) {
      out->append(JsonQuote(c.text));
    } else if (c.kind == Cell::kList) {
      out->push_back('[');
      for (size_t j = 0; j < c.list.size(); ++j) {
        if (j) out->push_back(',');
        out->append(JsonQuote(c.list[j]));
      }
      out->push_back(']');
    } else {
      out->append(c.text);
    }
  }
  out->append("}\n");
}

std::string JsonQuote(const std::string& s) {
  std::string out = "\"";
  for (unsigned char ch : s) {
    switch (ch) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (ch < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", ch);
          out += buf;
        } else {
          out.push_back(static_cast<char>(ch));  // UTF-8 passes through
        }
    }
  }
  out.push_back('"');
  return out;
}

namespace {
std::string Utc(int64_t ms, const char* format) {
  if (ms <= 0) return "";
  std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, format, &tm);
  return buf;
}
}  // namespace

std::string IsoDate(int64_t ms) { return Utc(ms, "%Y-%m-%d"); }
std::string IsoTime(int64_t ms) { return Utc(ms, "%Y-%m-%d %H:%M:%SZ"); }

}  // namespace inspectsync::core
