#include "services/common/rate_limiter.h"

#include <gtest/gtest.h>

#include "tests/testing/fake_clock.h"

namespace babillard {
namespace {

TEST(RateLimiter, ABurstThenTheRateAndEachKeyOnItsOwn) {
  testing::FakeClock clock;
  RateLimiter limiter(/*per_second=*/2, /*burst=*/3, clock);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(limiter.Take("club"), absl::ZeroDuration()) << i;
  const absl::Duration wait = limiter.Take("club");
  EXPECT_GT(wait, absl::ZeroDuration());
  EXPECT_LE(wait, absl::Milliseconds(500));
  EXPECT_EQ(limiter.Take("biblio"), absl::ZeroDuration()) << "another key has its own bucket";
  clock.Advance(absl::Milliseconds(500));
  EXPECT_EQ(limiter.Take("club"), absl::ZeroDuration()) << "one token back after 1/rate";
  EXPECT_GT(limiter.Take("club"), absl::ZeroDuration());
  clock.Advance(absl::Hours(1));
  for (int i = 0; i < 3; ++i) EXPECT_EQ(limiter.Take("club"), absl::ZeroDuration()) << "refilled";
  EXPECT_GT(limiter.Take("club"), absl::ZeroDuration()) << "never above the burst";
}

TEST(RateLimiter, ARateOfZeroAdmitsEverything) {
  testing::FakeClock clock;
  RateLimiter limiter(0, 0, clock);
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(limiter.Take("x"), absl::ZeroDuration());
}

TEST(RateLimiter, TheErrorSaysWhoWhatAndWhenToRetry) {
  absl::Status s =
      RateLimitedError("organization club", "writes", "second", 50, absl::Milliseconds(420));
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(s.message(), "organization club: more than 50 writes a second; retry in 0.4 s");
}

}  // namespace
}  // namespace babillard
