// Status and StatusOr<T>: the one error type of InspectSync.
#include "inspectsync/status.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

namespace inspectsync {
namespace {

const StatusCode kAllCodes[] = {
    StatusCode::kOk,           StatusCode::kCancelled,        StatusCode::kUnknown,
    StatusCode::kInvalidArgument, StatusCode::kDeadlineExceeded, StatusCode::kNotFound,
    StatusCode::kAlreadyExists, StatusCode::kPermissionDenied, StatusCode::kResourceExhausted,
    StatusCode::kFailedPrecondition, StatusCode::kAborted,     StatusCode::kOutOfRange,
    StatusCode::kUnimplemented, StatusCode::kInternal,         StatusCode::kUnavailable,
    StatusCode::kDataLoss,     StatusCode::kUnauthenticated,
};

TEST(StatusTest, DefaultIsOk) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kOk);
  EXPECT_EQ(s.message(), "");
  EXPECT_EQ(s.ToString(), "OK");
  EXPECT_FALSE(s.transient());
  EXPECT_TRUE(Status::Ok().ok());
}

TEST(StatusTest, OkCodeWithMessageIsStillOk) {
  Status s(StatusCode::kOk, "ignored");
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.message(), "");
  EXPECT_EQ(s.ToString(), "OK");
}

TEST(StatusTest, ErrorCarriesCodeAndMessage) {
  Status s = InvalidArgument("record_id 'x' is not a UUID");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "record_id 'x' is not a UUID");
  EXPECT_EQ(s.ToString(), "INVALID_ARGUMENT: record_id 'x' is not a UUID");
}

TEST(StatusTest, HelpersMapToTheirCodes) {
  EXPECT_EQ(InvalidArgument("m").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(NotFound("m").code(), StatusCode::kNotFound);
  EXPECT_EQ(AlreadyExists("m").code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(FailedPrecondition("m").code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(Internal("m").code(), StatusCode::kInternal);
  EXPECT_EQ(Unavailable("m").code(), StatusCode::kUnavailable);
  EXPECT_EQ(ResourceExhausted("m").code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(DataLoss("m").code(), StatusCode::kDataLoss);
}

TEST(StatusTest, CodesHaveGoogleRpcValues) {
  EXPECT_EQ(static_cast<int>(StatusCode::kInvalidArgument), 3);
  EXPECT_EQ(static_cast<int>(StatusCode::kFailedPrecondition), 9);
  EXPECT_EQ(static_cast<int>(StatusCode::kUnavailable), 14);
  EXPECT_EQ(static_cast<int>(StatusCode::kUnauthenticated), 16);
}

TEST(StatusTest, ToStringUsesCanonicalCodeNames) {
  EXPECT_EQ(Status(StatusCode::kNotFound, "no record").ToString(), "NOT_FOUND: no record");
  EXPECT_EQ(Status(StatusCode::kFailedPrecondition, "").ToString(), "FAILED_PRECONDITION: ");
  EXPECT_STREQ(StatusCodeName(StatusCode::kUnauthenticated), "UNAUTHENTICATED");
  EXPECT_STREQ(StatusCodeName(StatusCode::kResourceExhausted), "RESOURCE_EXHAUSTED");
  EXPECT_STREQ(StatusCodeName(static_cast<StatusCode>(99)), "UNKNOWN");
  for (StatusCode c : kAllCodes) EXPECT_STRNE(StatusCodeName(c), "") << static_cast<int>(c);
}

TEST(StatusTest, TransientOnlyForRetryableCodes) {
  std::vector<StatusCode> transient = {StatusCode::kUnavailable, StatusCode::kDeadlineExceeded,
                                       StatusCode::kResourceExhausted, StatusCode::kAborted,
                                       StatusCode::kCancelled};
  for (StatusCode c : kAllCodes) {
    bool want = std::find(transient.begin(), transient.end(), c) != transient.end();
    EXPECT_EQ(Status(c, "x").transient(), want) << StatusCodeName(c);
  }
  // Do not retry until the state is fixed.
  EXPECT_FALSE(FailedPrecondition("x").transient());
  EXPECT_FALSE(InvalidArgument("x").transient());
}

TEST(StatusTest, CopiesAreIndependentValues) {
  Status a = NotFound("a");
  Status b = a;
  EXPECT_EQ(b.code(), StatusCode::kNotFound);
  EXPECT_EQ(b.message(), "a");
  a = Status::Ok();
  EXPECT_TRUE(a.ok());
  EXPECT_EQ(b.message(), "a");
}

TEST(StatusOrTest, HoldsValue) {
  StatusOr<std::string> v = std::string("hello");
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v.status().ok());
  EXPECT_EQ(v.value(), "hello");
  EXPECT_EQ(*v, "hello");
  EXPECT_EQ(v->size(), 5u);
  v.value() += "!";
  EXPECT_EQ(*v, "hello!");
}

TEST(StatusOrTest, HoldsError) {
  StatusOr<int> v = NotFound("record 42 is unknown");
  EXPECT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(v.status().message(), "record 42 is unknown");
}

TEST(StatusOrTest, OkStatusWithoutValueBecomesInternalError) {
  StatusOr<int> v = Status::Ok();
  EXPECT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), StatusCode::kInternal);
}

TEST(StatusOrTest, MoveOnlyValue) {
  StatusOr<std::unique_ptr<int>> v = std::make_unique<int>(7);
  ASSERT_TRUE(v.ok());
  std::unique_ptr<int> p = std::move(v).value();
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(*p, 7);
}

Status FailsAt(int step, int* reached) {
  for (int i = 1; i <= 3; ++i) {
    *reached = i;
    INSPECTSYNC_RETURN_IF_ERROR(i == step ? Unavailable("step " + std::to_string(i)) : Status::Ok());
  }
  return Status::Ok();
}

TEST(StatusTest, ReturnIfErrorStopsAtFirstError) {
  int reached = 0;
  Status s = FailsAt(2, &reached);
  EXPECT_EQ(reached, 2);
  EXPECT_EQ(s.ToString(), "UNAVAILABLE: step 2");
  EXPECT_TRUE(FailsAt(0, &reached).ok());
  EXPECT_EQ(reached, 3);
}

}  // namespace
}  // namespace inspectsync
