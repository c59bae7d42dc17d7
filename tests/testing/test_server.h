// What the integration tests share to run a real server and call it: the
// server's options for 127.0.0.1 port 0 with TLS from the test CA and tokens
// from the test key ring (testing::TestAuth), and a call context carrying a
// bearer token and a deadline. A test sets what it tests on the options
// (clock, limits, intervals) and starts the server itself.
#ifndef INSPECTSYNC_TESTS_TESTING_TEST_SERVER_H_
#define INSPECTSYNC_TESTS_TESTING_TEST_SERVER_H_

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>
#include <string>

#include "server/server.h"
#include "tests/testing/auth.h"

namespace inspectsync::testing {

// A loopback server on a free port, TLS and tokens from `auth`, its
// database at `db_path`; everything else at the product's defaults.
inline server::ServerOptions TlsServerOptions(const TestAuth& auth, const std::string& db_path) {
  server::ServerOptions o;
  o.listen = "127.0.0.1:0";
  o.db_path = db_path;
  o.certs_dir = auth.certs_dir();
  o.token_keys_file = auth.keys_file();
  return o;
}

// A call's context: "authorization: Bearer <token>" unless `token` is empty
// (the refusals of unauthenticated calls), and a deadline so that a test
// whose server hangs fails instead of hanging.
inline std::unique_ptr<grpc::ClientContext> BearerContext(const std::string& token, int seconds = 30) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(seconds));
  if (!token.empty()) ctx->AddMetadata("authorization", "Bearer " + token);
  return ctx;
}

}  // namespace inspectsync::testing

#endif  // INSPECTSYNC_TESTS_TESTING_TEST_SERVER_H_
