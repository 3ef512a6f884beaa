#pragma once

#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"

namespace babillard::publish::web {

// Dates, times and recurrences in words, as a resident reads them, in
// French ("samedi 5 décembre", "19 h 30") or English ("Saturday, December 5",
// "7:30 p.m."). `language` is "fr" or "en".

// "samedi 5 décembre 2026"; the year only when `with_year`.
std::string LongDate(absl::CivilDay day, absl::string_view language, bool with_year);
// A day list's heading: "Aujourd'hui", "Demain", "Ce week-end · samedi 5
// décembre", else the long date (with its year when not `today`'s).
std::string DayHeading(absl::CivilDay day, absl::CivilDay today, absl::string_view language);
// "19 h 30" or "7:30 p.m."
std::string ClockTime(absl::CivilSecond t, absl::string_view language);
// "décembre 2026" / "December 2026"
std::string MonthName(absl::CivilMonth month, absl::string_view language);
// Monday first: "lun.", "mar."... / "Mon", "Tue"...; `weekday` 0 is Monday.
std::string WeekdayShort(int weekday, absl::string_view language);
std::string WeekdayLong(int weekday, absl::string_view language);
// An RRULE in words ("Chaque semaine, le mardi", "Every 2 weeks on
// Tuesday, 10 times"); "Récurrent" / "Repeats" for what it cannot say.
std::string RecurrenceInWords(absl::string_view rrule, absl::string_view language);

// Monday is 0.
int WeekdayIndex(absl::CivilDay day);

}  // namespace babillard::publish::web
