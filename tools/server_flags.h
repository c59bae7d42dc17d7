// The flags of `inspectsync server` as one table: each flag's name, default,
// range, help and what it sets in the server's options. `--help` is generated from
// the table, so the help, the ranges and the behaviour cannot drift apart.
#ifndef INSPECTSYNC_TOOLS_SERVER_FLAGS_H_
#define INSPECTSYNC_TOOLS_SERVER_FLAGS_H_

#include <functional>
#include <string>
#include <vector>

#include "server/server.h"
#include "tools/cli.h"

namespace inspectsync::tools {

// What `inspectsync server` runs with.
struct ServerSettings {
  server::ServerOptions server;
  long long grace_s = 10;  // on SIGTERM, how long in-flight calls may finish
  std::string console_roles;  // --console-roles as given
};

struct ServerFlag {
  enum Kind { kText, kNumber, kSwitch };
  const char* name;
  Kind kind;
  const char* metavar;  // "ADDR", "N", "S"...; "" for a switch
  long long def, min, max;  // numbers only
  const char* help;         // one line; the default and range are added
  std::function<void(ServerSettings*, const std::string& text, long long number)> apply;
};

struct ServerFlagGroup {
  const char* heading;
  std::vector<ServerFlag> flags;
};

const std::vector<ServerFlagGroup>& ServerFlagGroups();

// Declares the table's flags on `server`, grouped, each help with its
// default and range.
void DeclareServerFlags(Command& server);

// The console's address when --console-listen is not given: --listen's host
// on port 7444, or on port 0 when --listen's port is 0 (tests and benchmarks
// that run several servers at once must not fight over 7444).
std::string DefaultConsoleListen(const std::string& listen);
// --console-roles: "inspector,integration" lets those roles sign in too.
// False with *error for an unknown role.
bool ApplyConsoleRoles(const std::string& roles, server::console::AccountOptions* accounts, std::string* error);

// Applies what was given over the defaults in *settings. False with *error
// naming the flag and its range (or the rule between two flags) on bad input.
bool ServerSettingsFromArgs(const Args& args, ServerSettings* settings, std::string* error);

}  // namespace inspectsync::tools

#endif  // INSPECTSYNC_TOOLS_SERVER_FLAGS_H_
