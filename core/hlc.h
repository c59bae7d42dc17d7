// Hybrid Logical Clock (Kulkarni et al.): timestamps that follow wall time
// when clocks are sane and still order causally related events when they are
// not. Packed into 64 bits: 48 bits of milliseconds, 16 bits of logical
// counter, so HLCs compare as plain integers.
//
// Thread-safety: Hlc is safe to use from several threads.
#ifndef INSPECTSYNC_CORE_HLC_H_
#define INSPECTSYNC_CORE_HLC_H_

#include <cstdint>
#include <mutex>
#include <string>

#include "core/clock.h"

namespace inspectsync::core {

class Hlc {
 public:
  // `last` restores the state persisted before a restart, so a device whose
  // wall clock went backwards over a reboot still never repeats a timestamp.
  explicit Hlc(Clock* clock, uint64_t last = 0) : clock_(clock), last_(last) {}

  // A timestamp for a local event or a message about to be sent; strictly
  // greater than every timestamp this clock returned or received before.
  uint64_t Now();
  // Merge a timestamp received from another node (e.g. the server's HLC).
  void Observe(uint64_t remote);
  uint64_t last() const;

  static uint64_t Pack(int64_t millis, uint32_t logical) {
    return (static_cast<uint64_t>(millis) << 16) | (logical & 0xFFFFu);
  }
  static int64_t Millis(uint64_t hlc) { return static_cast<int64_t>(hlc >> 16); }
  static uint32_t Logical(uint64_t hlc) { return static_cast<uint32_t>(hlc & 0xFFFFu); }
  // "2026-01-01T00:00:00.000Z+3"
  static std::string Format(uint64_t hlc);

 private:
  Clock* clock_;
  mutable std::mutex mu_;
  uint64_t last_;
};

}  // namespace inspectsync::core

#endif  // INSPECTSYNC_CORE_HLC_H_
