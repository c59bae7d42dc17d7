// HeadWatch: wakes the console's live views (/api/events) when the store's
// head moves. The engine's commit listener only bumps a counter and
// notifies (it runs on the writing thread and must stay short); each stream
// reads the head itself when woken, and sends at most one event per
// interval however many commits came (coalescing is the stream's pause
// between events: commits during it are one event after it).
//
// Thread-safety: safe to call from several threads.
#ifndef INSPECTSYNC_SERVER_CONSOLE_EVENTS_H_
#define INSPECTSYNC_SERVER_CONSOLE_EVENTS_H_

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>

#include "server/sync_engine.h"

namespace inspectsync::server::console {

class HeadWatch {
 public:
  explicit HeadWatch(SyncEngine* engine);
  ~HeadWatch();  // the listener is gone after this
  HeadWatch(const HeadWatch&) = delete;
  HeadWatch& operator=(const HeadWatch&) = delete;

  // The commit counter now (the head is read from the store by the caller).
  uint64_t commits();
  // Waits until the counter passes `seen`, `timeout` passes, or Stop().
  // Returns false once stopped.
  bool WaitPast(uint64_t seen, std::chrono::milliseconds timeout);
  // Waits `pause` unless stopped first; false once stopped.
  bool Sleep(std::chrono::milliseconds pause);
  // Wakes every waiter as a commit would (they look at the head and their
  // session again): a sign-out ends its live views now.
  void Poke();
  // Wakes every waiter; every later wait returns false at once.
  void Stop();
  bool stopped();

  // The store's head (0 if it cannot be read).
  uint64_t Head();

 private:
  SyncEngine* engine_;
  uint64_t listener_ = 0;
  std::mutex mu_;
  std::condition_variable cv_;
  uint64_t commits_ = 0;
  bool stopped_ = false;
};

}  // namespace inspectsync::server::console

#endif  // INSPECTSYNC_SERVER_CONSOLE_EVENTS_H_
