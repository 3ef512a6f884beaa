#pragma once

#include <memory>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/common/clock.h"
#include "services/common/redis/connection.h"

namespace babillard::redis {

struct PoolOptions {
  Address address;
  Credentials credentials;
  absl::Duration timeout = absl::Seconds(2);
  // Connections kept idle; more are opened under load and closed when returned.
  int max_idle = 16;
  // After a failed connect, calls fail fast with UNAVAILABLE for a backoff
  // that doubles from `min_backoff` to `max_backoff`, so a Redis outage costs
  // callers nothing and Redis is not hammered when it comes back.
  absl::Duration min_backoff = absl::Milliseconds(50);
  absl::Duration max_backoff = absl::Seconds(2);
  // What times the backoff.
  const Clock* clock = &Clock::Real();
};

// Connections to one Redis. Thread-safe. Each lease is used by one thread.
class ConnectionPool {
 public:
  explicit ConnectionPool(PoolOptions options) : options_(std::move(options)) {}

  // A connection returned to the pool when the lease dies (dropped if broken).
  class Lease {
   public:
    Lease(ConnectionPool* pool, std::unique_ptr<Connection> connection)
        : pool_(pool), connection_(std::move(connection)) {}
    Lease(Lease&&) = default;
    Lease& operator=(Lease&&) = default;
    ~Lease() {
      if (pool_ != nullptr && connection_ != nullptr) pool_->Return(std::move(connection_));
    }
    Connection* operator->() { return connection_.get(); }
    Connection& operator*() { return *connection_; }

   private:
    ConnectionPool* pool_;
    std::unique_ptr<Connection> connection_;
  };

  // UNAVAILABLE while Redis is unreachable (within the backoff window, at once).
  absl::StatusOr<Lease> Acquire();
  // Runs one command on a pooled connection; records failures for backoff.
  absl::StatusOr<Reply> Run(absl::Span<const std::string> args);
  // A connection of its own (not pooled) to the current address, with the
  // pool's credentials: for a blocking read that must not hold a pooled one.
  absl::StatusOr<std::unique_ptr<Connection>> OpenDedicated(absl::Duration timeout) const;
  // Records an I/O failure seen on a leased connection.
  void ReportFailure();
  // Points the pool at another Redis (after a Sentinel failover); drops idle connections.
  void Retarget(const Address& address);
  Address address() const;
  // The ACL user connections authenticate as (empty: default).
  std::string user() const;

 private:
  void Return(std::unique_ptr<Connection> connection);

  PoolOptions options_ ABSL_GUARDED_BY(mu_);
  mutable absl::Mutex mu_;
  std::vector<std::unique_ptr<Connection>> idle_ ABSL_GUARDED_BY(mu_);
  absl::Time retry_after_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  absl::Duration backoff_ ABSL_GUARDED_BY(mu_) = absl::ZeroDuration();
};

}  // namespace babillard::redis
