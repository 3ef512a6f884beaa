#pragma once

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "babillard/v1/event.pb.h"
#include "services/common/grpc_status.h"
#include "services/common/ical/calendar_parser.h"
#include "services/ingest/parse_worker.h"

namespace babillard::ingest {

// One event as a caller sent it, normalized: the event the store keeps (its
// times resolved in their zones, its recurrence checked) and notes.
struct NormalizedEvent {
  v1::Event event;
  std::vector<std::string> warnings;
};

// The two ways one event comes in, structured fields or VEVENT text, to the
// same normalized event: each way reads its input into the proto (times
// resolved in their zones), then the same rules (ical::NormalizeEvent) check
// and normalize it; a structured submit is never written as text to be
// parsed again. Bad input is INVALID_ARGUMENT with a field violation per
// problem: iCalendar property names under `field_prefix` for text, proto
// paths under "event." for fields. Thread-safe.
class EventInput {
 public:
  // `parse_untrusted` reads VEVENT text: in the service, the parse worker
  // that imports use, so that a submitted event is parsed under the same
  // limits as a calendar.
  explicit EventInput(const ical::NormalizeOptions& options,
                      CalendarParser parse_untrusted = InProcessParser())
      : options_(options), parse_untrusted_(std::move(parse_untrusted)) {}

  // One VEVENT, or a VCALENDAR holding one event and its overrides.
  absl::StatusOr<NormalizedEvent> FromText(const std::string& ics,
                                           const std::string& field_prefix) const;
  // Structured fields ("event.title", "event.start"...): times given as
  // local wall-clock values in their zone (the region's by default). Fields
  // the service decides (organization, provenance, duplicate links) are
  // ignored; a status left unspecified is CONFIRMED.
  absl::StatusOr<NormalizedEvent> FromFields(const v1::Event& event) const;

  const ical::NormalizeOptions& options() const { return options_; }

 private:
  const ical::NormalizeOptions& options_;
  CalendarParser parse_untrusted_;
};

// A calendar-level parse failure (INVALID_ARGUMENT) as a field violation:
// the part it names ("vtimezone"), else `field`.
absl::Status CalendarParseError(const absl::Status& status, const std::string& field);

// The rejections of a parse as field violations, each field under `prefix`
// and each reason with its line and UID.
std::vector<FieldViolation> ViolationsFrom(const std::vector<v1::Rejection>& rejections,
                                           const std::string& prefix);

}  // namespace babillard::ingest
