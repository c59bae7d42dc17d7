// Admission: who may call, decided for every call and again before every
// message of a stream, so that taking access away takes effect on open
// streams too. A call's "authorization" header must carry a token that
// verifies now (signature, a key still in the ring, not expired, not revoked,
// not made to live longer than the server allows: auth::Authenticator), of a
// known role, for a user the office's directory lets in (not deactivated or
// removed, still holding the token's role: ScopeResolver::CheckUser).
//
// No gRPC here (server/rpc.h adapts it), so other front doors — the office
// console of a later issue — admit people the same way.
//
// Thread-safety: safe to call from several threads.
#ifndef INSPECTSYNC_SERVER_ADMISSION_H_
#define INSPECTSYNC_SERVER_ADMISSION_H_

#include <string>

#include "server/auth/authenticator.h"
#include "server/sync_engine.h"

namespace inspectsync::server {

class Admission {
 public:
  Admission(auth::Authenticator* authenticator, SyncEngine* engine)
      : authenticator_(authenticator), engine_(engine) {}

  // The caller `authorization` ("Bearer <token>", "" if absent) proves:
  // UNAUTHENTICATED for a missing or invalid token, PERMISSION_DENIED for a
  // role-less token or a user the directory refuses.
  StatusOr<Caller> Admit(const std::string& authorization) const;

 private:
  auth::Authenticator* authenticator_;
  SyncEngine* engine_;
};

}  // namespace inspectsync::server

#endif  // INSPECTSYNC_SERVER_ADMISSION_H_
