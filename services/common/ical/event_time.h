#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "babillard/v1/event.pb.h"

namespace babillard::ical {

// "2025-07-01T19:00:00", or "2025-07-01" when `all_day`.
std::string FormatLocal(absl::CivilSecond local, bool all_day);

// Inverse of FormatLocal; INVALID_ARGUMENT for anything else.
absl::StatusOr<absl::CivilSecond> ParseLocal(std::string_view text, bool all_day);

// iCalendar's basic form: "20250701T190000", "20250701", or with a trailing
// "Z" for UTC instants ("20250701T230000Z").
std::string FormatIcalLocal(absl::CivilSecond local, bool all_day);
std::string FormatIcalUtc(absl::Time instant);

// The instant of an EventTime.
inline absl::Time InstantOf(const v1::EventTime& t) {
  return absl::FromUnixSeconds(t.utc_seconds());
}

}  // namespace babillard::ical
