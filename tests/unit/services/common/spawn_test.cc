#include "services/common/spawn.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

#include "services/common/log.h"

namespace babillard {
namespace {

int Wait(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
}

TEST(Spawn, RunsTheProgramWithTheGivenStdoutAndReportsItsExit) {
  int fds[2];
  ASSERT_EQ(pipe2(fds, O_CLOEXEC), 0);
  SpawnOptions options;
  options.stdout_fd = fds[1];
  absl::StatusOr<pid_t> pid = Spawn({"/bin/sh", "-c", "echo hello; exit 3"}, options);
  ASSERT_TRUE(pid.ok()) << pid.status();
  close(fds[1]);
  char buffer[64] = {};
  EXPECT_EQ(read(fds[0], buffer, sizeof buffer - 1), 6);
  EXPECT_STREQ(buffer, "hello\n");
  close(fds[0]);
  EXPECT_EQ(Wait(*pid), 3);
  // A program that does not exist: the child exits 127.
  absl::StatusOr<pid_t> missing = Spawn({"/nonexistent/program"}, SpawnOptions());
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(Wait(*missing), 127);
}

TEST(Spawn, TheChildCanBeStoppedAlthoughTheParentBlocksSigtermAndIgnoresSigpipe) {
  // What InitService does in every service.
  sigset_t term, old;
  sigemptyset(&term);
  sigaddset(&term, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &term, &old);
  auto old_pipe = signal(SIGPIPE, SIG_IGN);
  absl::StatusOr<pid_t> pid = Spawn({"/bin/sh", "-c", "kill -TERM $$; sleep 5"}, SpawnOptions());
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  signal(SIGPIPE, old_pipe);
  ASSERT_TRUE(pid.ok());
  EXPECT_EQ(Wait(*pid), -SIGTERM);
}

TEST(LogLine, IsKeyValueWithQuotedValuesWhereNeeded) {
  EXPECT_EQ(log::Line("2026-12-02T16:04:05.123Z", "babillard-store", "info", "serving",
                      {{"addr", "127.0.0.1:50053"}}),
            "ts=2026-12-02T16:04:05.123Z service=babillard-store level=info msg=serving "
            "addr=127.0.0.1:50053");
  EXPECT_EQ(log::Line("t", "s", "warn", "webhook disabled",
                      {{"reason", "said \"no\"\nthen left"}, {"empty", ""}, {"eq", "a=b"}}),
            "ts=t service=s level=warn msg=\"webhook disabled\" reason=\"said \\\"no\\\" then "
            "left\" empty=\"\" eq=\"a=b\"");
}

}  // namespace
}  // namespace babillard
