// `inspectsync admin user set-password` and `admin user passwords`: people's
// passwords for the office console (issue 18), written to the server's
// database directly (--db), like `admin token issue` reads its users
// directory. The server reads them from the same store at every sign-in, so
// a running server sees a change at once.
#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "core/export.h"
#include "server/console/accounts.h"
#include "storage/server_store.h"
#include "tools/cli.h"
#include "tools/commands.h"
#include "tools/render.h"

namespace inspectsync::tools {

namespace {

int Usage(const std::string& why) {
  std::fprintf(stderr, "inspectsync admin: %s\nsee 'inspectsync admin user --help'\n", why.c_str());
  return kExitUsage;
}

int Fail(const std::string& why) {
  std::fprintf(stderr, "inspectsync: %s\n", why.c_str());
  return kExitFailed;
}

std::string StripNewline(std::string s) {
  if (!s.empty() && s.back() == '\n') s.pop_back();
  if (!s.empty() && s.back() == '\r') s.pop_back();
  return s;
}

// One line from the terminal with echo off; false at end of input.
bool ReadHidden(const std::string& prompt, std::string* out) {
  // Echo off before the prompt shows: whatever is typed after it is hidden
  // and kept (TCSAFLUSH drops only what was typed before).
  termios saved{};
  const bool tty = tcgetattr(STDIN_FILENO, &saved) == 0;
  if (tty) {
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    quiet.c_lflag |= ECHONL;
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  }
  std::fprintf(stderr, "%s", prompt.c_str());
  std::fflush(stderr);
  const bool got = static_cast<bool>(std::getline(std::cin, *out));
  if (tty) tcsetattr(STDIN_FILENO, TCSANOW, &saved);
  *out = StripNewline(*out);
  return got;
}

// The password: --password-file, else twice from the terminal, else one line of stdin.
StatusOr<std::string> ReadPassword(const Args& fl, const std::string& name) {
  if (fl.Has("password-file")) {
    std::ifstream in(fl.Get("password-file"), std::ios::binary);
    if (!in) return NotFound("cannot read --password-file " + fl.Get("password-file"));
    std::stringstream ss;
    ss << in.rdbuf();
    std::string pw = ss.str();
    // Its first line (an editor's final newline is not part of it).
    return StripNewline(pw.substr(0, pw.find('\n') == std::string::npos ? pw.size() : pw.find('\n') + 1));
  }
  std::string pw;
  if (!isatty(STDIN_FILENO)) {
    if (!std::getline(std::cin, pw)) return InvalidArgument("no password on standard input");
    return StripNewline(pw);
  }
  std::string again;
  if (!ReadHidden("new console password for " + name + ": ", &pw) || !ReadHidden("again: ", &again))
    return InvalidArgument("no password given");
  if (pw != again) return InvalidArgument("the two passwords differ");
  return pw;
}

std::string RoleText(v1::Role role) {
  switch (role) {
    case v1::INSPECTOR: return "inspector";
    case v1::ZONE_DIRECTOR: return "zone director";
    case v1::OFFICE: return "office";
    case v1::INTEGRATION: return "integration";
    default: return "no role";
  }
}

std::string Plural(size_t n, const std::string& one) {
  return std::to_string(n) + " " + one + (n == 1 ? "" : "s");
}

int RunConsoleUsers(const Args& fl) {
  const auto& pos = fl.positional();
  const std::string verb = pos.size() > 1 ? pos[1] : "";
  const std::string db = fl.Get("db", "var/inspectsync.db");
  // Never create a database here: a password in an empty one helps nobody.
  if (!std::filesystem::exists(db))
    return Fail("no server database at " + db + (fl.Has("db") ? " (--db)" : " (give --db PATH)"));
  auto store = storage::OpenSqliteServerStore(db);
  if (!store.ok()) return Fail(store.status().ToString());
  server::EngineOptions engine_options;
  server::SyncEngine engine(store->get(), engine_options);
  server::console::Accounts accounts(&engine, store->get(), core::SystemClock());

  if (verb == "set-password") {
    if (!fl.Has("user")) return Usage("user set-password needs --user CODE (the person's code, id or name)");
    const std::string login = fl.Get("user");
    auto name = accounts.UserName(login);
    if (!name.ok()) return Fail(name.status().message() + "; nothing changed");
    auto pw = ReadPassword(fl, *name);
    if (!pw.ok()) return Fail(pw.status().message() + "; nothing changed");
    server::console::PasswordChange change;
    if (Status st = accounts.SetPassword(login, *pw, &change); !st.ok())
      return Fail(st.message() + "; nothing changed");
    std::printf("console password set for %s; %s\n", change.user_name.c_str(),
                change.sessions_ended == 0
                    ? "they had no console session open"
                    : (Plural(change.sessions_ended, "console session") + " of theirs ended").c_str());
    if (Status may = accounts.MayUseConsole(login); !may.ok())
      std::printf("note: %s\n", may.message().c_str());
    return 0;
  }
  std::vector<server::console::PasswordHolder> holders;
  if (Status st = accounts.ListPasswords(&holders); !st.ok()) return Fail(st.ToString());
  if (fl.Has("json")) {
    for (const auto& h : holders)
      std::printf("{\"user_id\":%s,\"name\":%s,\"role\":%s,\"active\":%s,\"may_sign_in\":%s,"
                  "\"password_set_ms\":%lld,\"sessions\":%zu}\n",
                  core::JsonQuote(h.user_id).c_str(), core::JsonQuote(h.user_name).c_str(),
                  core::JsonQuote(v1::Role_Name(h.role)).c_str(), h.active ? "true" : "false",
                  h.may_sign_in ? "true" : "false", static_cast<long long>(h.set_ms), h.sessions);
    return 0;
  }
  if (holders.empty()) {
    std::printf("nobody has a console password yet (inspectsync admin user set-password --user CODE)\n");
    return 0;
  }
  size_t width = 4;
  for (const auto& h : holders) width = std::max(width, DisplayWidth(h.user_name));
  for (const auto& h : holders) {
    std::string state = h.may_sign_in ? "" : (h.active ? "  (the console refuses this role)" : "  (deactivated)");
    if (h.user_name.empty()) state = "  (no longer in the users directory)";
    std::printf("%s  %s  password set %s  %s%s\n", Cell(h.user_name.empty() ? "?" : h.user_name, width).c_str(),
                Cell(RoleText(h.role), 13).c_str(), FormatDate(h.set_ms).c_str(),
                Plural(h.sessions, "session").c_str(), state.c_str());
  }
  return 0;
}

}  // namespace

void AddConsoleUserCommands(Command& user) {
  const char* db_help = "the server's database (default var/inspectsync.db)";
  user.Sub("set-password",
           "set a person's office-console password (asked twice without echo, or one line of stdin); "
           "ends all their console sessions")
      .Opt("user", "USER", "the person: their code, user id or name (required)")
      .Opt("password-file", "FILE", "read the password from the first line of FILE instead")
      .Opt("db", "PATH", db_help)
      .Run(RunConsoleUsers);
  user.Sub("passwords", "who has an office-console password, by name")
      .Switch("json", "JSON lines (with user ids) instead of a table")
      .Opt("db", "PATH", db_help)
      .Run(RunConsoleUsers);
}

}  // namespace inspectsync::tools
