#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "babillard/v1/event.pb.h"
#include "services/common/ical/limits.h"

namespace babillard::ingest {

// Cancels one instance of `series` in place: the override that already
// replaces it, or a new one (the master's fields at the instance's time), gets
// STATUS_CANCELLED and the series' SEQUENCE, so that every calendar app shows
// that date as cancelled and keeps the others. `occurrence` is the instance's
// start as the series gives it, wall-clock in the master's zone
// ("2027-01-15T10:00:00", or a date for an all-day series). INVALID_ARGUMENT
// naming `occurrence` when it is not one of the series' instances. Returns the
// cancelled override (owned by `series`).
absl::StatusOr<v1::Event*> CancelOccurrence(v1::Event& series, const std::string& occurrence,
                                            const ical::Limits& limits,
                                            const std::string& region_zone);

}  // namespace babillard::ingest
