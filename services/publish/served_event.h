#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "babillard/v1/event.pb.h"
#include "services/common/ical/serializer.h"

namespace babillard::publish {

// One event as publish serves it: the change that brought it (shared with
// the change log, not copied) and its VEVENT text in each language, made
// here once per change so that a feed is assembled from text, never
// re-rendered per request. Nothing outside publish holds a rendering.
// Immutable, so shared freely between threads.
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

 private:
  std::shared_ptr<const v1::Change> change_;
  std::string ical_fr_;
  std::string ical_en_;
};

using EventPtr = std::shared_ptr<const ServedEvent>;

}  // namespace babillard::publish
