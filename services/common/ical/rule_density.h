#pragma once

#include <libical/ical.h>

#include <optional>
#include <string>

#include "absl/time/civil_time.h"

namespace babillard::ical {

// Why libical's iterator cannot serve `rule` from `start` in bounded work,
// or nullopt. libical looks for the next instance inside one
// icalrecur_iterator_next() call, stepping one FREQ unit at a time up to its
// last year: "FREQ=HOURLY;BYMONTH=2;BYMONTHDAY=30" is 13 s in a single call,
// so a cap on calls does not bound it. The date parts (BYMONTH, BYWEEKNO,
// BYYEARDAY, BYMONTHDAY, BYDAY with its ordinals, the INTERVAL's periods and
// the values DTSTART implies) are evaluated on every day of one 400-year
// Gregorian cycle from `start`, and HOURLY's hours on the days that match: a
// rule that matches nothing in it, or an HOURLY rule whose instances are
// more than 20,000 hours apart (or whose COUNT would walk more than 500,000
// hours), is refused. BYSETPOS is not evaluated (it only removes instances
// from a period that has some).
std::optional<std::string> RuleDensityProblem(const icalrecurrencetype& rule,
                                              absl::CivilSecond start, bool all_day);

}  // namespace babillard::ical
