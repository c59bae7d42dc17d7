#include "tools/connection.h"

namespace inspectsync::tools {

StatusOr<GrpcTransportOptions> GrpcOptionsFromFlags(const Args& fl) {
  GrpcTransportOptions o;
  o.ca_cert_file = fl.Get("ca");
  o.insecure = fl.Has("insecure");
  if (fl.Has("token-file")) {
    auto token = ReadTokenFile(fl.Get("token-file"));
    if (!token.ok()) return token.status();  // names the file
    o.token = std::move(*token);
  } else if (fl.Has("token")) {
    auto token = CheckBearerToken(fl.Get("token"));
    if (!token.ok()) return Status(token.status().code(), "--token: " + token.status().message());
    o.token = std::move(*token);
  }
  return o;
}

}  // namespace inspectsync::tools
