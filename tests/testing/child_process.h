#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace babillard::testing {

// A real binary run by a test: killed with the test (PR_SET_PDEATHSIG), its
// output in `log_path` (never the test runner's pipe), stopped in the destructor.
class ChildProcess {
 public:
  ChildProcess(std::vector<std::string> argv, std::string log_path)
      : argv_(std::move(argv)), log_path_(std::move(log_path)) {}
  ~ChildProcess() { Stop(); }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  absl::Status Start();
  // Waits until `path` exists and is not empty; returns its content.
  absl::StatusOr<std::string> WaitForFile(const std::string& path, absl::Duration timeout);
  void Kill(int signal);  // and reap
  // SIGTERM, then SIGKILL after `grace`; returns the exit status (-signal if killed).
  int Stop(absl::Duration grace = absl::Seconds(10));
  pid_t pid() const { return pid_; }
  bool running();

 private:
  std::vector<std::string> argv_;
  std::string log_path_;
  pid_t pid_ = -1;
};

// A free TCP port on 127.0.0.1 (bound then released: good enough for tests).
int FreePort();

// A fresh directory under TEST_TMPDIR or /tmp, removed by the caller.
std::string MakeTempDir(const std::string& name);

}  // namespace babillard::testing
