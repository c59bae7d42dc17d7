#include "server/log.h"

#include <cstdio>
#include <map>
#include <mutex>

#include "core/clock.h"

namespace inspectsync::server {

namespace {

struct Window {
  int64_t start_ms = 0;
  int written = 0;
  uint64_t left_out = 0;
};

struct LogState {
  std::mutex mu;
  std::function<void(const std::string&)> sink;
  core::Clock* clock = core::SteadyClock();
  std::map<std::string, Window, std::less<>> windows;
};

LogState& State() {
  static LogState* const state = new LogState();  // outlives every thread that logs
  return *state;
}

// REQUIRES: state.mu held.
void WriteLocked(LogState& state, const std::string& line) {
  if (state.sink) {
    state.sink(line);
    return;
  }
  std::fprintf(stderr, "inspectsync server: %s\n", line.c_str());
}

}  // namespace

void Log(const std::string& line) {
  LogState& state = State();
  std::lock_guard<std::mutex> lock(state.mu);
  WriteLocked(state, line);
}

void LogLimited(std::string_view kind, const std::string& line) {
  LogState& state = State();
  std::lock_guard<std::mutex> lock(state.mu);
  const int64_t now = state.clock->NowMillis();
  auto it = state.windows.find(kind);
  if (it == state.windows.end()) it = state.windows.emplace(std::string(kind), Window{now, 0, 0}).first;
  Window& w = it->second;
  if (now - w.start_ms >= kLogWindowMs) {
    if (w.left_out > 0)
      WriteLocked(state, "(" + std::to_string(w.left_out) + " more lines like the next were left out in the last " +
                             std::to_string((now - w.start_ms) / 1000) + " s)");
    w = Window{now, 0, 0};
  }
  if (w.written < kLogBurst) {
    ++w.written;
    WriteLocked(state, line);
  } else {
    ++w.left_out;
  }
}

void SetLogSinkForTest(std::function<void(const std::string&)> sink, core::Clock* clock) {
  LogState& state = State();
  std::lock_guard<std::mutex> lock(state.mu);
  state.sink = std::move(sink);
  state.clock = clock ? clock : core::SteadyClock();
  state.windows.clear();
}

}  // namespace inspectsync::server
