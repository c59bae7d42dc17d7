// The last act of `inspectsync demo`: the district office's own systems,
// holding an integration token, use the IntegrationService over TLS — they
// review the conflict the round left open and settle it with a merged text,
// follow the change feed as a named consumer, export the findings as CSV and
// read the summary. The tablets then sync and must show the office's value.
#ifndef INSPECTSYNC_TOOLS_DEMO_INTEGRATION_H_
#define INSPECTSYNC_TOOLS_DEMO_INTEGRATION_H_

#include <functional>
#include <string>

#include "inspectsync/status.h"

namespace inspectsync::tools {

struct DemoIntegration {
  std::string address, ca_file, token;  // an integration token
  std::string export_path;              // the CSV written here
  std::string followed_finding;         // the finding two inspectors edited concurrently
  std::string merged_description;       // the office's settled text for it
  // Syncs every tablet; then reads the followed finding's description on
  // each, returning "" when all show `merged_description`.
  std::function<Status()> sync_tablets;
  std::function<std::string()> check_tablets;
};

// Prints what it does; false (after printing why) if a step failed.
bool RunDemoIntegration(const DemoIntegration& d);

}  // namespace inspectsync::tools

#endif  // INSPECTSYNC_TOOLS_DEMO_INTEGRATION_H_
