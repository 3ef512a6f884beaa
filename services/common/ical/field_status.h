#pragma once

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace babillard::ical {

// An error about one part of a calendar that is not one event (a VTIMEZONE,
// the whole body): the status says "field: reason" and carries the field, so
// the service edge can name it in a field violation, in process or after a
// parse worker passed it back.
absl::Status CalendarFieldError(absl::StatusCode code, absl::string_view field,
                                absl::string_view reason);

// `status` marked as being about `field` (its message unchanged).
absl::Status WithField(absl::Status status, absl::string_view field);

// The field a CalendarFieldError names; nullopt for any other status.
std::optional<std::string> FieldOfError(const absl::Status& status);

}  // namespace babillard::ical
