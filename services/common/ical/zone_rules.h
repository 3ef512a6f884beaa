#pragma once

#include <libical/ical.h>

#include "absl/status/status.h"
#include "services/common/ical/limits.h"

namespace babillard::ical {

// Checks the VTIMEZONEs of a parsed calendar before libical computes any
// offset from them. libical expands every transition of a zone's rules the
// first time an offset is looked up: STANDARD with RRULE:FREQ=MINUTELY is
// 400 bytes that cost tens of seconds and hundreds of MiB. A zone's offsets
// change once or twice a year, so its rules must repeat YEARLY or MONTHLY,
// with short BYMONTH/BYMONTHDAY/BYDAY/BYYEARDAY/BYSETPOS lists and no time
// parts; observances and RDATEs are counted. INVALID_ARGUMENT (a
// CalendarFieldError on "vtimezone" naming the TZID) or RESOURCE_EXHAUSTED.
absl::Status CheckTimeZoneRules(icalcomponent* calendar, const Limits& limits);

}  // namespace babillard::ical
