// A malformed bearer token never crashes the app (issue 15, item 6). gRPC
// aborts the process on a header value that is not printable ASCII; the SDK
// checks every token before any call: CheckBearerToken / ReadTokenFile, the
// gRPC transport, OfficeClient, and a Client that keeps working offline and
// answers every sync with the error. Without the check, each test below that
// syncs would end the test binary with SIGABRT.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>

#include "inspectsync/office.h"
#include "tests/sdk/sdk_test_util.h"

namespace inspectsync::testing {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

const std::string kGood = "isv1.eyJ1c2VyIjoibGkifQ.c2lnbmF0dXJl";
const std::string kChinese = "\xE4\xBB\xA4\xE7\x89\x8C";  // 令牌, "token"
const std::string kStray = "isv1.eyJ1c2VyIjoibGkifQ\x01.c2lnbmF0dXJl";

std::string WriteFile(TempDir& dir, const std::string& name, const std::string& bytes) {
  std::string path = dir.File(name);
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

TEST(CheckBearerTokenTest, SurroundingWhitespaceIsTrimmedAndAGoodTokenKept) {
  EXPECT_EQ(*CheckBearerToken(kGood), kGood);
  EXPECT_EQ(*CheckBearerToken(kGood + "\n"), kGood);
  EXPECT_EQ(*CheckBearerToken(" \t" + kGood + "\r\n"), kGood);
  EXPECT_EQ(*CheckBearerToken(""), "") << "no token: no header";
}

TEST(CheckBearerTokenTest, NonAsciiControlBytesSpacesAndSizeAreRefusedSayingWhere) {
  auto chinese = CheckBearerToken(kChinese);
  EXPECT_EQ(chinese.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(chinese.status().message(),
              AllOf(HasSubstr("0xE4"), HasSubstr("not ASCII"), HasSubstr("at byte 1 of 6"),
                    HasSubstr("is the token file corrupt"), Not(HasSubstr(kChinese))));

  auto stray = CheckBearerToken(kStray);
  EXPECT_EQ(stray.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(stray.status().message(),
              AllOf(HasSubstr("0x01"), HasSubstr("control character"), HasSubstr("at byte 24 of 37"),
                    Not(HasSubstr("eyJ1c2VyIjoibGkifQ")), Not(HasSubstr("c2lnbmF0dXJl"))))
      << "the message never echoes the token";

  EXPECT_THAT(CheckBearerToken("isv1.a b").status().message(), HasSubstr("a space"));
  EXPECT_THAT(CheckBearerToken(kGood + "\n" + kGood).status().message(), HasSubstr("control character"))
      << "two tokens in one file";
  EXPECT_EQ(CheckBearerToken(" \n").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(CheckBearerToken(std::string(kMaxBearerTokenBytes, 'a')).status().code(), StatusCode::kOk);
  EXPECT_THAT(CheckBearerToken(std::string(kMaxBearerTokenBytes + 1, 'a')).status().message(),
              HasSubstr("at most 4096"));
  for (int c = 0; c < 256; ++c) {
    auto r = CheckBearerToken("isv1." + std::string(1, static_cast<char>(c)) + "x");
    EXPECT_EQ(r.ok(), c > 0x20 && c < 0x7F) << c;
  }
}

TEST(ReadTokenFileTest, ReadsTrimsAndNamesTheFile) {
  TempDir dir;
  EXPECT_EQ(*ReadTokenFile(WriteFile(dir, "ok.token", kGood + "\n")), kGood);
  auto bad = ReadTokenFile(WriteFile(dir, "bad.token", kStray + "\n"));
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(bad.status().message(), AllOf(HasSubstr("bad.token"), HasSubstr("0x01")));
  EXPECT_EQ(ReadTokenFile(WriteFile(dir, "empty.token", "")).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ReadTokenFile(WriteFile(dir, "blank.token", "\n")).status().code(), StatusCode::kInvalidArgument);
  auto missing = ReadTokenFile(dir.File("nowhere.token"));
  EXPECT_EQ(missing.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(missing.status().message(), HasSubstr("nowhere.token"));
  auto huge = ReadTokenFile(WriteFile(dir, "huge.token", std::string(1 << 20, 'a')));
  EXPECT_THAT(huge.status().message(), HasSubstr("at most 4096")) << "a whole file given by mistake";
}

TEST(GrpcCredentialsTest, TransportsRefuseAMalformedTokenBeforeAnyCall) {
  for (const std::string& bad : {kChinese, kStray}) {
    GrpcTransportOptions o;
    o.insecure = true;
    o.token = bad;
    auto transport = MakeGrpcTransport("127.0.0.1:1", o);
    EXPECT_EQ(transport.status().code(), StatusCode::kInvalidArgument);
    auto office = OfficeClient::Connect("127.0.0.1:1", o);
    EXPECT_EQ(office.status().code(), StatusCode::kInvalidArgument);
  }
  // A good token with its file's newline is fine, and the call goes out
  // (nothing listens on port 1: UNAVAILABLE, not an abort).
  GrpcTransportOptions o;
  o.insecure = true;
  o.token = kGood + "\n";
  o.call_deadline = std::chrono::milliseconds(5'000);
  auto transport = MakeGrpcTransport("127.0.0.1:1", o);
  ASSERT_OK(transport);
  v1::PushResponse resp;
  EXPECT_EQ((*transport)->Push(v1::PushRequest(), &resp).code(), StatusCode::kUnavailable);
  auto office = OfficeClient::Connect("127.0.0.1:1", o);
  ASSERT_OK(office);
  EXPECT_EQ((*office)->Count(v1::ProblemQuery()).status().code(), StatusCode::kUnavailable);
}

using ClientCredentialsTest = SdkTest;

// The app keeps working offline with a bad token: the store opens, edits
// are stored, every sync answers the token's problem without sending
// anything, and the pending edits stay for when the token is fixed.
TEST_F(ClientCredentialsTest, AClientWithABadTokenWorksOfflineAndSyncSaysWhy) {
  ClientOptions o = Options();
  o.transport = nullptr;
  o.server_address = "127.0.0.1:1";
  o.grpc.insecure = true;
  o.grpc.token = kChinese;
  auto c = Open(o);
  ASSERT_NE(c, nullptr);
  auto id = c->CreateFinding(Finding());
  ASSERT_OK(id);
  auto report = c->Sync();
  EXPECT_EQ(report.status().code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(report.status().transient()) << "background sync must not hammer";
  EXPECT_THAT(report.status().message(), AllOf(HasSubstr("cannot sync with 127.0.0.1:1"), HasSubstr("0xE4")));
  EXPECT_EQ(Pending(*c), 1u);
  EXPECT_EQ(c->FetchAttachment(std::string(64, 'a')).status().code(), StatusCode::kInvalidArgument);

  // Background sync reports it and waits the longest delay.
  Collector<BackgroundSyncEvent> events;
  BackgroundSyncOptions bo;
  bo.interval = std::chrono::milliseconds(3'600'000);
  bo.backoff_max = std::chrono::milliseconds(5'000);
  bo.on_attempt = [&](const BackgroundSyncEvent& e) { events.Add(e); };
  ASSERT_OK(c->StartBackgroundSync(bo));
  ASSERT_TRUE(events.WaitFor([](const auto& es) { return !es.empty(); }));
  c->StopBackgroundSync();
  EXPECT_EQ(events.items()[0].status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(events.items()[0].next_delay, std::chrono::milliseconds(5'000));
  c.reset();

  // Reopened with the token fixed, the edit is still there to send.
  o.grpc.token = kGood;
  o.transport = server_;  // now a server that answers
  c = Open(o);
  EXPECT_EQ(Pending(*c), 1u);
  ASSERT_OK(c->Sync());
  EXPECT_TRUE(server_->Find("findings", *id).has_value());
}

}  // namespace
}  // namespace inspectsync::testing
