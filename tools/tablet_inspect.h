// `inspectsync tablet inspect ...`: an inspection with a checklist, offline —
// start it at a site for a campaign (its template version) or a template,
// answer items (a FAIL records a finding), show it with its findings.
#ifndef INSPECTSYNC_TOOLS_TABLET_INSPECT_H_
#define INSPECTSYNC_TOOLS_TABLET_INSPECT_H_

#include <optional>
#include <string>
#include <vector>

#include "inspectsync/client.h"
#include "tools/cli.h"
#include "tools/tablet_reference.h"

namespace inspectsync::tools {

// Declares `inspect start|answer|show` below `tablet`, each running `run`.
void AddTabletInspectCommands(Command& tablet, const Handler& run);

// Runs the command if it is `inspect ...`; nullopt otherwise.
std::optional<int> RunInspectCommand(Client& c, const Args& fl, const std::vector<std::string>& positional,
                                     const ReferenceContext& ctx);

}  // namespace inspectsync::tools

#endif  // INSPECTSYNC_TOOLS_TABLET_INSPECT_H_
