// Development certificates: a local CA and a server certificate it signs,
// valid for localhost and 127.0.0.1, so TLS is on from the first run without
// any set-up. Production deployments bring their own certificate instead.
//
// Files written into `dir` (keys mode 0600):
//   ca.pem, ca-key.pem, server.pem, server-key.pem
#ifndef INSPECTSYNC_SERVER_AUTH_CERTS_H_
#define INSPECTSYNC_SERVER_AUTH_CERTS_H_

#include <string>
#include <vector>

#include "inspectsync/status.h"

namespace inspectsync::auth {

struct CertPaths {
  std::string ca_cert, ca_key, server_cert, server_key;
  static CertPaths In(const std::string& dir);
};

// Creates the CA and the server certificate in `dir` (creating it). Refuses
// to overwrite existing files unless `force`. `hosts` are extra subject
// alternative names (DNS names or IP addresses) beside localhost/127.0.0.1.
Status InitDevCerts(const std::string& dir, const std::vector<std::string>& hosts = {}, bool force = false);

// InitDevCerts unless the server certificate and key already exist.
Status EnsureDevCerts(const std::string& dir);

// Reads a whole file (for PEM contents).
StatusOr<std::string> ReadFile(const std::string& path);

}  // namespace inspectsync::auth

#endif  // INSPECTSYNC_SERVER_AUTH_CERTS_H_
