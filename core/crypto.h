// SHA-256 and HMAC-SHA256 through OpenSSL, for photo evidence (blob names),
// bearer tokens and webhook signatures. Built as its own small library,
// inspectsync_crypto, next to core rather than inside it: core stays free
// of OpenSSL (the simulation, the fuzzers and the SDK's public link
// interface do not need it), and only the targets that hash link this one.
// No OpenSSL type appears here.
//
// Thread-safety: a Sha256 object is used by one thread at a time; the
// functions are pure.
#ifndef INSPECTSYNC_CORE_CRYPTO_H_
#define INSPECTSYNC_CORE_CRYPTO_H_

#include <memory>
#include <string>
#include <string_view>

namespace inspectsync::core {

// Incremental SHA-256; HexDigest() once, at the end.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void Update(std::string_view data);
  std::string HexDigest();  // lowercase hex, 64 characters

 private:
  struct Ctx;
  std::unique_ptr<Ctx> ctx_;
};

// SHA-256 of `data` as 64 lowercase hex digits.
std::string Sha256Hex(std::string_view data);

// HMAC-SHA256(key, data): the 32 raw bytes.
std::string HmacSha256(std::string_view key, std::string_view data);

// Equality of two strings in time that depends on their length only (for
// comparing a signature or MAC with the expected one).
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace inspectsync::core

#endif  // INSPECTSYNC_CORE_CRYPTO_H_
