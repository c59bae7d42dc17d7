// The office's commands that go straight to the server's OfficeService
// (issue 17): no device database, no sync, each command one or two calls
// with an office token (zone directors may list teams and notices and
// verify). Every write is the server's, through the engine a tablet's push
// uses; these commands only turn flags into a request and the reply into
// lines for people (sites by code and name, zones and people by name, never
// a bare id) or, with --json, into JSON carrying ids and names.
//   team create|edit|list|assign-campaign|assign-sites   cmd_office_teams.cc
//   notice issue|list|show, verify                        cmd_office_notices.cc
//   site correct, zone rename, user deactivate, assignment end
//                                                         cmd_office_corrections.cc
// Exit codes: 0, 1 with the server's message (it names the value), 2 for a
// bad command line (tools/cli.h).
#ifndef INSPECTSYNC_TOOLS_OFFICE_SERVER_H_
#define INSPECTSYNC_TOOLS_OFFICE_SERVER_H_

#include <memory>
#include <string>

#include "inspectsync/office.h"
#include "tools/cli.h"

namespace inspectsync::tools {

// The SDK's OfficeClient for the connection flags (AddServerConnection).
StatusOr<std::unique_ptr<OfficeClient>> ConnectOffice(const Args& fl);

// With --json: prints `m` as one line of JSON (ids and names) and is true.
bool PrintedJson(const Args& fl, const google::protobuf::Message& m);

// Declares `leaf` with the connection flags and --json, run by `run`.
void OfficeServerLeaf(Command leaf, const Handler& run);

// A --flag DATE as the end of that day (an inclusive last day, stored as an
// exclusive end), or its start (a "from", and a deadline: core/date.h, as
// every other command and the overdue rule read deadlines). False with the
// reason in `why`.
bool DayFlag(const Args& fl, const std::string& flag, bool end_of_day, int64_t* ms, std::string* why);
// "PS-1 No. 1 Primary", or the name alone for a site without a code.
std::string SiteText(const std::string& code, const std::string& name);

void AddTeamCommands(Command& admin);                             // cmd_office_teams.cc
void AddNoticeCommands(Command& admin);                           // cmd_office_notices.cc: notice, verify
void AddCorrectionCommands(Command& admin);                       // cmd_office_corrections.cc

}  // namespace inspectsync::tools

#endif  // INSPECTSYNC_TOOLS_OFFICE_SERVER_H_
