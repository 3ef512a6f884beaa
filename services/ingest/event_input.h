#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "babillard/v1/event.pb.h"
#include "services/common/grpc_status.h"
#include "services/common/ical/calendar_parser.h"

namespace babillard::ingest {

// One event as a caller sent it, normalized: the event the store keeps (its
// times resolved in their zones, its recurrence checked) and notes.
struct NormalizedEvent {
  v1::Event event;
  std::vector<std::string> warnings;
};

// The two ways one event comes in, structured fields or VEVENT text, to the
// same normalized event through the iCalendar core's checks. Bad input is
// INVALID_ARGUMENT with a field violation per problem, each field under
// `field_prefix` ("event."). Thread-safe.
class EventInput {
 public:
  explicit EventInput(const ical::NormalizeOptions& options) : options_(options) {}

  // One VEVENT, or a VCALENDAR holding one event and its overrides.
  absl::StatusOr<NormalizedEvent> FromText(const std::string& ics,
                                           const std::string& field_prefix) const;
  // Structured fields ("event.title", "event.start"...): times given as
  // local wall-clock values in their zone (the region's by default).
  absl::StatusOr<NormalizedEvent> FromFields(const v1::Event& event) const;

 private:
  const ical::NormalizeOptions& options_;
};

// The rejections of a parse as field violations, each field under `prefix`
// and each reason with its line and UID.
std::vector<FieldViolation> ViolationsFrom(const std::vector<v1::Rejection>& rejections,
                                           const std::string& prefix);

}  // namespace babillard::ingest
