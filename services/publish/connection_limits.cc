#include "services/publish/connection_limits.h"

#include <sys/resource.h>

#include <algorithm>

namespace babillard::publish {

std::unique_ptr<ConnectionLimits::Slot> ConnectionLimits::Acquire(const std::string& address) {
  absl::MutexLock lock(&mu_);
  size_t& mine = by_address_[address];
  if (open_ >= max_total_ || mine >= max_per_address_) {
    if (mine == 0) by_address_.erase(address);
    ++refused_;
    return nullptr;
  }
  ++mine;
  ++open_;
  return std::make_unique<Slot>(*this, address);
}

void ConnectionLimits::Release(const std::string& address) {
  absl::MutexLock lock(&mu_);
  --open_;
  auto it = by_address_.find(address);
  if (it != by_address_.end() && --it->second == 0) by_address_.erase(it);
}

size_t ConnectionLimits::open() const {
  absl::MutexLock lock(&mu_);
  return open_;
}

int64_t ConnectionLimits::refused() const {
  absl::MutexLock lock(&mu_);
  return refused_;
}

size_t ConnectionCapForDescriptors(size_t wanted, size_t reserve) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return wanted;
  if (limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
    getrlimit(RLIMIT_NOFILE, &limit);
  }
  if (limit.rlim_cur == RLIM_INFINITY) return wanted;
  const size_t usable =
      limit.rlim_cur > reserve * 2 ? limit.rlim_cur - reserve : limit.rlim_cur / 2;
  return std::min(wanted, usable);
}

}  // namespace babillard::publish
