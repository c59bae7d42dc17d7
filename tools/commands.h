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

}  // namespace inspectsync::tools

#endif  // INSPECTSYNC_TOOLS_COMMANDS_H_
