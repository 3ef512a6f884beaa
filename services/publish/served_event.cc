#include "services/publish/served_event.h"

#include <utility>

namespace babillard::publish {

ServedEvent::ServedEvent(std::shared_ptr<const v1::Change> change) : change_(std::move(change)) {
  ical::SerializeOptions fr, en;
  en.language = ical::Language::kEn;
  ical_fr_ = ical::SerializeEvent(change_->event(), fr);
  ical_en_ = ical::SerializeEvent(change_->event(), en);
}

}  // namespace babillard::publish
