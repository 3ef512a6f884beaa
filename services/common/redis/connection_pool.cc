#include "services/common/redis/connection_pool.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "services/common/status_macros.h"

namespace babillard::redis {

absl::StatusOr<ConnectionPool::Lease> ConnectionPool::Acquire() {
  Address address;
  Credentials credentials;
  absl::Duration timeout;
  {
    absl::MutexLock lock(&mu_);
    if (!idle_.empty()) {
      std::unique_ptr<Connection> c = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(c));
    }
    if (options_.clock->Now() < retry_after_) {
      return absl::UnavailableError(
          absl::StrCat("redis: ", options_.address.ToString(), " unreachable; retrying shortly"));
    }
    address = options_.address;
    credentials = options_.credentials;
    timeout = options_.timeout;
  }
  absl::StatusOr<std::unique_ptr<Connection>> c = Connection::Open(address, timeout, credentials);
  if (!c.ok()) {
    ReportFailure();
    return c.status();
  }
  absl::MutexLock lock(&mu_);
  backoff_ = absl::ZeroDuration();
  return Lease(this, *std::move(c));
}

absl::StatusOr<Reply> ConnectionPool::Run(absl::Span<const std::string> args) {
  BABILLARD_ASSIGN_OR_RETURN(Lease lease, Acquire());
  absl::StatusOr<Reply> reply = (lease)->Run(args);
  // A caller's own deadline cutting a command short says nothing of Redis.
  if (absl::IsUnavailable(reply.status())) ReportFailure();
  return reply;
}

absl::StatusOr<std::unique_ptr<Connection>> ConnectionPool::OpenDedicated(
    absl::Duration timeout) const {
  Address address;
  Credentials credentials;
  {
    absl::MutexLock lock(&mu_);
    address = options_.address;
    credentials = options_.credentials;
  }
  return Connection::Open(address, timeout, credentials);
}

void ConnectionPool::ReportFailure() {
  absl::MutexLock lock(&mu_);
  backoff_ = backoff_ == absl::ZeroDuration() ? options_.min_backoff
                                              : std::min(backoff_ * 2, options_.max_backoff);
  retry_after_ = options_.clock->Now() + backoff_;
  idle_.clear();  // they point at the same dead server
}

void ConnectionPool::Retarget(const Address& address) {
  absl::MutexLock lock(&mu_);
  options_.address = address;
  idle_.clear();
  retry_after_ = absl::InfinitePast();
  backoff_ = absl::ZeroDuration();
}

Address ConnectionPool::address() const {
  absl::MutexLock lock(&mu_);
  return options_.address;
}

std::string ConnectionPool::user() const {
  absl::MutexLock lock(&mu_);
  return options_.credentials.user;
}

void ConnectionPool::Return(std::unique_ptr<Connection> connection) {
  if (connection->broken()) return;
  absl::MutexLock lock(&mu_);
  if (connection->address().ToString() != options_.address.ToString()) return;
  if (static_cast<int>(idle_.size()) < options_.max_idle) idle_.push_back(std::move(connection));
}

}  // namespace babillard::redis
