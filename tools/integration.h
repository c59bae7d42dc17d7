// The integration commands of `inspectsync admin` (issue 8), over the
// server's IntegrationService with an office or integration token:
//   watch, consumers                  change feed      (cmd_integration_feed.cc)
//   findings, export, summary         findings         (cmd_integration_findings.cc)
//   import ... --server               (office_import.cc routes it here)
//   conflicts list|resolve            conflict review  (cmd_integration_conflicts.cc)
//   webhook add|list|remove|deliveries|redeliver       (cmd_integration_webhooks.cc)
// Every command prints a table for people, or JSON (one object per line)
// with --json for scripts; failures go to stderr with exit status 1, usage
// errors with 2.
#ifndef INSPECTSYNC_TOOLS_INTEGRATION_H_
#define INSPECTSYNC_TOOLS_INTEGRATION_H_

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "inspectsync/integration.h"
#include "inspectsync/status.h"
#include "tools/flags.h"

namespace inspectsync::tools {

// The connection flags, for commands to add their own to.
std::set<std::string> ConnectionFlags();  // server ca token token-file insecure json help
std::set<std::string> ConnectionSwitches();  // insecure json help
// The SDK's IntegrationClient for the connection flags: --server HOST:PORT
// (default 127.0.0.1:7443), --ca FILE (default var/certs/ca.pem when it
// exists), --token T | --token-file F, --insecure (loopback only,
// plaintext). Unary calls end within 60 s; watch and export are not bounded
// here.
StatusOr<std::unique_ptr<IntegrationClient>> ConnectIntegration(const Flags& fl);

// A Status as "CODE: message" for stderr, and the exit status 1.
int IntegrationFail(const Status& s);
int IntegrationUsage(const std::string& why);  // prints kIntegrationUsage, returns 2
std::string MessageToJsonLine(const google::protobuf::Message& m);

extern const char* kIntegrationUsage;

bool IsIntegrationCommand(const std::vector<std::string>& args);
int CmdIntegration(const std::vector<std::string>& args);

// The parts (args[0] is the command name).
int CmdWatch(const std::vector<std::string>& args);
int CmdConsumers(const std::vector<std::string>& args);
int CmdFindings(const std::vector<std::string>& args);
int CmdExport(const std::vector<std::string>& args);
int CmdSummary(const std::vector<std::string>& args);
int CmdConflicts(const std::vector<std::string>& args);
int CmdWebhook(const std::vector<std::string>& args);

}  // namespace inspectsync::tools

#endif  // INSPECTSYNC_TOOLS_INTEGRATION_H_
