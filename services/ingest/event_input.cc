#include "services/ingest/event_input.h"

#include <tuple>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/common/ical/event_rules.h"
#include "services/common/ical/event_time.h"
#include "services/common/ical/field_status.h"
#include "services/common/ical/time_zones.h"
#include "services/common/text_checks.h"
#include "services/ingest/region_fields.h"

namespace babillard::ingest {
namespace {

// A wall-clock time in its zone (the region's when it names none) to its
// instant; an all-day date has no zone.
void ResolveTime(v1::EventTime& t, const std::string& field, const std::string& default_zone,
                 std::vector<FieldViolation>& violations) {
  absl::StatusOr<absl::CivilSecond> local = ical::ParseLocal(t.local(), t.all_day());
  if (!local.ok()) {
    violations.push_back({field + ".local", std::string(local.status().message())});
    return;
  }
  if (t.all_day()) {
    t.clear_time_zone();
    absl::StatusOr<absl::TimeZone> region = ical::LoadIanaZone(default_zone);
    const ical::Zone zone{default_zone, region.ok() ? *region : absl::UTCTimeZone(), nullptr};
    t.set_utc_seconds(absl::ToUnixSeconds(ical::LocalToUtc(zone, *local)));
    return;
  }
  if (t.time_zone().empty()) t.set_time_zone(default_zone);
  absl::StatusOr<absl::TimeZone> tz = ical::LoadIanaZone(t.time_zone());
  if (!tz.ok()) {
    violations.push_back(
        {field + ".time_zone", absl::StrCat("unknown time zone \"", t.time_zone(), "\"")});
    return;
  }
  t.set_utc_seconds(absl::ToUnixSeconds(ical::LocalToUtc({t.time_zone(), *tz, nullptr}, *local)));
}

// An end of the other kind than the start (a date for a date-time start, or
// the reverse) is read as the start's kind, as calendar apps do.
void MatchEndToStart(v1::Event& e) {
  v1::EventTime& end = *e.mutable_end();
  if (end.all_day() == e.start().all_day()) return;
  end.set_all_day(e.start().all_day());
  if (end.all_day()) {
    end.set_local(end.local().substr(0, 10));
  } else {
    end.set_local(end.local() + "T00:00:00");
    end.set_time_zone(e.start().time_zone());
  }
}

void ResolveTimes(v1::Event& e, const std::string& prefix, const std::string& zone,
                  std::vector<FieldViolation>& violations) {
  if (e.has_end() && e.end().local().empty()) e.clear_end();  // an empty message is no end
  if (!e.start().local().empty())
    ResolveTime(*e.mutable_start(), prefix + "start", zone, violations);
  if (e.has_end()) {
    MatchEndToStart(e);
    ResolveTime(*e.mutable_end(), prefix + "end", zone, violations);
  }
  if (e.has_recurrence_id())
    ResolveTime(*e.mutable_recurrence_id(), prefix + "recurrence_id", zone, violations);
  for (int i = 0; i < e.rdates_size(); ++i)
    ResolveTime(*e.mutable_rdates(i), absl::StrCat(prefix, "rdates[", i, "]"), zone, violations);
  for (int i = 0; i < e.exdates_size(); ++i)
    ResolveTime(*e.mutable_exdates(i), absl::StrCat(prefix, "exdates[", i, "]"), zone, violations);
}

// What only a structured submit can get wrong: a missing title or start,
// control characters (iCalendar text has none past the preflight), a link
// that is not a web address.
void CheckPresence(const v1::Event& e, const std::string& prefix,
                   std::vector<FieldViolation>& violations) {
  if (e.title().fr().empty() && e.title().en().empty())
    violations.push_back({prefix + "title", "required (fr or en)"});
  if (e.start().local().empty()) violations.push_back({prefix + "start", "required"});
  for (auto [text, field, multiline] : {std::tuple{&e.title().fr(), "title.fr", false},
                                        {&e.title().en(), "title.en", false},
                                        {&e.description().fr(), "description.fr", true},
                                        {&e.description().en(), "description.en", true},
                                        {&e.location().name(), "location.name", false},
                                        {&e.location().address(), "location.address", false},
                                        {&e.price().fr(), "price.fr", false},
                                        {&e.price().en(), "price.en", false},
                                        {&e.accessibility().fr(), "accessibility.fr", true},
                                        {&e.accessibility().en(), "accessibility.en", true},
                                        {&e.url(), "url", false},
                                        {&e.uid(), "uid", false}}) {
    if (HasControl(*text, multiline))
      violations.push_back({prefix + field, "control characters are not allowed"});
  }
  if (!e.url().empty() && !absl::StartsWith(e.url(), "https://") &&
      !absl::StartsWith(e.url(), "http://")) {
    violations.push_back({prefix + "url", "must be an http or https URL"});
  }
}

}  // namespace

absl::Status CalendarParseError(const absl::Status& status, const std::string& field) {
  if (status.code() != absl::StatusCode::kInvalidArgument) return status;
  const std::string message(status.message());
  return BadRequestError(message, {{ical::FieldOfError(status).value_or(field), message}});
}

std::vector<FieldViolation> ViolationsFrom(const std::vector<v1::Rejection>& rejections,
                                           const std::string& prefix) {
  std::vector<FieldViolation> out;
  for (const v1::Rejection& r : rejections) {
    std::string where = r.line() > 0 ? absl::StrCat("line ", r.line(), ": ") : "";
    if (!r.uid().empty()) absl::StrAppend(&where, "UID ", r.uid(), ": ");
    out.push_back({prefix + r.field(), where + r.reason()});
  }
  return out;
}

absl::StatusOr<NormalizedEvent> EventInput::FromText(const std::string& ics,
                                                     const std::string& field_prefix) const {
  std::string text = ics;
  if (!absl::StrContains(absl::AsciiStrToUpper(text.substr(0, 64)), "BEGIN:VCALENDAR")) {
    text = absl::StrCat("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//babillard//submit//FR\r\n",
                        text, absl::EndsWith(text, "\n") ? "" : "\r\n", "END:VCALENDAR\r\n");
  }
  absl::StatusOr<ical::ParsedCalendar> parsed = parse_untrusted_(text, options_);
  if (!parsed.ok()) return CalendarParseError(parsed.status(), field_prefix + "ical");
  if (!parsed->rejections.empty()) {
    return BadRequestError(absl::StrCat("event rejected: ", parsed->rejections[0].field(), ": ",
                                        parsed->rejections[0].reason()),
                           ViolationsFrom(parsed->rejections, field_prefix));
  }
  if (parsed->events.size() != 1) {
    return BadRequestError(
        "expected exactly one event",
        {{field_prefix + "ical",
          absl::StrCat("found ", parsed->events.size(), " events; use import for a calendar")}});
  }
  return NormalizedEvent{std::move(parsed->events[0]), std::move(parsed->warnings)};
}

absl::StatusOr<NormalizedEvent> EventInput::FromFields(const v1::Event& input) const {
  v1::Event e = input;
  // What the service decides, never the caller.
  e.clear_organization();
  e.clear_provenance();
  e.clear_duplicate_of();
  e.clear_distinct_from();
  std::vector<FieldViolation> violations;
  CheckPresence(e, "event.", violations);
  ResolveTimes(e, "event.", options_.default_time_zone, violations);
  for (int i = 0; i < e.overrides_size(); ++i) {
    const std::string prefix = absl::StrCat("event.overrides[", i, "].");
    if (!e.overrides(i).has_recurrence_id())
      violations.push_back({prefix + "recurrence_id", "required for an override"});
    ResolveTimes(*e.mutable_overrides(i), prefix, options_.default_time_zone, violations);
  }
  ResolveCategoryFields(*e.mutable_categories(), "event.categories", options_, violations);
  if (!violations.empty()) return FieldViolationsError(violations);
  // A structured submit says what it means: confirmed unless told otherwise.
  if (e.status() == v1::Event::STATUS_UNSPECIFIED) e.set_status(v1::Event::STATUS_CONFIRMED);
  NormalizedEvent out;
  if (auto error = ical::NormalizeEvent(e, options_, out.warnings))
    return FieldViolationsError({{"event." + error->field, error->reason}});
  for (int i = 0; i < e.overrides_size(); ++i) {
    if (auto error = ical::NormalizeEvent(*e.mutable_overrides(i), options_, out.warnings))
      return FieldViolationsError(
          {{absl::StrCat("event.overrides[", i, "].", error->field), error->reason}});
  }
  if (auto error = ical::CompleteSeries(e, options_))
    return FieldViolationsError({{"event." + error->field, error->reason}});
  out.event = std::move(e);
  return out;
}

}  // namespace babillard::ingest
