#include "services/common/ical/series_rules.h"

#include <libical/ical.h>

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "services/common/ical/event_time.h"
#include "services/common/ical/handles.h"
#include "services/common/ical/recurrence.h"
#include "services/common/ical/rule_density.h"
#include "services/common/ical/rule_lists.h"
#include "services/common/ical/time_zones.h"

namespace babillard::ical {
namespace {

using Problem = std::optional<FieldError>;

// Values per period a BYxxx list contributes: its length, 1 when absent.
int Factor(const short* list, int capacity) { return std::max(1, RuleListLength(list, capacity)); }

// RFC 5545: UNTIL has DTSTART's type, and is UTC when DTSTART has a zone.
void MatchUntilToStart(icalrecurrencetype& r, const v1::EventTime& s) {
  if (icaltime_is_null_time(r.until)) return;
  if (s.all_day()) {
    r.until.is_date = 1;
    r.until.hour = r.until.minute = r.until.second = 0;
    r.until.zone = nullptr;
  } else if (!icaltime_is_utc(r.until)) {
    absl::CivilSecond local(
        r.until.year, r.until.month, r.until.day, r.until.is_date ? 23 : r.until.hour,
        r.until.is_date ? 59 : r.until.minute, r.until.is_date ? 59 : r.until.second);
    absl::StatusOr<absl::TimeZone> tz = LoadIanaZone(s.time_zone());
    absl::Time until = tz.ok() ? tz->At(local).pre : absl::FromCivil(local, absl::UTCTimeZone());
    r.until = icaltime_from_timet_with_zone(absl::ToUnixSeconds(until), 0,
                                            icaltimezone_get_utc_timezone());
  }
}

Problem NormalizeRule(v1::Event& event, const Limits& limits) {
  RecurrenceRule rule(event.rrule());
  icalrecurrencetype& r = rule.value();
  // libical reads a rule with a bad part (INTERVAL=0, no FREQ) as no rule.
  if (r.freq == ICAL_NO_RECURRENCE) return FieldError{"rrule", "is not a valid recurrence rule"};
  if (r.freq == ICAL_SECONDLY_RECURRENCE || r.freq == ICAL_MINUTELY_RECURRENCE) {
    return FieldError{"rrule",
                      absl::StrCat("FREQ=", icalrecur_freq_to_string(r.freq),
                                   " repeats more often than hourly; not accepted for events")};
  }
  if (r.interval < 1) return FieldError{"rrule", "INTERVAL must be a positive integer"};
  if (r.rscale != nullptr && !absl::EqualsIgnoreCase(r.rscale, "GREGORIAN")) {
    return FieldError{"rrule", absl::StrCat("RSCALE=", r.rscale, " is not supported")};
  }
  if (r.count > limits.max_rrule_count) {
    return FieldError{
        "rrule", absl::StrCat("COUNT=", r.count, " exceeds the limit of ", limits.max_rrule_count)};
  }
  const int64_t product =
      int64_t{Factor(r.by_second, ICAL_BY_SECOND_SIZE)} * Factor(r.by_minute, ICAL_BY_MINUTE_SIZE) *
      Factor(r.by_hour, ICAL_BY_HOUR_SIZE) * Factor(r.by_day, ICAL_BY_DAY_SIZE) *
      Factor(r.by_month_day, ICAL_BY_MONTHDAY_SIZE) * Factor(r.by_year_day, ICAL_BY_YEARDAY_SIZE) *
      Factor(r.by_week_no, ICAL_BY_WEEKNO_SIZE) * Factor(r.by_month, ICAL_BY_MONTH_SIZE);
  if (product > limits.max_rrule_by_product) {
    return FieldError{
        "rrule", absl::StrCat("BYxxx lists combine to ", product,
                              " instances per period; the limit is ", limits.max_rrule_by_product)};
  }
  if (absl::StatusOr<absl::CivilSecond> start =
          ParseLocal(event.start().local(), event.start().all_day());
      start.ok()) {
    if (auto why = RuleDensityProblem(r, *start, event.start().all_day()))
      return FieldError{"rrule", *why};
  }
  MatchUntilToStart(r, event.start());
  // Only GREGORIAN, the default, gets here: the stored rule does not name it.
  icalrecurrencetype written = r;
  written.rscale = nullptr;
  BufferPtr text(icalrecurrencetype_as_string_r(&written));
  if (text == nullptr) return FieldError{"rrule", "cannot be written back"};
  event.set_rrule(text.get());
  return std::nullopt;
}

}  // namespace

Problem NormalizeRecurrence(v1::Event& event, const Limits& limits) {
  if (!event.rrule().empty()) {
    if (Problem p = NormalizeRule(event, limits)) return p;
  }
  // DTSTART is the first instance already; feeds name it again as an RDATE
  // for ical.js's sake, and a feed read back must not grow one each time.
  auto* rdates = event.mutable_rdates();
  rdates->erase(std::remove_if(rdates->begin(), rdates->end(),
                               [&](const v1::EventTime& t) {
                                 return t.utc_seconds() == event.start().utc_seconds() &&
                                        t.all_day() == event.start().all_day();
                               }),
                rdates->end());
  // An EXDATE written in another zone than DTSTART (an exporter's own zone)
  // names the instance with that wall-clock time, as libical and ical.js
  // match it; readers that compare instants would keep it. Stored in the
  // series' zone, it names the same instance for every reader.
  absl::StatusOr<absl::TimeZone> zone = LoadIanaZone(event.start().time_zone());
  for (v1::EventTime& t : *event.mutable_exdates()) {
    if (!zone.ok() || t.all_day() || event.start().all_day() || t.time_zone() == "UTC" ||
        t.time_zone() == event.start().time_zone())
      continue;
    absl::StatusOr<absl::CivilSecond> wall = ParseLocal(t.local(), false);
    if (!wall.ok()) continue;
    t.set_time_zone(event.start().time_zone());
    t.set_utc_seconds(absl::ToUnixSeconds(zone->At(*wall).pre));
  }
  // RDATEs and EXDATEs together stay within what a COUNT may ask for.
  if (event.rdates_size() > limits.max_rrule_count) return FieldError{"rdates", "too many RDATEs"};
  if (event.rdates_size() + event.exdates_size() > limits.max_rrule_count)
    return FieldError{"exdates", "too many EXDATEs"};
  return std::nullopt;
}

void AlignStartWithRule(v1::Event& event, const NormalizeOptions& options,
                        std::vector<std::string>& warnings) {
  if (event.rrule().empty() || event.has_recurrence_id()) return;
  // The rule alone, not a copy of the whole event with its texts and overrides.
  v1::Event rule_only;
  *rule_only.mutable_start() = event.start();
  if (event.has_end()) *rule_only.mutable_end() = event.end();
  rule_only.set_rrule(event.rrule());
  Limits limits = options.limits;
  limits.max_occurrences = 1;
  const absl::Time start = InstantOf(event.start());
  absl::StatusOr<Expansion> first = ExpandOccurrences(rule_only, start, absl::InfiniteFuture(),
                                                      limits, options.default_time_zone);
  if (!first.ok() || first->occurrences.empty()) return;
  const Occurrence& o = first->occurrences.front();
  if (o.start == start || o.local_start == event.start().local()) return;
  warnings.push_back(absl::StrCat(event.uid(), ": DTSTART ", event.start().local(),
                                  " is not an instance of its RRULE; the series starts at ",
                                  o.local_start));
  const absl::Duration shift = o.start - start;
  v1::EventTime& s = *event.mutable_start();
  if (event.has_end()) {
    v1::EventTime& e = *event.mutable_end();
    if (e.all_day()) {
      absl::StatusOr<absl::CivilSecond> end_day = ParseLocal(e.local(), true);
      absl::StatusOr<absl::CivilSecond> old_day = ParseLocal(s.local(), true);
      absl::StatusOr<absl::CivilSecond> new_day = ParseLocal(o.local_start, true);
      if (end_day.ok() && old_day.ok() && new_day.ok()) {
        e.set_local(
            FormatLocal(absl::CivilSecond(absl::CivilDay(*new_day) +
                                          (absl::CivilDay(*end_day) - absl::CivilDay(*old_day))),
                        true));
      }
    } else if (absl::StatusOr<absl::TimeZone> tz = LoadIanaZone(e.time_zone()); tz.ok()) {
      e.set_local(FormatLocal(absl::ToCivilSecond(InstantOf(e) + shift, *tz), false));
    }
    e.set_utc_seconds(absl::ToUnixSeconds(InstantOf(e) + shift));
  }
  s.set_local(o.local_start);
  s.set_utc_seconds(absl::ToUnixSeconds(o.start));
}

}  // namespace babillard::ical
