#include "services/publish/served_event.h"

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

}  // namespace babillard::publish
