// `inspectsync admin` (tokens and keys; the office commands are in
// cmd_office.cc) and `inspectsync certs`.
#include <cstdio>
#include <ctime>

#include "server/auth/certs.h"
#include "server/auth/token.h"
#include "tools/commands.h"
#include "tools/connection.h"
#include "tools/flags.h"
#include "tools/integration.h"
#include "tools/office.h"

namespace inspectsync::tools {

namespace {

const char* kAdminUsage =
    "usage: inspectsync admin <command> [--keys FILE]\n"
    "  token issue --user U --role R --device D [--ttl 30d] [--allow-long-ttl]\n"
    "                                 print a signed bearer token (its id goes to stderr)\n"
    "        roles: inspector, zone_director, office, integration; ttl: 3600, 90m, 12h, 30d;\n"
    "        at most 90d unless --allow-long-ttl (servers refuse longer: --max-token-ttl-days)\n"
    "  token show (--token-file F | --token T)   what a token says: id, user, role, device, expiry\n"
    "  token revoke (TOKEN_ID | --token-file F | --token T)   running servers refuse it within a second,\n"
    "                                 open streams included; other tokens are untouched\n"
    "  token revoked                  the revoked tokens still on record\n"
    "  key list                       the keys of the ring (which one signs)\n"
    "  key rotate                     add a new signing key; older keys still verify\n"
    "  key remove KEY_ID              stop accepting tokens signed with that key\n"
    "  --keys FILE                    the server's key ring (default var/token-keys)\n";

const char* kCertsUsage =
    "usage: inspectsync certs init [--dir DIR] [--host NAME_OR_IP]... [--force]\n"
    "  creates a development CA and a server certificate for localhost and 127.0.0.1\n"
    "  (plus each --host) in DIR (default var/certs); tablets trust DIR/ca.pem\n";

int Usage(const char* usage, const std::string& why) {
  std::fprintf(stderr, "inspectsync: %s\n%s%s", why.c_str(), usage, usage == kAdminUsage ? kOfficeUsage : "");
  return 2;
}

int Fail(const Status& s) {
  std::fprintf(stderr, "inspectsync: %s\n", s.ToString().c_str());
  return 1;
}

// "3600" / "90m" / "12h" / "30d" -> seconds; 0 on error.
int64_t ParseTtl(const std::string& s) {
  if (s.empty()) return 0;
  char unit = s.back();
  std::string digits = isdigit(static_cast<unsigned char>(unit)) ? s : s.substr(0, s.size() - 1);
  if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos || digits.size() > 9) return 0;
  int64_t n = std::stoll(digits);
  switch (unit) {
    case 'd': return n * 86400;
    case 'h': return n * 3600;
    case 'm': return n * 60;
    case 's': return n;
    default: return isdigit(static_cast<unsigned char>(unit)) ? n : 0;
  }
}

constexpr int64_t kDefaultMaxTtlS = 90 * 86400;  // the server's --max-token-ttl-days default
// A revocation by bare id does not know when its token expires: it is kept this long.
constexpr int64_t kBareRevocationS = 3650LL * 86400;

std::string Utc(int64_t s) {
  std::time_t t = static_cast<std::time_t>(s);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M UTC", &tm);
  return buf;
}

// The token of --token-file or --token, read and checked as every command
// does (trimmed; a malformed one is refused naming the byte), or "".
StatusOr<std::string> TokenArgument(const Flags& fl) {
  auto options = GrpcOptionsFromFlags(fl);
  if (!options.ok()) return options.status();
  return options->token;
}

int TokenCommand(const Flags& fl, const std::string& verb, const std::string& keys) {
  const auto& pos = fl.positional();
  const int64_t now = static_cast<int64_t>(std::time(nullptr));
  if (verb == "issue") {
    if (!fl.Has("user") || !fl.Has("role") || !fl.Has("device"))
      return Usage(kAdminUsage, "token issue needs --user, --role and --device");
    int64_t ttl = ParseTtl(fl.Get("ttl", "30d"));
    if (ttl <= 0) return Usage(kAdminUsage, "--ttl must look like 3600, 90m, 12h or 30d");
    if (ttl > kDefaultMaxTtlS && !fl.Has("allow-long-ttl"))
      return Usage(kAdminUsage, "--ttl " + fl.Get("ttl") +
                                    " is longer than the 90 days servers accept by default (--max-token-ttl-days); "
                                    "give --allow-long-ttl if yours accepts it");
    auto ring = auth::KeyRing::Load(keys);
    if (!ring.ok()) return Fail(ring.status());
    v1::TokenClaims c;
    c.set_user(fl.Get("user"));
    c.set_role(fl.Get("role"));
    c.set_device(fl.Get("device"));
    c.set_issued_at_s(now);
    c.set_expires_at_s(now + ttl);
    auto token = ring->Sign(c);
    if (!token.ok()) return Fail(token.status());
    auto id = auth::TokenId(*token);
    std::printf("%s\n", token->c_str());
    std::fprintf(stderr, "token id %s, valid until %s (revoke it with: inspectsync admin token revoke %s)\n",
                 id.ok() ? id->c_str() : "?", Utc(now + ttl).c_str(), id.ok() ? id->c_str() : "?");
    return 0;
  }
  if (verb == "show" || verb == "revoke") {
    auto token = TokenArgument(fl);
    if (!token.ok()) return Fail(token.status());
    if (verb == "show" && token->empty()) return Usage(kAdminUsage, "token show needs --token-file F or --token T");
    if (verb == "revoke" && token->empty() == (pos.size() < 3))
      return Usage(kAdminUsage, "token revoke needs a token id, or --token-file F / --token T (one of them)");
    std::string id = pos.size() >= 3 ? pos[2] : "";
    int64_t until = now + kBareRevocationS;
    v1::TokenClaims claims;
    if (!token->empty()) {
      auto decoded = auth::DecodeClaims(*token);
      if (!decoded.ok()) return Fail(decoded.status());
      claims = *decoded;
      id = *auth::TokenId(*token);
      until = claims.expires_at_s();
    }
    auto ring = auth::KeyRing::Load(keys);
    if (verb == "show") {
      std::printf("token id  %s\nuser      %s\nrole      %s\ndevice    %s\nissued    %s\nexpires   %s%s\nkey       %s\n",
                  id.c_str(), claims.user().c_str(), claims.role().c_str(), claims.device().c_str(),
                  Utc(claims.issued_at_s()).c_str(), Utc(claims.expires_at_s()).c_str(),
                  claims.expires_at_s() <= now ? " (expired)" : "", claims.key_id().c_str());
      if (ring.ok()) std::printf("revoked   %s\n", ring->IsRevoked(id) ? "yes" : "no");
      return 0;
    }
    if (!ring.ok()) return Fail(ring.status());
    if (Status st = ring->Revoke(id, until); !st.ok()) return Fail(st);
    ring->PruneRevocations(now);
    if (Status st = ring->Save(keys); !st.ok()) return Fail(st);
    std::printf("revoked token %s%s; servers using %s refuse it within a second\n", id.c_str(),
                token->empty() ? "" : (" (" + claims.user() + ", " + claims.role() + ", device " + claims.device() + ")").c_str(),
                keys.c_str());
    return 0;
  }
  if (verb == "revoked") {
    auto ring = auth::KeyRing::Load(keys);
    if (!ring.ok()) return Fail(ring.status());
    auto list = ring->Revocations();
    if (list.empty()) std::printf("no revoked tokens on record\n");
    for (const auto& r : list) std::printf("%s  kept until %s\n", r.token_id.c_str(), Utc(r.until_s).c_str());
    return 0;
  }
  return Usage(kAdminUsage, "unknown command 'token " + verb + "'");
}

}  // namespace

int CmdAdmin(const std::vector<std::string>& args) {
  if (IsOfficeCommand(args)) return CmdOffice(args);
  if (IsIntegrationCommand(args)) return CmdIntegration(args);
  Flags fl({"keys", "user", "role", "device", "ttl", "allow-long-ttl", "token", "token-file", "help"},
           {"help", "allow-long-ttl"});
  if (!fl.Parse(args)) return Usage(kAdminUsage, fl.error());
  if (fl.Has("help")) {
    std::fputs(kAdminUsage, stdout);
    std::fputs(kOfficeUsage, stdout);
    std::fputs(kIntegrationUsage, stdout);
    return 0;
  }
  const auto& pos = fl.positional();
  std::string what = pos.size() > 0 ? pos[0] : "", verb = pos.size() > 1 ? pos[1] : "";
  std::string keys = fl.Get("keys", "var/token-keys");

  if (what == "token") return TokenCommand(fl, verb, keys);
  if (what == "key" && (verb == "list" || verb == "rotate" || verb == "remove")) {
    auto ring = verb == "rotate" ? auth::KeyRing::LoadOrCreate(keys) : auth::KeyRing::Load(keys);
    if (!ring.ok()) return Fail(ring.status());
    if (verb == "rotate") {
      std::string id = ring->AddKey();
      if (Status st = ring->Save(keys); !st.ok()) return Fail(st);
      std::printf("new signing key %s; older keys still verify until removed\n", id.c_str());
      return 0;
    }
    if (verb == "remove") {
      if (pos.size() < 3) return Usage(kAdminUsage, "key remove needs the key id");
      if (Status st = ring->RemoveKey(pos[2]); !st.ok()) return Fail(st);
      if (Status st = ring->Save(keys); !st.ok()) return Fail(st);
      std::printf("removed key %s; tokens it signed are no longer accepted\n", pos[2].c_str());
      return 0;
    }
    for (const auto& k : ring->Keys()) std::printf("%s  %s\n", k.id.c_str(), k.signing ? "sign" : "verify");
    return 0;
  }
  return Usage(kAdminUsage, what.empty() ? "no command given" : "unknown command '" + what + " " + verb + "'");
}

int CmdCerts(const std::vector<std::string>& args) {
  Flags fl({"dir", "host", "force", "help"}, {"force", "help"});
  if (!fl.Parse(args)) return Usage(kCertsUsage, fl.error());
  if (fl.Has("help")) {
    std::fputs(kCertsUsage, stdout);
    return 0;
  }
  if (fl.positional().size() != 1 || fl.positional()[0] != "init") return Usage(kCertsUsage, "expected 'certs init'");
  std::string dir = fl.Get("dir", "var/certs");
  Status st = auth::InitDevCerts(dir, fl.GetAll("host"), fl.Has("force"));
  if (!st.ok()) return Fail(st);
  std::printf("wrote %s/ca.pem, ca-key.pem, server.pem, server-key.pem\n", dir.c_str());
  return 0;
}

}  // namespace inspectsync::tools
