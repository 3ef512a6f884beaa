#include "services/publish/change_log.h"

#include <algorithm>

#include "services/common/cursor.h"

namespace babillard::publish {

void ChangeLog::Reset(const std::string& cursor) {
  absl::MutexLock lock(&mu_);
  changes_.clear();
  base_ = cursor;
  head_ = cursor;
  ready_ = true;
}

void ChangeLog::Append(ChangePtr change) {
  {
    absl::MutexLock lock(&mu_);
    // At-least-once from the store after a reconnect: keep cursors increasing.
    if (CompareCursors(change->cursor(), head_) <= 0) return;
    head_ = change->cursor();
    changes_.push_back(std::move(change));
    while (changes_.size() > capacity_) {
      base_ = changes_.front()->cursor();
      changes_.pop_front();
    }
  }
  WakeListeners();
}

void ChangeLog::Poke() { WakeListeners(); }

void ChangeLog::WakeListeners() {
  absl::MutexLock lock(&listeners_mu_);
  for (auto& [id, listener] : listeners_) listener();
}

size_t ChangeLog::FirstAfter(const std::string& after) const {
  auto it = std::upper_bound(
      changes_.begin(), changes_.end(), after,
      [](const std::string& c, const ChangePtr& p) { return CompareCursors(c, p->cursor()) < 0; });
  return static_cast<size_t>(it - changes_.begin());
}

ChangeLog::Slice ChangeLog::Read(const std::string& after, size_t max) const {
  Slice slice;
  absl::ReaderMutexLock lock(&mu_);
  if (!ready_) return slice;
  if (CompareCursors(after, base_) < 0) {
    slice.too_old = true;
    return slice;
  }
  const size_t first = FirstAfter(after);
  slice.behind = changes_.size() - first;
  const size_t end = first + std::min(max, slice.behind);
  slice.changes.assign(changes_.begin() + first, changes_.begin() + end);
  return slice;
}

int64_t ChangeLog::OldestAfter(const std::string& after) const {
  absl::ReaderMutexLock lock(&mu_);
  const size_t first = FirstAfter(after);
  return first < changes_.size() ? changes_[first]->committed_at_ms() : 0;
}

std::string ChangeLog::head() const {
  absl::ReaderMutexLock lock(&mu_);
  return head_;
}

bool ChangeLog::ready() const {
  absl::ReaderMutexLock lock(&mu_);
  return ready_;
}

void ChangeLog::Close() {
  {
    absl::MutexLock lock(&mu_);
    closed_ = true;
  }
  WakeListeners();
}

bool ChangeLog::closed() const {
  absl::ReaderMutexLock lock(&mu_);
  return closed_;
}

uint64_t ChangeLog::AddListener(std::function<void()> listener) {
  absl::MutexLock lock(&listeners_mu_);
  listeners_[++next_listener_] = std::move(listener);
  return next_listener_;
}

void ChangeLog::RemoveListener(uint64_t id) {
  absl::MutexLock lock(&listeners_mu_);
  listeners_.erase(id);
}

}  // namespace babillard::publish
