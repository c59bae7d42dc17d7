// ChangeFeed: the integration change feed over the server's history
// (proto/inspectsync/v1/integration.proto, WatchChanges / AckCursor /
// ListConsumers) — batches of committed versions after a cursor, filtered,
// the consumers' durable cursors, and a wait for new commits so a watch
// follows them live. No gRPC (integration_service_feed.cc adapts it; the
// simulation drives it directly).
//
// A change is one history row; history's commit seq is gap-free, so "every
// seq after the cursor, in order" is the whole guarantee: a batch's cursor
// says every change up to it that passes the filter has been sent.
//
// Thread-safety: safe to call from several threads. A Watch belongs to one
// caller at a time.
#ifndef INSPECTSYNC_SERVER_CHANGE_FEED_H_
#define INSPECTSYNC_SERVER_CHANGE_FEED_H_

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "core/problems.h"
#include "inspectsync/v1/integration.pb.h"
#include "server/sync_engine.h"

namespace inspectsync::server {

struct FeedOptions {
  // An idle watch gets an empty batch this often, so both ends notice a dead
  // connection (tests set it low).
  int64_t heartbeat_ms = 5000;
  // At most this many history rows are scanned per read (a filter that
  // matches little still advances the cursor in bounded time and memory).
  uint64_t scan_window = 10000;
  // Reads of a filtered watch that found nothing before Next returns an
  // empty batch anyway, to report the cursor's progress.
  int max_empty_windows = 8;
  uint32_t default_page_size = 500;
  uint32_t max_page_size = 5000;
  size_t max_filter_values = 1000;  // per kind (collections, zones, sites)
};

// A watch in progress: what it wants and how far it got.
struct Watch {
  uint64_t cursor = 0;      // every change <= cursor that passes the filter was returned
  bool stop_at_head = false;
  uint64_t stop_at = 0;     // stop_at_head: the head when the watch began
  uint32_t page_size = 500;
  std::string consumer;     // "" = anonymous
  std::vector<std::string> collections;
  std::vector<std::string> zone_ids, site_ids;
  bool include_reference = false;
  // The filter's scope keys, derived from the site directory of this version.
  uint64_t keys_version = UINT64_MAX;
  storage::ScopeFilter scope;
  // stop_at_head and everything up to the stop point returned.
  bool done() const { return stop_at_head && cursor >= stop_at; }
};

// [a-z0-9._-]{1,64}; INVALID_ARGUMENT naming the rule otherwise.
Status CheckConsumerName(const std::string& name);

class ChangeFeed {
 public:
  explicit ChangeFeed(SyncEngine* engine, FeedOptions options = {});
  ~ChangeFeed();  // Stop()s and waits for the dispatcher thread
  ChangeFeed(const ChangeFeed&) = delete;
  ChangeFeed& operator=(const ChangeFeed&) = delete;

  // Validates a watch request and places its cursor: after_seq, else the
  // consumer's stored cursor, else 0. A cursor beyond the head is
  // FAILED_PRECONDITION (the server's data is older than the consumer's).
  StatusOr<Watch> Start(const v1::WatchRequest& req);
  // The next batch after watch->cursor, and moves the cursor to its end. It
  // holds up to page_size changes; it is empty when nothing after the cursor
  // passes the filter (the cursor still moves, up to the head).
  StatusOr<v1::ChangeBatch> Next(Watch* watch);

  // AckCursor: stores a consumer's cursor (cursor > head: INVALID_ARGUMENT;
  // moving back without rewind: FAILED_PRECONDITION).
  StatusOr<v1::ConsumerCursor> Ack(const v1::AckCursorRequest& req, const Caller& caller);
  StatusOr<v1::ConsumerList> ListConsumers();

  // ---- waiting for commits without a thread per watcher ----
  enum class Wake { kCommit, kHeartbeat, kStopped };
  // Calls `wake` once, from the feed's dispatcher thread, when the head
  // passes `after`, when heartbeat_ms pass, or at Stop. Returns a ticket for
  // CancelWait, or 0 if the feed is stopped already (`wake` is never called).
  uint64_t WaitAsync(uint64_t after, std::function<void(Wake)> wake);
  // True if the wait was still pending and now never fires; false if its
  // `wake` runs or ran.
  bool CancelWait(uint64_t ticket);
  // Ends every wait (kStopped) and refuses new ones: open watches end
  // promptly at server shutdown. Idempotent.
  void Stop();
  bool stopped();

  const FeedOptions& options() const { return options_; }

 private:
  // Every site ever created (tombstones included: the records of a deleted
  // site still belong to its zone).
  struct Directory {
    uint64_t version = 0;  // sites collection head it was read at
    core::SiteDirectory sites;
  };
  StatusOr<std::shared_ptr<const Directory>> CurrentDirectory();
  static void DeriveScope(const Directory& dir, Watch* watch);
  Status ToChange(const storage::FeedRow& row, const Directory& dir, v1::Change* out);

  struct Waiter {
    uint64_t after = 0;
    std::chrono::steady_clock::time_point deadline;
    std::function<void(Wake)> wake;
  };
  void DispatchLoop();

  SyncEngine* engine_;
  FeedOptions options_;

  std::mutex dir_mu_;
  std::shared_ptr<const Directory> dir_;

  std::mutex mu_;  // guards everything below
  std::condition_variable cv_;
  bool stop_ = false;
  bool poked_ = false;  // a commit or a new waiter since the dispatcher last looked
  uint64_t next_ticket_ = 1;
  std::map<uint64_t, Waiter> waiters_;
  std::thread dispatcher_;  // started by the first WaitAsync
  uint64_t listener_ = 0;
};

}  // namespace inspectsync::server

#endif  // INSPECTSYNC_SERVER_CHANGE_FEED_H_
