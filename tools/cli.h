// The `inspectsync` command line's parser, on CLI11. Each command declares
// its flags and positionals; CLI11 checks them, so a flag a command does not
// take is an error naming it, and `inspectsync <any command> --help` prints
// that command's usage and exits 0. The command's handler then reads what
// was given from Args. Only cli.cc sees CLI11.
#ifndef INSPECTSYNC_TOOLS_CLI_H_
#define INSPECTSYNC_TOOLS_CLI_H_

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace inspectsync::tools {

// Exit codes of every command (the usage of `inspectsync --help` lists them).
constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;    // refused input, a failed call, an unreachable server
constexpr int kExitUsage = 2;     // a bad command line
constexpr int kExitRejected = 3;  // a sync that went through, but the server refused some edits

// What a command was given.
class Args {
 public:
  bool Has(const std::string& name) const;
  // The value of --name (the last one when given several times), or `def`.
  std::string Get(const std::string& name, const std::string& def = "") const;
  // Every value of a flag given several times, in order.
  std::vector<std::string> GetAll(const std::string& name) const;
  // False when the value is not a whole number; `def` when not given.
  bool GetInt(const std::string& name, long long def, long long* out) const;
  // The command's words below the top-level command ("finding", "edit"),
  // then its positionals in order ("finding", "edit", ID).
  const std::vector<std::string>& positional() const { return positional_; }

 private:
  friend class Command;
  friend class CommandLine;
  std::map<std::string, std::vector<std::string>> values_;
  std::vector<std::string> positional_;
};

using Handler = std::function<int(const Args&)>;

struct CommandLineState;

// A command (or a group of commands) being declared.
class Command {
 public:
  // A command below this one.
  Command Sub(const std::string& name, const std::string& description);
  Command& Opt(const std::string& name, const std::string& metavar, const std::string& help);  // last wins
  Command& Multi(const std::string& name, const std::string& metavar, const std::string& help);  // repeatable
  Command& Switch(const std::string& name, const std::string& help);
  // A positional argument; declared ones are filled in order.
  Command& Pos(const std::string& name, const std::string& help, bool required = true);
  // Text after the flags in --help.
  Command& Footer(const std::string& text);
  // The heading of the flags declared after this, in --help.
  Command& Group(const std::string& heading);
  // What the command does. A command without a handler needs a subcommand.
  Command& Run(Handler handler);
  CLI::App* app() const { return app_; }

 private:
  friend class CommandLine;
  Command(CLI::App* app, CommandLineState* state, std::vector<std::string> path)
      : app_(app), state_(state), path_(std::move(path)) {}
  CLI::App* app_;
  CommandLineState* state_;
  std::vector<std::string> path_;
  std::string group_;
};

class CommandLine {
 public:
  CommandLine(const std::string& name, const std::string& description);
  ~CommandLine();
  Command Root();
  // Parses argv. An exit code when nothing is to run (0 after --help, 2 with
  // the reason on stderr for a bad command line), nullopt when Run() is next.
  std::optional<int> Parse(int argc, char** argv);
  // The chosen command's words from the top ("tablet", "finding", "add").
  const std::vector<std::string>& path() const;
  int Run();

 private:
  std::unique_ptr<CommandLineState> state_;
};

// "30s" / "90m" / "12h" / "30d" -> seconds; false for anything else (a bare
// number has no unit and is refused).
bool ParseDuration(const std::string& text, long long* seconds);

}  // namespace inspectsync::tools

#endif  // INSPECTSYNC_TOOLS_CLI_H_
