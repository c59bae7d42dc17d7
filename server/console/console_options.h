// What the office console's listener is told (ServerOptions::console). No
// HTTP library here: server/server.h includes it.
#ifndef INSPECTSYNC_SERVER_CONSOLE_CONSOLE_OPTIONS_H_
#define INSPECTSYNC_SERVER_CONSOLE_CONSOLE_OPTIONS_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "server/console/accounts.h"

namespace inspectsync::server::console {

struct ConsoleOptions {
  // "host:port" to serve the console on; "" = no console. Port 0 picks a
  // free one (Server::console_port()). HTTPS with the server's certificate;
  // plain HTTP only when the server is --insecure (loopback only then).
  std::string listen;
  // Request bodies larger than this are refused (413) — except an
  // IntegrationService/Import, which may be as large as the server's
  // max_message_bytes (a directory file).
  size_t max_body_bytes = 1 << 20;
  // Connections served at once (each open live view holds one); more wait
  // in the listener's queue.
  int threads = 32;
  // Open live views (/api/events) at once, across all browsers: each holds
  // a thread, so they stay below `threads`; more get 503.
  int max_event_streams = 16;
  // A request must arrive (and a response be taken) within these.
  int64_t read_timeout_ms = 20'000;
  int64_t write_timeout_ms = 20'000;
  // An idle keep-alive connection is closed after this (it holds a thread).
  int64_t keep_alive_ms = 5'000;
  // /api/events: a comment this often so proxies and browsers keep the
  // stream, and at most one event per min_event_interval_ms.
  int64_t heartbeat_ms = 15'000;
  int64_t min_event_interval_ms = 500;
  // The bearer tokens the console calls the server's services with, as the
  // signed-in person: minted per person, re-minted this long before expiry.
  int64_t token_ttl_s = 600;
  int64_t token_renew_s = 120;
  // The calls it makes on a person's behalf must finish in this.
  int64_t call_timeout_ms = 120'000;
  // Sign-in: passwords, sessions, delays, which roles may sign in.
  AccountOptions accounts;
};

}  // namespace inspectsync::server::console

#endif  // INSPECTSYNC_SERVER_CONSOLE_CONSOLE_OPTIONS_H_
