// What the outside audit of issue 15 did to the wire, against the real
// `inspectsync server` process: bytes that do not parse on every method of
// every service, with and without a token; connections that never speak;
// plaintext on an address that is not loopback; health per service; tokens
// made to live too long; a flood of bad requests in the log.
#include <arpa/inet.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/dynamic_message.h>

#include "inspectsync/client.h"
#include "inspectsync/v1/attachments.pb.h"
#include "inspectsync/v1/integration.pb.h"
#include "inspectsync/v1/office.pb.h"
#include "inspectsync/v1/reports.pb.h"
#include "inspectsync/v1/sync.pb.h"
#include "server/server.h"
#include "tests/testing/auth.h"
#include "tests/testing/server_process.h"
#include "tests/testing/temp_dir.h"

namespace inspectsync {
namespace {

namespace pb = google::protobuf;
using ::testing::HasSubstr;

const char* const kServices[] = {"inspectsync.v1.SyncService", "inspectsync.v1.OfficeService",
                                 "inspectsync.v1.AttachmentService", "inspectsync.v1.IntegrationService",
                                 "inspectsync.v1.ReportService"};

// One call of any kind (unary or streaming) through the generic stub: the
// request bytes as its one message, then read it to its end.
grpc::Status CallRaw(grpc::GenericStub& stub, const std::string& method, const std::string& bytes,
                     const std::string& token, std::string* response = nullptr) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  if (!token.empty()) ctx.AddMetadata("authorization", "Bearer " + token);
  grpc::CompletionQueue cq;
  void* tag = nullptr;
  bool ok = false;
  auto call = stub.PrepareCall(&ctx, method, &cq);
  call->StartCall(reinterpret_cast<void*>(1));
  cq.Next(&tag, &ok);
  grpc::Slice slice(bytes);
  grpc::ByteBuffer out(&slice, 1);
  call->Write(out, reinterpret_cast<void*>(2));
  cq.Next(&tag, &ok);
  call->WritesDone(reinterpret_cast<void*>(3));
  cq.Next(&tag, &ok);
  for (;;) {
    grpc::ByteBuffer in;
    call->Read(&in, reinterpret_cast<void*>(4));
    cq.Next(&tag, &ok);
    if (!ok) break;
    if (response) {
      std::vector<grpc::Slice> slices;
      in.Dump(&slices);
      for (const auto& s : slices) response->append(reinterpret_cast<const char*>(s.begin()), s.size());
    }
  }
  grpc::Status st;
  call->Finish(&st, reinterpret_cast<void*>(5));
  cq.Next(&tag, &ok);
  cq.Shutdown();
  while (cq.Next(&tag, &ok)) {
  }
  return st;
}

// A request of `type` whose first string field (searched through nested
// messages) holds bytes that are not UTF-8; "" if it has none.
std::string InvalidUtf8Request(const pb::Descriptor* type) {
  pb::DynamicMessageFactory factory;
  std::unique_ptr<pb::Message> msg(factory.GetPrototype(type)->New());
  std::function<bool(pb::Message*, int)> plant = [&](pb::Message* m, int depth) {
    const pb::Descriptor* d = m->GetDescriptor();
    for (int i = 0; i < d->field_count(); ++i) {
      const pb::FieldDescriptor* f = d->field(i);
      if (f->type() == pb::FieldDescriptor::TYPE_STRING) {
        if (f->is_repeated()) m->GetReflection()->AddString(m, f, "\xc3\x28 bad");
        else m->GetReflection()->SetString(m, f, "\xc3\x28 bad");
        return true;
      }
    }
    if (depth == 0) return false;
    for (int i = 0; i < d->field_count(); ++i) {
      const pb::FieldDescriptor* f = d->field(i);
      if (f->type() != pb::FieldDescriptor::TYPE_MESSAGE || f->is_repeated()) continue;
      if (plant(m->GetReflection()->MutableMessage(m, f, &factory), depth - 1)) return true;
    }
    return false;
  };
  if (!plant(msg.get(), 3)) return "";
  return msg->SerializePartialAsString();
}

class AuditWireTest : public ::testing::Test {
 protected:
  void Start(std::vector<std::string> extra = {}) {
    proc_ = std::make_unique<testing::ServerProcess>(INSPECTSYNC_BINARY, dir_.File("server.db"), std::move(extra));
    ASSERT_TRUE(proc_->ok()) << proc_->output();
    channel_ = grpc::CreateChannel(proc_->address(), auth_.ChannelCredentials());
    stub_ = std::make_unique<grpc::GenericStub>(channel_);
  }

  std::string Token(const std::string& role, int64_t ttl_s = 3600) {
    return auth_.Token("u-audit", role, "audit-pc", core::SystemClock()->NowMillis() / 1000, ttl_s);
  }

  int Port() const { return std::stoi(proc_->address().substr(proc_->address().rfind(':') + 1)); }

  testing::TempDir dir_;
  testing::TestAuth auth_{dir_.path()};
  std::unique_ptr<testing::ServerProcess> proc_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<grpc::GenericStub> stub_;
};

TEST_F(AuditWireTest, RequestsThatDoNotParseGetInvalidArgumentOnEveryMethodAfterAuthentication) {
  Start();
  const std::string office = Token("office");
  int methods = 0, with_strings = 0;
  for (const char* name : kServices) {
    const pb::ServiceDescriptor* service = pb::DescriptorPool::generated_pool()->FindServiceByName(name);
    ASSERT_NE(service, nullptr) << name;
    for (int i = 0; i < service->method_count(); ++i) {
      const pb::MethodDescriptor* m = service->method(i);
      const std::string path = "/" + service->full_name() + "/" + m->name();
      ++methods;
      std::vector<std::string> bad = {std::string("\x0a\x05" "ab", 4)};  // a field cut short
      if (std::string utf8 = InvalidUtf8Request(m->input_type()); !utf8.empty()) {
        bad.push_back(utf8);
        ++with_strings;
      }
      for (const std::string& bytes : bad) {
        grpc::Status st = CallRaw(*stub_, path, bytes, office);
        EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << path << ": " << st.error_message();
        EXPECT_THAT(st.error_message(), HasSubstr("does not parse")) << path;
        EXPECT_THAT(st.error_message(), HasSubstr(m->name())) << path;
        // Authentication comes first: without a token the bytes are never looked at.
        grpc::Status anonymous = CallRaw(*stub_, path, bytes, "");
        EXPECT_EQ(anonymous.error_code(), grpc::StatusCode::UNAUTHENTICATED) << path << ": " << anonymous.error_message();
      }
    }
  }
  EXPECT_EQ(methods, 44);  // OfficeService.DrawSample is the 44th
  EXPECT_GE(with_strings, 20);
  // The server still answers a good request.
  v1::ProblemQuery q;
  std::string page;
  EXPECT_TRUE(CallRaw(*stub_, "/inspectsync.v1.OfficeService/ListProblems", q.SerializeAsString(), office, &page).ok());
}

TEST_F(AuditWireTest, AFloodOfBadRequestsIsLoggedAFewTimesNotEachTime) {
  Start();
  const std::string office = Token("office");
  for (int i = 0; i < 60; ++i)
    ASSERT_EQ(CallRaw(*stub_, "/inspectsync.v1.SyncService/Push", "\x0a\x05", office).error_code(),
              grpc::StatusCode::INVALID_ARGUMENT);
  ASSERT_TRUE(proc_->WaitForOutput("does not parse"));
  proc_->Kill(SIGTERM);
  std::string all = proc_->output() + proc_->DrainOutput();
  size_t lines = 0;
  for (size_t at = all.find("does not parse"); at != std::string::npos; at = all.find("does not parse", at + 1)) ++lines;
  EXPECT_GE(lines, 1u);
  EXPECT_LE(lines, 10u) << all;
  EXPECT_THAT(all, HasSubstr("SyncService/Push"));
  EXPECT_THAT(all, HasSubstr("u-audit")) << "the log names who sent it";
}

// Connects to the server and says nothing, or finishes TLS and says nothing;
// returns whether the server closed the connection within `wait`.
bool ServerClosesASilentConnection(int port, bool tls, const std::string& ca_file, std::chrono::seconds wait) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return false;
  SSL_CTX* ctx = nullptr;
  SSL* ssl = nullptr;
  if (tls) {
    ctx = SSL_CTX_new(TLS_client_method());
    SSL_CTX_load_verify_locations(ctx, ca_file.c_str(), nullptr);
    static const unsigned char kAlpn[] = {2, 'h', '2'};
    SSL_CTX_set_alpn_protos(ctx, kAlpn, sizeof kAlpn);
    ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fd);
    SSL_set_tlsext_host_name(ssl, "localhost");
    if (SSL_connect(ssl) != 1) {
      SSL_free(ssl);
      SSL_CTX_free(ctx);
      close(fd);
      return false;  // the handshake itself must succeed: the point is what comes after
    }
  }
  timeval tv{1, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  bool closed = false;
  auto deadline = std::chrono::steady_clock::now() + wait;
  while (!closed && std::chrono::steady_clock::now() < deadline) {
    char buf[4096];
    int n = tls ? SSL_read(ssl, buf, sizeof buf) : static_cast<int>(recv(fd, buf, sizeof buf, 0));
    if (n == 0) closed = true;
    if (n < 0) {
      if (!tls && (errno == EAGAIN || errno == EWOULDBLOCK)) continue;
      if (tls) {
        int e = SSL_get_error(ssl, n);
        if (e == SSL_ERROR_WANT_READ || (e == SSL_ERROR_SYSCALL && (errno == EAGAIN || errno == EWOULDBLOCK))) {
          ERR_clear_error();
          continue;
        }
      }
      closed = true;  // reset by the server
    }
  }
  if (ssl) SSL_free(ssl);
  if (ctx) SSL_CTX_free(ctx);
  close(fd);
  return closed;
}

TEST_F(AuditWireTest, ConnectionsThatNeverSpeakAreClosed) {
  Start({"--handshake-timeout-s", "1", "--idle-timeout-s", "1"});
  const std::string ca = auth_.ca_file();
  EXPECT_TRUE(ServerClosesASilentConnection(Port(), /*tls=*/false, ca, std::chrono::seconds(60)))
      << "a TCP connection that never starts TLS";
  EXPECT_TRUE(ServerClosesASilentConnection(Port(), /*tls=*/true, ca, std::chrono::seconds(60)))
      << "a connection that finished TLS and sends nothing";
  // A tablet that syncs, sits idle while the server closes its connection,
  // and syncs again is not told of it. Usually the client reads the server's
  // GOAWAY before its next call; when the socket is already closed, the SDK's
  // channel retries the call the server never received (grpc_channel.cc).
  ClientOptions o;
  o.db_path = dir_.File("tablet.db");
  o.server_address = proc_->address();
  o.grpc.ca_cert_file = auth_.ca_file();
  o.grpc.token = Token("office");
  auto tablet = Client::Open(o);
  ASSERT_TRUE(tablet.ok()) << tablet.status().ToString();
  auto first = (*tablet)->Sync();
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));  // past --idle-timeout-s
  v1::Finding f;
  f.set_site_id("0190a000-0000-7000-8000-00000000517e");
  f.set_title("消毒液过期");
  f.set_status(v1::OPEN);
  ASSERT_TRUE((*tablet)->CreateFinding(f).ok());
  auto second = (*tablet)->Sync();
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(second->applied, 1u);
}

TEST_F(AuditWireTest, HealthIsReportedPerService) {
  Start();
  // grpc.health.v1.HealthCheckRequest{service = 1}, HealthCheckResponse{status = 1: SERVING}.
  auto check = [&](const std::string& service, std::string* response) {
    std::string req;
    if (!service.empty()) req = std::string("\x0a", 1) + static_cast<char>(service.size()) + service;
    return CallRaw(*stub_, "/grpc.health.v1.Health/Check", req, "", response);
  };
  for (const std::string& service : {std::string(""), std::string(kServices[0]), std::string(kServices[1]),
                                    std::string(kServices[2]), std::string(kServices[3]),
                                    std::string(kServices[4])}) {
    std::string response;
    grpc::Status st = check(service, &response);
    ASSERT_TRUE(st.ok()) << service << ": " << st.error_message();
    EXPECT_EQ(response, std::string("\x08\x01", 2)) << service << " is SERVING";
  }
  std::string response;
  EXPECT_EQ(check("inspectsync.v1.NoSuchService", &response).error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(AuditWireTest, ATokenMadeToLiveLongerThanTheServerAllowsIsRefused) {
  Start({"--max-token-ttl-days", "30"});
  v1::ProblemQuery q;
  grpc::Status st = CallRaw(*stub_, "/inspectsync.v1.OfficeService/CountProblems", q.SerializeAsString(),
                            Token("office", 31 * 86400));
  EXPECT_EQ(st.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(st.error_message(), HasSubstr("at most 30 days"));
  EXPECT_TRUE(CallRaw(*stub_, "/inspectsync.v1.OfficeService/CountProblems", q.SerializeAsString(),
                      Token("office", 30 * 86400))
                  .ok());
}

TEST(InsecureListenTest, PlaintextIsRefusedUnlessTheAddressResolvesToLoopbackOnly) {
  EXPECT_EQ(*server::CheckLoopbackListen("127.0.0.1:7443"), "127.0.0.1:7443");
  EXPECT_EQ(*server::CheckLoopbackListen("127.8.9.10:0"), "127.8.9.10:0");
  EXPECT_EQ(*server::CheckLoopbackListen("[::1]:7443"), "[::1]:7443");
  EXPECT_TRUE(server::CheckLoopbackListen("localhost:7443").ok());
  for (const char* bad : {"0.0.0.0:7443", "10.1.2.3:7443", "[::]:7443", ":7443",
                                "127.0.0.1.invalid:7443",  // "127." as a prefix of a name is no proof
                                "127.evil.invalid:7443"}) {
    auto r = server::CheckLoopbackListen(bad);
    EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition) << bad;
    EXPECT_THAT(r.status().message(), HasSubstr("loopback")) << bad;
  }
  // This machine's own name: refused when it resolves to a network address
  // (Debian maps it to 127.0.1.1, loopback, in /etc/hosts: then it is allowed).
  char host[256] = {0};
  ASSERT_EQ(gethostname(host, sizeof host - 1), 0);
  auto own = server::CheckLoopbackListen(std::string(host) + ":7443");
  if (!own.ok()) {
    EXPECT_THAT(own.status().message(), HasSubstr("resolves to"));
  }
}

TEST(InsecureListenTest, TheServerRefusesToStartInPlaintextOnEveryInterface) {
  testing::TempDir dir;
  testing::ServerProcess proc(INSPECTSYNC_BINARY, dir.File("server.db"), {"--insecure", "--listen", "0.0.0.0:0"});
  EXPECT_FALSE(proc.ok());
  EXPECT_TRUE(proc.WaitForOutput("loopback addresses only"));
  int status = proc.Kill(SIGKILL);
  EXPECT_TRUE(WIFEXITED(status)) << "exited on its own, with an error";
  EXPECT_EQ(WEXITSTATUS(status), 1);
}

}  // namespace
}  // namespace inspectsync
