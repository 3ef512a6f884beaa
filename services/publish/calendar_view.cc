#include "services/publish/calendar_view.h"

namespace babillard::publish {

void CalendarView::Reset(std::vector<EventPtr> events, const std::string& cursor) {
  absl::flat_hash_map<std::string, EventPtr> fresh;
  absl::flat_hash_map<std::string, int> organizations;
  fresh.reserve(events.size());
  for (EventPtr& e : events) {
    ++organizations[e->event().organization()];
    std::string uid = e->event().uid();
    fresh[uid] = std::move(e);
  }
  absl::MutexLock lock(&mu_);
  events_.swap(fresh);
  organizations_.swap(organizations);
  ++version_;
  ready_ = true;
  cursor_ = cursor;
}

void CalendarView::Apply(const v1::Change& change, EventPtr served) {
  absl::MutexLock lock(&mu_);
  auto it = events_.find(change.event().uid());
  if (change.kind() == v1::Change::KIND_DELETED) {
    if (it != events_.end()) {
      Forget(*it->second);
      events_.erase(it);
    }
  } else if (served != nullptr) {
    // At-least-once delivery after a reconnect: never go back in versions.
    if (it != events_.end() && it->second->version() >= change.version()) return;
    if (it != events_.end()) Forget(*it->second);
    ++organizations_[served->event().organization()];
    events_[change.event().uid()] = std::move(served);
  }
  if (!change.cursor().empty()) cursor_ = change.cursor();
  ++version_;
}

EventPtr CalendarView::Find(const std::string& uid) const {
  absl::MutexLock lock(&mu_);
  auto it = events_.find(uid);
  return it == events_.end() ? nullptr : it->second;
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

void CalendarView::Forget(const ServedEvent& e) {
  auto org = organizations_.find(e.event().organization());
  if (org != organizations_.end() && --org->second <= 0) organizations_.erase(org);
}

bool CalendarView::HasOrganization(const std::string& slug) const {
  absl::MutexLock lock(&mu_);
  return organizations_.contains(slug);
}

size_t CalendarView::size() const {
  absl::MutexLock lock(&mu_);
  return events_.size();
}

}  // namespace babillard::publish
