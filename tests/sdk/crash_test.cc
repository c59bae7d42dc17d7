// Crash safety of local writes: a child process writes as fast as it can and
// is killed with SIGKILL at an arbitrary instant; the device database must
// reopen with every acknowledged write, a gap-free outbox, and a view that
// is exactly server state + pending edits.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/sdk/sdk_test_util.h"

namespace inspectsync::testing {
namespace {

using CrashTest = SdkTest;

// Runs in the forked child: never returns.
[[noreturn]] void WriteUntilKilled(ClientOptions options, int ack_fd) {
  options.transport = nullptr;  // offline: only local writes
  auto c = Client::Open(std::move(options));
  if (!c.ok()) _exit(2);
  for (int i = 0;; ++i) {
    auto id = (*c)->CreateFinding(Finding("finding " + std::to_string(i)));
    if (!id.ok()) _exit(3);
    v1::Finding v;
    v.set_severity(v1::HIGH);
    if (!(*c)->UpdateFinding(*id, v, {"severity"}).ok()) _exit(4);
    char one = 1;
    // After both writes returned: from here on, losing them is a bug.
    if (write(ack_fd, &one, 1) != 1) _exit(5);
  }
}

TEST_F(CrashTest, KillDuringLocalWritesLosesNothingAcknowledged) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  ClientOptions options = Options();
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(fds[0]);
    WriteUntilKilled(options, fds[1]);
  }
  close(fds[1]);
  int acknowledged = 0;
  char buf[64];
  while (acknowledged < 40) {
    ssize_t n = read(fds[0], buf, sizeof buf);
    ASSERT_GT(n, 0) << "the writer died on its own";
    acknowledged += static_cast<int>(n);
  }
  ASSERT_EQ(kill(child, SIGKILL), 0);
  int wstatus = 0;
  ASSERT_EQ(waitpid(child, &wstatus, 0), child);
  close(fds[0]);
  ASSERT_TRUE(WIFSIGNALED(wstatus));

  auto c = Open(options);
  ASSERT_NE(c, nullptr);
  auto pending = c->PendingCount();
  ASSERT_OK(pending);
  ASSERT_GE(*pending, 2u * acknowledged);
  auto findings = c->ListFindings();
  ASSERT_OK(findings);
  ASSERT_GE(findings->size(), static_cast<size_t>(acknowledged));
  // A create may have committed without its update, never the reverse.
  ASSERT_LE(*pending, 2 * findings->size());
  ASSERT_GE(*pending + 1, 2 * findings->size());
  for (const auto& f : *findings) EXPECT_TRUE(f.pending);

  // The outbox is gap-free from 1 and the next id continues it.
  ASSERT_OK(c->CreateInspection(Inspection()));
  ASSERT_OK(c->Sync());
  uint64_t expect = 1;
  for (const auto& push : server_->pushes())
    for (const auto& m : push.mutations()) EXPECT_EQ(m.mutation_id(), expect++);
  EXPECT_EQ(expect - 1, *pending + 1);

  // After the sync the view is the server's state, record for record.
  findings = c->ListFindings();
  ASSERT_OK(findings);
  for (const auto& f : *findings) {
    EXPECT_FALSE(f.pending);
    auto server = server_->Find("findings", f.id);
    ASSERT_TRUE(server.has_value());
    EXPECT_EQ(f.value.SerializeAsString(), server->body().finding().SerializeAsString());
  }
}

}  // namespace
}  // namespace inspectsync::testing
