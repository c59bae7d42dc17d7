// Status and StatusOr<T>: the one error type of InspectSync.
//
// Codes have the values of google.rpc.Code, so a Status maps 1:1 onto a gRPC
// status at the wire and back. An OK Status holds no allocation. Retry rule
// (as in abseil/envoy): UNAVAILABLE -> retry the call; ABORTED -> retry from a
// fresh read; FAILED_PRECONDITION -> do not retry until the state is fixed.
//
// Thread-safety: values; safe to copy between threads.
#ifndef INSPECTSYNC_STATUS_H_
#define INSPECTSYNC_STATUS_H_

#include <memory>
#include <optional>
#include <string>
#include <utility>

namespace inspectsync {

enum class StatusCode : int {
  kOk = 0,
  kCancelled = 1,
  kUnknown = 2,
  kInvalidArgument = 3,
  kDeadlineExceeded = 4,
  kNotFound = 5,
  kAlreadyExists = 6,
  kPermissionDenied = 7,
  kResourceExhausted = 8,
  kFailedPrecondition = 9,
  kAborted = 10,
  kOutOfRange = 11,
  kUnimplemented = 12,
  kInternal = 13,
  kUnavailable = 14,
  kDataLoss = 15,
  kUnauthenticated = 16,
};

const char* StatusCodeName(StatusCode code);

class Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message);

  static Status Ok() { return Status(); }

  bool ok() const { return rep_ == nullptr; }
  StatusCode code() const { return rep_ ? rep_->code : StatusCode::kOk; }
  const std::string& message() const;
  // "INVALID_ARGUMENT: record_id 'x' is not a UUID"
  std::string ToString() const;
  // True for failures a caller may retry unchanged later (network, overload).
  bool transient() const;

 private:
  struct Rep {
    StatusCode code;
    std::string message;
  };
  std::shared_ptr<const Rep> rep_;
};

inline Status InvalidArgument(std::string m) { return Status(StatusCode::kInvalidArgument, std::move(m)); }
inline Status NotFound(std::string m) { return Status(StatusCode::kNotFound, std::move(m)); }
inline Status AlreadyExists(std::string m) { return Status(StatusCode::kAlreadyExists, std::move(m)); }
inline Status FailedPrecondition(std::string m) { return Status(StatusCode::kFailedPrecondition, std::move(m)); }
inline Status Internal(std::string m) { return Status(StatusCode::kInternal, std::move(m)); }
inline Status Unavailable(std::string m) { return Status(StatusCode::kUnavailable, std::move(m)); }
inline Status ResourceExhausted(std::string m) { return Status(StatusCode::kResourceExhausted, std::move(m)); }
inline Status DataLoss(std::string m) { return Status(StatusCode::kDataLoss, std::move(m)); }

// Either a value or a non-OK Status.
template <typename T>
class StatusOr {
 public:
  StatusOr(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  StatusOr(Status status) : status_(std::move(status)) {  // NOLINT
    if (status_.ok()) status_ = Status(StatusCode::kInternal, "StatusOr built from OK status without a value");
  }

  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }
  // REQUIRES: ok()
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T& operator*() & { return *value_; }
  const T& operator*() const& { return *value_; }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }

 private:
  Status status_;
  std::optional<T> value_;
};

}  // namespace inspectsync

// The variable name carries the line number so nested uses (a lambda inside
// a macro argument) do not shadow each other under -Wshadow.
#define INSPECTSYNC_STATUS_CONCAT_(a, b) a##b
#define INSPECTSYNC_STATUS_CONCAT(a, b) INSPECTSYNC_STATUS_CONCAT_(a, b)
#define INSPECTSYNC_RETURN_IF_ERROR(expr)                                                       \
  do {                                                                                          \
    ::inspectsync::Status INSPECTSYNC_STATUS_CONCAT(inspectsync_status_, __LINE__) = (expr);     \
    if (!INSPECTSYNC_STATUS_CONCAT(inspectsync_status_, __LINE__).ok())                         \
      return INSPECTSYNC_STATUS_CONCAT(inspectsync_status_, __LINE__);                          \
  } while (0)

#endif  // INSPECTSYNC_STATUS_H_
