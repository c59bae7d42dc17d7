// gRPC's own log lines go through the server's rate limit (server/rpc.h
// InstallGrpcLogFilter): a peer that fails TLS handshakes at will cannot
// flood the log.
#include <grpc/grpc.h>
#include <grpc/support/log.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "server/log.h"
#include "server/rpc.h"

namespace inspectsync::server {
namespace {

using ::testing::HasSubstr;

class GrpcLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SetLogSinkForTest([this](const std::string& line) { lines_.push_back(line); }, &clock_);
  }
  void TearDown() override { SetLogSinkForTest(nullptr); }
  core::ManualClock clock_;
  std::vector<std::string> lines_;
};

TEST_F(GrpcLogTest, GrpcsOwnLinesAreLimitedPerSourceLocation) {
  grpc_init();  // sets gRPC's log verbosity, as a server's start does
  InstallGrpcLogFilter();
  for (int i = 0; i < 500; ++i) gpr_log("ssl_transport_security.cc", 1234, GPR_LOG_SEVERITY_ERROR, "Handshake failed %d", i);
  ASSERT_EQ(lines_.size(), static_cast<size_t>(kLogBurst));
  EXPECT_THAT(lines_[0], HasSubstr("Handshake failed 0"));
  EXPECT_THAT(lines_[0], HasSubstr("grpc E"));
  gpr_log("chttp2_transport.cc", 99, GPR_LOG_SEVERITY_ERROR, "bad frame");
  EXPECT_THAT(lines_.back(), HasSubstr("bad frame"));
  grpc_shutdown();
}

}  // namespace
}  // namespace inspectsync::server
