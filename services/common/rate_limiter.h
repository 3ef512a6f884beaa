#pragma once

#include <string>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/common/clock.h"

namespace babillard {

// A token bucket per key (an organization, an address): `per_second` on
// average, `burst` at once. A rate of 0 admits everything. Thread-safe.
class RateLimiter {
 public:
  RateLimiter(double per_second, double burst, const Clock& clock = Clock::Real())
      : per_second_(per_second), burst_(burst), clock_(clock) {}

  // Zero when `key` may go now (a token is taken); else how long until it may.
  absl::Duration Take(std::string_view key);

  double per_second() const { return per_second_; }

 private:
  struct Bucket {
    double tokens;
    absl::Time at;
  };
  const double per_second_, burst_;
  const Clock& clock_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Bucket> buckets_ ABSL_GUARDED_BY(mu_);
};

// RESOURCE_EXHAUSTED for `who` over `limiter`'s rate of `what` ("writes"),
// saying when to retry: "organization club: more than 20 writes a second;
// retry in 0.4 s".
absl::Status RateLimitedError(std::string_view who, std::string_view what, std::string_view per,
                              double rate, absl::Duration wait);

}  // namespace babillard
