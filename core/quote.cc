#include "core/quote.h"

#include <cstdio>

namespace inspectsync::core {

size_t Utf8SequenceLength(std::string_view s, size_t i) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char b = byte(i);
  if (b < 0x80) return 1;
  size_t need = 0;
  unsigned char lo = 0x80, hi = 0xBF;  // range of the first continuation byte
  if (b >= 0xC2 && b <= 0xDF) {
    need = 1;
  } else if (b >= 0xE0 && b <= 0xEF) {
    need = 2;
    if (b == 0xE0) lo = 0xA0;  // overlong
    if (b == 0xED) hi = 0x9F;  // surrogates
  } else if (b >= 0xF0 && b <= 0xF4) {
    need = 3;
    if (b == 0xF0) lo = 0x90;  // overlong
    if (b == 0xF4) hi = 0x8F;  // above U+10FFFF
  } else {
    return 0;
  }
  if (i + need >= s.size()) return 0;  // cut short
  for (size_t k = 1; k <= need; ++k) {
    unsigned char c = byte(i + k);
    if (c < (k == 1 ? lo : 0x80) || c > (k == 1 ? hi : 0xBF)) return 0;
  }
  return need + 1;
}

std::string DescribeByte(unsigned char c) {
  if (c >= 0x20 && c < 0x7F) return std::string("'") + static_cast<char>(c) + "'";
  char hex[8];
  std::snprintf(hex, sizeof hex, "0x%02X", static_cast<unsigned>(c));
  return hex;
}

std::string Quote(std::string_view input, size_t max_bytes) {
  std::string out = "'";
  size_t i = 0;
  while (i < input.size()) {
    size_t n = Utf8SequenceLength(input, i);
    size_t take = n == 0 ? 1 : n;
    if (i + take > max_bytes) break;  // never half a character
    unsigned char c = static_cast<unsigned char>(input[i]);
    if (n == 0 || c < 0x20 || c == 0x7F) {
      switch (c) {
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default: {
          char hex[8];
          std::snprintf(hex, sizeof hex, "\\x%02X", static_cast<unsigned>(c));
          out += hex;
        }
      }
    } else if (c == '\\') {
      out += "\\\\";
    } else {
      out.append(input.data() + i, take);
    }
    i += take;
  }
  if (i == input.size()) return out + "'";
  return out + "\xE2\x80\xA6' (" + std::to_string(input.size()) + " bytes)";  // U+2026 …
}

}  // namespace inspectsync::core
