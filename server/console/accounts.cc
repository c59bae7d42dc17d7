// Accounts: passwords, sessions and sign-in delays of the office console
// (server/console/accounts.h). Everything lives in the store's console tables
// (storage/console_store.h); the users directory is the store's `users`
// collection, read at sign-in and on every Check so that deactivating a
// person ends their console sessions at their next request.
#include "server/console/accounts.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>

#include "core/crypto.h"
#include "core/ids.h"
#include "server/auth/token.h"
#include "storage/console_store.h"
#include "storage/server_store.h"

namespace inspectsync::server::console {

namespace {

constexpr char kWrong[] = "wrong user name or password";
constexpr size_t kMaxPasswordBytes = 1024;  // longer input is refused before hashing
constexpr size_t kSaltBytes = 16;
constexpr size_t kHashBytes = 32;
constexpr size_t kSecretBytes = 32;
constexpr int64_t kPruneEveryMs = 10 * 60'000;

Status Unauthenticated(std::string m) { return Status(StatusCode::kUnauthenticated, std::move(m)); }
Status PermissionDenied(std::string m) { return Status(StatusCode::kPermissionDenied, std::move(m)); }

StatusOr<std::string> RandomBytes(size_t n) {
  std::string out(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1)
    return Internal("the system's random number generator failed");
  return out;
}

StatusOr<std::string> Scrypt(const std::string& password, const std::string& salt, uint64_t n, uint64_t r,
                             uint64_t p) {
  std::string out(kHashBytes, '\0');
  // What OpenSSL allocates (V and B), with room to spare: its default cap
  // (32 MiB) is just below what N = 2^15, r = 8 needs.
  const uint64_t maxmem = 128 * r * (n + p + 2) + (1 << 20);
  if (EVP_PBE_scrypt(password.data(), password.size(), reinterpret_cast<const unsigned char*>(salt.data()),
                     salt.size(), n, r, p, maxmem, reinterpret_cast<unsigned char*>(out.data()), out.size()) != 1)
    return Internal("scrypt failed (N=" + std::to_string(n) + ", r=" + std::to_string(r) + ", p=" +
                    std::to_string(p) + ")");
  return out;
}

// Whether `password` matches a stored "scrypt$N$r$p$salt$hash".
StatusOr<bool> Matches(const std::string& stored, const std::string& password) {
  std::vector<std::string> parts;
  for (size_t start = 0;;) {
    size_t next = stored.find('$', start);
    parts.push_back(stored.substr(start, next == std::string::npos ? std::string::npos : next - start));
    if (next == std::string::npos) break;
    start = next + 1;
  }
  auto number = [](const std::string& s, uint64_t* v) {
    if (s.empty() || s.size() > 12 || s.find_first_not_of("0123456789") != std::string::npos) return false;
    *v = std::stoull(s);
    return *v > 0;
  };
  uint64_t n = 0, r = 0, p = 0;
  std::string salt, hash;
  if (parts.size() != 6 || parts[0] != "scrypt" || !number(parts[1], &n) || !number(parts[2], &r) ||
      !number(parts[3], &p) || !auth::Base64UrlDecode(parts[4], &salt) ||
      !auth::Base64UrlDecode(parts[5], &hash) || hash.empty())
    return DataLoss("a stored console password hash is not in the scrypt$N$r$p$salt$hash form");
  auto got = Scrypt(password, salt, n, r, p);
  if (!got.ok()) return got.status();
  return got->size() == hash.size() && CRYPTO_memcmp(got->data(), hash.data(), hash.size()) == 0;
}

size_t Utf8Chars(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

// The role in words, for messages: "an inspector".
std::string RoleWords(v1::Role role) {
  switch (role) {
    case v1::INSPECTOR: return "an inspector";
    case v1::ZONE_DIRECTOR: return "a zone director";
    case v1::OFFICE: return "office staff";
    case v1::INTEGRATION: return "an integration account";
    default: return "without a role";
  }
}

std::string RolePlural(v1::Role role) {
  return role == v1::INSPECTOR ? "inspectors" : role == v1::INTEGRATION ? "integration accounts" : "this role";
}

std::string Seconds(int64_t ms) { return std::to_string(std::max<int64_t>(1, (ms + 999) / 1000)); }

}  // namespace

Accounts::Accounts(SyncEngine* engine, storage::ServerStore* store, core::Clock* clock, AccountOptions options)
    : engine_(engine), store_(store), clock_(clock), options_(options) {}

StatusOr<std::optional<Accounts::Person>> Accounts::FindUser(const std::string& typed) {
  std::optional<Person> found;
  // Spaces around a login are a form's, never a person's.
  const size_t first = typed.find_first_not_of(" \t\r\n");
  if (first == std::string::npos || typed.size() > 200) return found;
  const std::string login = typed.substr(first, typed.find_last_not_of(" \t\r\n") - first + 1);
  auto read = [&](const std::string& id) -> Status {
    auto r = store_->GetRecord("users", id);
    if (!r.ok()) return r.status();
    if (!r->has_value()) return Status::Ok();
    Person p;
    p.id = id;
    p.deleted = (*r)->deleted;
    if (!p.user.ParseFromString((*r)->body)) return DataLoss("user " + id + " does not parse");
    found = std::move(p);
    return Status::Ok();
  };
  // Their code (the import's), then a record id.
  INSPECTSYNC_RETURN_IF_ERROR(read(core::ImportRecordId("users", login)));
  if (!found && core::IsUuid(login)) INSPECTSYNC_RETURN_IF_ERROR(read(login));
  if (found) return found;
  // Their name, if exactly one live user has it.
  int matches = 0;
  INSPECTSYNC_RETURN_IF_ERROR(store_->ScanCollection("users", [&](const storage::StoredRecord& rec) -> Status {
    if (rec.deleted) return Status::Ok();
    v1::User u;
    if (!u.ParseFromString(rec.body) || u.name() != login) return Status::Ok();
    if (++matches == 1) {
      found = Person{rec.id, u, false, 0};
    }
    return Status::Ok();
  }));
  if (matches > 1) found.reset();
  return found;
}

Status Accounts::Admit(const Person& p) const {
  if (p.deleted)
    return PermissionDenied(p.Name() + " was removed from the office's user directory and cannot sign in");
  if (!p.user.active())
    return PermissionDenied(p.Name() +
                            " is deactivated in the office's user directory; the office can reactivate the account");
  const v1::Role role = p.user.role();
  const bool allowed = role == v1::OFFICE || role == v1::ZONE_DIRECTOR ||
                       (role == v1::INSPECTOR && options_.allow_inspector) ||
                       (role == v1::INTEGRATION && options_.allow_integration);
  if (!allowed) {
    if (role != v1::INSPECTOR && role != v1::INTEGRATION)
      return PermissionDenied(p.Name() + " has no role in the office's user directory, so cannot sign in to the console");
    return PermissionDenied(p.Name() + " is " + RoleWords(role) + "; " + RolePlural(role) +
                            " may not sign in to the office console unless the server allows it");
  }
  return Status::Ok();
}

Status Accounts::CheckDelay(const std::string& key) {
  auto row = store_->console()->GetFailures(key);
  if (!row.ok()) return row.status();
  const int64_t now = clock_->NowMillis();
  if (row->blocked_until_ms > now)
    return ResourceExhausted("too many failed sign-ins; try again in " + Seconds(row->blocked_until_ms - now) + " s");
  return Status::Ok();
}

// One more failure under `key`; past `free_failures` the next attempt waits
// first_delay_ms, doubling with each further failure up to max_delay_ms.
Status Accounts::CountFailure(const std::string& key, int free_failures) {
  const int64_t now = clock_->NowMillis();
  auto row = store_->console()->AddFailure(key, now, now - options_.forget_failures_after_ms);
  if (!row.ok()) return row.status();
  const int64_t over = row->failures - free_failures;
  if (over <= 0) return Status::Ok();
  int64_t delay = options_.first_delay_ms;
  for (int64_t i = 1; i < over && delay < options_.max_delay_ms; ++i) delay *= 2;
  return store_->console()->BlockUntil(key, now + std::min(delay, options_.max_delay_ms));
}

StatusOr<std::string> Accounts::Hash(const std::string& password) {
  auto salt = RandomBytes(kSaltBytes);
  if (!salt.ok()) return salt.status();
  auto hash = Scrypt(password, *salt, options_.scrypt_n, options_.scrypt_r, options_.scrypt_p);
  if (!hash.ok()) return hash.status();
  return "scrypt$" + std::to_string(options_.scrypt_n) + "$" + std::to_string(options_.scrypt_r) + "$" +
         std::to_string(options_.scrypt_p) + "$" + auth::Base64UrlEncode(*salt) + "$" + auth::Base64UrlEncode(*hash);
}

StatusOr<NewSession> Accounts::SignIn(const std::string& login, const std::string& password,
                                      const std::string& client) {
  if (clock_->NowMillis() - last_prune_ms_.load() > kPruneEveryMs) INSPECTSYNC_RETURN_IF_ERROR(Prune());
  // While a delay runs the password is not even checked (nor the
  // directory searched: a blocked address costs one read).
  const std::string addr_key = client.empty() ? "" : "addr:" + client;
  if (!addr_key.empty()) INSPECTSYNC_RETURN_IF_ERROR(CheckDelay(addr_key));
  auto person = FindUser(login);
  if (!person.ok()) return person.status();
  // The login's counter: the user's, whichever name they typed; a login
  // nobody has counts under itself (and answers the same way).
  const std::string login_key = *person ? "user:" + (*person)->id : "login:" + login.substr(0, 200);
  INSPECTSYNC_RETURN_IF_ERROR(CheckDelay(login_key));

  std::optional<storage::PasswordRow> stored;
  if (*person) {
    auto row = store_->console()->GetPassword((*person)->id);
    if (!row.ok()) return row.status();
    stored = std::move(*row);
  }
  bool right = false;
  if (stored && password.size() <= kMaxPasswordBytes) {
    auto m = Matches(stored->hash, password);
    if (!m.ok()) return m.status();
    right = *m;
  } else {
    // As long as a real check, so the answer's time does not tell whether
    // the user exists or has a password.
    auto h = Hash(password.substr(0, kMaxPasswordBytes));
    if (!h.ok()) return h.status();
  }
  if (!right) {
    INSPECTSYNC_RETURN_IF_ERROR(CountFailure(login_key, options_.free_failures));
    if (!addr_key.empty()) INSPECTSYNC_RETURN_IF_ERROR(CountFailure(addr_key, options_.free_failures_per_address));
    return Unauthenticated(kWrong);
  }
  // The right password: only now say whether the directory lets them in.
  INSPECTSYNC_RETURN_IF_ERROR(Admit(**person));
  INSPECTSYNC_RETURN_IF_ERROR(store_->console()->ClearFailures(login_key));

  auto secret = RandomBytes(kSecretBytes);
  if (!secret.ok()) return secret.status();
  auto csrf = RandomBytes(kSecretBytes);
  if (!csrf.ok()) return csrf.status();
  NewSession out;
  out.secret = auth::Base64UrlEncode(*secret);
  storage::SessionRow row;
  row.secret_hash = core::Sha256Hex(out.secret);
  row.user_id = (*person)->id;
  row.role = (*person)->user.role();
  row.csrf_token = auth::Base64UrlEncode(*csrf);
  row.created_ms = row.last_seen_ms = clock_->NowMillis();
  // The generation the password had when checked: a change between the
  // check and here ends this session at its first Check.
  row.generation = stored->generation;
  INSPECTSYNC_RETURN_IF_ERROR(store_->console()->CreateSession(row));
  out.info.user_id = row.user_id;
  out.info.user_name = (*person)->Name();
  out.info.role = (*person)->user.role();
  out.info.csrf_token = row.csrf_token;
  out.info.expires_ms = row.created_ms + std::min(options_.idle_timeout_ms, options_.absolute_timeout_ms);
  return out;
}

StatusOr<SessionInfo> Accounts::Check(const std::string& secret) {
  if (secret.empty() || secret.size() > 100) return Unauthenticated("not signed in");
  const std::string key = core::Sha256Hex(secret);
  auto got = store_->console()->GetSession(key);
  if (!got.ok()) return got.status();
  if (!got->has_value()) return Unauthenticated("not signed in, or the session has ended; sign in again");
  const storage::SessionRow& s = (*got)->first;
  const uint64_t generation = (*got)->second;
  const int64_t now = clock_->NowMillis();
  auto end = [&](const std::string& why) -> Status {
    auto deleted = store_->console()->DeleteSession(key);
    if (!deleted.ok()) return deleted.status();
    return Unauthenticated(why);
  };
  if (now - s.last_seen_ms >= options_.idle_timeout_ms)
    return end("signed out after " + std::to_string(options_.idle_timeout_ms / 60'000) +
               " minutes without activity; sign in again");
  if (now - s.created_ms >= options_.absolute_timeout_ms)
    return end("signed out: a session lasts at most " + std::to_string(options_.absolute_timeout_ms / 3600'000) +
               " hours; sign in again");
  if (generation != s.generation) return end("the password was changed; sign in again with the new one");
  // The directory now: one primary-key read of the user's record.
  auto rec = store_->GetRecord("users", s.user_id);
  if (!rec.ok()) return rec.status();
  if (!rec->has_value()) return end("this user is not in the office's user directory any more");
  Person p;
  p.id = s.user_id;
  p.deleted = (*rec)->deleted;
  if (!p.user.ParseFromString((*rec)->body)) return DataLoss("user " + s.user_id + " does not parse");
  if (Status admit = Admit(p); !admit.ok()) return end(admit.message() + "; signed out");
  if (p.user.role() != s.role)
    return end(p.Name() + " is " + RoleWords(p.user.role()) + " in the office's user directory now; sign in again");
  // Moving the idle expiry is a write: at most once a minute per session.
  int64_t seen = s.last_seen_ms;
  if (now - seen >= std::min<int64_t>(60'000, options_.idle_timeout_ms / 10)) {
    INSPECTSYNC_RETURN_IF_ERROR(store_->console()->TouchSession(key, now));
    seen = now;
  }
  SessionInfo info;
  info.user_id = s.user_id;
  info.user_name = p.Name();
  info.role = p.user.role();
  info.csrf_token = s.csrf_token;
  info.expires_ms = std::min(seen + options_.idle_timeout_ms, s.created_ms + options_.absolute_timeout_ms);
  return info;
}

Status Accounts::SignOut(const std::string& secret) {
  if (secret.empty() || secret.size() > 100) return Status::Ok();
  auto deleted = store_->console()->DeleteSession(core::Sha256Hex(secret));
  return deleted.ok() ? Status::Ok() : deleted.status();
}

Status Accounts::SetPassword(const std::string& login, const std::string& password, PasswordChange* change) {
  const size_t chars = Utf8Chars(password);
  if (chars < options_.min_password_chars)
    return InvalidArgument("a console password needs at least " + std::to_string(options_.min_password_chars) +
                           " characters; this one has " + std::to_string(chars));
  if (password.size() > kMaxPasswordBytes)
    return InvalidArgument("a console password may have at most " + std::to_string(kMaxPasswordBytes) + " bytes");
  auto person = FindUser(login);
  if (!person.ok()) return person.status();
  if (!*person || (*person)->deleted)
    return NotFound("no user '" + login + "' (by code, id or name) in the office's user directory");
  auto hash = Hash(password);
  if (!hash.ok()) return hash.status();
  auto ended = store_->console()->SetPassword((*person)->id, *hash, clock_->NowMillis());
  if (!ended.ok()) return ended.status();
  if (change) {
    change->user_id = (*person)->id;
    change->user_name = (*person)->Name();
    change->sessions_ended = *ended;
  }
  return Status::Ok();
}

StatusOr<bool> Accounts::HasPassword(const std::string& login) {
  auto person = FindUser(login);
  if (!person.ok()) return person.status();
  if (!*person) return NotFound("no user '" + login + "' (by code, id or name) in the office's user directory");
  auto row = store_->console()->GetPassword((*person)->id);
  if (!row.ok()) return row.status();
  return row->has_value();
}

StatusOr<std::string> Accounts::UserName(const std::string& login) {
  auto person = FindUser(login);
  if (!person.ok()) return person.status();
  if (!*person) return NotFound("no user '" + login + "' (by code, id or name) in the office's user directory");
  return (*person)->Name();
}

Status Accounts::MayUseConsole(const std::string& login) {
  auto person = FindUser(login);
  if (!person.ok()) return person.status();
  if (!*person) return NotFound("no user '" + login + "' (by code, id or name) in the office's user directory");
  return Admit(**person);
}

Status Accounts::ListPasswords(std::vector<PasswordHolder>* out) {
  std::vector<storage::PasswordRow> rows;
  INSPECTSYNC_RETURN_IF_ERROR(store_->console()->ListPasswords(&rows));
  std::vector<std::pair<std::string, size_t>> sessions;
  INSPECTSYNC_RETURN_IF_ERROR(store_->console()->CountSessions(&sessions));
  for (const storage::PasswordRow& row : rows) {
    PasswordHolder h;
    h.user_id = row.user_id;
    h.set_ms = row.set_ms;
    for (const auto& [user, n] : sessions)
      if (user == row.user_id) h.sessions = n;
    auto rec = store_->GetRecord("users", row.user_id);
    if (!rec.ok()) return rec.status();
    if (rec->has_value()) {
      Person p;
      p.id = row.user_id;
      p.deleted = (*rec)->deleted;
      if (p.user.ParseFromString((*rec)->body)) {
        h.user_name = p.user.name();
        h.role = p.user.role();
        h.active = !p.deleted && p.user.active();
        h.may_sign_in = Admit(p).ok();
      }
    }
    out->push_back(std::move(h));
  }
  std::sort(out->begin(), out->end(),
            [](const PasswordHolder& a, const PasswordHolder& b) { return a.user_name < b.user_name; });
  return Status::Ok();
}

Status Accounts::Prune() {
  const int64_t now = clock_->NowMillis();
  last_prune_ms_.store(now);
  auto n = store_->console()->Prune(now - options_.idle_timeout_ms, now - options_.absolute_timeout_ms,
                                    now - std::max(options_.forget_failures_after_ms, options_.max_delay_ms));
  return n.ok() ? Status::Ok() : n.status();
}

}  // namespace inspectsync::server::console
