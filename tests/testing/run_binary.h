// Runs a program to its end, as a person at a terminal would, and reports
// how it ended: its exit code, or the signal that killed it, and what it
// printed (stdout and stderr together).
#ifndef INSPECTSYNC_TESTS_TESTING_RUN_BINARY_H_
#define INSPECTSYNC_TESTS_TESTING_RUN_BINARY_H_

#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

namespace inspectsync::testing {

struct RunResult {
  bool exited = false;  // false: killed by a signal (a crash)
  int exit_code = -1;
  int signal = 0;
  std::string output;
};

inline RunResult RunBinary(std::vector<std::string> args) {
  RunResult r;
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  int fds[2];
  if (pipe(fds) != 0) return r;
  pid_t pid = fork();
  if (pid == 0) {
    dup2(fds[1], STDOUT_FILENO);
    dup2(fds[1], STDERR_FILENO);
    close(fds[0]);
    close(fds[1]);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(fds[1]);
  char buf[4096];
  for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;) r.output.append(buf, static_cast<size_t>(n));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  r.exited = WIFEXITED(status);
  r.exit_code = r.exited ? WEXITSTATUS(status) : -1;
  r.signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
  return r;
}

}  // namespace inspectsync::testing

#endif  // INSPECTSYNC_TESTS_TESTING_RUN_BINARY_H_
