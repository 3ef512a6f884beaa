#pragma once

#include <deque>
#include <functional>
#include <optional>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"

namespace babillard {

// Group commit: what concurrent callers submit rides in one call. The first
// caller to find no call in flight leads: it takes every queued item (at most
// `max_group`) and runs them together; the others wait for their own result.
// Nothing waits on purpose: a lone caller runs alone, at once. Thread-safe.
template <typename Item, typename Result>
class GroupCommit {
 public:
  // Runs a group: one result per item, in the same order.
  using RunGroup = std::function<std::vector<Result>(const std::vector<const Item*>& items)>;

  GroupCommit(int max_group, RunGroup run)
      : max_group_(max_group < 1 ? 1 : max_group), run_(std::move(run)) {}

  Result Submit(Item item) {
    Pending me{std::move(item), std::nullopt};
    absl::MutexLock lock(&mu_);
    queue_.push_back(&me);
    while (!me.result.has_value()) {
      if (leading_) {
        cv_.Wait(&mu_);
        continue;
      }
      leading_ = true;
      std::vector<Pending*> group;
      while (!queue_.empty() && static_cast<int>(group.size()) < max_group_) {
        group.push_back(queue_.front());
        queue_.pop_front();
      }
      mu_.Unlock();
      std::vector<const Item*> items;
      for (Pending* p : group) items.push_back(&p->item);
      std::vector<Result> results = run_(items);
      mu_.Lock();
      for (size_t i = 0; i < group.size(); ++i) group[i]->result.emplace(std::move(results[i]));
      leading_ = false;
      cv_.SignalAll();
    }
    return std::move(*me.result);
  }

 private:
  struct Pending {
    Item item;
    std::optional<Result> result;
  };

  const int max_group_;
  const RunGroup run_;
  absl::Mutex mu_;
  absl::CondVar cv_;
  std::deque<Pending*> queue_ ABSL_GUARDED_BY(mu_);
  bool leading_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace babillard
