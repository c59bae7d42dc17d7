// `inspectsync admin` (tokens and keys; the office commands are in
// cmd_office.cc) and `inspectsync certs`.
#include <cctype>
#include <cstdio>
#include <ctime>
#include <filesystem>

#include "core/ids.h"
#include "storage/server_store.h"

#include "server/auth/certs.h"
#include "server/auth/token.h"
#include "tools/commands.h"
#include "tools/connection.h"
#include "tools/cli.h"
#include "tools/integration.h"
#include "tools/office.h"

namespace inspectsync::tools {

namespace {

int Usage(const std::string& why) {
  std::fprintf(stderr, "inspectsync admin: %s\nsee 'inspectsync admin --help'\n", why.c_str());
  return kExitUsage;
}

int Fail(const Status& s) {
  std::fprintf(stderr, "inspectsync: %s\n", s.ToString().c_str());
  return 1;
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
StatusOr<std::string> TokenArgument(const Args& fl) {
  auto options = GrpcOptionsFromFlags(fl);
  if (!options.ok()) return options.status();
  return options->token;
}

// The user a token is for, checked against the users directory of the
// server's database when the command can see it (--db, default
// var/inspectsync.db): an id or an imported code of a live user there. A
// directory with no users yet lets anyone through, as the server does: the
// office's first tokens come before any directory.
StatusOr<std::string> TokenUser(const Args& fl) {
  const std::string ref = fl.Get("user"), db = fl.Get("db", "var/inspectsync.db");
  if (!std::filesystem::exists(db)) {
    if (fl.Has("db")) return NotFound("no server database at " + db + " (--db)");
    std::fprintf(stderr, "(no server database at %s: user '%s' not checked against the users directory)\n",
                 db.c_str(), ref.c_str());
    return ref;
  }
  auto store = storage::OpenSqliteServerStore(db);
  if (!store.ok()) return store.status();
  auto users = (*store)->CountRecords("users");
  if (!users.ok()) return users.status();
  if (*users == 0) return ref;
  for (const std::string& id : {ref, core::ImportRecordId("users", ref)}) {
    auto r = (*store)->GetRecord("users", id);
    if (!r.ok()) return r.status();
    if (!r->has_value() || (*r)->deleted) continue;
    v1::User person;
    if (!person.ParseFromString((*r)->body)) return DataLoss("user " + id + " in " + db + " does not parse");
    // The server refuses a token whose role is not the person's: say so now.
    std::string role = v1::Role_Name(person.role());
    for (auto& ch : role) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (role != fl.Get("role"))
      return FailedPrecondition(person.name() + " (" + ref + ") is " + role + " in the users directory, not " +
                                fl.Get("role") + "; servers would refuse the token");
    if (!person.active())
      return FailedPrecondition(person.name() + " (" + ref + ") is deactivated in the users directory");
    return id;
  }
  return NotFound("no user '" + ref + "' (by id or code) in the users directory of " + db +
                  "; import or add them first (tokens name the user id 'admin import users' prints)");
}

int TokenCommand(const Args& fl, const std::string& verb, const std::string& keys) {
  const auto& pos = fl.positional();
  const int64_t now = static_cast<int64_t>(std::time(nullptr));
  if (verb == "issue") {
    if (!fl.Has("user") || !fl.Has("role") || !fl.Has("device"))
      return Usage("token issue needs --user, --role and --device");
    long long ttl = 0;
    if (!ParseDuration(fl.Get("ttl", "30d"), &ttl) || ttl <= 0)
      return Usage("--ttl '" + fl.Get("ttl") + "' is not a duration: a number with a unit, s, m, h or d (90m, 12h, 30d)");
    if (ttl > kDefaultMaxTtlS && !fl.Has("allow-long-ttl"))
      return Usage("--ttl " + fl.Get("ttl") +
                                    " is longer than the 90 days servers accept by default (--max-token-ttl-days); "
                                    "give --allow-long-ttl if yours accepts it");
    auto user = TokenUser(fl);
    if (!user.ok()) return Fail(user.status());
    auto ring = auth::KeyRing::Load(keys);
    if (!ring.ok()) return Fail(ring.status());
    v1::TokenClaims c;
    c.set_user(*user);
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
    if (verb == "show" && token->empty()) return Usage("token show needs --token-file F or --token T");
    if (verb == "revoke" && token->empty() == (pos.size() < 3))
      return Usage("token revoke needs a token id, or --token-file F / --token T (one of them)");
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
  return Usage("unknown command 'token " + verb + "'");
}

int RunAdmin(const Args& fl) {
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
      if (pos.size() < 3) return Usage("key remove needs the key id");
      if (Status st = ring->RemoveKey(pos[2]); !st.ok()) return Fail(st);
      if (Status st = ring->Save(keys); !st.ok()) return Fail(st);
      std::printf("removed key %s; tokens it signed are no longer accepted\n", pos[2].c_str());
      return 0;
    }
    for (const auto& k : ring->Keys()) std::printf("%s  %s\n", k.id.c_str(), k.signing ? "sign" : "verify");
    return 0;
  }
  return Usage(what.empty() ? "no command given" : "unknown command '" + what + " " + verb + "'");
}

int RunCerts(const Args& fl) {
  std::string dir = fl.Get("dir", "var/certs");
  Status st = auth::InitDevCerts(dir, fl.GetAll("host"), fl.Has("force"));
  if (!st.ok()) return Fail(st);
  std::printf("wrote %s/ca.pem, ca-key.pem, server.pem, server-key.pem\n", dir.c_str());
  return 0;
}

}  // namespace

void AddAdminCommands(Command& root) {
  Command admin = root.Sub("admin", "tokens and keys; the office's work; the office's own systems");
  const char* keys_help = "the server's key ring (default var/token-keys)";
  Command token = admin.Sub("token", "bearer tokens: issue, show, revoke");
  token.Sub("issue", "print a signed bearer token (its id goes to stderr)")
      .Opt("user", "USER", "who it is for: their user id, or the code they were imported with (required)")
      .Opt("role", "ROLE", "inspector, zone_director, office or integration (required)")
      .Opt("device", "NAME", "the device it is for (required)")
      .Opt("ttl", "DURATION", "how long it lives: 90m, 12h, 30d (default 30d; at most 90d)")
      .Switch("allow-long-ttl", "allow a ttl over 90 days (servers refuse them unless --max-token-ttl-days allows)")
      .Opt("keys", "FILE", keys_help)
      .Opt("db", "PATH", "the server's database, for its users directory (default var/inspectsync.db)")
      .Run(RunAdmin);
  token.Sub("show", "what a token says: id, user, role, device, expiry")
      .Opt("token-file", "FILE", "the token's file")
      .Opt("token", "TOKEN", "or the token")
      .Opt("keys", "FILE", keys_help)
      .Run(RunAdmin);
  token.Sub("revoke", "refuse a token from now on (running servers within a second); others are untouched")
      .Pos("TOKEN_ID", "the token's id (printed by token issue)", false)
      .Opt("token-file", "FILE", "or the token's file")
      .Opt("token", "TOKEN", "or the token")
      .Opt("keys", "FILE", keys_help)
      .Run(RunAdmin);
  token.Sub("revoked", "the revoked tokens still on record").Opt("keys", "FILE", keys_help).Run(RunAdmin);
  Command key = admin.Sub("key", "the keys that sign tokens");
  key.Sub("list", "the keys of the ring (which one signs)").Opt("keys", "FILE", keys_help).Run(RunAdmin);
  key.Sub("rotate", "add a new signing key; older keys still verify").Opt("keys", "FILE", keys_help).Run(RunAdmin);
  key.Sub("remove", "stop accepting tokens signed with a key")
      .Pos("KEY_ID", "the key")
      .Opt("keys", "FILE", keys_help)
      .Run(RunAdmin);
  AddOfficeCommands(admin);
  AddIntegrationCommands(admin);
}

void AddCertsCommand(Command& root) {
  root.Sub("certs", "development TLS certificates")
      .Sub("init", "a development CA and a server certificate for localhost, 127.0.0.1 and each --host")
      .Opt("dir", "DIR", "where (default var/certs); tablets trust DIR/ca.pem")
      .Multi("host", "NAME_OR_IP", "another name the certificate is for")
      .Switch("force", "replace existing files")
      .Run(RunCerts);
}

}  // namespace inspectsync::tools
