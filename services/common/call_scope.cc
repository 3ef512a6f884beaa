#include "services/common/call_scope.h"

#include <algorithm>

#include "absl/time/clock.h"

namespace babillard {
namespace {

thread_local const CallScope* current = nullptr;

}  // namespace

CallScope::CallScope(absl::Time deadline, std::function<bool()> cancelled)
    : deadline_(deadline), cancelled_(std::move(cancelled)), outer_(current) {
  current = this;
}

CallScope::~CallScope() { current = outer_; }

absl::Time CallScope::Deadline() {
  absl::Time deadline = absl::InfiniteFuture();
  for (const CallScope* s = current; s != nullptr; s = s->outer_)
    deadline = std::min(deadline, s->deadline_);
  return deadline;
}

absl::Time CallScope::Bound(absl::Duration own) { return std::min(absl::Now() + own, Deadline()); }

bool CallScope::Cancelled() {
  if (current == nullptr) return false;
  if (absl::Now() >= Deadline()) return true;
  for (const CallScope* s = current; s != nullptr; s = s->outer_)
    if (s->cancelled_ && s->cancelled_()) return true;
  return false;
}

}  // namespace babillard
