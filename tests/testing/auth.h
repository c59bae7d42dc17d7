// TLS and tokens for tests: a server's certs dir and key ring in a temp dir,
// tokens minted from that ring, and client credentials that trust the CA.
#ifndef INSPECTSYNC_TESTS_TESTING_AUTH_H_
#define INSPECTSYNC_TESTS_TESTING_AUTH_H_

#include <grpcpp/grpcpp.h>

#include <string>

#include "server/auth/certs.h"
#include "server/auth/token.h"

namespace inspectsync::testing {

// `dir` holds certs/ and token-keys as the server creates them on start.
struct TestAuth {
  std::string dir;

  std::string certs_dir() const { return dir + "/certs"; }
  std::string ca_file() const { return certs_dir() + "/ca.pem"; }
  std::string keys_file() const { return dir + "/token-keys"; }

  // A token valid from `now_s` for an hour.
  std::string Token(const std::string& user, const std::string& role, const std::string& device,
                    int64_t now_s, int64_t ttl_s = 3600) const {
    auto ring = auth::KeyRing::LoadOrCreate(keys_file());
    v1::TokenClaims c;
    c.set_user(user);
    c.set_role(role);
    c.set_device(device);
    c.set_issued_at_s(now_s);
    c.set_expires_at_s(now_s + ttl_s);
    return ring.ok() ? ring->Sign(c).value() : std::string();
  }

  std::shared_ptr<grpc::ChannelCredentials> ChannelCredentials() const {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = auth::ReadFile(ca_file()).value();
    return grpc::SslCredentials(ssl);
  }
};

}  // namespace inspectsync::testing

#endif  // INSPECTSYNC_TESTS_TESTING_AUTH_H_
