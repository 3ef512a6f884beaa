#include "services/ingest/event_input.h"

#include <tuple>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "services/common/ical/event_time.h"
#include "services/common/ical/serializer.h"
#include "services/common/ical/time_zones.h"
#include "services/common/text_checks.h"

namespace babillard::ingest {
namespace {

absl::Status ResolveTime(v1::EventTime& t, const std::string& field,
                         const std::string& default_zone, std::vector<FieldViolation>& violations) {
  if (t.local().empty()) return absl::OkStatus();
  absl::StatusOr<absl::CivilSecond> local = ical::ParseLocal(t.local(), t.all_day());
  if (!local.ok()) {
    violations.push_back({field + ".local", std::string(local.status().message())});
    return absl::OkStatus();
  }
  if (t.all_day()) {
    t.clear_time_zone();
    return absl::OkStatus();
  }
  if (t.time_zone().empty()) t.set_time_zone(default_zone);
  absl::StatusOr<absl::TimeZone> tz = ical::LoadIanaZone(t.time_zone());
  if (!tz.ok()) {
    violations.push_back(
        {field + ".time_zone", absl::StrCat("unknown time zone \"", t.time_zone(), "\"")});
    return absl::OkStatus();
  }
  ical::Zone zone{t.time_zone(), *tz, nullptr};
  t.set_utc_seconds(absl::ToUnixSeconds(ical::LocalToUtc(zone, *local)));
  return absl::OkStatus();
}

}  // namespace

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
  absl::StatusOr<ical::ParsedCalendar> parsed = ical::ParseCalendar(text, options_);
  if (!parsed.ok()) {
    if (parsed.status().code() != absl::StatusCode::kInvalidArgument) return parsed.status();
    return BadRequestError(std::string(parsed.status().message()),
                           {{field_prefix + "ical", std::string(parsed.status().message())}});
  }
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
  std::vector<FieldViolation> violations;
  if (e.title().fr().empty() && e.title().en().empty())
    violations.push_back({"event.title", "required (fr or en)"});
  if (e.start().local().empty()) violations.push_back({"event.start", "required"});
  for (auto [text, field, multiline] : {std::tuple{&e.title().fr(), "event.title.fr", false},
                                        {&e.title().en(), "event.title.en", false},
                                        {&e.description().fr(), "event.description.fr", true},
                                        {&e.description().en(), "event.description.en", true},
                                        {&e.location().name(), "event.location.name", false},
                                        {&e.location().address(), "event.location.address", false},
                                        {&e.price().fr(), "event.price.fr", false},
                                        {&e.accessibility().fr(), "event.accessibility.fr", true},
                                        {&e.url(), "event.url", false},
                                        {&e.uid(), "event.uid", false}}) {
    if (HasControl(*text, multiline))
      violations.push_back({field, "control characters are not allowed"});
  }
  if (e.has_end() && e.end().local().empty()) e.clear_end();  // an empty message is no end
  const std::string& zone = options_.default_time_zone;
  (void)ResolveTime(*e.mutable_start(), "event.start", zone, violations);
  if (e.has_end()) (void)ResolveTime(*e.mutable_end(), "event.end", zone, violations);
  for (int i = 0; i < e.rdates_size(); ++i)
    (void)ResolveTime(*e.mutable_rdates(i), absl::StrCat("event.rdates[", i, "]"), zone,
                      violations);
  for (int i = 0; i < e.exdates_size(); ++i)
    (void)ResolveTime(*e.mutable_exdates(i), absl::StrCat("event.exdates[", i, "]"), zone,
                      violations);
  if (!e.url().empty() && !absl::StartsWith(e.url(), "https://") &&
      !absl::StartsWith(e.url(), "http://")) {
    violations.push_back({"event.url", "must be an http or https URL"});
  }
  if (!violations.empty())
    return BadRequestError(absl::StrCat(violations[0].field, ": ", violations[0].description),
                           violations);
  if (e.uid().empty()) e.set_uid("pending@babillard");  // replaced by the caller
  ical::SerializeOptions lossless;
  lossless.all_languages = true;
  lossless.mark_cancelled_titles = false;
  absl::StatusOr<NormalizedEvent> result = FromText(ical::SerializeEvent(e, lossless), "event.");
  if (!result.ok() && e.uid() == "pending@babillard") {
    // The placeholder UID means nothing to the caller: keep it out of the message.
    std::vector<FieldViolation> violations = ViolationsOf(result.status());
    for (FieldViolation& v : violations) {
      v.description =
          absl::StrReplaceAll(v.description, {{"UID pending@babillard: ", ""}, {"line 4: ", ""}});
    }
    if (!violations.empty()) {
      return BadRequestError(std::string(result.status().message()), violations);
    }
  }
  return result;
}

}  // namespace babillard::ingest
