#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/common/redis/connection.h"

namespace babillard::redis {

struct RedisProcessOptions {
  // Directory for the socket, the AOF and the log; created if missing.
  std::string dir;
  // "always" makes every acknowledged write survive a SIGKILL of redis-server.
  std::string appendfsync = "always";
  bool appendonly = true;
  // Memory Redis may use; past it writes fail with OOM (RESOURCE_EXHAUSTED)
  // and reads go on. "noeviction" alone sets no limit: Redis grows until the
  // kernel kills it.
  std::string maxmemory = "1gb";
  // Also listen on 127.0.0.1:port (0: unix socket only).
  int tcp_port = 0;
  // Who the readiness PING authenticates as, when extra_args give it an
  // --aclfile whose default user may not PING.
  Credentials credentials;
  // Extra "--name value" arguments.
  std::vector<std::string> extra_args;
  std::string binary = "redis-server";
};

// A private redis-server run as a child: unix socket under `dir`, killed
// with the parent (PR_SET_PDEATHSIG), stopped by SIGTERM in the destructor.
// Used by babillard-store when no Redis address is given, and by tests.
class RedisProcess {
 public:
  // Starts it and waits (up to `wait`) until it answers PING.
  static absl::StatusOr<std::unique_ptr<RedisProcess>> Start(
      const RedisProcessOptions& options, absl::Duration wait = absl::Seconds(10));
  ~RedisProcess();

  const Address& address() const { return address_; }
  pid_t pid() const { return pid_; }
  // SIGKILL, as in a crash; the data directory stays.
  void Kill();
  // Starts the same server again on the same directory (after Kill()).
  absl::Status Restart(absl::Duration wait = absl::Seconds(10));
  // SIGTERM and wait.
  void Stop();
  // False once the server has exited (it is reaped then).
  bool Alive();

 private:
  explicit RedisProcess(RedisProcessOptions options) : options_(std::move(options)) {}
  absl::Status Spawn(absl::Duration wait);

  RedisProcessOptions options_;
  Address address_;
  pid_t pid_ = -1;
};

}  // namespace babillard::redis
