#include "server/console/http_policy.h"

#include <openssl/crypto.h>

namespace inspectsync::server::console {

std::string CookieValue(const std::string& header, const std::string& name) {
  size_t pos = 0;
  while (pos < header.size()) {
    size_t end = header.find(';', pos);
    if (end == std::string::npos) end = header.size();
    std::string part = header.substr(pos, end - pos);
    size_t start = part.find_first_not_of(' ');
    part = start == std::string::npos ? "" : part.substr(start);
    if (part.compare(0, name.size() + 1, name + "=") == 0) return part.substr(name.size() + 1);
    pos = end + 1;
  }
  return "";
}

bool IsSameOrigin(const std::string& own, const std::optional<std::string>& origin,
                  const std::optional<std::string>& referer) {
  const size_t scheme_end = own.find("://");
  if (scheme_end == std::string::npos || scheme_end + 3 >= own.size()) return false;  // no host
  if (origin) return *origin == own;
  if (referer) return *referer == own || referer->compare(0, own.size() + 1, own + "/") == 0;
  return false;
}

bool TokensEqual(const std::string& presented, const std::string& expected) {
  if (expected.empty() || presented.size() != expected.size()) return false;
  return CRYPTO_memcmp(presented.data(), expected.data(), expected.size()) == 0;
}

std::string SessionCookie(const std::string& name, const std::string& value, bool secure, bool clear) {
  std::string c = name + "=" + value + "; Path=/; HttpOnly; SameSite=Strict";
  if (secure) c += "; Secure";
  if (clear) c += "; Max-Age=0";
  return c;
}

}  // namespace inspectsync::server::console
