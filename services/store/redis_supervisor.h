#pragma once

#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "services/common/redis/connection_pool.h"

namespace babillard::store {

// Asks Sentinels for the current primary of `master_name`; the first that
// answers wins. UNAVAILABLE when none does.
absl::StatusOr<redis::Address> DiscoverPrimary(const std::vector<redis::Address>& sentinels,
                                               const std::string& master_name);

// Watches Redis from a background thread: reports health (PING) and, with
// Sentinels, points the pool at the new primary after a failover.
class RedisSupervisor {
 public:
  // `on_down` runs each period Redis does not answer (the store restarts its
  // private redis-server there).
  RedisSupervisor(redis::ConnectionPool& pool, std::vector<redis::Address> sentinels,
                  std::string master_name, std::function<void(bool serving)> on_health,
                  std::function<void()> on_down = nullptr,
                  absl::Duration period = absl::Milliseconds(500));
  ~RedisSupervisor();

 private:
  void Run();

  redis::ConnectionPool& pool_;
  std::vector<redis::Address> sentinels_;
  std::string master_name_;
  std::function<void(bool)> on_health_;
  std::function<void()> on_down_;
  absl::Duration period_;
  absl::Notification stop_;
  std::thread thread_;
};

}  // namespace babillard::store
