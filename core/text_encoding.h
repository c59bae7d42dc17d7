// Text files from the office's spreadsheets, turned into UTF-8.
//
// Excel on a Chinese Windows saves "CSV" in the system code page, GBK
// (code page 936), which GB18030 extends; saved as "CSV UTF-8" it writes
// UTF-8 with a byte order mark. InspectSync stores UTF-8 only, so an import
// decodes the bytes first, once, before the CSV reader sees them
// (core/csv.h refuses invalid UTF-8 with the line).
//
// Auto mode: bytes that are valid UTF-8 stay as they are (a leading UTF-8
// BOM is dropped); anything else is read as GB18030 — a GBK file is
// GB18030 too, and GB18030 decodes any text a Chinese office writes, so
// guessing between several legacy encodings is not needed. A byte sequence
// that is not GB18030 either is an error naming its line: the file is then
// in some other encoding, or damaged, and nothing is imported.
//
// Decoding uses glibc's iconv: no library beyond the C library.
//
// Thread-safety: pure functions (each call opens its own iconv descriptor).
#ifndef INSPECTSYNC_CORE_TEXT_ENCODING_H_
#define INSPECTSYNC_CORE_TEXT_ENCODING_H_

#include <string>
#include <string_view>

#include "inspectsync/status.h"

namespace inspectsync::core {

enum class TextEncoding {
  kAuto,     // UTF-8 if the bytes are valid UTF-8, else GB18030
  kUtf8,     // UTF-8 only: invalid bytes are an error
  kGb18030,  // GB18030 (and so GBK, GB2312)
};

// "auto", "utf-8"/"utf8", "gb18030", "gbk", "gb2312" (any case) ->
// the encoding; INVALID_ARGUMENT naming the value otherwise.
StatusOr<TextEncoding> ParseTextEncoding(std::string_view name);

// `bytes` as UTF-8, without a byte order mark. INVALID_ARGUMENT for bytes
// the encoding cannot decode, naming the 1-based line and the bytes
// ("line 3: the bytes 0xFF 0x41 are not GB18030 text ...").
StatusOr<std::string> DecodeCsvText(std::string_view bytes, TextEncoding encoding = TextEncoding::kAuto);

// Whether `bytes` is well-formed UTF-8 (no overlong forms, no surrogates).
bool IsValidUtf8(std::string_view bytes);

}  // namespace inspectsync::core

#endif  // INSPECTSYNC_CORE_TEXT_ENCODING_H_
