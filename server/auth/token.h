// Signed bearer tokens and the key ring that signs and verifies them
// (HMAC-SHA256 through OpenSSL). Keys rotate: AddKey() makes a new signing
// key and keeps the older ones for verification until RemoveKey().
//
// Key file: text, mode 0600, one key per line, then revoked tokens:
//   inspectsync-token-keys v1
//   <key id> <sign|verify> <base64 secret>
//   revoked <token id> <until, unix seconds>
// A revocation is kept until the token it names has expired (`until`); the
// server re-reads the file when it changes, so `admin token revoke` takes
// effect on running servers within a second, open streams included.
//
// Thread-safety: a KeyRing is immutable after loading and safe to share for
// Sign/Verify; the mutating calls need external synchronisation.
#ifndef INSPECTSYNC_SERVER_AUTH_TOKEN_H_
#define INSPECTSYNC_SERVER_AUTH_TOKEN_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "inspectsync/status.h"
#include "inspectsync/v1/auth.pb.h"

namespace inspectsync::auth {

// The roles of DESIGN.md, as they appear in tokens.
bool IsKnownRole(const std::string& role);
const std::vector<std::string>& KnownRoles();

class KeyRing {
 public:
  // Reads a key file; FAILED_PRECONDITION if it is missing, malformed, or
  // readable by others than its owner.
  static StatusOr<KeyRing> Load(const std::string& path);
  // Load, or create the file with one fresh signing key (mode 0600).
  static StatusOr<KeyRing> LoadOrCreate(const std::string& path);
  // Writes atomically (temp file, fsync, rename), mode 0600.
  Status Save(const std::string& path) const;

  // Adds a fresh signing key; the previous signing key becomes verify-only.
  // Returns the new key id.
  std::string AddKey();
  // Removes a key; tokens it signed stop verifying. The signing key cannot
  // be removed (add a new one first).
  Status RemoveKey(const std::string& key_id);

  struct KeyInfo {
    std::string id;
    bool signing = false;
  };
  std::vector<KeyInfo> Keys() const;

  // Revokes the token named `token_id` (TokenId) until `until_s`, when it
  // has expired anyway. Revoking it again keeps the later `until`.
  // INVALID_ARGUMENT if the id is not 16 hex digits.
  Status Revoke(const std::string& token_id, int64_t until_s);
  struct Revocation {
    std::string token_id;
    int64_t until_s = 0;
  };
  // Sorted by token id.
  std::vector<Revocation> Revocations() const;
  // Drops revocations whose token expired before `now_s` (Save keeps the file short).
  void PruneRevocations(int64_t now_s);
  bool IsRevoked(const std::string& token_id) const;

  // A token for `claims` (its key_id is set to the signing key).
  StatusOr<std::string> Sign(v1::TokenClaims claims) const;
  // The claims of a valid token, or UNAUTHENTICATED saying what is wrong:
  // malformed, unknown key, bad signature (constant-time comparison),
  // expired, issued in the future, unknown role, revoked, or (max_ttl_s > 0)
  // made to live longer than max_ttl_s.
  StatusOr<v1::TokenClaims> Verify(const std::string& token, int64_t now_s, int64_t max_ttl_s = 0) const;

 private:
  struct Key {
    std::string id;
    std::string secret;  // 32 random bytes
    bool signing = false;
  };
  std::vector<Key> keys_;
  std::map<std::string, int64_t> revoked_;  // token id -> until_s
};

// The name of a token for revocation: its claims' token_id, or for a token
// signed before tokens had one, the first 16 hex digits of SHA-256(token).
// The claims are not verified here (a revoked token may be expired, or
// signed by a removed key): INVALID_ARGUMENT only if they do not decode.
StatusOr<std::string> TokenId(const std::string& token);
// The claims of a token, decoded but NOT verified (for `admin token show`).
StatusOr<v1::TokenClaims> DecodeClaims(const std::string& token);

std::string Base64UrlEncode(const std::string& bytes);
bool Base64UrlDecode(const std::string& text, std::string* bytes);

}  // namespace inspectsync::auth

#endif  // INSPECTSYNC_SERVER_AUTH_TOKEN_H_
