#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace babillard {

struct SpawnOptions {
  // The child's stdin, stdout and stderr: a descriptor of this process, or
  // -1 for /dev/null. Never this process's own: a test runner would wait for
  // the pipe it holds.
  int stdin_fd = -1;
  int stdout_fd = -1;
  int stderr_fd = -1;
  // The child gets SIGKILL when this process dies, however it dies.
  bool die_with_parent = true;
  // Look argv[0] up in PATH ("redis-server") instead of taking it as a path.
  bool search_path = false;
};

// Starts argv as a child process; returns its pid (the caller reaps it). The
// one way babillard starts a process: exec keeps the signal mask and ignored
// signals, and babillard blocks SIGTERM (for sigwait) and ignores SIGPIPE, so
// the child gets both back to their defaults or it could never be stopped.
// Between fork and exec the child only makes async-signal-safe calls (the
// parent is multi-threaded). A child that cannot exec exits 127.
absl::StatusOr<pid_t> Spawn(const std::vector<std::string>& argv, const SpawnOptions& options);

}  // namespace babillard
