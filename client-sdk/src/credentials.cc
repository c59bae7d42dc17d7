// Bearer tokens as they go into a call's metadata (inspectsync/transport.h).
// gRPC checks every header value and aborts the process on an illegal one
// (GRPC_CALL_ERROR_INVALID_METADATA), so a token from a file with a stray
// byte, or pasted with a non-ASCII character, must be refused here first.
#include <cerrno>
#include <cstring>
#include <fstream>

#include "core/quote.h"
#include "inspectsync/transport.h"

namespace inspectsync {

namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// What kind of byte it is, for a person looking for it.
std::string Kind(unsigned char c) {
  if (c == ' ') return "a space";
  if (c < 0x20 || c == 0x7F) return "a control character";
  return "not ASCII";
}

}  // namespace

StatusOr<std::string> CheckBearerToken(std::string_view raw) {
  size_t begin = 0, end = raw.size();
  while (begin < end && IsSpace(raw[begin])) ++begin;
  while (end > begin && IsSpace(raw[end - 1])) --end;
  if (begin == end) {
    if (raw.empty()) return std::string();  // no token: no header
    return InvalidArgument("the token is empty (only whitespace): is the token file empty?");
  }
  if (end - begin > kMaxBearerTokenBytes)
    return InvalidArgument("the token is " + std::to_string(end - begin) + " bytes; a token is at most " +
                           std::to_string(kMaxBearerTokenBytes) + ": is this the right file?");
  // A legal header value and a bearer token: printable ASCII, no space.
  for (size_t i = begin; i < end; ++i) {
    unsigned char c = static_cast<unsigned char>(raw[i]);
    if (c > 0x20 && c < 0x7F) continue;
    return InvalidArgument("the token has byte " + core::DescribeByte(c) + " (" + Kind(c) + ") at byte " +
                           std::to_string(i + 1) + " of " + std::to_string(raw.size()) +
                           "; a token is printable ASCII without spaces, \"isv1.\" and two base64url parts as "
                           "`inspectsync admin token issue` prints it: is the token file corrupt, or was something "
                           "else pasted?");
  }
  return std::string(raw.substr(begin, end - begin));
}

StatusOr<std::string> ReadTokenFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return FailedPrecondition("cannot read the token file " + core::Quote(path, 256) + ": " + std::strerror(errno));
  // A token is small: read a little more than the largest, never a whole
  // file given by mistake.
  std::string bytes(kMaxBearerTokenBytes + 1024, '\0');
  in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  bytes.resize(static_cast<size_t>(in.gcount()));
  if (in.bad()) return FailedPrecondition("cannot read the token file " + core::Quote(path, 256));
  auto token = CheckBearerToken(bytes);
  if (!token.ok()) return Status(token.status().code(), "token file " + core::Quote(path, 256) + ": " + token.status().message());
  if (token->empty()) return InvalidArgument("token file " + core::Quote(path, 256) + " is empty");
  return token;
}

}  // namespace inspectsync
