#pragma once

#include <cstddef>
#include <cstdint>

namespace babillard::ical {

// Every bound the iCalendar core enforces on untrusted input. Each one is
// checked before libical sees the bytes, or before work proportional to it.
struct Limits {
  // Whole calendar, after transcoding.
  size_t max_body_bytes = 16u << 20;
  // One physical line. libical's line reader is quadratic in a line's length
  // (8 MiB unfolded: 5.4 s), while folded text is linear.
  size_t max_physical_line_bytes = 64u << 10;
  // One unfolded content line (property with its value).
  size_t max_logical_line_bytes = 1u << 20;
  // BEGIN/END nesting, VCALENDAR counted as 1.
  int max_nesting_depth = 8;
  // Properties in one component.
  int max_properties_per_component = 1000;
  // Parameters on one property.
  int max_parameters_per_property = 64;
  // VEVENT components in one calendar.
  int max_events = 50000;
  // Components of any kind in one calendar.
  int max_components = 200000;
  // SUMMARY, LOCATION and other short text values, in bytes.
  size_t max_title_bytes = 1024;
  // DESCRIPTION and other long text values, in bytes.
  size_t max_text_bytes = 64u << 10;
  // RRULE COUNT.
  int max_rrule_count = 5000;
  // Occurrences one event may expand to in one window; more are cut off.
  int max_occurrences = 1000;
  // Candidate instances the recurrence iterator may produce while looking for
  // occurrences in a window; past it the rule is "too dense".
  int max_recurrence_steps = 200000;
  // Product of the sizes of an RRULE's BYxxx lists (values per period).
  int max_rrule_by_product = 10000;
  // Overrides (RECURRENCE-ID components) of one event.
  int max_overrides = 1000;
  // One event with its overrides, as stored: a change carrying it must stay
  // well under gRPC's default 4 MiB message for every subscriber.
  size_t max_event_bytes = 512u << 10;
  // VTIMEZONE components in one calendar.
  int max_time_zones = 100;
  // STANDARD and DAYLIGHT parts of one VTIMEZONE: a full tzdata export has
  // one per historic change of a zone, a few hundred at most.
  int max_zone_observances = 1000;
  // RDATE values of one VTIMEZONE (exporters that list each transition).
  int max_zone_rdates = 2000;
  // Product of the sizes of the BYxxx lists of a time zone's RRULE:
  // "BYMONTH=3;BYDAY=2SU" is 1, the old "BYMONTHDAY=8,...,14;BYDAY=SU" is 7.
  int max_zone_rule_by_product = 64;
};

}  // namespace babillard::ical
