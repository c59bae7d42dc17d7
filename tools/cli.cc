#include "tools/cli.h"

#include <CLI/CLI.hpp>

#include <cerrno>
#include <cstdio>
#include <cstdlib>

namespace inspectsync::tools {

struct CommandLineState {
  CLI::App app;
  Args args;
  std::map<const CLI::App*, Handler> handlers;
  std::map<const CLI::App*, std::vector<std::string>> paths;  // words below the top-level command
  // Declared positionals, in order: each one value (a string, so CLI11 gives
  // it one word and the next word goes to the next positional).
  std::map<const CLI::App*, std::vector<std::pair<CLI::Option*, std::unique_ptr<std::string>>>> positionals;
  std::vector<std::string> chosen;
  const CLI::App* leaf = nullptr;
  CommandLineState(const std::string& description, const std::string& name) : app(description, name) {}
};

bool Args::Has(const std::string& name) const {
  auto it = values_.find(name);
  return it != values_.end() && !it->second.empty();
}

std::string Args::Get(const std::string& name, const std::string& def) const {
  auto it = values_.find(name);
  return it == values_.end() || it->second.empty() ? def : it->second.back();
}

std::vector<std::string> Args::GetAll(const std::string& name) const {
  auto it = values_.find(name);
  return it == values_.end() ? std::vector<std::string>{} : it->second;
}

bool Args::GetInt(const std::string& name, long long def, long long* out) const {
  if (!Has(name)) {
    *out = def;
    return true;
  }
  std::string v = Get(name);
  char* end = nullptr;
  errno = 0;
  long long n = std::strtoll(v.c_str(), &end, 10);
  if (v.empty() || *end != '\0' || errno != 0) return false;
  *out = n;
  return true;
}

Command Command::Sub(const std::string& name, const std::string& description) {
  CLI::App* sub = app_->add_subcommand(name, description);
  // A flag of a command above (tablet --db) may also come after the words
  // below it; a flag no command of the chain takes stays an error.
  sub->fallthrough();
  sub->require_subcommand(0, 1);
  std::vector<std::string> path = path_;
  if (app_ != &state_->app) path.push_back(name);  // the top-level word is not part of it
  state_->paths[sub] = path;
  return Command(sub, state_, path);
}

Command& Command::Opt(const std::string& name, const std::string& metavar, const std::string& help) {
  CLI::Option* o =
      app_->add_option("--" + name, state_->args.values_[name], help)->allow_extra_args(false)->option_text(metavar);
  if (!group_.empty()) o->group(group_);
  return *this;
}

Command& Command::Multi(const std::string& name, const std::string& metavar, const std::string& help) {
  CLI::Option* o = app_->add_option("--" + name, state_->args.values_[name], help + " (repeatable)")
                       ->allow_extra_args(false)
                       ->option_text(metavar);
  if (!group_.empty()) o->group(group_);
  return *this;
}

Command& Command::Switch(const std::string& name, const std::string& help) {
  std::vector<std::string>* values = &state_->args.values_[name];
  CLI::Option* o = app_->add_flag_callback("--" + name, [values] { values->push_back("true"); }, help);
  if (!group_.empty()) o->group(group_);
  return *this;
}

Command& Command::Pos(const std::string& name, const std::string& help, bool required) {
  auto value = std::make_unique<std::string>();
  CLI::Option* o = app_->add_option(name, *value, help);
  if (required) o->required();
  state_->positionals[app_].emplace_back(o, std::move(value));
  return *this;
}

Command& Command::Footer(const std::string& text) {
  app_->footer(text);
  return *this;
}

Command& Command::Group(const std::string& heading) {
  group_ = heading;
  return *this;
}

Command& Command::Run(Handler handler) {
  state_->handlers[app_] = std::move(handler);
  return *this;
}

CommandLine::CommandLine(const std::string& name, const std::string& description)
    : state_(std::make_unique<CommandLineState>(description, name)) {
  state_->app.require_subcommand(1);
}

CommandLine::~CommandLine() = default;

Command CommandLine::Root() { return Command(&state_->app, state_.get(), {}); }

namespace {

// The command chain that was chosen, from the top.
std::vector<const CLI::App*> Chain(const CLI::App& app) {
  std::vector<const CLI::App*> chain;
  const CLI::App* at = &app;
  while (true) {
    auto subs = at->get_subcommands();
    if (subs.empty()) break;
    at = subs.front();
    chain.push_back(at);
  }
  return chain;
}

std::string Joined(const std::string& head, const std::vector<const CLI::App*>& chain) {
  std::string out = head;
  for (const CLI::App* a : chain) out += " " + a->get_name();
  return out;
}

}  // namespace

std::optional<int> CommandLine::Parse(int argc, char** argv) {
  CLI::App& app = state_->app;
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);  // the help of the command it was given to, on stdout
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::string where = Joined(app.get_name(), Chain(app));
    std::fprintf(stderr, "%s: %s\nsee '%s --help'\n", where.c_str(), e.what(), where.c_str());
    return kExitUsage;
  }
  auto chain = Chain(app);
  state_->leaf = chain.empty() ? nullptr : chain.back();
  std::string where = Joined(app.get_name(), chain);
  if (state_->leaf == nullptr || !state_->handlers.count(state_->leaf)) {
    std::fprintf(stderr, "%s: which command? see '%s --help'\n", where.c_str(), where.c_str());
    return kExitUsage;
  }
  for (const CLI::App* a : chain) state_->chosen.push_back(a->get_name());
  Args& args = state_->args;
  args.positional_ = state_->paths[state_->leaf];
  for (const auto& [option, value] : state_->positionals[state_->leaf])
    if (option->count() > 0) args.positional_.push_back(*value);
  return std::nullopt;
}

const std::vector<std::string>& CommandLine::path() const { return state_->chosen; }

int CommandLine::Run() { return state_->handlers.at(state_->leaf)(state_->args); }

bool ParseDuration(const std::string& text, long long* seconds) {
  if (text.size() < 2 || text.size() > 10) return false;
  std::string digits = text.substr(0, text.size() - 1);
  if (digits.find_first_not_of("0123456789") != std::string::npos) return false;
  long long n = std::stoll(digits);
  switch (text.back()) {
    case 's': *seconds = n; return true;
    case 'm': *seconds = n * 60; return true;
    case 'h': *seconds = n * 3600; return true;
    case 'd': *seconds = n * 86400; return true;
    default: return false;
  }
}

}  // namespace inspectsync::tools
