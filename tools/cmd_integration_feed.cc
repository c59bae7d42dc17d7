// inspectsync admin: integration commands (feed); see tools/integration.h.
#include "tools/integration.h"

namespace inspectsync::tools {

int CmdWatch(const std::vector<std::string>&) { return IntegrationUsage("not yet"); }

int CmdConsumers(const std::vector<std::string>&) { return IntegrationUsage("not yet"); }

}  // namespace inspectsync::tools
