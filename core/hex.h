// Lowercase hex: blob names (SHA-256), token ids, signatures, page tokens.
// One encoder and one checker for the whole tree.
//
// Thread-safety: pure functions.
#ifndef INSPECTSYNC_CORE_HEX_H_
#define INSPECTSYNC_CORE_HEX_H_

#include <cstddef>
#include <string>
#include <string_view>

namespace inspectsync::core {

// Two lowercase hex digits per byte: "\x01\xAB" -> "01ab".
std::string HexEncode(std::string_view bytes);

// The bytes `hex` encodes (lowercase digits, an even number of them);
// false, with `out` unspecified, for anything else.
bool HexDecode(std::string_view hex, std::string* out);

// Whether `s` is exactly `digits` lowercase hex digits (uppercase is not
// accepted: a name must have one spelling).
bool IsLowerHex(std::string_view s, size_t digits);

// Whether `s` names a SHA-256 digest: 64 lowercase hex digits (the name of an
// attachment blob everywhere: device, wire, server).
inline bool IsSha256Hex(std::string_view s) { return IsLowerHex(s, 64); }

}  // namespace inspectsync::core

#endif  // INSPECTSYNC_CORE_HEX_H_
