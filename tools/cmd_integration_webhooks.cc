// inspectsync admin: integration commands (webhooks); see tools/integration.h.
#include "tools/integration.h"

namespace inspectsync::tools {

int CmdWebhook(const std::vector<std::string>&) { return IntegrationUsage("not yet"); }

}  // namespace inspectsync::tools
