// Client input echoed back in a message (a REJECTED reason, an error status,
// a line of an import report): bounded, on one line, valid UTF-8.
//
// Why: a reason is stored in the idempotency ledger and the device's dead
// letter, logged, printed by the command line and sent in a protobuf string
// field. Echoing input as it came lets a 10 KB client_id come back 10 KB
// long, a newline or an escape sequence reach a terminal, and a cut in the
// middle of a character make the reason invalid UTF-8 (a protobuf string the
// other side cannot parse). Every message that quotes request input uses
// Quote(); nothing else in a reason comes from the caller.
//
// Thread-safety: pure functions.
#ifndef INSPECTSYNC_CORE_QUOTE_H_
#define INSPECTSYNC_CORE_QUOTE_H_

#include <cstddef>
#include <string>
#include <string_view>

namespace inspectsync::core {

// How many bytes of an input a message shows.
inline constexpr size_t kQuotedInputBytes = 64;

// The input between single quotes: 'PS-1'. At most `max_bytes` bytes of it,
// cut at a character boundary, then "…" and its whole size: 'aaaa…' (10240
// bytes). Control characters and bytes that are not UTF-8 are shown
// escaped (\n, \t, \r, \xNN), so the result is one line of valid UTF-8
// whatever the input.
std::string Quote(std::string_view input, size_t max_bytes = kQuotedInputBytes);

// One byte as a person finds it in an editor: 'x' for printable ASCII,
// 0xNN for anything else.
std::string DescribeByte(unsigned char c);

// The length of the valid UTF-8 sequence (RFC 3629: no overlong forms, no
// surrogates, nothing above U+10FFFF) starting at s[i], or 0 if none starts
// there. REQUIRES: i < s.size().
size_t Utf8SequenceLength(std::string_view s, size_t i);

}  // namespace inspectsync::core

#endif  // INSPECTSYNC_CORE_QUOTE_H_
