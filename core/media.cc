#include "core/media.h"

namespace inspectsync::core {

std::string SniffMediaType(std::string_view h) {
  auto at = [&](size_t pos, std::string_view magic) {
    return h.size() >= pos + magic.size() && h.substr(pos, magic.size()) == magic;
  };
  if (at(0, std::string_view("\xFF\xD8\xFF", 3))) return "image/jpeg";
  if (at(0, std::string_view("\x89PNG\r\n\x1A\n", 8))) return "image/png";
  if (at(0, "RIFF") && at(8, "WEBP")) return "image/webp";
  if (at(0, "%PDF-")) return "application/pdf";
  // ISO base media: a box size, then "ftyp" and the major brand. HEIF
  // brands only (an AVIF or an MP4 has the same box and other brands).
  if (at(4, "ftyp")) {
    for (std::string_view brand : {"heic", "heix", "hevc", "hevx", "heim", "heis", "mif1", "msf1"})
      if (at(8, brand)) return "image/heic";
  }
  return "";
}

bool IsAcceptedMediaType(std::string_view t) {
  return t == "image/jpeg" || t == "image/png" || t == "image/webp" || t == "image/heic" || t == "application/pdf";
}

}  // namespace inspectsync::core
