#include "services/common/ical/recurrence.h"

#include <libical/ical.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "services/common/ical/event_time.h"
#include "services/common/ical/handles.h"
#include "services/common/ical/time_zones.h"

namespace babillard::ical {
namespace {

bool Overlaps(absl::Time start, absl::Time end, absl::Time from, absl::Time to) {
  if (start >= to) return false;
  return end > from || (end == start && start >= from);
}

}  // namespace

absl::StatusOr<Expansion> ExpandOccurrences(const v1::Event& event, absl::Time from, absl::Time to,
                                            const Limits& limits,
                                            const std::string& default_time_zone) {
  const v1::EventTime& start = event.start();
  const bool all_day = start.all_day();
  Zone zone;
  zone.iana = all_day || start.time_zone().empty() ? default_time_zone : start.time_zone();
  absl::StatusOr<absl::TimeZone> tz = LoadIanaZone(zone.iana);
  if (!tz.ok())
    return absl::InvalidArgumentError(absl::StrCat("dtstart: unknown zone ", zone.iana));
  zone.tz = *tz;
  absl::StatusOr<absl::CivilSecond> local_start = ParseLocal(start.local(), all_day);
  if (!local_start.ok())
    return absl::InvalidArgumentError(absl::StrCat("dtstart: ", local_start.status().message()));

  // Duration in days for all-day events (DST-proof), in seconds otherwise.
  int64_t duration_days = 1;
  absl::Duration duration = absl::ZeroDuration();
  if (all_day) {
    absl::StatusOr<absl::CivilSecond> local_end = ParseLocal(event.end().local(), true);
    if (local_end.ok())
      duration_days =
          std::max<int64_t>(1, absl::CivilDay(*local_end) - absl::CivilDay(*local_start));
  } else if (event.has_end()) {
    duration = absl::Seconds(event.end().utc_seconds() - start.utc_seconds());
  }
  auto make = [&](absl::CivilSecond local) {
    Occurrence o;
    o.start = LocalToUtc(zone, local);
    o.end = all_day ? LocalToUtc(zone, absl::CivilSecond(absl::CivilDay(local) + duration_days))
                    : o.start + duration;
    o.local_start = FormatLocal(local, all_day);
    o.status = event.status();
    return o;
  };

  absl::flat_hash_set<int64_t> excluded_instants;
  absl::flat_hash_set<std::string> excluded_locals;
  // A date EXDATE on a date-time series removes that day's instances (Google, KOrganizer).
  absl::flat_hash_set<std::string> excluded_dates;
  for (const v1::EventTime& t : event.exdates()) {
    excluded_instants.insert(t.utc_seconds());
    if (t.all_day() && !all_day) excluded_dates.insert(t.local());
    // Wall-clock matching only for EXDATEs written in another zone than DTSTART.
    if (!t.all_day() && t.time_zone() != start.time_zone() && t.time_zone() != "UTC") {
      excluded_locals.insert(t.local());
    }
  }
  absl::flat_hash_set<int64_t> overridden;
  // An all-day series overridden with a date-time RECURRENCE-ID (Exchange) names the day.
  absl::flat_hash_set<std::string> overridden_dates;
  for (const v1::Event& o : event.overrides()) {
    overridden.insert(o.recurrence_id().utc_seconds());
    if (all_day) overridden_dates.insert(o.recurrence_id().local().substr(0, 10));
  }

  std::vector<Occurrence> instances;
  auto consider = [&](Occurrence o) {
    const int64_t key = absl::ToUnixSeconds(o.start);
    if (excluded_instants.contains(key) || excluded_locals.contains(o.local_start) ||
        excluded_dates.contains(o.local_start.substr(0, 10))) {
      return;
    }
    if (overridden.contains(key) || overridden_dates.contains(o.local_start.substr(0, 10))) return;
    if (Overlaps(o.start, o.end, from, to)) instances.push_back(std::move(o));
  };

  if (event.rrule().empty()) {
    consider(make(*local_start));
  } else {
    RecurrenceRule owned_rule(event.rrule());  // outlives the iterator that copies it
    icalrecurrencetype& rule = owned_rule.value();
    if (rule.freq == ICAL_NO_RECURRENCE) return absl::InvalidArgumentError("rrule: does not parse");
    // UNTIL is compared here, as an instant: libical compares it with the
    // floating local times it generates.
    std::optional<absl::Time> until;
    std::optional<std::string> until_date;
    if (!icaltime_is_null_time(rule.until)) {
      const icaltimetype u = rule.until;
      if (u.is_date) {
        until_date = FormatLocal(absl::CivilSecond(u.year, u.month, u.day, 0, 0, 0), true);
      } else {
        until =
            absl::FromCivil(absl::CivilSecond(u.year, u.month, u.day, u.hour, u.minute, u.second),
                            absl::UTCTimeZone());
      }
      rule.until = icaltime_null_time();
    }
    icaltimetype dtstart = icaltime_null_time();
    dtstart.year = local_start->year();
    dtstart.month = local_start->month();
    dtstart.day = local_start->day();
    dtstart.hour = all_day ? 0 : local_start->hour();
    dtstart.minute = all_day ? 0 : local_start->minute();
    dtstart.second = all_day ? 0 : local_start->second();
    dtstart.is_date = all_day ? 1 : 0;
    RecurIteratorPtr it(icalrecur_iterator_new(rule, dtstart));
    if (it == nullptr) return absl::InvalidArgumentError("rrule: cannot be expanded");
    // Without COUNT the iterator may start near the window instead of at DTSTART.
    const absl::Time jump_to =
        from - absl::Hours(48) - (all_day ? absl::Hours(24 * duration_days) : duration);
    if (rule.count == 0 && jump_to > InstantOf(start)) {
      absl::CivilSecond local = absl::ToCivilSecond(jump_to, zone.tz);
      icaltimetype s = dtstart;
      s.year = local.year();
      s.month = local.month();
      s.day = local.day();
      icalrecur_iterator_set_start(it.get(), s);
    }
    int steps = 0;
    for (icaltimetype t = icalrecur_iterator_next(it.get()); !icaltime_is_null_time(t);
         t = icalrecur_iterator_next(it.get())) {
      if (++steps > limits.max_recurrence_steps) {
        return absl::ResourceExhaustedError(
            absl::StrCat("rrule: more than ", limits.max_recurrence_steps,
                         " candidate instances to cover the window; recurrence too dense"));
      }
      absl::CivilSecond local(t.year, t.month, t.day, all_day ? 0 : t.hour, all_day ? 0 : t.minute,
                              all_day ? 0 : t.second);
      Occurrence o = make(local);
      if (until.has_value() && o.start > *until) break;
      if (until_date.has_value() && o.local_start > *until_date) break;
      if (o.start >= to) break;
      consider(std::move(o));
      if (static_cast<int>(instances.size()) > limits.max_occurrences) break;
    }
  }
  for (const v1::EventTime& t : event.rdates()) {
    absl::StatusOr<absl::CivilSecond> local = ParseLocal(t.local(), t.all_day());
    if (!local.ok()) continue;
    Occurrence o = make(*local);
    o.start = InstantOf(t);  // the RDATE's own zone decides its instant
    if (!all_day) o.end = o.start + duration;
    bool duplicate = std::any_of(instances.begin(), instances.end(),
                                 [&](const Occurrence& i) { return i.start == o.start; });
    if (!duplicate) consider(std::move(o));
  }
  for (const v1::Event& o : event.overrides()) {
    Occurrence occurrence;
    occurrence.start = InstantOf(o.start());
    occurrence.end = o.has_end() ? InstantOf(o.end()) : occurrence.start + duration;
    occurrence.local_start = o.start().local();
    occurrence.override_event = &o;
    occurrence.status = o.status() == v1::Event::STATUS_UNSPECIFIED ? event.status() : o.status();
    if (Overlaps(occurrence.start, occurrence.end, from, to))
      instances.push_back(std::move(occurrence));
  }
  std::sort(instances.begin(), instances.end(),
            [](const Occurrence& a, const Occurrence& b) { return a.start < b.start; });
  Expansion expansion;
  if (static_cast<int>(instances.size()) > limits.max_occurrences) {
    instances.resize(limits.max_occurrences);
    expansion.truncated = true;
  }
  expansion.occurrences = std::move(instances);
  return expansion;
}

}  // namespace babillard::ical
