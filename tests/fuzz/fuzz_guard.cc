// libFuzzer target for what stands at the server's door (issue 15): bearer
// tokens and key files as an attacker or a broken file would write them, and
// the StreamGuard under any sequence of stream events.
//
// The first byte picks the part; the rest is its input.
//   0: a token string -> KeyRing::Verify, DecodeClaims, TokenId. Property: a
//      string the ring did not sign never verifies; nothing crashes.
//   1: key-file text -> KeyRing::Load; a ring that loads saves and loads again
//      to the same keys and revocations.
//   2: a program of stream events (open, close, write, written, read, tick,
//      clock moves) on a StreamGuard with small limits. Properties: buffered
//      bytes never exceed the limit except for a lone message, open streams
//      per caller never exceed the cap, a closed stream is never cancelled,
//      and a stream is cancelled only after its stall or call limit passed.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/clock.h"
#include "server/auth/token.h"
#include "server/stream_guard.h"

namespace {

using namespace inspectsync;

[[noreturn]] void Violated(const std::string& what) {
  std::fprintf(stderr, "FUZZ PROPERTY VIOLATED: %s\n", what.c_str());
  std::abort();
}

std::string ScratchFile() {
  const char* dir = std::getenv("TMPDIR");
  return std::string(dir ? dir : "/tmp") + "/fuzz-guard-keys-" + std::to_string(getpid());
}

void FuzzToken(const std::string& token) {
  static auth::KeyRing* const ring = [] {
    std::string path = ScratchFile() + "-ring";
    auto r = auth::KeyRing::LoadOrCreate(path);
    if (!r.ok()) Violated("cannot make a key ring: " + r.status().ToString());
    std::remove(path.c_str());
    return new auth::KeyRing(std::move(*r));
  }();
  auto claims = ring->Verify(token, 1'767'225'600, 90 * 86400);
  if (claims.ok()) Violated("a string the ring never signed verified");
  if (claims.status().code() != StatusCode::kUnauthenticated) Violated("Verify: " + claims.status().ToString());
  auto decoded = auth::DecodeClaims(token);
  auto id = auth::TokenId(token);
  if (decoded.ok() != id.ok()) Violated("DecodeClaims and TokenId disagree");
  if (id.ok() && id->size() != 16) Violated("a token id of " + std::to_string(id->size()) + " characters");
}

void FuzzKeyFile(const std::string& text) {
  const std::string path = ScratchFile();
  {
    std::ofstream out(path, std::ios::trunc);
    out << text;
  }
  ::chmod(path.c_str(), 0600);
  auto ring = auth::KeyRing::Load(path);
  if (ring.ok()) {
    if (!ring->Save(path).ok()) Violated("a ring that loaded does not save");
    auto again = auth::KeyRing::Load(path);
    if (!again.ok()) Violated("a saved ring does not load: " + again.status().ToString());
    if (again->Keys().size() != ring->Keys().size()) Violated("keys lost in a save");
    if (again->Revocations().size() != ring->Revocations().size()) Violated("revocations lost in a save");
  } else if (ring.status().code() != StatusCode::kFailedPrecondition) {
    Violated("Load: " + ring.status().ToString());
  }
  std::remove(path.c_str());
}

void FuzzStreams(const uint8_t* data, size_t size) {
  core::ManualClock clock;
  server::StreamLimits limits;
  limits.max_per_caller = 3;
  limits.max_buffered_bytes = 1000;
  limits.stall_ms = 500;
  limits.max_call_ms = 2000;
  limits.tick_ms = 0;
  limits.clock = &clock;
  server::StreamGuard guard(limits);
  struct Open {
    std::unique_ptr<server::StreamGuard::Stream> stream;
    int caller = 0;
    bool bounded = false;
    bool closed = false;
    int64_t opened = 0, pending_since = -1;
  };
  std::vector<std::unique_ptr<Open>> streams;
  std::map<int, int> per_caller;
  size_t buffered = 0;
  std::map<Open*, size_t> reserved;
  for (size_t i = 0; i + 1 < size; i += 2) {
    const uint8_t op = data[i] % 7, arg = data[i + 1];
    Open* s = streams.empty() ? nullptr : streams[arg % streams.size()].get();
    switch (op) {
      case 0: {  // open
        auto o = std::make_unique<Open>();
        o->caller = arg % 4;
        o->bounded = arg & 0x80;
        o->opened = clock.NowMillis();
        Open* raw = o.get();
        auto st = guard.Open("Fuzz/Stream", "user-" + std::to_string(o->caller), "device", o->bounded, [raw, &clock] {
          if (raw->closed) Violated("a closed stream was cancelled");
          int64_t now = clock.NowMillis();
          bool stalled = raw->pending_since >= 0 && now - raw->pending_since >= 500;
          bool overtime = raw->bounded && now - raw->opened >= 2000;
          if (!stalled && !overtime) Violated("a stream was cancelled before any limit passed");
        });
        if (st.ok()) {
          if (per_caller[o->caller] >= 3) Violated("a caller got more streams than the cap");
          ++per_caller[o->caller];
          o->stream = std::move(*st);
          streams.push_back(std::move(o));
        } else if (per_caller[o->caller] < 3) {
          Violated("refused under the cap: " + st.status().ToString());
        }
        break;
      }
      case 1:  // close
        if (s && !s->closed) {
          s->stream->Close();
          s->closed = true;
          --per_caller[s->caller];
          buffered -= reserved[s];
          reserved[s] = 0;
        }
        break;
      case 2:  // begin a write of arg * 10 bytes
        if (s && !s->closed && s->pending_since < 0) {
          size_t bytes = static_cast<size_t>(arg) * 10;
          if (s->stream->BeginWrite(bytes).ok()) {
            buffered += bytes;
            reserved[s] = bytes;
            s->pending_since = clock.NowMillis();
            if (buffered > 1000 && buffered != bytes) Violated("the buffer passed its limit");
          } else if (buffered == 0 || buffered + bytes <= 1000) {
            Violated("a write that fits was refused");
          }
        }
        break;
      case 3:  // the write completed
        if (s && !s->closed && s->pending_since >= 0) {
          s->stream->EndWrite();
          buffered -= reserved[s];
          reserved[s] = 0;
          s->pending_since = -1;
        }
        break;
      case 4:
        guard.Tick();
        break;
      case 5:
        clock.Advance(arg * 10);
        break;
      case 6:
        if (s && !s->closed && s->bounded && s->stream->CheckDeadline().ok() != (clock.NowMillis() - s->opened < 2000))
          Violated("CheckDeadline disagrees with the clock");
        break;
    }
    if (guard.stats().buffered_bytes != buffered) Violated("the guard's buffered bytes drifted");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string rest(reinterpret_cast<const char*>(data + 1), size - 1);
  switch (data[0] % 3) {
    case 0: FuzzToken(rest); break;
    case 1: FuzzKeyFile(rest); break;
    case 2: FuzzStreams(data + 1, size - 1); break;
  }
  return 0;
}
