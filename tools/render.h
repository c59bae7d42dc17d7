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
std::string VersionText(uint64_t version, bool pending);
void PrintFinding(const LocalFinding& f);
void PrintFindingTable(const std::vector<LocalFinding>& list);
// "findings/ID description: winner 'x' (device …) over loser 'y' — OPEN for review"
std::string ConflictLine(const v1::Conflict& c);

}  // namespace inspectsync::tools

#endif  // INSPECTSYNC_TOOLS_RENDER_H_
