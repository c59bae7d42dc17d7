// `inspectsync tablet conflicts`: the conflicts of this tablet's records,
// read from the server (tools/tablet_conflicts.cc).
#ifndef INSPECTSYNC_TOOLS_TABLET_CONFLICTS_H_
#define INSPECTSYNC_TOOLS_TABLET_CONFLICTS_H_

#include <optional>
#include <string>
#include <vector>

#include "inspectsync/client.h"
#include "tools/cli.h"
#include "tools/tablet_reference.h"

namespace inspectsync::tools {

// Declares `conflicts [--all] [--json]` below `tablet`, running `run`.
void AddTabletConflictsCommand(Command& tablet, const Handler& run);

// Runs the command if it is `conflicts`; nullopt otherwise.
std::optional<int> RunConflictsCommand(Client& c, const Args& fl, const std::vector<std::string>& positional,
                                       const ReferenceContext& ctx);

}  // namespace inspectsync::tools

#endif  // INSPECTSYNC_TOOLS_TABLET_CONFLICTS_H_
