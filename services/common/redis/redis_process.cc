#include "services/common/redis/redis_process.h"

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/common/spawn.h"
#include "services/common/status_macros.h"

namespace babillard::redis {

absl::StatusOr<std::unique_ptr<RedisProcess>> RedisProcess::Start(
    const RedisProcessOptions& options, absl::Duration wait) {
  std::error_code ec;
  std::filesystem::create_directories(options.dir, ec);
  if (ec)
    return absl::FailedPreconditionError(
        absl::StrCat("redis: cannot create ", options.dir, ": ", ec.message()));
  std::unique_ptr<RedisProcess> process(new RedisProcess(options));
  process->address_.unix_path = std::filesystem::absolute(options.dir).string() + "/redis.sock";
  BABILLARD_RETURN_IF_ERROR(process->Spawn(wait));
  return process;
}

absl::Status RedisProcess::Spawn(absl::Duration wait) {
  const std::string dir = std::filesystem::absolute(options_.dir).string();
  std::vector<std::string> args = {options_.binary,
                                   "--port",
                                   std::to_string(options_.tcp_port),
                                   "--bind",
                                   "127.0.0.1",
                                   "--unixsocket",
                                   address_.unix_path,
                                   "--unixsocketperm",
                                   "700",
                                   "--dir",
                                   dir,
                                   "--save",
                                   "",
                                   "--appendonly",
                                   options_.appendonly ? "yes" : "no",
                                   "--appendfsync",
                                   options_.appendfsync,
                                   "--maxmemory",
                                   options_.maxmemory,
                                   "--maxmemory-policy",
                                   "noeviction",
                                   "--daemonize",
                                   "no",
                                   "--logfile",
                                   dir + "/redis.log"};
  args.insert(args.end(), options_.extra_args.begin(), options_.extra_args.end());
  std::filesystem::remove(address_.unix_path);
  SpawnOptions spawn;
  spawn.search_path = true;  // "redis-server"
  // redis-server writes its own --logfile.
  BABILLARD_ASSIGN_OR_RETURN(pid_, babillard::Spawn(args, spawn));
  const absl::Time deadline = absl::Now() + wait;
  while (absl::Now() < deadline) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return absl::UnavailableError(
          absl::StrCat("redis-server exited at start; see ", dir, "/redis.log"));
    }
    absl::StatusOr<std::unique_ptr<Connection>> c =
        Connection::Open(address_, absl::Seconds(1), options_.credentials);
    if (c.ok()) {
      absl::StatusOr<Reply> pong = (*c)->Run({"PING"});
      if (pong.ok() && pong->str == "PONG") return absl::OkStatus();
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
  Stop();
  return absl::DeadlineExceededError("redis-server did not answer PING in time");
}

void RedisProcess::Kill() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

absl::Status RedisProcess::Restart(absl::Duration wait) {
  Kill();
  return Spawn(wait);
}

void RedisProcess::Stop() {
  if (pid_ <= 0) return;
  kill(pid_, SIGTERM);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

bool RedisProcess::Alive() {
  if (pid_ <= 0) return false;
  if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
    pid_ = -1;
    return false;
  }
  return true;
}

RedisProcess::~RedisProcess() { Stop(); }

}  // namespace babillard::redis
