// Webhook signatures: HMAC-SHA256 with the webhook's secret over
// "<timestamp>.<body>", sent as `X-InspectSync-Signature: v1=<hex>` beside
// `X-InspectSync-Timestamp: <unix seconds>`. Signing the timestamp with the
// body lets a receiver refuse a captured delivery replayed later.
// The server signs with it; receivers (and the tests' receiver) verify.
//
// Thread-safety: pure functions.
#ifndef INSPECTSYNC_SERVER_WEBHOOK_SIGNING_H_
#define INSPECTSYNC_SERVER_WEBHOOK_SIGNING_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace inspectsync::server {

inline constexpr const char* kSignatureHeader = "X-InspectSync-Signature";
inline constexpr const char* kTimestampHeader = "X-InspectSync-Timestamp";
inline constexpr const char* kEventIdHeader = "X-InspectSync-Event-Id";
inline constexpr const char* kEventHeader = "X-InspectSync-Event";
// How far a receiver should let the timestamp stray from its own clock.
inline constexpr int64_t kDefaultSignatureToleranceS = 300;

// "v1=" + lowercase hex HMAC-SHA256(secret, timestamp + "." + body).
std::string SignWebhook(std::string_view secret, std::string_view timestamp, std::string_view body);

// Whether `signature` (the header's value) is a valid v1 signature of
// timestamp.body under `secret`, and the timestamp within `tolerance_s` of
// `now_s`. Compares in constant time.
bool VerifyWebhookSignature(std::string_view secret, std::string_view timestamp, std::string_view body,
                            std::string_view signature, int64_t now_s,
                            int64_t tolerance_s = kDefaultSignatureToleranceS);

}  // namespace inspectsync::server

#endif  // INSPECTSYNC_SERVER_WEBHOOK_SIGNING_H_
