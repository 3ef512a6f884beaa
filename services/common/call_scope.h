#pragma once

#include <functional>

#include "absl/time/time.h"

namespace babillard {

// The request a thread is serving, as far as the work done on its behalf
// needs to know: when its caller stops waiting, and whether it has gone.
// Store calls, Redis commands and parse workers read it, so that a call
// with a 1 s deadline frees every layer after 1 s instead of each layer's
// own timeout, and an import whose caller pressed Ctrl-C stops before it
// writes. Scopes nest (the innermost wins); a thread outside any scope
// (the poller, the dispatcher) has no deadline and is never cancelled.
class CallScope {
 public:
  // `cancelled` is asked from the serving thread only, while the scope lives.
  explicit CallScope(absl::Time deadline, std::function<bool()> cancelled = nullptr);
  ~CallScope();
  CallScope(const CallScope&) = delete;
  CallScope& operator=(const CallScope&) = delete;

  // The current call's deadline; InfiniteFuture outside a call.
  static absl::Time Deadline();
  // The earlier of `now + own` and the current call's deadline: what a layer
  // with its own timeout waits.
  static absl::Time Bound(absl::Duration own);
  // True once the current call's caller has gone or its deadline has passed.
  static bool Cancelled();

 private:
  const absl::Time deadline_;
  const std::function<bool()> cancelled_;
  const CallScope* const outer_;
};

}  // namespace babillard
