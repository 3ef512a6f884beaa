#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "babillard/v1/event.pb.h"
#include "services/common/ical/limits.h"

namespace babillard::ical {

// One occurrence of an event.
struct Occurrence {
  absl::Time start;
  absl::Time end;
  // Wall-clock start in the event's zone ("2025-07-01T19:00:00" or a date).
  std::string local_start;
  // The override that replaced this instance, or null (borrowed from the event).
  const v1::Event* override_event = nullptr;
  v1::Event::Status status = v1::Event::STATUS_UNSPECIFIED;
};

struct Expansion {
  // Occurrences that overlap the window, by start.
  std::vector<Occurrence> occurrences;
  // True when `max_occurrences` cut the list short.
  bool truncated = false;
};

// The occurrences of `event` that overlap [from, to): the RRULE's instances
// plus RDATEs, minus EXDATEs, with each RECURRENCE-ID override replacing the
// instance it names (so an overridden instance counts once, at its new time).
// Local times across DST follow RFC 5545 §3.3.5. All-day dates and floating
// rules are anchored in `default_time_zone`.
//
// An EXDATE removes an instance when it names the same instant or, for
// exporters that write EXDATEs in another zone than DTSTART, the same
// wall-clock time.
//
// RESOURCE_EXHAUSTED when the rule needs more than `limits.max_recurrence_steps`
// candidate instances to cover the window (a rule too dense to serve);
// INVALID_ARGUMENT for a rule that does not parse.
absl::StatusOr<Expansion> ExpandOccurrences(
    const v1::Event& event, absl::Time from, absl::Time to, const Limits& limits,
    const std::string& default_time_zone = "America/Toronto");

}  // namespace babillard::ical
