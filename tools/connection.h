// The connection flags every online command shares — --ca FILE, --insecure,
// --token T | --token-file F — as the SDK's GrpcTransportOptions, the token
// read and checked once, here (inspectsync::ReadTokenFile /
// CheckBearerToken), so no command hands gRPC a header it would abort on.
#ifndef INSPECTSYNC_TOOLS_CONNECTION_H_
#define INSPECTSYNC_TOOLS_CONNECTION_H_

#include "inspectsync/status.h"
#include "inspectsync/transport.h"
#include "tools/cli.h"

namespace inspectsync::tools {

// --token-file wins over --token. INVALID_ARGUMENT for a malformed token
// (naming the flag, the byte and where, never the token), FAILED_PRECONDITION
// for a token file that cannot be read. Commands exit 1 with the message.
StatusOr<GrpcTransportOptions> GrpcOptionsFromFlags(const Args& fl);

// Commands that call the server's services directly, with no device
// database (the integration commands, the office's server-side writes):
// --server HOST:PORT (default 127.0.0.1:7443), --ca FILE (default
// var/certs/ca.pem when it exists), --token / --token-file, --insecure, under
// the --help heading `heading`.
void AddServerConnection(Command& c, const std::string& heading);
// A command that calls the server directly: those flags under `heading`,
// --json (one object a line, ids and names), run by `run`.
void DirectCallLeaf(Command leaf, const std::string& heading, const Handler& run);
// GrpcOptionsFromFlags, with the CA default, a token required
// (INVALID_ARGUMENT saying a token of role `roles` is needed) and unary calls
// bounded to 60 s.
StatusOr<GrpcTransportOptions> DirectCallOptions(const Args& fl, const std::string& roles);
std::string ServerAddress(const Args& fl);

}  // namespace inspectsync::tools

#endif  // INSPECTSYNC_TOOLS_CONNECTION_H_
