#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "babillard/v1/json_feed.pb.h"
#include "services/common/ical/recurrence.h"
#include "services/common/region/region.h"
#include "services/publish/served_event.h"

namespace babillard::publish {

// One event a feed selected, with its occurrences in the feed's window.
struct SelectedEvent {
  const ServedEvent* served = nullptr;
  // Its occurrences in the window (the event's own cache, shared).
  std::shared_ptr<const ical::Expansion> expansion;
};

struct JsonFeedHeader {
  std::string name;
  std::string language = "fr";  // "fr" or "en"
  absl::Time from, to;
  // The region's zone: floating times and all-day dates are its.
  std::string time_zone = "America/Toronto";
  // Category names; null: categories carry their slug as name.
  const Region* region = nullptr;
};

// One event as the JSON feed writes it (schema.org names where they exist).
v1::JsonEvent ToJsonEvent(const SelectedEvent& selected, const JsonFeedHeader& header);

// The JSON feed (babillard.v1.JsonFeed, documented in docs/json-feed.md):
// schema.org Event names where they exist, dates with their offsets, each
// event's occurrences in the window so that no reader expands an RRULE.
// Deterministic for the same events, like the .ics feed.
absl::StatusOr<std::string> BuildJsonFeed(const std::vector<SelectedEvent>& events,
                                          const JsonFeedHeader& header);

}  // namespace babillard::publish
