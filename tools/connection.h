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

}  // namespace inspectsync::tools

#endif  // INSPECTSYNC_TOOLS_CONNECTION_H_
