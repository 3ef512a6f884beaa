#include "services/ingest/poll_queue.h"

#include <utility>

namespace babillard::ingest {

bool PollQueue::Add(v1::Source source) {
  absl::MutexLock lock(&mu_);
  if (closed_ || !queued_.insert(source.id()).second) return false;
  std::deque<v1::Source>& mine = waiting_[source.organization()];
  if (mine.empty()) turns_.push_back(source.organization());
  mine.push_back(std::move(source));
  return true;
}

bool PollQueue::Ready() const { return closed_ || !turns_.empty(); }

std::optional<v1::Source> PollQueue::Take() {
  absl::MutexLock lock(&mu_);
  mu_.Await(absl::Condition(this, &PollQueue::Ready));
  if (closed_) return std::nullopt;
  const std::string organization = std::move(turns_.front());
  turns_.pop_front();
  std::deque<v1::Source>& mine = waiting_[organization];
  v1::Source next = std::move(mine.front());
  mine.pop_front();
  if (mine.empty()) {
    waiting_.erase(organization);
  } else {
    turns_.push_back(organization);  // its next source after the others' turn
  }
  return next;
}

void PollQueue::Done(const std::string& id) {
  absl::MutexLock lock(&mu_);
  queued_.erase(id);
}

void PollQueue::Close() {
  absl::MutexLock lock(&mu_);
  closed_ = true;
  waiting_.clear();
  turns_.clear();
}

}  // namespace babillard::ingest
