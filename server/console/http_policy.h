// The console's request rules that need no HTTP library, so they can be
// tested one by one: reading the session cookie, the same-origin rule for
// writes, the CSRF token comparison, and the cookie the console sets.
#ifndef INSPECTSYNC_SERVER_CONSOLE_HTTP_POLICY_H_
#define INSPECTSYNC_SERVER_CONSOLE_HTTP_POLICY_H_

#include <optional>
#include <string>

namespace inspectsync::server::console {

// The value of cookie `name` in a Cookie header ("a=1; b=2"); "" if absent.
std::string CookieValue(const std::string& header, const std::string& name);

// Whether a write comes from the console's own pages. `own` is the origin
// the request came to ("https://" + its Host header). The Origin header
// decides when the browser sent one (it must be exactly `own`; "null", a
// look-alike host or another port is not); otherwise the Referer must be a
// page of `own`. Neither: not same-origin. An empty host is never.
bool IsSameOrigin(const std::string& own, const std::optional<std::string>& origin,
                  const std::optional<std::string>& referer);

// Constant-time comparison of a presented token with the expected one; an
// empty expected token matches nothing.
bool TokensEqual(const std::string& presented, const std::string& expected);

// The Set-Cookie value for the session: HttpOnly, SameSite=Strict, Path=/,
// Secure when `secure` (the __Host- prefix requires it); `clear` ends it.
std::string SessionCookie(const std::string& name, const std::string& value, bool secure, bool clear);

}  // namespace inspectsync::server::console

#endif  // INSPECTSYNC_SERVER_CONSOLE_HTTP_POLICY_H_
