#include "services/common/ical/vevent_reader.h"

#include <algorithm>
#include <cstdint>
#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/civil_time.h"
#include "services/common/ical/event_time.h"
#include "services/common/ical/handles.h"
#include "services/common/string_view.h"

namespace babillard::ical {
namespace {

std::string Lower(std::string_view s) { return absl::AsciiStrToLower(Av(s)); }

// Properties whose value decides when or whether an event happens: libical
// dropping one of them (it records X-LIC-ERROR and goes on) would silently
// change the event, so the event is rejected instead.
bool IsEssentialProperty(std::string_view name) {
  return name == "DTSTART" || name == "DTEND" || name == "DURATION" || name == "RRULE" ||
         name == "RECURRENCE-ID" || name == "UID" || name == "EXDATE";
}

// "Can't parse as RECUR value in RRULE property. Removing entire property: X"
std::string PropertyNamedInError(std::string_view message) {
  size_t end = message.find(" property");
  if (end == std::string_view::npos) return "";
  std::string_view before = message.substr(0, end);
  size_t space = before.rfind(' ');
  std::string_view name = space == std::string_view::npos ? before : before.substr(space + 1);
  return absl::AsciiStrToUpper(Av(name));
}

uint64_t Fnv1a(std::string_view data, uint64_t seed) {
  uint64_t h = seed;
  for (unsigned char c : data) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

bool IsImage(icalproperty* p) {
  // Naming a property allocates in libical: only for kinds that can be an image.
  const icalproperty_kind kind = icalproperty_isa(p);
  if (kind == ICAL_IMAGE_PROPERTY) return true;
  if (kind != ICAL_ATTACH_PROPERTY) return false;
  icalparameter* fmt = icalproperty_get_first_parameter(p, ICAL_FMTTYPE_PARAMETER);
  const char* type = fmt ? icalparameter_get_fmttype(fmt) : nullptr;
  return type != nullptr && absl::StartsWithIgnoreCase(type, "image/");
}

int64_t UtcSecondsOf(icaltimetype t) {
  if (icaltime_is_null_time(t) || !icaltime_is_valid_time(t) || t.year < 1900 || t.year > 2200)
    return 0;
  absl::CivilSecond c(t.year, t.month, t.day, t.hour, t.minute, t.second);
  return absl::ToUnixSeconds(absl::FromCivil(c, absl::UTCTimeZone()));
}

v1::Event::Status StatusOf(icalproperty_status status) {
  switch (status) {
    case ICAL_STATUS_CANCELLED:
      return v1::Event::STATUS_CANCELLED;
    case ICAL_STATUS_TENTATIVE:
      return v1::Event::STATUS_TENTATIVE;
    case ICAL_STATUS_CONFIRMED:
      return v1::Event::STATUS_CONFIRMED;
    default:
      return v1::Event::STATUS_UNSPECIFIED;
  }
}

}  // namespace

bool IsLibicalSyntaxError(std::string_view message) {
  return message.starts_with("Parse error") || message.starts_with("Got a data line") ||
         message.starts_with("Can't parse parameter");
}

std::variant<v1::Event, FieldError> VeventReader::Read(icalcomponent* vevent) {
  v1::Event event;
  if (auto error = CheckLibicalErrors(vevent)) return *error;
  if (auto error = ReadIdentity(vevent, event)) return *error;
  if (auto error = ReadTimes(vevent, event)) return *error;
  if (auto error = ReadRecurrence(vevent, event)) return *error;
  ReadText(vevent, event);
  ReadMetadata(vevent, event);
  return event;
}

std::optional<FieldError> VeventReader::CheckLibicalErrors(icalcomponent* vevent) {
  for (icalproperty* p = icalcomponent_get_first_property(vevent, ICAL_XLICERROR_PROPERTY);
       p != nullptr; p = icalcomponent_get_next_property(vevent, ICAL_XLICERROR_PROPERTY)) {
    std::string message = icalproperty_get_xlicerror(p) ? icalproperty_get_xlicerror(p) : "";
    std::string property = PropertyNamedInError(message);
    if (IsLibicalSyntaxError(message) || IsEssentialProperty(property)) {
      std::string field = property.empty() ? "vevent" : Lower(property);
      absl::StripTrailingAsciiWhitespace(&message);
      return FieldError{field, message.substr(0, 200)};
    }
    if (!absl::StartsWith(message, "No value")) {
      warnings_.push_back(absl::StrCat("dropped: ", message.substr(0, 200)));
    }
  }
  return std::nullopt;
}

std::optional<FieldError> VeventReader::ReadIdentity(icalcomponent* vevent, v1::Event& event) {
  const char* uid = icalcomponent_get_uid(vevent);
  std::string value = uid ? std::string(absl::StripAsciiWhitespace(uid)) : "";
  if (value.empty()) {
    if (!options_.derive_missing_uid) return FieldError{"uid", "missing (UID is required)"};
    std::string seed;
    icalproperty* start = icalcomponent_get_first_property(vevent, ICAL_DTSTART_PROPERTY);
    if (start != nullptr) seed.append(icalproperty_get_value_as_string(start));
    const char* summary = icalcomponent_get_summary(vevent);
    if (summary != nullptr) seed.append("\n").append(summary);
    warnings_.push_back("an event without UID got one derived from its DTSTART and SUMMARY");
    value = absl::StrCat(
        "derived-", absl::Hex(Fnv1a(seed, 14695981039346656037ull), absl::kZeroPad16),
        absl::Hex(Fnv1a(seed, 1469598103934665603ull), absl::kZeroPad16), "@babillard");
  }
  event.set_uid(value);
  return std::nullopt;
}

std::variant<v1::EventTime, FieldError> VeventReader::ToEventTime(icalproperty* p, icaltimetype t,
                                                                  std::string_view field) {
  if (icaltime_is_null_time(t) || !icaltime_is_valid_time(t)) {
    return FieldError{std::string(field), "not a valid date or date-time"};
  }
  absl::CivilSecond local(t.year, t.month, t.day, t.is_date ? 0 : t.hour, t.is_date ? 0 : t.minute,
                          t.is_date ? 0 : t.second);
  if (local.year() != t.year || local.month() != t.month || local.day() != t.day) {
    return FieldError{std::string(field), "not a valid date"};
  }
  v1::EventTime out;
  if (t.is_date) {
    std::vector<std::string> ignored;
    absl::StatusOr<const Zone*> region = zones_.Resolve(options_.default_time_zone, 2025, ignored);
    out.set_all_day(true);
    out.set_local(FormatLocal(local, true));
    out.set_utc_seconds(
        absl::ToUnixSeconds(LocalToUtc(region.ok() ? **region : *zones_.Utc(), local)));
    return out;
  }
  const Zone* zone = nullptr;
  if (icaltime_is_utc(t)) {
    zone = zones_.Utc();
  } else {
    icalparameter* tzid =
        p == nullptr ? nullptr : icalproperty_get_first_parameter(p, ICAL_TZID_PARAMETER);
    const char* name = tzid ? icalparameter_get_tzid(tzid) : nullptr;
    if (name != nullptr && !absl::StripAsciiWhitespace(name).empty()) {
      absl::StatusOr<const Zone*> resolved = zones_.Resolve(name, t.year, warnings_);
      if (!resolved.ok())
        return FieldError{std::string(field), std::string(resolved.status().message())};
      zone = *resolved;
    } else {
      if (name != nullptr)
        warnings_.push_back(absl::StrCat(Av(field), ": empty TZID read as floating"));
      zone = zones_.Floating(warnings_);
    }
    if (zone == nullptr) zone = zones_.Floating(warnings_);
  }
  absl::Time instant = LocalToUtc(*zone, local);
  out.set_time_zone(zone->iana);
  // A calendar-defined zone decided the instant; publish it in the IANA zone it maps to.
  out.set_local(
      FormatLocal(zone->inline_zone ? absl::ToCivilSecond(instant, zone->tz) : local, false));
  out.set_utc_seconds(absl::ToUnixSeconds(instant));
  return out;
}

std::optional<FieldError> VeventReader::ReadTimes(icalcomponent* vevent, v1::Event& event) {
  icalproperty* start = icalcomponent_get_first_property(vevent, ICAL_DTSTART_PROPERTY);
  if (start == nullptr) return FieldError{"dtstart", "missing (DTSTART is required)"};
  auto start_time = ToEventTime(start, icalproperty_get_dtstart(start), "dtstart");
  if (auto* e = std::get_if<FieldError>(&start_time)) return *e;
  *event.mutable_start() = std::get<v1::EventTime>(start_time);
  if (icalproperty* rid = icalcomponent_get_first_property(vevent, ICAL_RECURRENCEID_PROPERTY)) {
    auto rid_time = ToEventTime(rid, icalproperty_get_recurrenceid(rid), "recurrence_id");
    if (auto* e = std::get_if<FieldError>(&rid_time)) return *e;
    *event.mutable_recurrence_id() = std::get<v1::EventTime>(rid_time);
  }
  return ReadEnd(vevent, event);
}

// DTEND or DURATION; without either, NormalizeEvent gives the default end.
std::optional<FieldError> VeventReader::ReadEnd(icalcomponent* vevent, v1::Event& event) {
  icalproperty* end = icalcomponent_get_first_property(vevent, ICAL_DTEND_PROPERTY);
  icalproperty* duration = icalcomponent_get_first_property(vevent, ICAL_DURATION_PROPERTY);
  if (end != nullptr && duration != nullptr) {
    return FieldError{"dtend", "DTEND and DURATION are both given"};
  }
  const v1::EventTime& s = event.start();
  if (end != nullptr) {
    icaltimetype t = icalproperty_get_dtend(end);
    // An all-day start with a date-time end (or the reverse) keeps the start's type.
    if (t.is_date != s.all_day()) {
      warnings_.push_back(
          absl::StrCat(event.uid(), ": DTEND type differs from DTSTART; converted"));
      t.is_date = s.all_day();
      if (t.is_date) t.hour = t.minute = t.second = 0;
    }
    auto end_time = ToEventTime(end, t, "dtend");
    if (auto* e = std::get_if<FieldError>(&end_time)) return *e;
    *event.mutable_end() = std::get<v1::EventTime>(end_time);
    return std::nullopt;
  }
  if (duration == nullptr) return std::nullopt;
  icaldurationtype d = icalproperty_get_duration(duration);
  if (icaldurationtype_is_bad_duration(d)) return FieldError{"duration", "not a valid duration"};
  int64_t seconds = icaldurationtype_as_int(d);
  if (seconds < 0) return FieldError{"duration", "negative"};
  v1::EventTime* e = event.mutable_end();
  if (s.all_day()) {
    absl::CivilDay day(*ParseLocal(s.local(), true));
    absl::CivilDay end_day = day + std::max<int64_t>(1, seconds / 86400);
    e->set_all_day(true);
    e->set_local(FormatLocal(absl::CivilSecond(end_day), true));
    e->set_utc_seconds(s.utc_seconds() + (end_day - day) * 86400);
  } else {
    absl::Time instant = InstantOf(s) + absl::Seconds(seconds);
    absl::StatusOr<absl::TimeZone> loaded = LoadIanaZone(s.time_zone());
    absl::TimeZone tz = loaded.ok() ? *loaded : absl::UTCTimeZone();
    e->set_time_zone(s.time_zone());
    e->set_local(FormatLocal(absl::ToCivilSecond(instant, tz), false));
    e->set_utc_seconds(absl::ToUnixSeconds(instant));
  }
  return std::nullopt;
}

std::optional<FieldError> VeventReader::ReadRecurrence(icalcomponent* vevent, v1::Event& event) {
  int rules = 0;
  for (icalproperty* p = icalcomponent_get_first_property(vevent, ICAL_RRULE_PROPERTY);
       p != nullptr; p = icalcomponent_get_next_property(vevent, ICAL_RRULE_PROPERTY)) {
    if (++rules > 1) return FieldError{"rrule", "more than one RRULE"};
    icalrecurrencetype r = icalproperty_get_rrule(p);  // RSCALE borrowed from the property
    if (r.freq == ICAL_NO_RECURRENCE) return FieldError{"rrule", "is not a valid recurrence rule"};
    BufferPtr text(icalrecurrencetype_as_string_r(&r));
    if (text == nullptr) return FieldError{"rrule", "cannot be written back"};
    event.set_rrule(text.get());
  }
  if (icalcomponent_get_first_property(vevent, ICAL_EXRULE_PROPERTY) != nullptr) {
    warnings_.push_back(absl::StrCat(event.uid(), ": EXRULE (deprecated by RFC 5545) ignored"));
  }
  for (icalproperty* p = icalcomponent_get_first_property(vevent, ICAL_RDATE_PROPERTY);
       p != nullptr; p = icalcomponent_get_next_property(vevent, ICAL_RDATE_PROPERTY)) {
    icaldatetimeperiodtype rdate = icalproperty_get_rdate(p);
    icaltimetype t = icaltime_is_null_time(rdate.time) ? rdate.period.start : rdate.time;
    auto time = ToEventTime(p, t, "rdate");
    if (auto* e = std::get_if<FieldError>(&time)) return *e;
    *event.add_rdates() = std::get<v1::EventTime>(time);
  }
  for (icalproperty* p = icalcomponent_get_first_property(vevent, ICAL_EXDATE_PROPERTY);
       p != nullptr; p = icalcomponent_get_next_property(vevent, ICAL_EXDATE_PROPERTY)) {
    auto time = ToEventTime(p, icalproperty_get_exdate(p), "exdate");
    if (auto* e = std::get_if<FieldError>(&time)) return *e;
    *event.add_exdates() = std::get<v1::EventTime>(time);
  }
  return std::nullopt;
}

// The first value in each language wins; LANGUAGE absent means the region's.
void VeventReader::SetText(icalproperty* p, const char* raw, v1::LocalizedText* text) const {
  if (raw == nullptr) return;
  icalparameter* lang = icalproperty_get_first_parameter(p, ICAL_LANGUAGE_PARAMETER);
  const char* code = lang ? icalparameter_get_language(lang) : nullptr;
  const bool english =
      code == nullptr ? options_.default_language == "en" : absl::StartsWithIgnoreCase(code, "en");
  std::string* slot = english ? text->mutable_en() : text->mutable_fr();
  if (slot->empty()) *slot = std::string(absl::StripAsciiWhitespace(raw));
}

void VeventReader::ReadText(icalcomponent* vevent, v1::Event& event) {
  for (icalproperty* p = icalcomponent_get_first_property(vevent, ICAL_ANY_PROPERTY); p != nullptr;
       p = icalcomponent_get_next_property(vevent, ICAL_ANY_PROPERTY)) {
    switch (icalproperty_isa(p)) {
      case ICAL_SUMMARY_PROPERTY:
        SetText(p, icalproperty_get_summary(p), event.mutable_title());
        break;
      case ICAL_DESCRIPTION_PROPERTY:
        SetText(p, icalproperty_get_description(p), event.mutable_description());
        break;
      case ICAL_LOCATION_PROPERTY: {
        const char* value = icalproperty_get_location(p);
        if (value != nullptr && event.location().name().empty())
          event.mutable_location()->set_name(std::string(absl::StripAsciiWhitespace(value)));
        break;
      }
      case ICAL_GEO_PROPERTY: {
        icalgeotype geo = icalproperty_get_geo(p);
        event.mutable_location()->set_has_coordinates(true);
        event.mutable_location()->set_latitude(geo.lat);
        event.mutable_location()->set_longitude(geo.lon);
        break;
      }
      case ICAL_X_PROPERTY:
        ReadExtension(p, event);
        break;
      default:
        break;
    }
  }
}

void VeventReader::ReadExtension(icalproperty* p, v1::Event& event) {
  const char* name = icalproperty_get_x_name(p);
  const char* value = icalproperty_get_x(p);
  if (name == nullptr || value == nullptr) return;
  const size_t max = options_.limits.max_title_bytes;
  std::string upper = absl::AsciiStrToUpper(name);
  std::string text(absl::StripAsciiWhitespace(value));
  v1::Location& location = *event.mutable_location();
  if (upper == "X-BABILLARD-MUNICIPALITY") {
    location.set_municipality(text);
  } else if (upper == "X-BABILLARD-LOCATION-NAME") {
    location.set_name(text.substr(0, max));  // our own extension: cut rather than refuse
  } else if (upper == "X-BABILLARD-ADDRESS") {
    location.set_address(text.substr(0, max));
  } else if (upper == "X-BABILLARD-PRICE") {
    SetText(p, value, event.mutable_price());
  } else if (upper == "X-BABILLARD-ACCESSIBILITY") {
    SetText(p, value, event.mutable_accessibility());
  } else if (upper == "X-ALT-DESC" && event.description().fr().empty() &&
             event.description().en().empty()) {
    SetText(p, value, event.mutable_description());
  }
}

void VeventReader::ReadMetadata(icalcomponent* vevent, v1::Event& event) {
  for (icalproperty* p = icalcomponent_get_first_property(vevent, ICAL_ANY_PROPERTY); p != nullptr;
       p = icalcomponent_get_next_property(vevent, ICAL_ANY_PROPERTY)) {
    switch (icalproperty_isa(p)) {
      case ICAL_CATEGORIES_PROPERTY:
        // Every value as given: NormalizeEvent sorts categories from tags.
        if (const char* value = icalproperty_get_categories(p)) {
          for (absl::string_view item : absl::StrSplit(value, ','))
            event.add_tags(std::string(item));
        }
        break;
      case ICAL_ORGANIZER_PROPERTY: {
        const char* value = icalproperty_get_organizer(p);
        std::string email = value ? value : "";
        if (absl::StartsWithIgnoreCase(email, "mailto:")) email = email.substr(7);
        event.mutable_organizer()->set_email(email);
        if (icalparameter* cn = icalproperty_get_first_parameter(p, ICAL_CN_PARAMETER)) {
          if (const char* name = icalparameter_get_cn(cn))
            event.mutable_organizer()->set_name(name);
        }
        break;
      }
      case ICAL_URL_PROPERTY:
        if (const char* url = icalproperty_get_url(p)) event.set_url(url);
        break;
      case ICAL_STATUS_PROPERTY:
        if (auto status = StatusOf(icalproperty_get_status(p));
            status != v1::Event::STATUS_UNSPECIFIED)
          event.set_status(status);
        break;
      case ICAL_CLASS_PROPERTY: {
        icalproperty_class c = icalproperty_get_class(p);
        event.set_visibility(c == ICAL_CLASS_PRIVATE || c == ICAL_CLASS_CONFIDENTIAL
                                 ? v1::Event::VISIBILITY_PRIVATE
                                 : v1::Event::VISIBILITY_PUBLIC);
        break;
      }
      case ICAL_SEQUENCE_PROPERTY:
        event.set_sequence(icalproperty_get_sequence(p));
        break;
      case ICAL_DTSTAMP_PROPERTY:
        event.set_dtstamp(UtcSecondsOf(icalproperty_get_dtstamp(p)));
        break;
      case ICAL_CREATED_PROPERTY:
        event.set_created(UtcSecondsOf(icalproperty_get_created(p)));
        break;
      case ICAL_LASTMODIFIED_PROPERTY:
        event.set_last_modified(UtcSecondsOf(icalproperty_get_lastmodified(p)));
        break;
      default:
        if (IsImage(p) && event.image_url().empty()) {
          if (const char* value = icalproperty_get_value_as_string(p)) event.set_image_url(value);
        }
        break;
    }
  }
}

}  // namespace babillard::ical
