#include "core/ids.h"

#include <cstdio>

#include "core/hex.h"

namespace inspectsync::core {

namespace {

uint64_t Mix(uint64_t z) {  // SplitMix64's finalizer: spreads every input bit
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

uint64_t Fnv1a(std::string_view s, uint64_t h) {
  for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ULL;
  return h;
}

}  // namespace

IdGenerator::IdGenerator(Clock* clock, uint64_t seed) : clock_(clock) {
  if (seed == 0) {
    std::random_device rd;
    seed = (static_cast<uint64_t>(rd()) << 32) ^ rd();
  }
  rng_.seed(seed);
}

std::string IdGenerator::NewUuidV7() {
  uint64_t ms = static_cast<uint64_t>(clock_->NowMillis()) & 0xFFFFFFFFFFFFull;
  uint64_t r1, r2;
  {
    std::lock_guard<std::mutex> lock(mu_);
    r1 = rng_();
    r2 = rng_();
  }
  unsigned char b[16];
  for (int i = 0; i < 6; ++i) b[i] = static_cast<unsigned char>(ms >> (40 - 8 * i));
  b[6] = static_cast<unsigned char>(0x70 | ((r1 >> 8) & 0x0F));  // version 7
  b[7] = static_cast<unsigned char>(r1);
  b[8] = static_cast<unsigned char>(0x80 | ((r2 >> 56) & 0x3F));  // variant 10
  for (int i = 9; i < 16; ++i) b[i] = static_cast<unsigned char>(r2 >> (8 * (15 - i)));
  std::string out = HexEncode(std::string_view(reinterpret_cast<const char*>(b), sizeof b));
  for (size_t dash : {8, 13, 18, 23}) out.insert(dash, 1, '-');  // 8-4-4-4-12
  return out;
}

std::string NewUuidV7() {
  static IdGenerator* gen = new IdGenerator();
  return gen->NewUuidV7();
}

bool IsUuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return false;
    }
  }
  return true;
}

// Changing this changes every derived id already stored: don't.
std::string NameBasedUuid(std::string_view name) {
  uint64_t hi = Mix(Fnv1a(name, 0xcbf29ce484222325ULL));
  uint64_t lo = Mix(Fnv1a(name, 0x84222325cbf29ce4ULL) ^ hi);
  hi = (hi & ~0xF000ULL) | 0x8000ULL;                         // version 8: custom, name-based
  lo = (lo & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL;  // RFC 4122 variant
  char buf[37];
  std::snprintf(buf, sizeof buf, "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(hi >> 32),
                static_cast<unsigned>((hi >> 16) & 0xFFFF), static_cast<unsigned>(hi & 0xFFFF),
                static_cast<unsigned>(lo >> 48), static_cast<unsigned long long>(lo & 0xFFFFFFFFFFFFULL));
  return buf;
}

std::string ImportRecordId(std::string_view collection, std::string_view code) {
  std::string name = "inspectsync/";
  name.append(collection).append("/").append(code);
  return NameBasedUuid(name);
}

}  // namespace inspectsync::core
