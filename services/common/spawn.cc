#include "services/common/spawn.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace babillard {

absl::StatusOr<pid_t> Spawn(const std::vector<std::string>& args, const SpawnOptions& options) {
  if (args.empty()) return absl::InvalidArgumentError("spawn: no program");
  // Everything the child needs is made before fork: it may not allocate.
  std::vector<char*> argv;
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const int fds[3] = {options.stdin_fd, options.stdout_fd, options.stderr_fd};
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) return absl::InternalError(absl::StrCat("fork: ", std::strerror(errno)));
  if (pid > 0) return pid;

  if (options.die_with_parent) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(1);  // the parent died before prctl
  }
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  signal(SIGPIPE, SIG_DFL);
  const int null = open("/dev/null", O_RDWR);
  for (int target = 0; target < 3; ++target) {
    const int source = fds[target] >= 0 ? fds[target] : null;
    if (source >= 0) dup2(source, target);  // dup2 clears close-on-exec on the copy
  }
  if (options.search_path) {
    execvp(argv[0], argv.data());
  } else {
    execv(argv[0], argv.data());
  }
  _exit(127);
}

}  // namespace babillard
