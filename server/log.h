// The server's log lines (stderr, one line per event).
//
// Lines that any client can cause at will — requests that do not parse, TLS
// handshakes that fail, streams cut for not reading — go through LogLimited:
// the first lines of each kind in a window are written, the rest are only
// counted, and the next line of that kind after the window says how many were
// left out. A hostile or broken client therefore cannot flood the log, and an
// operator still sees that it happens and how often.
//
// No gRPC here: server/rpc.h routes gRPC's own lines through LogLimited
// (InstallGrpcLogFilter).
//
// Thread-safety: every function is safe to call from any thread.
#ifndef INSPECTSYNC_SERVER_LOG_H_
#define INSPECTSYNC_SERVER_LOG_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "core/clock.h"

namespace inspectsync::server {

// Writes `line` (without a trailing newline) as one log line.
void Log(const std::string& line);

// Writes `line` unless more than kLogBurst lines of `kind` were written in
// the current kLogWindowMs window.
inline constexpr int kLogBurst = 10;
inline constexpr int64_t kLogWindowMs = 60'000;
void LogLimited(std::string_view kind, const std::string& line);

// Tests: every line written goes to `sink` instead of stderr, windows are
// timed by `clock` (nullptr: stderr and the steady clock again).
void SetLogSinkForTest(std::function<void(const std::string&)> sink, core::Clock* clock = nullptr);

}  // namespace inspectsync::server

#endif  // INSPECTSYNC_SERVER_LOG_H_
