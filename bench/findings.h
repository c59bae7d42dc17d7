// Realistic findings for the benchmarks: about 600 bytes serialized, a
// 300-character description, an evidence hash, tags, a responsible
// organisation — what an inspector's tablet really sends. Deterministic for a
// given rng state.
#ifndef INSPECTSYNC_BENCH_FINDINGS_H_
#define INSPECTSYNC_BENCH_FINDINGS_H_

#include <cstddef>
#include <random>
#include <string>

#include "inspectsync/v1/records.pb.h"

namespace inspectsync::bench {

inline constexpr size_t kDescriptionChars = 300;

// A new OPEN finding.
v1::Finding MakeFinding(std::mt19937_64& rng);
// `chars` characters of inspection prose, ending in '.'.
std::string MakeText(std::mt19937_64& rng, size_t chars);
// Serialized size of a typical finding body and of its wire Record.
size_t TypicalFindingBytes();
size_t TypicalRecordBytes();

}  // namespace inspectsync::bench

#endif  // INSPECTSYNC_BENCH_FINDINGS_H_
