#include "services/publish/served_event.h"

#include <algorithm>
#include <utility>

namespace babillard::publish {

ServedEvent::ServedEvent(std::shared_ptr<const v1::Change> change) : change_(std::move(change)) {
  ical::SerializeOptions fr, en;
  en.language = ical::Language::kEn;
  ical_fr_ = ical::SerializeEvent(change_->event(), fr);
  ical_en_ = ical::SerializeEvent(change_->event(), en);
  // The serializer's strings grew by doubling: held for the event's lifetime,
  // their slack would be up to half of publish's memory.
  ical_fr_.shrink_to_fit();
  ical_en_.shrink_to_fit();
}

absl::StatusOr<std::shared_ptr<const ical::Expansion>> ServedEvent::Occurrences(
    absl::Time from, absl::Time to, const std::string& default_time_zone) const {
  {
    absl::MutexLock lock(&mu_);
    for (auto it = windows_.begin(); it != windows_.end(); ++it) {
      if (it->from == from && it->to == to && it->time_zone == default_time_zone) {
        if (it + 1 != windows_.end()) std::rotate(it, it + 1, windows_.end());
        return windows_.back().expansion;
      }
    }
  }
  // Expanded outside the lock: two threads may both expand a new window
  // once; the result is the same.
  absl::StatusOr<ical::Expansion> x =
      ical::ExpandOccurrences(event(), from, to, ical::Limits(), default_time_zone);
  absl::StatusOr<std::shared_ptr<const ical::Expansion>> result =
      x.ok() ? absl::StatusOr<std::shared_ptr<const ical::Expansion>>(
                   std::make_shared<const ical::Expansion>(*std::move(x)))
             : x.status();
  absl::MutexLock lock(&mu_);
  if (windows_.size() >= kWindows) windows_.erase(windows_.begin());
  windows_.push_back({from, to, default_time_zone, result});
  return result;
}

}  // namespace babillard::publish
