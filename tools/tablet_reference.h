// Reference-data commands of `inspectsync tablet` (zones, sites, users,
// assignments), kept apart from the finding commands.
#ifndef INSPECTSYNC_TOOLS_TABLET_REFERENCE_H_
#define INSPECTSYNC_TOOLS_TABLET_REFERENCE_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "inspectsync/client.h"
#include "tools/flags.h"

namespace inspectsync::tools {

// How the caller reports problems (and what exit code they give).
struct ReferenceContext {
  std::function<int(const std::string&)> usage;
  std::function<int(const Status&)> fail;
};

extern const char* kReferenceUsage;

// Runs the command if it is a reference-data one; nullopt otherwise.
std::optional<int> RunReferenceCommand(Client& c, const Flags& fl, const std::vector<std::string>& positional,
                                       const ReferenceContext& ctx);

}  // namespace inspectsync::tools

#endif  // INSPECTSYNC_TOOLS_TABLET_REFERENCE_H_
