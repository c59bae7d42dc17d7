// Runs the real `inspectsync server` binary as a child process, so tests can
// kill it with SIGKILL and restart it on the same database file. TLS and
// tokens as in production: certs/ and token-keys sit beside the database
// (testing::TestAuth{dir} reads them).
#ifndef INSPECTSYNC_TESTS_TESTING_SERVER_PROCESS_H_
#define INSPECTSYNC_TESTS_TESTING_SERVER_PROCESS_H_

#include <signal.h>
#include <poll.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

namespace inspectsync::testing {

class ServerProcess {
 public:
  // Starts `binary server --listen 127.0.0.1:0 --db db_path extra...` and
  // waits for it to print its address. ok() tells whether that worked.
  ServerProcess(const std::string& binary, const std::string& db_path, std::vector<std::string> extra = {}) {
    // Everything the child needs is built before fork(): the test may have
    // other threads running, and allocating in the child of a multi-threaded
    // process can deadlock on a lock another thread held at fork time.
    std::string dir = db_path.substr(0, db_path.rfind('/'));
    std::vector<std::string> args = {binary,    "server",       "--listen",     "127.0.0.1:0",
                                     "--db",    db_path,        "--grace-s",    "2",
                                     "--certs", dir + "/certs", "--token-keys", dir + "/token-keys"};
    args.insert(args.end(), extra.begin(), extra.end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    int fds[2];
    if (pipe(fds) != 0) return;
    pid_ = fork();
    if (pid_ == 0) {
      dup2(fds[1], STDOUT_FILENO);
      dup2(fds[1], STDERR_FILENO);  // log lines too (WaitForOutput)
      close(fds[0]);
      close(fds[1]);
      execv(argv[0], argv.data());
      _exit(127);
    }
    close(fds[1]);
    // Wait for "listening on ADDR", but not forever: a server that cannot
    // start must fail the test, not hang it.
    std::string line;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < deadline) {
      struct pollfd p = {fds[0], POLLIN, 0};
      if (poll(&p, 1, 200) <= 0) continue;
      char c;
      ssize_t n = read(fds[0], &c, 1);
      if (n <= 0) break;  // the child exited
      if (c != '\n') {
        line.push_back(c);
        continue;
      }
      output_ += line + "\n";
      auto at = line.find("listening on ");
      if (at != std::string::npos) {
        std::string rest = line.substr(at + 13);
        address_ = rest.substr(0, rest.find(' '));
        break;
      }
      line.clear();
    }
    out_ = fdopen(fds[0], "r");
  }

  ~ServerProcess() {
    if (pid_ > 0 && !reaped_) Kill(SIGKILL);
    if (out_) fclose(out_);
  }

  bool ok() const { return pid_ > 0 && !address_.empty(); }
  const std::string& address() const { return address_; }
  pid_t pid() const { return pid_; }

  // Sends `sig` and reaps the process; returns its wait status.
  int Kill(int sig) {
    if (pid_ <= 0 || reaped_) return -1;
    ::kill(pid_, sig);
    int status = 0;
    waitpid(pid_, &status, 0);
    reaped_ = true;
    return status;
  }

  // Reads what the server prints until a line not yet matched by an earlier
  // wait contains `needle` (true), or `timeout` passes (false). Lines read
  // are kept in output().
  bool WaitForOutput(const std::string& needle, std::chrono::seconds timeout = std::chrono::seconds(60)) {
    if (size_t at = output_.find(needle, scanned_); at != std::string::npos) {
      scanned_ = output_.find('\n', at) + 1;
      return true;
    }
    if (!out_) return false;
    int fd = fileno(out_);
    auto deadline = std::chrono::steady_clock::now() + timeout;
    std::string line;
    while (std::chrono::steady_clock::now() < deadline) {
      struct pollfd p = {fd, POLLIN, 0};
      if (poll(&p, 1, 200) <= 0) continue;
      char c;
      if (read(fd, &c, 1) <= 0) return false;  // the server exited
      if (c != '\n') {
        line.push_back(c);
        continue;
      }
      output_ += line + "\n";
      if (line.find(needle) != std::string::npos) {
        scanned_ = output_.size();
        return true;
      }
      line.clear();
    }
    return false;
  }
  const std::string& output() const { return output_; }

  // Everything else the server printed (after SIGTERM, for the shutdown lines).
  std::string DrainOutput() {
    std::string all;
    char buf[512];
    while (out_ && std::fgets(buf, sizeof buf, out_)) all += buf;
    return all;
  }

 private:
  pid_t pid_ = -1;
  FILE* out_ = nullptr;
  std::string address_;
  std::string output_;
  size_t scanned_ = 0;  // output_ up to here was matched by a WaitForOutput
  bool reaped_ = false;
};

}  // namespace inspectsync::testing

#endif  // INSPECTSYNC_TESTS_TESTING_SERVER_PROCESS_H_
