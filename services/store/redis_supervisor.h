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

// The Sentinels that know the primary, and how to authenticate to them (a
// Sentinel's own password is not the primary's).
struct Sentinels {
  std::vector<redis::Address> addresses;
  std::string master_name = "mymaster";
  redis::Credentials credentials;

  bool empty() const { return addresses.empty(); }
};

// Asks Sentinels for the current primary; the first that answers wins.
// PERMISSION_DENIED when every Sentinel refused the credentials, UNAVAILABLE
// when none answered otherwise; the message says what each one did.
absl::StatusOr<redis::Address> DiscoverPrimary(const Sentinels& sentinels);

// Watches Redis from a background thread: reports health (PING) and, with
// Sentinels, points the pool at the new primary after a failover.
class RedisSupervisor {
 public:
  // `on_down` runs each period Redis does not answer (the store restarts its
  // private redis-server there).
  RedisSupervisor(redis::ConnectionPool& pool, Sentinels sentinels,
                  std::function<void(bool serving)> on_health,
                  std::function<void()> on_down = nullptr,
                  absl::Duration period = absl::Milliseconds(500));
  ~RedisSupervisor();

 private:
  void Run();

  redis::ConnectionPool& pool_;
  Sentinels sentinels_;
  std::function<void(bool)> on_health_;
  std::function<void()> on_down_;
  absl::Duration period_;
  absl::Notification stop_;
  std::thread thread_;
};

}  // namespace babillard::store
