// Reference-data commands of `inspectsync tablet` (zones, sites, users,
// assignments), kept apart from the finding commands.
#ifndef INSPECTSYNC_TOOLS_TABLET_REFERENCE_H_
#define INSPECTSYNC_TOOLS_TABLET_REFERENCE_H_

#include <functional>
#include <map>
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

// How people name the reference records this tablet holds, for output they
// read: a site as "S01 东城第一小学", a zone, person or team by name. One
// lookup per record, remembered. A record the tablet does not hold reads
// "(not on this tablet)": never a bare id.
class DeviceNames {
 public:
  explicit DeviceNames(Client& c) : c_(c) {}
  std::string Site(const std::string& id);
  std::string Zone(const std::string& id);
  std::string Person(const std::string& id);
  std::string Team(const std::string& id);
  // The site's zone name ("" when the site is not on this tablet).
  std::string ZoneOfSite(const std::string& site_id);

 private:
  const v1::RecordBody* Get(const std::string& collection, const std::string& id);
  Client& c_;
  std::map<std::pair<std::string, std::string>, std::optional<v1::RecordBody>> cache_;
};

// Runs the command if it is a reference-data one; nullopt otherwise.
std::optional<int> RunReferenceCommand(Client& c, const Args& fl, const std::vector<std::string>& positional,
                                       const ReferenceContext& ctx);

}  // namespace inspectsync::tools

#endif  // INSPECTSYNC_TOOLS_TABLET_REFERENCE_H_
