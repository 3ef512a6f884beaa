#pragma once

#include <optional>
#include <string>
#include <vector>

#include "babillard/v1/event.pb.h"
#include "services/common/ical/event_rules.h"
#include "services/common/ical/limits.h"

// The part of the event rules (event_rules.h) that is about recurrence.
namespace babillard::ical {

// A master's RRULE checked (frequency, COUNT, BYxxx lists, a rule that can
// reach dates at a bounded cost) and written back with UNTIL in DTSTART's
// type; RDATEs and EXDATEs bounded, an RDATE equal to DTSTART dropped, an
// EXDATE of another zone brought to the series' zone.
std::optional<FieldError> NormalizeRecurrence(v1::Event& event, const Limits& limits);

// RFC 5545 leaves a series whose DTSTART is not on its rule undefined:
// libical, ical.js and dateutil start it at the rule's first instance,
// recurring-ical-events adds DTSTART as one more. Stored from its first
// instance (end moved with it, a warning said), it reads the same everywhere.
void AlignStartWithRule(v1::Event& event, const NormalizeOptions& options,
                        std::vector<std::string>& warnings);

}  // namespace babillard::ical
