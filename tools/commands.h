// The subcommands of the `inspectsync` command line.
#ifndef INSPECTSYNC_TOOLS_COMMANDS_H_
#define INSPECTSYNC_TOOLS_COMMANDS_H_

#include <string>
#include <vector>

namespace inspectsync::tools {

int CmdServer(const std::vector<std::string>& args);
int CmdTablet(const std::vector<std::string>& args);
int CmdDemo(const std::vector<std::string>& args);
int CmdAdmin(const std::vector<std::string>& args);
int CmdCerts(const std::vector<std::string>& args);

// The signals that stop the server (SIGTERM, SIGINT). CmdServer waits for
// them with sigwait, so they must be blocked in every thread of the process:
// main blocks them before anything (gRPC's threads) starts.
void BlockStopSignals();

}  // namespace inspectsync::tools

#endif  // INSPECTSYNC_TOOLS_COMMANDS_H_
