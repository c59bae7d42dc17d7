#include "core/text_encoding.h"

#include <iconv.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>

#include "core/quote.h"

namespace inspectsync::core {

namespace {

constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";
constexpr std::string_view kGb18030Bom = "\x84\x31\x95\x33";  // U+FEFF in GB18030

int64_t LineAt(std::string_view bytes, size_t offset) {
  // '\n' (0x0A) is never part of a multi-byte character in UTF-8 or GB18030.
  return 1 + std::count(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(offset), '\n');
}

std::string DescribeBytes(std::string_view bytes, size_t offset, size_t n) {
  std::string out;
  for (size_t i = offset; i < bytes.size() && i < offset + n; ++i) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "%s0x%02X", out.empty() ? "" : " ", static_cast<unsigned char>(bytes[i]));
    out += buf;
  }
  return out;
}

// The offset of the first byte that does not start a well-formed UTF-8
// character, or npos.
size_t FirstInvalidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    int need = 0;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c < 0x80) need = 0;
    else if (c >= 0xC2 && c <= 0xDF) need = 1;
    else if (c == 0xE0) need = 2, lo = 0xA0;
    else if (c >= 0xE1 && c <= 0xEC) need = 2;
    else if (c == 0xED) need = 2, hi = 0x9F;  // no surrogates
    else if (c >= 0xEE && c <= 0xEF) need = 2;
    else if (c == 0xF0) need = 3, lo = 0x90;
    else if (c >= 0xF1 && c <= 0xF3) need = 3;
    else if (c == 0xF4) need = 3, hi = 0x8F;
    else return i;
    for (int k = 1; k <= need; ++k) {
      if (i + k >= s.size()) return i;
      const auto b = static_cast<unsigned char>(s[i + k]);
      if (b < (k == 1 ? lo : 0x80) || b > (k == 1 ? hi : 0xBF)) return i;
    }
    i += need + 1;
  }
  return std::string_view::npos;
}

StatusOr<std::string> FromGb18030(std::string_view bytes, bool guessed) {
  iconv_t cd = iconv_open("UTF-8", "GB18030");
  if (cd == reinterpret_cast<iconv_t>(-1))
    return Status(StatusCode::kInternal, "this system's iconv cannot decode GB18030");
  std::string out;
  out.resize(bytes.size() * 2 + 16);  // UTF-8 is at most 1.5x GB18030 (1 -> 1, 2 -> 3, 4 -> 4)
  char* in_ptr = const_cast<char*>(bytes.data());
  size_t in_left = bytes.size();
  char* out_ptr = out.data();
  size_t out_left = out.size();
  Status status;
  while (in_left > 0) {
    if (iconv(cd, &in_ptr, &in_left, &out_ptr, &out_left) != static_cast<size_t>(-1)) break;
    const size_t at = bytes.size() - in_left;
    if (errno == E2BIG) {  // cannot happen with the size above; grow anyway rather than fail
      const size_t used = out.size() - out_left;
      out.resize(out.size() * 2);
      out_ptr = out.data() + used;
      out_left = out.size() - used;
      continue;
    }
    status = InvalidArgument("line " + std::to_string(LineAt(bytes, at)) + ": the bytes " +
                             DescribeBytes(bytes, at, 4) + (errno == EINVAL ? " end the file in the middle of a character" : "") +
                             (guessed ? " are neither UTF-8 nor GB18030 (GBK) text" : " are not GB18030 (GBK) text") +
                             "; save the file as \"CSV UTF-8\" and import it again");
    break;
  }
  iconv_close(cd);
  if (!status.ok()) return status;
  out.resize(out.size() - out_left);
  return out;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& ch : out) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return out;
}

}  // namespace

StatusOr<TextEncoding> ParseTextEncoding(std::string_view name) {
  const std::string n = Lower(name);
  if (n == "auto") return TextEncoding::kAuto;
  if (n == "utf-8" || n == "utf8") return TextEncoding::kUtf8;
  if (n == "gb18030" || n == "gbk" || n == "gb2312" || n == "cp936") return TextEncoding::kGb18030;
  return InvalidArgument("encoding " + Quote(name) + " is not one of auto, utf-8, gb18030 (gbk)");
}

bool IsValidUtf8(std::string_view bytes) { return FirstInvalidUtf8(bytes) == std::string_view::npos; }

StatusOr<std::string> DecodeCsvText(std::string_view bytes, TextEncoding encoding) {
  if (encoding != TextEncoding::kGb18030) {
    const size_t bad = FirstInvalidUtf8(bytes);
    if (bad == std::string_view::npos) {
      if (bytes.substr(0, kUtf8Bom.size()) == kUtf8Bom) bytes.remove_prefix(kUtf8Bom.size());
      return std::string(bytes);
    }
    if (encoding == TextEncoding::kUtf8)
      return InvalidArgument("line " + std::to_string(LineAt(bytes, bad)) + ": the bytes " +
                             DescribeBytes(bytes, bad, 4) + " are not UTF-8 text");
  }
  if (encoding == TextEncoding::kGb18030 && FirstInvalidUtf8(bytes) == std::string_view::npos) {
    // Told GBK, but the bytes are well-formed UTF-8 with characters beyond
    // ASCII: decoding them as GBK gives other, wrong characters (mojibake)
    // that would be stored without a word. Real GBK text almost never forms
    // valid UTF-8 past a few characters, so this is a UTF-8 file.
    auto first = std::find_if(bytes.begin(), bytes.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
    if (first != bytes.end()) {
      size_t at = static_cast<size_t>(first - bytes.begin());
      size_t end = std::min(bytes.size(), at + 12);
      while (end < bytes.size() && (static_cast<unsigned char>(bytes[end]) & 0xC0) == 0x80) --end;  // whole characters
      size_t stop = bytes.find_first_of("\r\n,", at);
      end = std::min(end, stop == std::string_view::npos ? bytes.size() : stop);
      return InvalidArgument("line " + std::to_string(LineAt(bytes, at)) + ": the file is UTF-8 text (" +
                             Quote(bytes.substr(at, end - at)) + "), not GBK/GB18030; read as GBK it would turn " +
                             "into other characters. Import it as UTF-8 (encoding utf-8 or auto)");
    }
  }
  if (bytes.substr(0, kGb18030Bom.size()) == kGb18030Bom) bytes.remove_prefix(kGb18030Bom.size());
  return FromGb18030(bytes, encoding == TextEncoding::kAuto);
}

}  // namespace inspectsync::core
