#pragma once

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace babillard {

// The time as the logic sees it. Production code takes a Clock& and never
// calls absl::Now() itself, so that tests can set the time
// (tests/testing/fake_clock.h). Thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual absl::Time Now() const = 0;

  // The machine's clock, shared by everything in the process.
  static const Clock& Real();
};

}  // namespace babillard
