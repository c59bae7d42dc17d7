// Text rendering and parsing shared by the tablet and demo commands.
#ifndef INSPECTSYNC_TOOLS_RENDER_H_
#define INSPECTSYNC_TOOLS_RENDER_H_

#include <string>
#include <vector>

#include "inspectsync/client.h"

namespace inspectsync::tools {

bool ParseSeverity(const std::string& s, v1::Severity* out);
bool ParseStatus(const std::string& s, v1::FindingStatus* out);
// "2026-12-31" -> unix ms at 00:00 UTC.
bool ParseDate(const std::string& s, int64_t* ms);
std::string FormatDate(int64_t ms);
// An exclusive end (an assignment's, a campaign's) for people: the last day
// it covers ("2030-06-30" for 2030-07-01 00:00 UTC); "-" for none.
std::string LastDayText(int64_t end_ms);
// special, routine, spot-check (as `admin campaign create --kind` takes them); "-" otherwise.
std::string InspectionKindName(v1::InspectionKind kind);
// pass, FAIL, n/a (a checklist answer); "-" otherwise.
const char* ItemResultName(v1::ItemResult result);
std::string VersionText(uint64_t version, bool pending);
// `site` as people name it ("S01 东城第一小学").
void PrintFinding(const LocalFinding& f, const std::string& site);
void PrintFindingTable(const std::vector<LocalFinding>& list);
// Text for a terminal, where CJK characters take two columns. None of these
// ever cuts a UTF-8 character in two.
size_t DisplayWidth(const std::string& s);
// At most `width` columns: cut at a character boundary and marked with "~".
std::string Truncate(const std::string& s, size_t width);
// Truncate, then padded with spaces to exactly `width` columns (a table cell).
std::string Cell(const std::string& s, size_t width);
// At most `max_bytes` bytes, cut at a character boundary (for field limits).
std::string CutBytes(const std::string& s, size_t max_bytes);

// The fields of an edit as the person typed them: "title='Gas alarm', severity=HIGH".
std::string EditText(const v1::Mutation& m);

// "findings/ID description: winner 'x' (device …) over loser 'y' — OPEN for review"
std::string ConflictLine(const v1::Conflict& c);

}  // namespace inspectsync::tools

#endif  // INSPECTSYNC_TOOLS_RENDER_H_
