// Reference-data commands of `inspectsync tablet` (zones, sites, users,
// assignments), kept apart from the finding commands.
#ifndef INSPECTSYNC_TOOLS_TABLET_REFERENCE_H_
#define INSPECTSYNC_TOOLS_TABLET_REFERENCE_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "inspectsync/client.h"
#include "tools/cli.h"

namespace inspectsync::tools {

// How the caller reports problems (and what exit code they give).
struct ReferenceContext {
  std::function<int(const std::string&)> usage;
  std::function<int(const Status&)> fail;
};

// Declares zone/site/user/assignment commands below `tablet`, each running `run`.
void AddTabletReferenceCommands(Command& tablet, const Handler& run);

// The id of the record `ref` names on this device: its id, or the code it
// was imported with. NOT_FOUND naming `ref` when the device holds neither,
// so a code is never stored as if it were an id.
StatusOr<std::string> ResolveOnDevice(Client& c, const std::string& collection, const std::string& ref);

// Runs the command if it is a reference-data one; nullopt otherwise.
std::optional<int> RunReferenceCommand(Client& c, const Args& fl, const std::vector<std::string>& positional,
                                       const ReferenceContext& ctx);

}  // namespace inspectsync::tools

#endif  // INSPECTSYNC_TOOLS_TABLET_REFERENCE_H_
