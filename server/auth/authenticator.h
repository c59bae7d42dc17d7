// Authenticator: turns the "authorization" header of a call into a Caller,
// or UNAUTHENTICATED. It re-reads the key file when it changes (at most a
// second later), so a key rotated or removed, or a token revoked, with
// `inspectsync admin key|token ...` takes effect without a restart.
// Tokens it verified are remembered until they expire (a device sends the
// same token on every call; the HMAC was most of a no-op sync's server cost);
// reloading the key file forgets them all, so a removed key stops verifying
// its tokens at the same moment as without the cache.
//
// Thread-safety: safe to call from several threads.
#ifndef INSPECTSYNC_SERVER_AUTH_AUTHENTICATOR_H_
#define INSPECTSYNC_SERVER_AUTH_AUTHENTICATOR_H_

#include <sys/stat.h>

#include <ctime>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "core/clock.h"
#include "server/auth/token.h"

namespace inspectsync::auth {

// Who is calling, as proven by a token.
struct Identity {
  std::string user;
  std::string role;
  std::string device;
};

struct AuthOptions {
  // Tokens made to live longer than this (expiry - issue) are refused,
  // whatever key signed them: a leaked long-lived token is a standing risk.
  // 0 = no limit.
  int64_t max_token_ttl_s = 90 * 86400;
};

class Authenticator {
 public:
  // Loads (or creates, mode 0600) the key file.
  static StatusOr<std::unique_ptr<Authenticator>> Open(const std::string& key_file, core::Clock* clock,
                                                       AuthOptions options = {});

  // `header` is the value of the "authorization" metadata ("" if absent).
  StatusOr<Identity> Authenticate(const std::string& header);

 private:
  Authenticator(std::string path, core::Clock* clock, AuthOptions options)
      : path_(std::move(path)), clock_(clock), options_(options) {}
  // REQUIRES: mu_ held.
  Status ReloadIfChanged();

  struct Verified {
    Identity identity;
    int64_t expires_at_s = 0;
  };
  // Bounds the cache; past it, the cache starts over (tokens are re-verified).
  static constexpr size_t kMaxCachedTokens = 4096;

  std::string path_;
  core::Clock* clock_;
  AuthOptions options_;
  std::mutex mu_;
  std::shared_ptr<const KeyRing> ring_;
  struct FileStamp {
    ino_t inode = 0;
    off_t size = 0;
    struct timespec mtime {};
    static FileStamp Of(const struct stat& st) { return FileStamp{st.st_ino, st.st_size, st.st_mtim}; }
    bool operator==(const FileStamp& o) const {
      return inode == o.inode && size == o.size && mtime.tv_sec == o.mtime.tv_sec && mtime.tv_nsec == o.mtime.tv_nsec;
    }
  };
  FileStamp file_;  // of the key file as last loaded
  int64_t last_check_ms_ = 0;
  std::unordered_map<std::string, Verified> verified_;  // by token, all verified with ring_
};

}  // namespace inspectsync::auth

#endif  // INSPECTSYNC_SERVER_AUTH_AUTHENTICATOR_H_
