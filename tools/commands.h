// The commands of the `inspectsync` command line, each declared on the
// parser (tools/cli.h) by the file that runs it.
#ifndef INSPECTSYNC_TOOLS_COMMANDS_H_
#define INSPECTSYNC_TOOLS_COMMANDS_H_

#include "tools/cli.h"

namespace inspectsync::tools {

void AddServerCommand(Command& root);   // cmd_server.cc
void AddTabletCommands(Command& root);  // cmd_tablet.cc
void AddAdminCommands(Command& root);   // cmd_admin.cc: tokens, keys; then the office's and integration's
void AddCertsCommand(Command& root);    // cmd_admin.cc
void AddDemoCommand(Command& root);     // cmd_demo.cc

// Below `admin`.
void AddOfficeCommands(Command& admin);       // cmd_office.cc
void AddIntegrationCommands(Command& admin);  // integration.cc
void AddReportCommands(Command& admin);       // cmd_reports.cc: progress, review, subtotals, special-report, inspection
// Below `admin user`: set-password, passwords (the office console's).
void AddConsoleUserCommands(Command& user);   // cmd_console_users.cc

// The signals that stop the server (SIGTERM, SIGINT). The server waits for
// them with sigwait, so they must be blocked in every thread of the process:
// main blocks them before anything (gRPC's threads) starts.
void BlockStopSignals();

}  // namespace inspectsync::tools

#endif  // INSPECTSYNC_TOOLS_COMMANDS_H_
