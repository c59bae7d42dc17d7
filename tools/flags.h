// A tiny flag parser for the inspectsync command line: --name=value,
// --name value, and bare --switch. Unknown flags are errors, so a typo never
// silently does something else.
#ifndef INSPECTSYNC_TOOLS_FLAGS_H_
#define INSPECTSYNC_TOOLS_FLAGS_H_

#include <map>
#include <set>
#include <string>
#include <vector>

namespace inspectsync::tools {

class Flags {
 public:
  // `known` lists accepted flag names (without --); `switches` those taking no value.
  Flags(std::set<std::string> known, std::set<std::string> switches = {})
      : known_(std::move(known)), switches_(std::move(switches)) {}

  // Parses args; positional arguments are kept in order. Returns false and
  // sets error() on an unknown flag or a missing value.
  bool Parse(const std::vector<std::string>& args);

  bool Has(const std::string& name) const { return values_.count(name) > 0; }
  std::string Get(const std::string& name, const std::string& def = "") const;
  // All values of a flag given several times.
  std::vector<std::string> GetAll(const std::string& name) const;
  bool GetInt(const std::string& name, long long def, long long* out) const;
  const std::vector<std::string>& positional() const { return positional_; }
  const std::string& error() const { return error_; }

 private:
  std::set<std::string> known_, switches_;
  std::multimap<std::string, std::string> values_;
  std::vector<std::string> positional_;
  std::string error_;
};

}  // namespace inspectsync::tools

#endif  // INSPECTSYNC_TOOLS_FLAGS_H_
