#include "services/common/ical/unclear_instances.h"

#include <algorithm>
#include <utility>

#include "absl/strings/match.h"
#include "absl/time/civil_time.h"
#include "services/common/ical/event_time.h"
#include "services/common/ical/recurrence.h"
#include "services/common/ical/time_zones.h"

namespace babillard::ical {
namespace {

// Zones are not expected to change their rules past tzdata's last explicit
// year; beyond it the same transitions repeat.
const absl::Time kHorizon = absl::FromCivil(absl::CivilDay(2040, 1, 1), absl::UTCTimeZone());

absl::CivilSecond TimeOfDay(absl::CivilSecond t) {
  return absl::CivilSecond(1970, 1, 1, t.hour(), t.minute(), t.second());
}

// Whether some instance may start in a skipped or repeated hour: its start
// time of day meets a transition of the zone, or the rule sets its own hours.
bool MayMeetTransition(const v1::Event& event, const absl::TimeZone& zone,
                       absl::CivilSecond local_start) {
  if (absl::StrContains(event.rrule(), "BYHOUR") || absl::StrContains(event.rrule(), "HOURLY") ||
      absl::StrContains(event.rrule(), "MINUTELY") || absl::StrContains(event.rrule(), "SECONDLY"))
    return true;
  const absl::CivilSecond tod = TimeOfDay(local_start);
  absl::TimeZone::CivilTransition transition;
  for (absl::Time t = InstantOf(event.start()) - absl::Hours(24); t < kHorizon;) {
    if (!zone.NextTransition(t, &transition)) return false;
    const absl::CivilSecond a = TimeOfDay(std::min(transition.from, transition.to));
    const absl::CivilSecond b = TimeOfDay(std::max(transition.from, transition.to));
    if (a <= tod && tod < b) return true;
    if (transition.from.day() != transition.to.day()) return true;  // a day-long shift
    t = zone.At(transition.to).trans;
  }
  return false;
}

v1::EventTime Utc(absl::Time instant) {
  v1::EventTime t;
  t.set_local(FormatLocal(absl::ToCivilSecond(instant, absl::UTCTimeZone()), false));
  t.set_time_zone("UTC");
  t.set_utc_seconds(absl::ToUnixSeconds(instant));
  return t;
}

}  // namespace

std::vector<v1::Event> OverridesForUnclearInstances(const v1::Event& event) {
  std::vector<v1::Event> out;
  const v1::EventTime& start = event.start();
  if (event.rrule().empty() || start.all_day() || start.time_zone().empty() ||
      start.time_zone() == "UTC")
    return out;
  absl::StatusOr<absl::TimeZone> zone = LoadIanaZone(start.time_zone());
  absl::StatusOr<absl::CivilSecond> local = ParseLocal(start.local(), false);
  if (!zone.ok() || !local.ok() || !MayMeetTransition(event, *zone, *local)) return out;
  Limits limits;
  limits.max_occurrences = 20000;
  absl::StatusOr<Expansion> expansion =
      ExpandOccurrences(event, InstantOf(start), kHorizon, limits, start.time_zone());
  if (!expansion.ok()) return out;
  for (const Occurrence& o : expansion->occurrences) {
    if (o.override_event != nullptr) continue;
    absl::StatusOr<absl::CivilSecond> wall = ParseLocal(o.local_start, false);
    if (!wall.ok() || zone->At(*wall).kind == absl::TimeZone::TimeInfo::UNIQUE) continue;
    v1::Event instance = event;
    instance.clear_rrule();
    instance.clear_rdates();
    instance.clear_exdates();
    instance.clear_overrides();
    v1::EventTime* id = instance.mutable_recurrence_id();
    id->set_local(o.local_start);
    id->set_time_zone(start.time_zone());
    id->set_utc_seconds(absl::ToUnixSeconds(o.start));
    *instance.mutable_start() = Utc(o.start);
    if (event.has_end()) *instance.mutable_end() = Utc(o.end);
    out.push_back(std::move(instance));
  }
  return out;
}

}  // namespace babillard::ical
