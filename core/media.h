// The media types photo evidence may have, judged by the file's first bytes
// (never by a name or a declared type alone). The SDK sniffs before it
// stages a photo; the server sniffs what it receives and compares with the
// declared meta.media_type. One table, so both accept the same files.
//
// Thread-safety: pure functions.
#ifndef INSPECTSYNC_CORE_MEDIA_H_
#define INSPECTSYNC_CORE_MEDIA_H_

#include <cstddef>
#include <string>
#include <string_view>

namespace inspectsync::core {

// How many leading bytes the longest signature needs (WebP, HEIC).
inline constexpr size_t kMediaSniffBytes = 12;

// The accepted types with their signatures, for messages to people.
inline constexpr const char* kAcceptedMediaTypes =
    "image/jpeg (FF D8 FF), image/png (89 50 4E 47), image/webp (RIFF....WEBP), "
    "image/heic (....ftyp heic/heix/hevc/hevx/heim/heis/mif1/msf1), application/pdf (%PDF-)";

// The media type the first bytes of a file announce: image/jpeg, image/png,
// image/webp, image/heic, application/pdf; "" when none (or too few bytes).
std::string SniffMediaType(std::string_view head);

// Whether `t` is one of the types SniffMediaType returns.
bool IsAcceptedMediaType(std::string_view t);

}  // namespace inspectsync::core

#endif  // INSPECTSYNC_CORE_MEDIA_H_
