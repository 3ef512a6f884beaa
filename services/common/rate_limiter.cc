#include "services/common/rate_limiter.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "services/common/string_view.h"

namespace babillard {
namespace {

// Keys remembered; past it the full buckets (idle keys) are forgotten.
constexpr size_t kMaxKeys = 100000;

}  // namespace

absl::Duration RateLimiter::Take(std::string_view key) {
  if (per_second_ <= 0) return absl::ZeroDuration();
  const absl::Time now = clock_.Now();
  absl::MutexLock lock(&mu_);
  if (buckets_.size() >= kMaxKeys) {
    absl::erase_if(buckets_, [&](const auto& entry) {
      return entry.second.tokens + absl::ToDoubleSeconds(now - entry.second.at) * per_second_ >=
             burst_;
    });
  }
  auto [it, fresh] = buckets_.try_emplace(std::string(key), Bucket{burst_, now});
  Bucket& b = it->second;
  b.tokens = std::min(burst_, b.tokens + absl::ToDoubleSeconds(now - b.at) * per_second_);
  b.at = now;
  if (b.tokens >= 1) {
    b.tokens -= 1;
    return absl::ZeroDuration();
  }
  return absl::Seconds((1 - b.tokens) / per_second_);
}

absl::Status RateLimitedError(std::string_view who, std::string_view what, std::string_view per,
                              double rate, absl::Duration wait) {
  return absl::ResourceExhaustedError(absl::StrFormat("%s: more than %g %s a %s; retry in %.1f s",
                                                      Av(who), rate, Av(what), Av(per),
                                                      std::max(0.1, absl::ToDoubleSeconds(wait))));
}

}  // namespace babillard
