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
#include <string>
#include <vector>

#include "inspectsync/integration.h"
#include "inspectsync/status.h"
#include "tools/cli.h"

namespace inspectsync::tools {

// The SDK's IntegrationClient for the connection flags: --server HOST:PORT
// (default 127.0.0.1:7443), --ca FILE (default var/certs/ca.pem when it
// exists), --token T | --token-file F, --insecure (loopback only,
// plaintext). Unary calls end within 60 s; watch and export are not bounded
// here.
StatusOr<std::unique_ptr<IntegrationClient>> ConnectIntegration(const Args& fl);

// A Status as "CODE: message" for stderr, and the exit status 1.
int IntegrationFail(const Status& s);
int IntegrationUsage(const std::string& why);  // the reason, and exit status 2
std::string MessageToJsonLine(const google::protobuf::Message& m);

// The commands (the parsed command line; positional() starts with the
// command's words, "conflicts", "resolve", ID).
int RunWatch(const Args& fl);
int RunConsumers(const Args& fl);
int RunFindings(const Args& fl);
int RunExport(const Args& fl);
int RunSummary(const Args& fl);
int RunConflicts(const Args& fl);
int RunWebhook(const Args& fl);

}  // namespace inspectsync::tools

#endif  // INSPECTSYNC_TOOLS_INTEGRATION_H_
