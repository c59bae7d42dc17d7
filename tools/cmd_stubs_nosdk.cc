// Temporary: used only while the client SDK target is not part of the build.
#include <cstdio>

#include "tools/commands.h"

namespace inspectsync::tools {
int CmdTablet(const std::vector<std::string>&) {
  std::fprintf(stderr, "inspectsync tablet: built without the client SDK\n");
  return 1;
}
int CmdDemo(const std::vector<std::string>&) {
  std::fprintf(stderr, "inspectsync demo: built without the client SDK\n");
  return 1;
}
}  // namespace inspectsync::tools
