#include "services/publish/calendar_view.h"

namespace babillard::publish {

void CalendarView::Reset(std::vector<v1::Event> events, const std::string& cursor) {
  absl::flat_hash_map<std::string, EventPtr> fresh;
  for (v1::Event& e : events) {
    std::string uid = e.uid();
    fresh[uid] = std::make_shared<const v1::Event>(std::move(e));
  }
  absl::MutexLock lock(&mu_);
  events_.swap(fresh);
  ++version_;
  ready_ = true;
  cursor_ = cursor;
}

void CalendarView::Apply(std::shared_ptr<const v1::Change> shared) {
  const v1::Change& change = *shared;
  absl::MutexLock lock(&mu_);
  if (change.kind() == v1::Change::KIND_DELETED) {
    events_.erase(change.event().uid());
  } else if (change.has_event()) {
    auto it = events_.find(change.event().uid());
    // At-least-once delivery after a reconnect: never go back in versions.
    if (it != events_.end() && it->second->version() >= change.event().version()) return;
    events_[change.event().uid()] = EventPtr(shared, &change.event());
  }
  if (!change.cursor().empty()) cursor_ = change.cursor();
  ++version_;
}

std::vector<EventPtr> CalendarView::Events() const {
  absl::MutexLock lock(&mu_);
  std::vector<EventPtr> out;
  out.reserve(events_.size());
  for (const auto& [uid, e] : events_) out.push_back(e);
  return out;
}

int64_t CalendarView::version() const {
  absl::MutexLock lock(&mu_);
  return version_;
}

bool CalendarView::ready() const {
  absl::MutexLock lock(&mu_);
  return ready_;
}

std::string CalendarView::cursor() const {
  absl::MutexLock lock(&mu_);
  return cursor_;
}

void CalendarView::ForgetCursor() {
  absl::MutexLock lock(&mu_);
  cursor_.clear();
}

size_t CalendarView::size() const {
  absl::MutexLock lock(&mu_);
  return events_.size();
}

}  // namespace babillard::publish
