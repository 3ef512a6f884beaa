#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "babillard/v1/event.pb.h"
#include "services/common/ical/limits.h"

namespace babillard::ical {

struct NormalizeOptions {
  Limits limits;
  // Zone for floating times when the calendar names none, and for the
  // instant of all-day dates.
  std::string default_time_zone = "America/Toronto";
  // Language of text without a LANGUAGE parameter: "fr" or "en".
  std::string default_language = "fr";
  // When true, an event without UID gets one derived from its start and
  // title, stable across re-imports, with a warning: Exchange and Outlook
  // exports often have none. When false, such an event is rejected (`uid`).
  bool derive_missing_uid = true;
  // The region's category slugs; CATEGORIES values that slugify to one of
  // these become categories, the others free tags.
  absl::flat_hash_set<std::string> known_categories;
};

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

// Parses and normalizes an iCalendar body from untrusted bytes. The bytes are
// checked against `options.limits` before libical sees them; errors that
// concern the whole file (syntax, structure, limits) fail the call with
// INVALID_ARGUMENT or RESOURCE_EXHAUSTED naming the line; errors in one event
// reject only that event. Never calls icalcomponent_normalize() or
// icalcomponent_merge_component(), which crash on hostile input in libical
// 3.0.16. Thread-safe (libical's zone loading is mutex-guarded).
absl::StatusOr<ParsedCalendar> ParseCalendar(const std::string& bytes,
                                             const NormalizeOptions& options);

// "Fête au village" -> "fete-au-village": lowercase ASCII, accents folded.
std::string Slugify(std::string_view text);

}  // namespace babillard::ical
