// The findings export (IntegrationService.ExportFindings): one stable list of
// columns, and a finding rendered as one CSV line or one JSON Lines object
// with those same keys, in that order. The office's spreadsheets and scripts
// depend on the order: new columns are only ever appended.
//
// CSV: RFC 4180 through core::CsvWriter (quoted only when needed, CR LF line
// ends), UTF-8 as stored, header row first. JSON Lines: one object per line,
// UTF-8 as stored (only '"', '\\' and control characters escaped); numbers
// and booleans typed, evidence and tags as arrays (in CSV joined with ";").
//
// Thread-safety: free functions.
#ifndef INSPECTSYNC_CORE_EXPORT_H_
#define INSPECTSYNC_CORE_EXPORT_H_

#include <string>
#include <vector>

#include "inspectsync/v1/integration.pb.h"

namespace inspectsync::core {

// finding_id, version, site_id, site_name, zone_id, inspection_id,
// checklist_item_id, category, title, severity, status, deadline,
// deadline_ms, overdue, overdue_days, description, responsible_org,
// notice_id, verification_id, void_reason, verification_note, evidence,
// tags, created_ms, updated_ms, updated_by, zone_name, site_code,
// notice_reference, inspector_id, inspector_name.
const std::vector<std::string>& FindingExportColumns();

// Appends the header line / one finding's line (CR LF ended).
void AppendFindingCsvHeader(std::string* out);
void AppendFindingCsv(const v1::FindingRow& row, std::string* out);
// Appends one JSON object and "\n".
void AppendFindingJson(const v1::FindingRow& row, std::string* out);

// `s` as a JSON string literal, quotes included.
std::string JsonQuote(const std::string& s);
// "2026-05-01" (UTC) for unix ms; "" for 0.
std::string IsoDate(int64_t ms);
// "2026-05-01 08:30:00Z" (UTC) for unix ms; "" for 0.
std::string IsoTime(int64_t ms);

}  // namespace inspectsync::core

#endif  // INSPECTSYNC_CORE_EXPORT_H_
