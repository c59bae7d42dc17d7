#include "bench/proc.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <climits>
#include <cstring>

namespace inspectsync::bench {

ChildProcess::~ChildProcess() {
  if (running()) Stop(SIGKILL);
  if (out_) std::fclose(out_);
  if (in_) std::fclose(in_);
}

bool ChildProcess::Start(const std::vector<std::string>& argv) {
  int to_child[2], from_child[2];
  if (pipe2(to_child, O_CLOEXEC) != 0) return false;
  if (pipe2(from_child, O_CLOEXEC) != 0) {
    close(to_child[0]);
    close(to_child[1]);
    return false;
  }
  std::vector<char*> cargv;
  for (const auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);
  pid_ = fork();
  if (pid_ == 0) {
    // dup2 clears O_CLOEXEC on the new descriptors; every other pipe closes at exec.
    dup2(to_child[0], STDIN_FILENO);
    dup2(from_child[1], STDOUT_FILENO);
    execvp(cargv[0], cargv.data());  // PATH lookup for profiler wrappers
    std::fprintf(stderr, "bench: cannot exec %s: %s\n", cargv[0], std::strerror(errno));
    _exit(127);
  }
  close(to_child[0]);
  close(from_child[1]);
  if (pid_ < 0) {
    close(to_child[1]);
    close(from_child[0]);
    return false;
  }
  in_ = fdopen(to_child[1], "w");
  out_ = fdopen(from_child[0], "r");
  return in_ && out_;
}

bool ChildProcess::ReadLine(std::string* line) {
  line->clear();
  if (!out_) return false;
  char buf[4096];
  while (std::fgets(buf, sizeof buf, out_)) {
    *line += buf;
    if (!line->empty() && line->back() == '\n') {
      line->pop_back();
      return true;
    }
  }
  return !line->empty();
}

bool ChildProcess::WriteLine(const std::string& line) {
  if (!in_) return false;
  if (std::fputs((line + "\n").c_str(), in_) < 0) return false;
  return std::fflush(in_) == 0;
}

bool ChildProcess::ReadListenAddress(std::string* address) {
  std::string line;
  while (ReadLine(&line)) {
    auto at = line.find("listening on ");
    if (at == std::string::npos) continue;
    std::string rest = line.substr(at + 13);
    *address = rest.substr(0, rest.find(' '));
    return !address->empty();
  }
  return false;
}

ExitInfo ChildProcess::Wait() {
  ExitInfo info;
  if (pid_ <= 0 || reaped_) return info;
  if (in_) {  // EOF on its stdin: a child blocked on a read gives up
    std::fclose(in_);
    in_ = nullptr;
  }
  struct rusage ru {};
  int status = 0;
  while (wait4(pid_, &status, 0, &ru) < 0 && errno == EINTR) {
  }
  reaped_ = true;
  info.wait_status = status;
  info.maxrss_kib = static_cast<double>(ru.ru_maxrss);
  info.exited_ok = (WIFEXITED(status) && WEXITSTATUS(status) == 0) ||
                   (WIFSIGNALED(status) && stop_signal_ != 0 && WTERMSIG(status) == stop_signal_);
  return info;
}

ExitInfo ChildProcess::Stop(int sig) {
  if (pid_ > 0 && !reaped_) {
    stop_signal_ = sig;
    ::kill(pid_, sig);
  }
  return Wait();
}

std::string SelfExe() {
  char buf[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return "";
  buf[n] = '\0';
  return buf;
}

}  // namespace inspectsync::bench
