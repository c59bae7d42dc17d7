#include "tools/connection.h"

#include <fstream>

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

void AddServerConnection(Command& c, const std::string& heading) {
  c.Group(heading)
      .Opt("server", "HOST:PORT", "the server (default 127.0.0.1:7443)")
      .Opt("ca", "FILE", "CA certificate the server's certificate is checked against (default var/certs/ca.pem)")
      .Opt("token", "TOKEN", "bearer token")
      .Opt("token-file", "FILE", "file holding it (wins over --token)")
      .Switch("insecure", "plaintext, loopback servers only")
      .Group("");
}

void DirectCallLeaf(Command leaf, const std::string& heading, const Handler& run) {
  AddServerConnection(leaf, heading);
  leaf.Switch("json", "JSON, one object per line with ids and names, instead of a table").Run(run);
}

StatusOr<GrpcTransportOptions> DirectCallOptions(const Args& fl, const std::string& roles) {
  auto options = GrpcOptionsFromFlags(fl);
  if (!options.ok()) return options.status();
  if (options->token.empty()) return InvalidArgument("give a token of role " + roles + ": --token-file F or --token T");
  if (options->ca_cert_file.empty() && std::ifstream("var/certs/ca.pem")) options->ca_cert_file = "var/certs/ca.pem";
  options->call_deadline = std::chrono::seconds(60);
  return options;
}

std::string ServerAddress(const Args& fl) { return fl.Get("server", "127.0.0.1:7443"); }

}  // namespace inspectsync::tools
