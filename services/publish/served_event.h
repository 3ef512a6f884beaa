#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "babillard/v1/event.pb.h"
#include "services/common/ical/recurrence.h"
#include "services/common/ical/serializer.h"

namespace babillard::publish {

// One event as publish serves it: the change that brought it (shared with
// the change log, not copied) and its VEVENT text in each language, made
// here once per change so that a feed is assembled from text, never
// re-rendered per request. Nothing outside publish holds a rendering.
// Immutable but for a cache of its occurrences; thread-safe.
class ServedEvent {
 public:
  // Renders the change's event; `change` must carry one.
  explicit ServedEvent(std::shared_ptr<const v1::Change> change);

  const v1::Event& event() const { return change_->event(); }
  // The store's version of the event.
  int64_t version() const { return change_->version(); }
  // The VEVENT text (with its overrides) as the feeds in `language` serve it.
  const std::string& ical(ical::Language language) const {
    return language == ical::Language::kFr ? ical_fr_ : ical_en_;
  }

  // Its occurrences overlapping [from, to) (ical::ExpandOccurrences), kept
  // for the last few windows asked: feeds and pages ask for the same
  // windows all day, so that a rebuild after one change expands only the
  // event that changed. The expansion's override pointers point into this
  // event: it must outlive them.
  absl::StatusOr<std::shared_ptr<const ical::Expansion>> Occurrences(
      absl::Time from, absl::Time to, const std::string& default_time_zone) const;

 private:
  struct Window {
    absl::Time from, to;
    std::string time_zone;
    absl::StatusOr<std::shared_ptr<const ical::Expansion>> expansion;
  };
  // Windows kept: the feeds' default, the pages' default, and two more.
  static constexpr size_t kWindows = 4;

  std::shared_ptr<const v1::Change> change_;
  std::string ical_fr_;
  std::string ical_en_;
  mutable absl::Mutex mu_;
  mutable std::vector<Window> windows_ ABSL_GUARDED_BY(mu_);  // most recent last
};

using EventPtr = std::shared_ptr<const ServedEvent>;

}  // namespace babillard::publish
