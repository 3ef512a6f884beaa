#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "services/common/ical/limits.h"

namespace babillard::ical {

// A calendar's bytes after the checks that must happen before libical sees
// them: the only form ParseCalendar hands to libical.
struct PreparedCalendar {
  // UTF-8, CRLF line ends, no BOM, no blank lines, original folding kept.
  // Empty when `unchanged`.
  std::string text;
  // True when the input already was all of the above: it is then the text,
  // and no copy was made (a feed of 13 MB costs no extra 13 MB).
  bool unchanged = false;
  // Non-fatal repairs (transcoding, blank lines, a badly quoted TZID...).
  std::vector<std::string> warnings;
  // Line (from 1) where each top-level VEVENT begins, in file order.
  std::vector<int> vevent_lines;
};

// Checks and cleans raw calendar bytes: size, encoding (UTF-8, or
// Windows-1252 transcoded with a warning), control characters, line lengths,
// BEGIN/END structure and nesting, properties and parameters per component,
// exactly one VCALENDAR, and singular VEVENT properties given twice.
// INVALID_ARGUMENT for malformed input and RESOURCE_EXHAUSTED for a limit,
// each message naming the line. Runs in time linear in the input.
absl::StatusOr<PreparedCalendar> PrepareCalendar(std::string_view bytes, const Limits& limits);

}  // namespace babillard::ical
