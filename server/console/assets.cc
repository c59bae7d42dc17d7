#include "server/console/assets.h"

namespace inspectsync::server::console {

std::string_view ContentTypeFor(std::string_view path) {
  // Scripts are "application/javascript" (a JavaScript MIME type every
  // browser runs, modules included) rather than "text/javascript": Debian's
  // cpp-httplib compresses every text/* response with Brotli at quality 11
  // on each request, which cost 320-1,000 ms of server time per page load
  // for Chart.js alone (BENCHMARKS.md); it leaves exactly-typed others alone.
  static const struct {
    std::string_view ext, type;
  } kTypes[] = {
      {".html", "text/html; charset=utf-8"},
      {".js", "application/javascript; charset=utf-8"},
      {".mjs", "application/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json; charset=utf-8"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".jpeg", "image/jpeg"},
      {".gif", "image/gif"},
      {".ico", "image/x-icon"},
      {".webp", "image/webp"},
      {".woff2", "font/woff2"},
      {".woff", "font/woff"},
      {".ttf", "font/ttf"},
      {".txt", "text/plain; charset=utf-8"},
      {".map", "application/json; charset=utf-8"},
  };
  for (const auto& t : kTypes)
    if (path.size() > t.ext.size() && path.substr(path.size() - t.ext.size()) == t.ext) return t.type;
  return "application/octet-stream";
}

}  // namespace inspectsync::server::console
