#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "babillard/v1/event.pb.h"
#include "services/common/ical/limits.h"

// The normal form of an event is the proto. Whichever way an event came in
// (iCalendar text read by vevent_reader.h, or structured fields resolved by
// ingest's EventInput), these rules check it and bring it to the form the
// store keeps, so that both ways accept, reject and rewrite the same things.
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
  // The region's category slugs; values that slugify to one of these become
  // categories, the others free tags.
  absl::flat_hash_set<std::string> known_categories;
  // The region's municipalities: each slug and alias to its slug. Empty:
  // any slug is taken (tools and tests without a region).
  absl::flat_hash_map<std::string, std::string> municipalities;
};

// What is wrong with one event: the field, named by its proto path ("start",
// "rrule", "title.fr", "location.name", "rdates[2]"), and why.
struct FieldError {
  std::string field;
  std::string reason;
};

// Rewrites `municipality` to the slug of the region's municipality it names
// (its slug, an alias, or a spelling that slugifies to one of them; empty
// stays empty). When it names none, returns why, listing the region's.
std::optional<std::string> ResolveMunicipality(std::string& municipality,
                                               const NormalizeOptions& options);

// The same for a category given as one (a structured submit, an import's
// default): the region's slug, or why not, listing them. Free tags go in
// `tags`; only iCalendar CATEGORIES mix both.
std::optional<std::string> ResolveCategory(std::string& category, const NormalizeOptions& options);

// Checks one event (a master or an override) whose times are resolved
// (utc_seconds set from local and time_zone) and normalizes it in place:
//  - times within 1900..2200; the end defaulted (an instant, or the next day
//    for an all-day start) and never before the start (an override's bad end
//    is dropped with a warning: its master's duration replaces it);
//  - at most one well-formed RRULE, no more often than hourly, within the
//    COUNT and BYxxx limits, its UNTIL of the start's type; RDATE and EXDATE
//    lists within the COUNT limit;
//  - texts trimmed, HTML descriptions as text, lengths within the limits;
//  - the municipality one of the region's (see ResolveMunicipality);
//  - categories split into the region's known slugs and free tags;
//  - coordinates, organizer address, links and sequence that cannot be
//    meant are dropped with a warning or cleared.
// Returns the first problem; the event is then partly rewritten and must
// not be used.
std::optional<FieldError> NormalizeEvent(v1::Event& event, const NormalizeOptions& options,
                                         std::vector<std::string>& warnings);

// Completes a series after its overrides are attached: overrides in instance
// order, within the limit, each naming its instance in the master's zone and
// with an end (the master's duration when it gave none or a bad one).
std::optional<FieldError> CompleteSeries(v1::Event& master, const NormalizeOptions& options);

}  // namespace babillard::ical
