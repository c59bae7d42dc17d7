// Child processes of the bench: the server under test (the real
// `inspectsync server` binary), the raw-gRPC echo server, and the client
// roles (this binary re-executed with --role). Each has its own address
// space, so each peak RSS is its own.
//
// Thread-safety: a ChildProcess is used from one thread.
#ifndef INSPECTSYNC_BENCH_PROC_H_
#define INSPECTSYNC_BENCH_PROC_H_

#include <sys/types.h>

#include <cstdio>
#include <string>
#include <vector>

namespace inspectsync::bench {

struct ExitInfo {
  bool exited_ok = false;   // exit status 0 (or killed by the signal we sent)
  int wait_status = 0;
  double maxrss_kib = 0;    // rusage.ru_maxrss of the whole life of the process
};

class ChildProcess {
 public:
  ChildProcess() = default;
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // Starts argv[0] with stdin and stdout piped to us; stderr is shared.
  bool Start(const std::vector<std::string>& argv);
  pid_t pid() const { return pid_; }
  bool running() const { return pid_ > 0 && !reaped_; }
  // One line from the child's stdout, without the newline. False at EOF.
  bool ReadLine(std::string* line);
  bool WriteLine(const std::string& line);
  // Reads lines until one contains "listening on "; returns the address after it.
  bool ReadListenAddress(std::string* address);
  // Waits for the child to exit.
  ExitInfo Wait();
  // Sends `sig`, then waits.
  ExitInfo Stop(int sig);

 private:
  pid_t pid_ = -1;
  bool reaped_ = false;
  int stop_signal_ = 0;
  FILE* out_ = nullptr;  // the child's stdout
  FILE* in_ = nullptr;   // the child's stdin
};

// Path of the running executable (/proc/self/exe).
std::string SelfExe();

}  // namespace inspectsync::bench

#endif  // INSPECTSYNC_BENCH_PROC_H_
