// inspectsync admin: integration commands (findings); see tools/integration.h.
#include "tools/integration.h"

namespace inspectsync::tools {

int CmdFindings(const std::vector<std::string>&) { return IntegrationUsage("not yet"); }

int CmdExport(const std::vector<std::string>&) { return IntegrationUsage("not yet"); }

int CmdSummary(const std::vector<std::string>&) { return IntegrationUsage("not yet"); }

}  // namespace inspectsync::tools
