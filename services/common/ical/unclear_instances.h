#pragma once

#include <vector>

#include "babillard/v1/event.pb.h"

namespace babillard::ical {

// The overrides a feed adds to a recurring event so that every reader puts
// each instance at the same instant. An instance whose wall-clock start is
// skipped (spring forward) or repeated (fall back) in its zone is read as
// RFC 5545 says by libical, ical.js and recurring-ical-events, but dateutil
// (python-vobject) takes the offset after a gap: 02:30 in a gap is 07:30Z
// for one and 06:30Z for the other. Each such instance, unless an override
// already replaces it, gets an override whose RECURRENCE-ID is the local
// time (every reader matches it with its own instance) and whose DTSTART
// and DTEND are UTC (no reader can read them another way). Only events with
// a zone whose start time of day, or BYHOUR, meets a transition are
// expanded, so the cost is paid by the few series at 01:00-03:00.
std::vector<v1::Event> OverridesForUnclearInstances(const v1::Event& event);

}  // namespace babillard::ical
