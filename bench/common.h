// Small shared pieces of inspectsync-bench: command-line arguments, timing,
// percentiles, peak-RSS probes, and the line protocol between the bench
// orchestrator and its child processes.
//
// Thread-safety: Note() is safe from any thread; the rest is plain functions
// and values.
#ifndef INSPECTSYNC_BENCH_COMMON_H_
#define INSPECTSYNC_BENCH_COMMON_H_

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace inspectsync::bench {

// "--key value" pairs (a key may repeat) and bare "--flag"s.
class Args {
 public:
  // `bare` lists the flags that take no value.
  bool Parse(int argc, char** argv, const std::set<std::string>& bare, std::string* error);
  bool Has(const std::string& key) const { return values_.count(key) > 0; }
  std::string Get(const std::string& key, const std::string& def = "") const;
  const std::vector<std::string>& GetAll(const std::string& key) const;
  long long GetInt(const std::string& key, long long def) const;

 private:
  std::map<std::string, std::vector<std::string>> values_;
};

inline double NowSec() {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}

// p in [0, 100]; nearest-rank on a sorted copy. NaN for an empty sample.
double Percentile(std::vector<double> v, double p);
double Median(std::vector<double> v);

// Peak resident set size (VmHWM) of a live process, in KiB; nullopt if
// unreadable. ResetPeakRss writes 5 to /proc/<pid>/clear_refs (Linux >= 4.0),
// which sets VmHWM back to the current RSS; false where that is not permitted.
std::optional<double> PeakRssKib(pid_t pid);
bool ResetPeakRss(pid_t pid);

// Bytes a live process has caused to be written to storage (write_bytes of
// /proc/<pid>/io: file pages it dirtied, counted when dirtied, so WAL and
// checkpoint writes alike); nullopt if unreadable (another user's process).
std::optional<double> WriteBytes(pid_t pid);
// CPU time (user + system, all threads) a live process has used, in seconds.
std::optional<double> CpuSeconds(pid_t pid);

// A flat record of named numbers: what a child role reports.
using Kv = std::map<std::string, double>;
std::string FormatKv(const Kv& kv);  // "a=1 b=2.5"
Kv ParseKv(const std::string& s);

// Human notes go to stderr (unless silenced by --json-only).
void SetQuiet(bool quiet);
void Note(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
// Always printed.
void Warn(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

// ---- Child side of the orchestrator protocol (stdin/stdout are pipes) ----
// Prints READY, waits for GO, then resets this process's peak RSS, so the
// peak reported afterwards covers only the timed phase. Returns whether the
// reset worked.
bool ReadyThenWaitForGo();
// Prints "RESULT k=v ..." (adding client_hwm_kib, and client_write_bytes and
// client_cpu_s since GO) and flushes.
void EmitResult(Kv kv, bool hwm_reset);

}  // namespace inspectsync::bench

#endif  // INSPECTSYNC_BENCH_COMMON_H_
