// inspectsync admin: integration commands (conflicts); see tools/integration.h.
#include "tools/integration.h"

namespace inspectsync::tools {

int CmdConflicts(const std::vector<std::string>&) { return IntegrationUsage("not yet"); }

}  // namespace inspectsync::tools
