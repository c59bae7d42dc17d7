#include "server/webhook_signing.h"

#include <charconv>
#include <cstdlib>

#include "core/crypto.h"
#include "core/hex.h"

namespace inspectsync::server {

std::string SignWebhook(std::string_view secret, std::string_view timestamp, std::string_view body) {
  std::string message;
  message.reserve(timestamp.size() + 1 + body.size());
  message.append(timestamp).append(".").append(body);
  return "v1=" + core::HexEncode(core::HmacSha256(secret, message));
}

bool VerifyWebhookSignature(std::string_view secret, std::string_view timestamp, std::string_view body,
                            std::string_view signature, int64_t now_s, int64_t tolerance_s) {
  int64_t ts = 0;
  auto [end, ec] = std::from_chars(timestamp.data(), timestamp.data() + timestamp.size(), ts);
  if (ec != std::errc() || end != timestamp.data() + timestamp.size()) return false;
  if (std::llabs(now_s - ts) > tolerance_s) return false;
  std::string expected = SignWebhook(secret, timestamp, body);
  return core::ConstantTimeEquals(signature, expected);
}

}  // namespace inspectsync::server
