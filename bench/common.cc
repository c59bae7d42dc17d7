#include "bench/common.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <mutex>
#include <sstream>

namespace inspectsync::bench {

bool Args::Parse(int argc, char** argv, const std::set<std::string>& bare, std::string* error) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--", 0) != 0) {
      *error = "unexpected argument '" + a + "'";
      return false;
    }
    std::string key = a.substr(2), value;
    if (auto eq = key.find('='); eq != std::string::npos) {
      value = key.substr(eq + 1);
      key = key.substr(0, eq);
    } else if (!bare.count(key)) {
      if (i + 1 >= argc) {
        *error = "--" + key + " needs a value";
        return false;
      }
      value = argv[++i];
    }
    values_[key].push_back(value);
  }
  return true;
}

std::string Args::Get(const std::string& key, const std::string& def) const {
  auto it = values_.find(key);
  return it == values_.end() || it->second.empty() ? def : it->second.back();
}

const std::vector<std::string>& Args::GetAll(const std::string& key) const {
  static const std::vector<std::string> kEmpty;
  auto it = values_.find(key);
  return it == values_.end() ? kEmpty : it->second;
}

long long Args::GetInt(const std::string& key, long long def) const {
  if (!Has(key)) return def;
  std::string v = Get(key);
  char* end = nullptr;
  long long n = std::strtoll(v.c_str(), &end, 10);
  if (end == v.c_str() || *end != '\0') {
    std::fprintf(stderr, "inspectsync-bench: --%s needs a whole number, not '%s'\n", key.c_str(), v.c_str());
    std::exit(2);
  }
  return n;
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return std::nan("");
  std::sort(v.begin(), v.end());
  double rank = std::ceil(p / 100.0 * static_cast<double>(v.size()));
  size_t i = rank < 1 ? 0 : static_cast<size_t>(rank) - 1;
  return v[std::min(i, v.size() - 1)];
}

double Median(std::vector<double> v) {
  v.erase(std::remove_if(v.begin(), v.end(), [](double x) { return std::isnan(x); }), v.end());
  if (v.empty()) return std::nan("");
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

std::optional<double> PeakRssKib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::strtod(line.c_str() + 6, nullptr);
  }
  return std::nullopt;
}

bool ResetPeakRss(pid_t pid) {
  std::ofstream out("/proc/" + std::to_string(pid) + "/clear_refs");
  if (!out) return false;
  out << "5";
  out.flush();
  return static_cast<bool>(out);
}

std::optional<double> WriteBytes(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/io");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("write_bytes:", 0) == 0) return std::strtod(line.c_str() + 12, nullptr);
  }
  return std::nullopt;
}

std::optional<double> CpuSeconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  if (!std::getline(in, stat)) return std::nullopt;
  size_t paren = stat.rfind(')');  // the command name may hold spaces
  if (paren == std::string::npos) return std::nullopt;
  std::istringstream fields(stat.substr(paren + 2));
  std::string f;
  double utime = 0, stime = 0;
  for (int i = 3; i <= 15 && fields >> f; ++i) {  // fields 14 and 15: utime, stime (clock ticks)
    if (i == 14) utime = std::strtod(f.c_str(), nullptr);
    if (i == 15) stime = std::strtod(f.c_str(), nullptr);
  }
  return (utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

namespace {
std::optional<double> written_at_go, cpu_at_go;
}  // namespace

std::string FormatKv(const Kv& kv) {
  std::string out;
  char buf[64];
  for (const auto& [k, v] : kv) {
    std::snprintf(buf, sizeof buf, "%.9g", v);
    if (!out.empty()) out += ' ';
    out += k + "=" + buf;
  }
  return out;
}

Kv ParseKv(const std::string& s) {
  Kv kv;
  std::istringstream in(s);
  std::string tok;
  while (in >> tok) {
    auto eq = tok.find('=');
    if (eq == std::string::npos) continue;
    kv[tok.substr(0, eq)] = std::strtod(tok.c_str() + eq + 1, nullptr);
  }
  return kv;
}

namespace {
bool g_quiet = false;
std::mutex g_note_mu;

void VNote(const char* fmt, va_list ap) {
  std::lock_guard<std::mutex> lock(g_note_mu);
  std::fputs("bench: ", stderr);
  std::vfprintf(stderr, fmt, ap);
  std::fputc('\n', stderr);
  std::fflush(stderr);
}
}  // namespace

void SetQuiet(bool quiet) { g_quiet = quiet; }

void Note(const char* fmt, ...) {
  if (g_quiet) return;
  va_list ap;
  va_start(ap, fmt);
  VNote(fmt, ap);
  va_end(ap);
}

void Warn(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  VNote(fmt, ap);
  va_end(ap);
}

bool ReadyThenWaitForGo() {
  std::fputs("READY\n", stdout);
  std::fflush(stdout);
  char line[64];
  if (!std::fgets(line, sizeof line, stdin) || std::strncmp(line, "GO", 2) != 0) {
    std::fprintf(stderr, "bench child: no GO from the orchestrator; exiting\n");
    std::exit(3);
  }
  written_at_go = WriteBytes(getpid());
  cpu_at_go = CpuSeconds(getpid());
  return ResetPeakRss(getpid());
}

void EmitResult(Kv kv, bool hwm_reset) {
  if (auto hwm = PeakRssKib(getpid())) kv["client_hwm_kib"] = *hwm;
  kv["client_hwm_reset"] = hwm_reset ? 1 : 0;
  if (auto w = WriteBytes(getpid()); w && written_at_go) kv["client_write_bytes"] = *w - *written_at_go;
  if (auto c = CpuSeconds(getpid()); c && cpu_at_go) kv["client_cpu_s"] = *c - *cpu_at_go;
  std::printf("RESULT %s\n", FormatKv(kv).c_str());
  std::fflush(stdout);
}

}  // namespace inspectsync::bench
