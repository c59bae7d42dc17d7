#include "tools/office_server.h"

#include <cstdio>

#include "core/date.h"
#include "tools/connection.h"
#include "tools/office.h"
#include "tools/render.h"

namespace inspectsync::tools {

StatusOr<std::unique_ptr<OfficeClient>> ConnectOffice(const Args& fl) {
  auto options = DirectCallOptions(fl, "office");
  if (!options.ok()) return options.status();
  return OfficeClient::Connect(ServerAddress(fl), *options);
}

bool PrintedJson(const Args& fl, const google::protobuf::Message& m) {
  if (!fl.Has("json")) return false;
  std::printf("%s\n", ToJson(m).c_str());
  return true;
}

void OfficeServerLeaf(Command leaf, const Handler& run) {
  DirectCallLeaf(leaf, "connection (an office token; no device database)", run);
}

bool DayFlag(const Args& fl, const std::string& flag, bool end_of_day, int64_t* ms, std::string* why) {
  auto day = core::ParseDate(fl.Get(flag), end_of_day ? core::DayEdge::kEnd : core::DayEdge::kStart);
  if (!day.ok()) {
    *why = "--" + flag + ": " + day.status().message();
    return false;
  }
  *ms = *day;
  return true;
}


std::string SiteText(const std::string& code, const std::string& name) {
  return code.empty() ? name : code + " " + name;
}

}  // namespace inspectsync::tools
