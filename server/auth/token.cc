#include "server/auth/token.h"

#include <fcntl.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <sstream>

#include "core/crypto.h"
#include "core/hex.h"
#include "core/record_bounds.h"

namespace inspectsync::auth {

namespace {

constexpr const char* kPrefix = "isv1.";
constexpr const char* kHeader = "inspectsync-token-keys v1";
constexpr int64_t kFutureSkewS = 300;  // tolerate server clocks a little apart
constexpr size_t kTokenIdHexDigits = 16;

Status Unauth(const std::string& why) { return Status(StatusCode::kUnauthenticated, "invalid token: " + why); }

std::string RandomBytes(size_t n) {
  std::string out(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1) std::abort();
  return out;
}

using core::HexEncode;
using core::HmacSha256;

bool IsTokenId(const std::string& id) { return core::IsLowerHex(id, kTokenIdHexDigits); }

std::string Days(int64_t seconds) {
  return seconds % 86400 == 0 ? std::to_string(seconds / 86400) + " days" : std::to_string(seconds) + " s";
}

}  // namespace

const std::vector<std::string>& KnownRoles() {
  static const std::vector<std::string> roles = {"inspector", "zone_director", "office", "integration"};
  return roles;
}

bool IsKnownRole(const std::string& role) {
  for (const auto& r : KnownRoles())
    if (r == role) return true;
  return false;
}

std::string Base64UrlEncode(const std::string& bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  while (!out.empty() && out.back() == '=') out.pop_back();
  for (char& c : out) c = c == '+' ? '-' : c == '/' ? '_' : c;
  return out;
}

bool Base64UrlDecode(const std::string& text, std::string* bytes) {
  std::string s = text;
  for (char& c : s) {
    if (c == '-') c = '+';
    else if (c == '_') c = '/';
    else if (!(isalnum(static_cast<unsigned char>(c)))) return false;
  }
  size_t pad = (4 - s.size() % 4) % 4;
  if (pad == 3) return false;
  s.append(pad, '=');
  std::string out(s.size() / 4 * 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()), reinterpret_cast<const unsigned char*>(s.data()),
                          static_cast<int>(s.size()));
  if (n < 0) return false;
  out.resize(static_cast<size_t>(n) - pad);
  *bytes = std::move(out);
  return true;
}

StatusOr<KeyRing> KeyRing::Load(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) return FailedPrecondition("token key file '" + path + "' does not exist");
  if (st.st_mode & 077) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%03o", st.st_mode & 0777);
    return FailedPrecondition("token key file '" + path + "' is open to other users (mode " + mode +
                              "); run: chmod 600 " + path);
  }
  std::ifstream in(path);
  std::string line;
  if (!std::getline(in, line) || line != kHeader)
    return FailedPrecondition("token key file '" + path + "' does not start with '" + kHeader + "'");
  KeyRing ring;
  int n = 1;
  while (std::getline(in, line)) {
    ++n;
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    std::string id, use, b64, secret;
    if (line.rfind("revoked ", 0) == 0) {
      std::string word, token_id;
      int64_t until = 0;
      if (!(fields >> word >> token_id >> until) || !IsTokenId(token_id))
        return FailedPrecondition("token key file '" + path + "' line " + std::to_string(n) +
                                  ": expected 'revoked <token id: 16 hex digits> <until: unix seconds>'");
      int64_t& kept = ring.revoked_[token_id];
      kept = std::max(kept, until);
      continue;
    }
    if (!(fields >> id >> use >> b64) || (use != "sign" && use != "verify") || !Base64UrlDecode(b64, &secret) ||
        secret.size() < 32)
      return FailedPrecondition("token key file '" + path + "' line " + std::to_string(n) +
                                ": expected '<key id> <sign|verify> <base64 secret of 32+ bytes>'");
    ring.keys_.push_back(Key{id, secret, use == "sign"});
  }
  int signing = 0;
  for (const auto& k : ring.keys_) signing += k.signing;
  if (signing != 1)
    return FailedPrecondition("token key file '" + path + "' must have exactly one 'sign' key, has " +
                              std::to_string(signing));
  return ring;
}

StatusOr<KeyRing> KeyRing::LoadOrCreate(const std::string& path) {
  if (access(path.c_str(), F_OK) == 0) return Load(path);
  KeyRing ring;
  ring.AddKey();
  INSPECTSYNC_RETURN_IF_ERROR(ring.Save(path));
  return ring;
}

Status KeyRing::Save(const std::string& path) const {
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) return FailedPrecondition("cannot write token key file '" + tmp + "'");
  std::string text = std::string(kHeader) + "\n";
  for (const auto& k : keys_) text += k.id + " " + (k.signing ? "sign" : "verify") + " " + Base64UrlEncode(k.secret) + "\n";
  for (const auto& [id, until] : revoked_) text += "revoked " + id + " " + std::to_string(until) + "\n";
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
  ::fchmod(fd, 0600);
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0)
    return Internal("cannot write token key file '" + path + "'");
  return Status::Ok();
}

std::string KeyRing::AddKey() {
  for (auto& k : keys_) k.signing = false;
  Key k{HexEncode(RandomBytes(4)), RandomBytes(32), true};
  keys_.push_back(k);
  return k.id;
}

Status KeyRing::RemoveKey(const std::string& key_id) {
  for (auto it = keys_.begin(); it != keys_.end(); ++it) {
    if (it->id != key_id) continue;
    if (it->signing) return FailedPrecondition("key " + key_id + " is the signing key; add a new key before removing it");
    keys_.erase(it);
    return Status::Ok();
  }
  return NotFound("no key " + key_id + " in the ring");
}

Status KeyRing::Revoke(const std::string& token_id, int64_t until_s) {
  if (!IsTokenId(token_id))
    return InvalidArgument("a token id is 16 hex digits (inspectsync admin token show --token-file F prints it)");
  int64_t& kept = revoked_[token_id];
  kept = std::max(kept, until_s);
  return Status::Ok();
}

std::vector<KeyRing::Revocation> KeyRing::Revocations() const {
  std::vector<Revocation> out;
  for (const auto& [id, until] : revoked_) out.push_back({id, until});
  return out;
}

void KeyRing::PruneRevocations(int64_t now_s) {
  for (auto it = revoked_.begin(); it != revoked_.end();) it = it->second < now_s ? revoked_.erase(it) : std::next(it);
}

bool KeyRing::IsRevoked(const std::string& token_id) const { return revoked_.count(token_id) > 0; }

std::vector<KeyRing::KeyInfo> KeyRing::Keys() const {
  std::vector<KeyInfo> out;
  for (const auto& k : keys_) out.push_back({k.id, k.signing});
  return out;
}

StatusOr<std::string> KeyRing::Sign(v1::TokenClaims claims) const {
  const Key* signer = nullptr;
  for (const auto& k : keys_)
    if (k.signing) signer = &k;
  if (!signer) return FailedPrecondition("the key ring has no signing key");
  if (claims.user().empty() || claims.device().empty()) return InvalidArgument("a token needs a user and a device");
  // They become every version's author and device: the schema's record
  // bounds count on their size (core/record_bounds.h).
  if (claims.user().size() > core::kMaxMetaIdBytes || claims.device().size() > core::kMaxMetaIdBytes)
    return InvalidArgument("a token's user and device are at most " + std::to_string(core::kMaxMetaIdBytes) +
                           " bytes each");
  if (!IsKnownRole(claims.role())) return InvalidArgument("unknown role '" + claims.role() + "'");
  if (claims.expires_at_s() <= claims.issued_at_s()) return InvalidArgument("a token must expire after it is issued");
  claims.set_key_id(signer->id);
  if (claims.token_id().empty()) claims.set_token_id(HexEncode(RandomBytes(kTokenIdHexDigits / 2)));
  std::string signed_part = kPrefix + Base64UrlEncode(claims.SerializeAsString());
  return signed_part + "." + Base64UrlEncode(HmacSha256(signer->secret, signed_part));
}

namespace {

// The parts of a token: what is signed, the claims it carries, the signature.
Status SplitToken(const std::string& token, std::string* signed_part, v1::TokenClaims* claims, std::string* sig) {
  if (token.rfind(kPrefix, 0) != 0) return Unauth("not an InspectSync token (expected 'isv1.' prefix)");
  size_t dot = token.rfind('.');
  if (dot == std::string::npos || dot <= 5) return Unauth("malformed");
  std::string payload;
  *signed_part = token.substr(0, dot);
  if (!Base64UrlDecode(token.substr(5, dot - 5), &payload) || !Base64UrlDecode(token.substr(dot + 1), sig))
    return Unauth("malformed");
  if (!claims->ParseFromString(payload)) return Unauth("malformed claims");
  return Status::Ok();
}

std::string TokenIdOf(const std::string& token, const v1::TokenClaims& claims) {
  if (!claims.token_id().empty()) return claims.token_id();
  return core::Sha256Hex(token).substr(0, kTokenIdHexDigits);
}

}  // namespace

StatusOr<v1::TokenClaims> DecodeClaims(const std::string& token) {
  std::string signed_part, sig;
  v1::TokenClaims claims;
  if (Status st = SplitToken(token, &signed_part, &claims, &sig); !st.ok())
    return InvalidArgument("this is not an InspectSync token that can be read (" + st.message() + ")");
  return claims;
}

StatusOr<std::string> TokenId(const std::string& token) {
  auto claims = DecodeClaims(token);
  if (!claims.ok()) return claims.status();
  return TokenIdOf(token, *claims);
}

StatusOr<v1::TokenClaims> KeyRing::Verify(const std::string& token, int64_t now_s, int64_t max_ttl_s) const {
  std::string signed_part, sig;
  v1::TokenClaims claims;
  INSPECTSYNC_RETURN_IF_ERROR(SplitToken(token, &signed_part, &claims, &sig));
  const Key* key = nullptr;
  for (const auto& k : keys_)
    if (k.id == claims.key_id()) key = &k;
  if (!key) return Unauth("signed with a key this server does not have (rotated out?)");
  std::string want = HmacSha256(key->secret, signed_part);
  if (!core::ConstantTimeEquals(sig, want))
    return Unauth("bad signature");
  if (now_s >= claims.expires_at_s()) return Unauth("expired");
  if (claims.issued_at_s() > now_s + kFutureSkewS) return Unauth("issued in the future");
  if (!IsKnownRole(claims.role())) return Unauth("unknown role '" + claims.role() + "'");
  if (claims.user().empty() || claims.device().empty()) return Unauth("no user or device");
  if (claims.user().size() > core::kMaxMetaIdBytes || claims.device().size() > core::kMaxMetaIdBytes)
    return Unauth("its user or device is longer than " + std::to_string(core::kMaxMetaIdBytes) + " bytes");
  if (max_ttl_s > 0 && claims.expires_at_s() - claims.issued_at_s() > max_ttl_s)
    return Unauth("it was made to last " + Days(claims.expires_at_s() - claims.issued_at_s()) +
                  "; this server accepts tokens of at most " + Days(max_ttl_s) +
                  " (--max-token-ttl-days): issue a shorter one");
  if (!revoked_.empty() && revoked_.count(TokenIdOf(token, claims)))
    return Unauth("it was revoked (inspectsync admin token revoke); sign in again for a new one");
  return claims;
}

}  // namespace inspectsync::auth
