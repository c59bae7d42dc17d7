#include "tools/flags.h"

#include <cerrno>
#include <cstdlib>

namespace inspectsync::tools {

bool Flags::Parse(const std::vector<std::string>& args) {
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a.rfind("--", 0) != 0 || a == "--") {
      positional_.push_back(a);
      continue;
    }
    std::string name = a.substr(2), value;
    bool has_value = false;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      has_value = true;
    }
    if (!known_.count(name)) {
      error_ = "unknown flag --" + name;
      return false;
    }
    if (switches_.count(name)) {
      if (has_value) {
        error_ = "--" + name + " takes no value";
        return false;
      }
      values_.emplace(name, "true");
      continue;
    }
    if (!has_value) {
      if (i + 1 >= args.size()) {
        error_ = "--" + name + " needs a value";
        return false;
      }
      value = args[++i];
    }
    values_.emplace(name, value);
  }
  return true;
}

std::string Flags::Get(const std::string& name, const std::string& def) const {
  auto range = values_.equal_range(name);
  if (range.first == range.second) return def;
  return std::prev(range.second)->second;  // the last one given wins
}

std::vector<std::string> Flags::GetAll(const std::string& name) const {
  std::vector<std::string> out;
  auto range = values_.equal_range(name);
  for (auto it = range.first; it != range.second; ++it) out.push_back(it->second);
  return out;
}

bool Flags::GetInt(const std::string& name, long long def, long long* out) const {
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

}  // namespace inspectsync::tools
