#include "server/auth/authenticator.h"

#include <sys/stat.h>

namespace inspectsync::auth {

StatusOr<std::unique_ptr<Authenticator>> Authenticator::Open(const std::string& key_file, core::Clock* clock,
                                                             AuthOptions options) {
  auto ring = KeyRing::LoadOrCreate(key_file);
  if (!ring.ok()) return ring.status();
  std::unique_ptr<Authenticator> a(new Authenticator(key_file, clock, options));
  a->ring_ = std::make_shared<const KeyRing>(std::move(*ring));
  struct stat st {};
  if (stat(key_file.c_str(), &st) == 0) a->file_ = FileStamp::Of(st);
  return a;
}

Status Authenticator::ReloadIfChanged() {
  // At most once a second: a stat per call would be cheap, but not free.
  int64_t now = clock_->NowMillis();
  if (now - last_check_ms_ < 1000) return Status::Ok();
  last_check_ms_ = now;
  struct stat st {};
  if (stat(path_.c_str(), &st) != 0) return Status::Ok();  // keep the keys we have
  // The file is replaced by rename (KeyRing::Save): a new inode, whatever
  // the clock's granularity made of its modification time.
  if (FileStamp::Of(st) == file_) return Status::Ok();
  auto ring = KeyRing::Load(path_);
  if (!ring.ok()) return Status::Ok();  // a half-edited file: keep serving with the old ring
  ring_ = std::make_shared<const KeyRing>(std::move(*ring));
  file_ = FileStamp::Of(st);
  verified_.clear();  // verified with keys that may be gone now
  return Status::Ok();
}

StatusOr<Identity> Authenticator::Authenticate(const std::string& header) {
  if (header.empty())
    return Status(StatusCode::kUnauthenticated,
                  "missing credentials: send 'authorization: Bearer <token>' (inspectsync admin token issue)");
  const std::string kBearer = "Bearer ";
  if (header.rfind(kBearer, 0) != 0)
    return Status(StatusCode::kUnauthenticated, "the authorization header must be 'Bearer <token>'");
  std::string token = header.substr(kBearer.size());
  const int64_t now_s = clock_->NowMillis() / 1000;
  std::shared_ptr<const KeyRing> ring;
  {
    std::lock_guard<std::mutex> lock(mu_);
    ReloadIfChanged();
    ring = ring_;
    auto it = verified_.find(token);
    if (it != verified_.end()) {
      if (now_s < it->second.expires_at_s) return it->second.identity;
      verified_.erase(it);  // expired: Verify says so, with its words
    }
  }
  // Verified outside the lock: calls do not queue behind each other's HMAC.
  auto claims = ring->Verify(token, now_s, options_.max_token_ttl_s);
  if (!claims.ok()) return claims.status();
  Identity identity{claims->user(), claims->role(), claims->device()};
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (ring_ == ring) {  // not if the keys were reloaded meanwhile
      if (verified_.size() >= kMaxCachedTokens) verified_.clear();
      verified_[std::move(token)] = Verified{identity, claims->expires_at_s()};
    }
  }
  return identity;
}

}  // namespace inspectsync::auth
