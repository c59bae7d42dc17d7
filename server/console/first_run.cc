// The console's first password (server/console/accounts.h EnsureFirstPassword):
// after `make run` on a fresh district, somebody must be able to sign in
// before anyone ran `inspectsync admin user set-password`.
#include <openssl/rand.h>

#include <algorithm>
#include <map>

#include "server/console/accounts.h"
#include "storage/console_store.h"
#include "storage/server_store.h"

namespace inspectsync::server::console {

namespace {

// No 0/O, 1/l/I, 5/S, 8/B: read aloud or copied from a terminal, nothing is
// mistaken for another character.
constexpr char kAlphabet[] = "abcdefghijkmnpqrstuvwxyzACDEFGHJKLMNPQRTUVWXYZ234679";
constexpr size_t kFirstPasswordChars = 16;

StatusOr<std::string> RandomPassword(size_t chars) {
  const size_t k = sizeof(kAlphabet) - 1;
  const unsigned limit = 256 - 256 % k;  // below it every letter is equally likely
  std::string out;
  while (out.size() < chars) {
    unsigned char buf[64];
    if (RAND_bytes(buf, sizeof buf) != 1) return Internal("the system's random number generator failed");
    for (unsigned char b : buf)
      if (b < limit && out.size() < chars) out += kAlphabet[b % k];
  }
  return out;
}

}  // namespace

Status EnsureFirstPassword(Accounts& accounts, std::string* printed) {
  printed->clear();
  storage::ConsoleStore* store = accounts.store_->console();
  std::vector<storage::PasswordRow> rows;
  INSPECTSYNC_RETURN_IF_ERROR(store->ListPasswords(&rows));
  if (!rows.empty()) return Status::Ok();
  // The first office user: the earliest created active one.
  std::optional<Accounts::Person> first;
  std::map<std::string, int> names;  // live users per name: is the name a login?
  INSPECTSYNC_RETURN_IF_ERROR(accounts.store_->ScanCollection("users", [&](const storage::StoredRecord& rec) -> Status {
    if (rec.deleted) return Status::Ok();
    v1::User u;
    if (!u.ParseFromString(rec.body)) return Status::Ok();
    ++names[u.name()];
    if (u.role() != v1::OFFICE || !u.active()) return Status::Ok();
    const int64_t created = static_cast<int64_t>(rec.meta.created_version());
    if (!first || created < first->created_version) first = Accounts::Person{rec.id, u, false, created};
    return Status::Ok();
  }));
  if (!first) {
    *printed =
        "console: nobody can sign in yet: the users directory has no active office user; import one "
        "(inspectsync admin import users FILE, role office), then give them a password with "
        "`inspectsync admin user set-password --user CODE`";
    return Status::Ok();
  }
  auto password = RandomPassword(std::max(kFirstPasswordChars, accounts.options_.min_password_chars));
  if (!password.ok()) return password.status();
  auto hash = accounts.Hash(*password);
  if (!hash.ok()) return hash.status();
  auto set = store->SetFirstPassword(first->id, *hash, accounts.clock_->NowMillis());
  if (!set.ok()) return set.status();
  if (!*set) return Status::Ok();  // another server set one meanwhile
  const std::string name = first->Name();
  // They sign in with their name when it is theirs alone, else their id.
  const bool by_name = !first->user.name().empty() && names[first->user.name()] == 1;
  const std::string login = by_name ? "" : " (user id " + first->id + ")";
  *printed = "console: first sign-in as " + name + login + " with password " + *password +
             " \u2014 change it with `inspectsync admin user set-password`";
  return Status::Ok();
}

}  // namespace inspectsync::server::console
