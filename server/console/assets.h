// The console's static files, built into the binary (cmake/EmbedFiles.cmake
// generates the definitions from server/console/web/ and Debian's Chart.js):
// the server serves them from memory, so a deployed binary needs no web
// directory beside it and the page never loads anything from the network.
#ifndef INSPECTSYNC_SERVER_CONSOLE_ASSETS_H_
#define INSPECTSYNC_SERVER_CONSOLE_ASSETS_H_

#include <string_view>
#include <vector>

namespace inspectsync::server::console {

struct Asset {
  std::string_view path;          // as served after /static/: "index.html", "vendor/chart.js"
  std::string_view data;
  std::string_view etag;          // quoted, from the SHA-256 of the bytes
  std::string_view content_type;  // from the extension
};

// nullptr when no file has that path.
const Asset* FindAsset(std::string_view path);
// Every embedded path (tests, diagnostics).
std::vector<std::string_view> AssetPaths();

// "text/html; charset=utf-8" for .html, "text/javascript; charset=utf-8"
// for .js and .mjs, and so on; "application/octet-stream" when unknown.
std::string_view ContentTypeFor(std::string_view path);

}  // namespace inspectsync::server::console

#endif  // INSPECTSYNC_SERVER_CONSOLE_ASSETS_H_
