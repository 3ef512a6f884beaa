#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "babillard/v1/event.pb.h"
#include "services/common/ical/event_rules.h"
#include "services/common/ical/slug.h"

namespace babillard::ical {

// What a calendar holds, event by event.
struct ParsedCalendar {
  // One per UID: the master with its overrides, in file order.
  std::vector<v1::Event> events;
  // Events that could not be taken, each with the field and the reason.
  std::vector<v1::Rejection> rejections;
  // Non-fatal notes: transcoding, mapped zones, dropped bad properties.
  std::vector<std::string> warnings;
  // X-WR-CALNAME or NAME, when the calendar has one.
  std::string name;
};

// Parses and normalizes an iCalendar body from untrusted bytes: each VEVENT
// read (vevent_reader.h), checked by the rules every event meets
// (event_rules.h), overrides grouped under their master. The bytes are
// checked against `options.limits` before libical sees them; errors that
// concern the whole file (syntax, structure, limits) fail the call with
// INVALID_ARGUMENT or RESOURCE_EXHAUSTED naming the line; errors in one event
// reject only that event. Never calls icalcomponent_normalize() or
// icalcomponent_merge_component(), which crash on hostile input in libical
// 3.0.16. Thread-safe (libical's zone loading is mutex-guarded).
absl::StatusOr<ParsedCalendar> ParseCalendar(const std::string& bytes,
                                             const NormalizeOptions& options);

}  // namespace babillard::ical
