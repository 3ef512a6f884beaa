#include "services/common/ical/calendar_parser.h"

#include <libical/ical.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <utility>
#include <variant>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "services/common/ical/event_time.h"
#include "services/common/ical/handles.h"
#include "services/common/ical/html_text.h"
#include "services/common/ical/preflight.h"
#include "services/common/ical/time_zones.h"
#include "services/common/string_view.h"

namespace babillard::ical {
namespace {

// A per-event failure: which field, and why.
struct FieldError {
  std::string field;
  std::string reason;
};

template <typename T>
using FieldOr = std::variant<T, FieldError>;

std::string Lower(std::string_view s) {
  return absl::AsciiStrToLower(absl::string_view(s.data(), s.size()));
}

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

bool IsSyntaxError(std::string_view message) {
  return message.starts_with("Parse error") || message.starts_with("Got a data line") ||
         message.starts_with("Can't parse parameter");
}

uint64_t Fnv1a(std::string_view data, uint64_t seed) {
  uint64_t h = seed;
  for (unsigned char c : data) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

class EventBuilder {
 public:
  EventBuilder(const NormalizeOptions& options, ZoneResolver& zones, ParsedCalendar& out)
      : options_(options), zones_(zones), out_(out) {}

  // Builds one VEVENT (master or override). The FieldError names the field at fault.
  FieldOr<v1::Event> Build(icalcomponent* vevent) {
    v1::Event event;
    if (auto error = CheckLibicalErrors(vevent)) return *error;
    if (auto error = ReadIdentity(vevent, event)) return *error;
    if (auto error = ReadTimes(vevent, event)) return *error;
    if (auto error = ReadRecurrence(vevent, event)) return *error;
    if (auto error = ReadText(vevent, event)) return *error;
    ReadMetadata(vevent, event);
    return event;
  }

 private:
  std::optional<FieldError> CheckLibicalErrors(icalcomponent* vevent) {
    for (icalproperty* p = icalcomponent_get_first_property(vevent, ICAL_XLICERROR_PROPERTY);
         p != nullptr; p = icalcomponent_get_next_property(vevent, ICAL_XLICERROR_PROPERTY)) {
      std::string message = icalproperty_get_xlicerror(p) ? icalproperty_get_xlicerror(p) : "";
      std::string property = PropertyNamedInError(message);
      if (IsSyntaxError(message) || IsEssentialProperty(property)) {
        std::string field = property.empty() ? "vevent" : Lower(property);
        absl::StripTrailingAsciiWhitespace(&message);
        return FieldError{field, message.substr(0, 200)};
      }
      if (!absl::StartsWith(message, "No value")) {
        out_.warnings.push_back(absl::StrCat("dropped: ", message.substr(0, 200)));
      }
    }
    return std::nullopt;
  }

  std::optional<FieldError> ReadIdentity(icalcomponent* vevent, v1::Event& event) {
    const char* uid = icalcomponent_get_uid(vevent);
    std::string value = uid ? std::string(absl::StripAsciiWhitespace(uid)) : "";
    if (value.empty()) {
      if (!options_.derive_missing_uid) return FieldError{"uid", "missing (UID is required)"};
      std::string seed;
      icalproperty* start = icalcomponent_get_first_property(vevent, ICAL_DTSTART_PROPERTY);
      if (start != nullptr) seed.append(icalproperty_get_value_as_string(start));
      const char* summary = icalcomponent_get_summary(vevent);
      if (summary != nullptr) seed.append("\n").append(summary);
      out_.warnings.push_back("an event without UID got one derived from its DTSTART and SUMMARY");
      value = absl::StrCat(
          "derived-", absl::Hex(Fnv1a(seed, 14695981039346656037ull), absl::kZeroPad16),
          absl::Hex(Fnv1a(seed, 1469598103934665603ull), absl::kZeroPad16), "@babillard");
    }
    if (value.size() > 255) return FieldError{"uid", "longer than 255 bytes"};
    event.set_uid(value);
    return std::nullopt;
  }

  // An EventTime from a property's value and TZID.
  FieldOr<v1::EventTime> ToEventTime(icalproperty* p, icaltimetype t, std::string_view field) {
    if (icaltime_is_null_time(t) || !icaltime_is_valid_time(t)) {
      return FieldError{std::string(field), "not a valid date or date-time"};
    }
    if (t.year < 1900 || t.year > 2200) {
      return FieldError{std::string(field),
                        absl::StrCat("year ", t.year, " is outside 1900..2200")};
    }
    absl::CivilSecond local(t.year, t.month, t.day, t.is_date ? 0 : t.hour,
                            t.is_date ? 0 : t.minute, t.is_date ? 0 : t.second);
    if (local.year() != t.year || local.month() != t.month || local.day() != t.day) {
      return FieldError{std::string(field), "not a valid date"};
    }
    v1::EventTime out;
    if (t.is_date) {
      out.set_all_day(true);
      out.set_local(FormatLocal(local, true));
      out.set_utc_seconds(absl::ToUnixSeconds(LocalToUtc(*DefaultZone(), local)));
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
        absl::StatusOr<const Zone*> resolved = zones_.Resolve(name, t.year, out_.warnings);
        if (!resolved.ok())
          return FieldError{std::string(field), std::string(resolved.status().message())};
        zone = *resolved;
      } else {
        if (name != nullptr)
          out_.warnings.push_back(absl::StrCat(Av(field), ": empty TZID read as floating"));
        zone = zones_.Floating(out_.warnings);
      }
      if (zone == nullptr) zone = zones_.Floating(out_.warnings);
    }
    absl::Time instant = LocalToUtc(*zone, local);
    out.set_time_zone(zone->iana);
    // A calendar-defined zone decided the instant; publish it in the IANA zone it maps to.
    out.set_local(
        FormatLocal(zone->inline_zone ? absl::ToCivilSecond(instant, zone->tz) : local, false));
    out.set_utc_seconds(absl::ToUnixSeconds(instant));
    return out;
  }

  const Zone* DefaultZone() {
    std::vector<std::string> ignored;
    absl::StatusOr<const Zone*> zone = zones_.Resolve(options_.default_time_zone, 2025, ignored);
    return zone.ok() ? *zone : zones_.Utc();
  }

  std::optional<FieldError> ReadTimes(icalcomponent* vevent, v1::Event& event) {
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
        out_.warnings.push_back(
            absl::StrCat(event.uid(), ": DTEND type differs from DTSTART; converted"));
        t.is_date = s.all_day();
        if (t.is_date) t.hour = t.minute = t.second = 0;
      }
      auto end_time = ToEventTime(end, t, "dtend");
      if (auto* e = std::get_if<FieldError>(&end_time)) return *e;
      *event.mutable_end() = std::get<v1::EventTime>(end_time);
    } else if (duration != nullptr) {
      icaldurationtype d = icalproperty_get_duration(duration);
      if (icaldurationtype_is_bad_duration(d))
        return FieldError{"duration", "not a valid duration"};
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
        absl::TimeZone tz;
        absl::StatusOr<absl::TimeZone> loaded = LoadIanaZone(s.time_zone());
        tz = loaded.ok() ? *loaded : absl::UTCTimeZone();
        e->set_time_zone(s.time_zone());
        e->set_local(FormatLocal(absl::ToCivilSecond(instant, tz), false));
        e->set_utc_seconds(absl::ToUnixSeconds(instant));
      }
    } else if (event.has_recurrence_id()) {
      // An override without an end keeps its master's duration (set when grouped).
      return std::nullopt;
    } else {
      v1::EventTime* e = event.mutable_end();
      *e = s;
      if (s.all_day()) {
        absl::CivilDay next = absl::CivilDay(*ParseLocal(s.local(), true)) + 1;
        e->set_local(FormatLocal(absl::CivilSecond(next), true));
        e->set_utc_seconds(s.utc_seconds() + 86400);
      }
    }
    if (s.all_day() && event.end().local() == s.local()) {
      // DTEND equal to an all-day DTSTART: the exporter meant that one day.
      absl::CivilDay next = absl::CivilDay(*ParseLocal(s.local(), true)) + 1;
      event.mutable_end()->set_local(FormatLocal(absl::CivilSecond(next), true));
      event.mutable_end()->set_utc_seconds(s.utc_seconds() + 86400);
    }
    if (event.end().utc_seconds() < s.utc_seconds() ||
        (s.all_day() && event.end().local() < s.local())) {
      if (event.has_recurrence_id()) {
        // Overrides get their master's duration (fixed when grouped): the
        // instance still happens, only its end is wrong.
        out_.warnings.push_back(
            absl::StrCat(event.uid(), ": an override ends before it starts; its end was replaced"));
        event.clear_end();
        return std::nullopt;
      }
      return FieldError{"dtend", absl::StrCat("ends (", event.end().local(), ") before it starts (",
                                              s.local(), ")")};
    }
    return std::nullopt;
  }

  std::optional<FieldError> ReadRecurrence(icalcomponent* vevent, v1::Event& event) {
    const Limits& limits = options_.limits;
    int rules = 0;
    for (icalproperty* p = icalcomponent_get_first_property(vevent, ICAL_RRULE_PROPERTY);
         p != nullptr; p = icalcomponent_get_next_property(vevent, ICAL_RRULE_PROPERTY)) {
      if (++rules > 1) return FieldError{"rrule", "more than one RRULE"};
      icalrecurrencetype r = icalproperty_get_rrule(p);
      if (r.freq == ICAL_NO_RECURRENCE) return FieldError{"rrule", "no valid FREQ"};
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
        return FieldError{"rrule", absl::StrCat("COUNT=", r.count, " exceeds the limit of ",
                                                limits.max_rrule_count)};
      }
      int64_t product = 1;
      auto count_by = [](const short* array, int max) {
        int n = 0;
        while (n < max && array[n] != ICAL_RECURRENCE_ARRAY_MAX) ++n;
        return std::max(n, 1);
      };
      product *= count_by(r.by_second, ICAL_BY_SECOND_SIZE);
      product *= count_by(r.by_minute, ICAL_BY_MINUTE_SIZE);
      product *= count_by(r.by_hour, ICAL_BY_HOUR_SIZE);
      product *= count_by(r.by_day, ICAL_BY_DAY_SIZE);
      product *= count_by(r.by_month_day, ICAL_BY_MONTHDAY_SIZE);
      product *= count_by(r.by_year_day, ICAL_BY_YEARDAY_SIZE);
      product *= count_by(r.by_week_no, ICAL_BY_WEEKNO_SIZE);
      product *= count_by(r.by_month, ICAL_BY_MONTH_SIZE);
      if (product > limits.max_rrule_by_product) {
        return FieldError{"rrule", absl::StrCat("BYxxx lists combine to ", product,
                                                " instances per period; the limit is ",
                                                limits.max_rrule_by_product)};
      }
      if (!icaltime_is_null_time(r.until)) {
        // RFC 5545: UNTIL has DTSTART's type, and is UTC when DTSTART has a zone.
        const v1::EventTime& s = event.start();
        if (s.all_day()) {
          r.until.is_date = 1;
          r.until.hour = r.until.minute = r.until.second = 0;
          r.until.zone = nullptr;
        } else if (!icaltime_is_utc(r.until)) {
          absl::CivilSecond local(
              r.until.year, r.until.month, r.until.day, r.until.is_date ? 23 : r.until.hour,
              r.until.is_date ? 59 : r.until.minute, r.until.is_date ? 59 : r.until.second);
          absl::StatusOr<absl::TimeZone> tz = LoadIanaZone(s.time_zone());
          absl::Time until =
              tz.ok() ? tz->At(local).pre : absl::FromCivil(local, absl::UTCTimeZone());
          r.until = icaltime_from_timet_with_zone(absl::ToUnixSeconds(until), 0,
                                                  icaltimezone_get_utc_timezone());
        }
      }
      r.rscale = nullptr;  // only GREGORIAN gets here, the default; the property owns the string
      BufferPtr text(icalrecurrencetype_as_string_r(&r));
      if (text == nullptr) return FieldError{"rrule", "cannot be written back"};
      event.set_rrule(text.get());
    }
    if (icalcomponent_get_first_property(vevent, ICAL_EXRULE_PROPERTY) != nullptr) {
      out_.warnings.push_back(
          absl::StrCat(event.uid(), ": EXRULE (deprecated by RFC 5545) ignored"));
    }
    int dates = 0;
    for (icalproperty* p = icalcomponent_get_first_property(vevent, ICAL_RDATE_PROPERTY);
         p != nullptr; p = icalcomponent_get_next_property(vevent, ICAL_RDATE_PROPERTY)) {
      icaldatetimeperiodtype rdate = icalproperty_get_rdate(p);
      icaltimetype t = icaltime_is_null_time(rdate.time) ? rdate.period.start : rdate.time;
      auto time = ToEventTime(p, t, "rdate");
      if (auto* e = std::get_if<FieldError>(&time)) return *e;
      if (++dates > options_.limits.max_rrule_count) return FieldError{"rdate", "too many RDATEs"};
      *event.add_rdates() = std::get<v1::EventTime>(time);
    }
    for (icalproperty* p = icalcomponent_get_first_property(vevent, ICAL_EXDATE_PROPERTY);
         p != nullptr; p = icalcomponent_get_next_property(vevent, ICAL_EXDATE_PROPERTY)) {
      auto time = ToEventTime(p, icalproperty_get_exdate(p), "exdate");
      if (auto* e = std::get_if<FieldError>(&time)) return *e;
      if (++dates > options_.limits.max_rrule_count)
        return FieldError{"exdate", "too many EXDATEs"};
      *event.add_exdates() = std::get<v1::EventTime>(time);
    }
    return std::nullopt;
  }

  bool IsEnglish(icalproperty* p) const {
    icalparameter* lang = icalproperty_get_first_parameter(p, ICAL_LANGUAGE_PARAMETER);
    const char* value = lang ? icalparameter_get_language(lang) : nullptr;
    if (value == nullptr) return options_.default_language == "en";
    return absl::StartsWithIgnoreCase(value, "en");
  }

  std::optional<FieldError> SetText(icalproperty* p, const char* raw, std::string_view field,
                                    size_t max_bytes, v1::LocalizedText* text, bool html_allowed) {
    if (raw == nullptr) return std::nullopt;
    std::string value(absl::StripAsciiWhitespace(raw));
    if (html_allowed && LooksLikeHtml(value)) value = HtmlToText(value);
    if (value.size() > max_bytes) {
      return FieldError{std::string(field),
                        absl::StrCat(value.size(), " bytes exceeds the limit of ", max_bytes)};
    }
    std::string* slot = IsEnglish(p) ? text->mutable_en() : text->mutable_fr();
    if (slot->empty()) *slot = std::move(value);
    return std::nullopt;
  }

  std::optional<FieldError> ReadText(icalcomponent* vevent, v1::Event& event) {
    const Limits& limits = options_.limits;
    for (icalproperty* p = icalcomponent_get_first_property(vevent, ICAL_ANY_PROPERTY);
         p != nullptr; p = icalcomponent_get_next_property(vevent, ICAL_ANY_PROPERTY)) {
      std::optional<FieldError> error;
      switch (icalproperty_isa(p)) {
        case ICAL_SUMMARY_PROPERTY:
          error = SetText(p, icalproperty_get_summary(p), "summary", limits.max_title_bytes,
                          event.mutable_title(), false);
          break;
        case ICAL_DESCRIPTION_PROPERTY:
          error = SetText(p, icalproperty_get_description(p), "description", limits.max_text_bytes,
                          event.mutable_description(), true);
          break;
        case ICAL_LOCATION_PROPERTY: {
          const char* value = icalproperty_get_location(p);
          if (value != nullptr && std::string_view(value).size() > limits.max_title_bytes) {
            error = FieldError{"location", "too long"};
          } else if (value != nullptr && event.location().name().empty()) {
            event.mutable_location()->set_name(std::string(absl::StripAsciiWhitespace(value)));
          }
          break;
        }
        case ICAL_GEO_PROPERTY: {
          icalgeotype geo = icalproperty_get_geo(p);
          const double lat = geo.lat, lon = geo.lon;
          if (lat < -90 || lat > 90 || lon < -180 || lon > 180) {
            out_.warnings.push_back(absl::StrCat(event.uid(), ": GEO out of range; dropped"));
          } else {
            event.mutable_location()->set_has_coordinates(true);
            event.mutable_location()->set_latitude(lat);
            event.mutable_location()->set_longitude(lon);
          }
          break;
        }
        case ICAL_X_PROPERTY:
          error = ReadExtension(p, event);
          break;
        default:
          break;
      }
      if (error.has_value()) return error;
    }
    return std::nullopt;
  }

  std::optional<FieldError> ReadExtension(icalproperty* p, v1::Event& event) {
    const char* name = icalproperty_get_x_name(p);
    const char* value = icalproperty_get_x(p);
    if (name == nullptr || value == nullptr) return std::nullopt;
    const Limits& limits = options_.limits;
    std::string upper = absl::AsciiStrToUpper(name);
    std::string text(absl::StripAsciiWhitespace(value));
    if (upper == "X-BABILLARD-MUNICIPALITY") {
      event.mutable_location()->set_municipality(Slugify(text));
    } else if (upper == "X-BABILLARD-LOCATION-NAME") {
      event.mutable_location()->set_name(text.substr(0, limits.max_title_bytes));
    } else if (upper == "X-BABILLARD-ADDRESS") {
      event.mutable_location()->set_address(text.substr(0, limits.max_title_bytes));
    } else if (upper == "X-BABILLARD-PRICE") {
      return SetText(p, value, "price", limits.max_title_bytes, event.mutable_price(), false);
    } else if (upper == "X-BABILLARD-ACCESSIBILITY") {
      return SetText(p, value, "accessibility", limits.max_text_bytes,
                     event.mutable_accessibility(), false);
    } else if (upper == "X-ALT-DESC" && event.description().fr().empty() &&
               event.description().en().empty()) {
      return SetText(p, value, "description", limits.max_text_bytes, event.mutable_description(),
                     true);
    }
    return std::nullopt;
  }

  static bool IsWebUrl(std::string_view url) {
    return (absl::StartsWithIgnoreCase(absl::string_view(url.data(), url.size()), "https://") ||
            absl::StartsWithIgnoreCase(absl::string_view(url.data(), url.size()), "http://")) &&
           url.size() <= 2048 && url.find_first_of(" \"<>") == std::string_view::npos;
  }

  void ReadMetadata(icalcomponent* vevent, v1::Event& event) {
    for (icalproperty* p = icalcomponent_get_first_property(vevent, ICAL_ANY_PROPERTY);
         p != nullptr; p = icalcomponent_get_next_property(vevent, ICAL_ANY_PROPERTY)) {
      switch (icalproperty_isa(p)) {
        case ICAL_CATEGORIES_PROPERTY: {
          const char* value = icalproperty_get_categories(p);
          if (value == nullptr) break;
          for (absl::string_view item : absl::StrSplit(value, ',')) {
            std::string tag(absl::StripAsciiWhitespace(item));
            if (tag.empty() || tag.size() > 64) continue;
            std::string slug = Slugify(tag);
            if (options_.known_categories.contains(slug)) {
              if (std::find(event.categories().begin(), event.categories().end(), slug) ==
                  event.categories().end()) {
                event.add_categories(slug);
              }
            } else if (std::find(event.tags().begin(), event.tags().end(), tag) ==
                           event.tags().end() &&
                       event.tags_size() < 32) {
              event.add_tags(tag);
            }
          }
          break;
        }
        case ICAL_ORGANIZER_PROPERTY: {
          const char* value = icalproperty_get_organizer(p);
          std::string email = value ? value : "";
          if (absl::StartsWithIgnoreCase(email, "mailto:")) email = email.substr(7);
          if (email.find('@') != std::string::npos && email.size() <= 254) {
            event.mutable_organizer()->set_email(email);
          }
          if (icalparameter* cn = icalproperty_get_first_parameter(p, ICAL_CN_PARAMETER)) {
            if (const char* name = icalparameter_get_cn(cn)) {
              event.mutable_organizer()->set_name(std::string(name).substr(0, 256));
            }
          }
          break;
        }
        case ICAL_URL_PROPERTY: {
          const char* url = icalproperty_get_url(p);
          if (url != nullptr && IsWebUrl(url)) event.set_url(url);
          break;
        }
        case ICAL_STATUS_PROPERTY:
          switch (icalproperty_get_status(p)) {
            case ICAL_STATUS_CANCELLED:
              event.set_status(v1::Event::STATUS_CANCELLED);
              break;
            case ICAL_STATUS_TENTATIVE:
              event.set_status(v1::Event::STATUS_TENTATIVE);
              break;
            case ICAL_STATUS_CONFIRMED:
              event.set_status(v1::Event::STATUS_CONFIRMED);
              break;
            default:
              break;
          }
          break;
        case ICAL_CLASS_PROPERTY: {
          icalproperty_class c = icalproperty_get_class(p);
          event.set_visibility(c == ICAL_CLASS_PRIVATE || c == ICAL_CLASS_CONFIDENTIAL
                                   ? v1::Event::VISIBILITY_PRIVATE
                                   : v1::Event::VISIBILITY_PUBLIC);
          break;
        }
        case ICAL_SEQUENCE_PROPERTY:
          event.set_sequence(std::max(0, icalproperty_get_sequence(p)));
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
          if (IsImage(p)) {
            const char* value = icalproperty_get_value_as_string(p);
            if (value != nullptr && IsWebUrl(value) && event.image_url().empty())
              event.set_image_url(value);
          }
          break;
      }
    }
  }

  static bool IsImage(icalproperty* p) {
    // Naming a property allocates in libical: only for kinds that can be an image.
    const icalproperty_kind kind = icalproperty_isa(p);
    if (kind == ICAL_IMAGE_PROPERTY) return true;
    if (kind != ICAL_ATTACH_PROPERTY) return false;
    icalparameter* fmt = icalproperty_get_first_parameter(p, ICAL_FMTTYPE_PARAMETER);
    const char* type = fmt ? icalparameter_get_fmttype(fmt) : nullptr;
    return type != nullptr && absl::StartsWithIgnoreCase(type, "image/");
  }

  static int64_t UtcSecondsOf(icaltimetype t) {
    if (icaltime_is_null_time(t) || !icaltime_is_valid_time(t) || t.year < 1900 || t.year > 2200)
      return 0;
    absl::CivilSecond c(t.year, t.month, t.day, t.hour, t.minute, t.second);
    return absl::ToUnixSeconds(absl::FromCivil(c, absl::UTCTimeZone()));
  }

  const NormalizeOptions& options_;
  ZoneResolver& zones_;
  ParsedCalendar& out_;
};

void CalendarName(icalcomponent* calendar, ParsedCalendar& out) {
  for (icalproperty* p = icalcomponent_get_first_property(calendar, ICAL_ANY_PROPERTY);
       p != nullptr; p = icalcomponent_get_next_property(calendar, ICAL_ANY_PROPERTY)) {
    const char* name = icalproperty_get_property_name(p);
    if (name == nullptr) continue;
    if (absl::EqualsIgnoreCase(name, "X-WR-CALNAME") || absl::EqualsIgnoreCase(name, "NAME")) {
      const char* value = icalproperty_get_value_as_string(p);
      if (value != nullptr && out.name.empty()) out.name = std::string(value).substr(0, 256);
    }
  }
}

// Calendar-level and VTIMEZONE errors: syntax errors reject the file (the
// preflight should have caught them); the rest are warnings.
absl::Status CheckCalendarErrors(icalcomponent* component, ParsedCalendar& out, int depth) {
  for (icalproperty* p = icalcomponent_get_first_property(component, ICAL_XLICERROR_PROPERTY);
       p != nullptr; p = icalcomponent_get_next_property(component, ICAL_XLICERROR_PROPERTY)) {
    std::string message = icalproperty_get_xlicerror(p) ? icalproperty_get_xlicerror(p) : "";
    if (IsSyntaxError(message)) {
      return absl::InvalidArgumentError(absl::StrCat("calendar: ", message.substr(0, 200)));
    }
    if (!absl::StartsWith(message, "No value")) {
      out.warnings.push_back(absl::StrCat("dropped: ", message.substr(0, 200)));
    }
  }
  if (depth > 0) return absl::OkStatus();
  for (icalcomponent* c = icalcomponent_get_first_component(component, ICAL_ANY_COMPONENT);
       c != nullptr; c = icalcomponent_get_next_component(component, ICAL_ANY_COMPONENT)) {
    if (icalcomponent_isa(c) == ICAL_VTIMEZONE_COMPONENT) {
      absl::Status status = CheckCalendarErrors(c, out, depth + 1);
      if (!status.ok()) return status;
    }
  }
  return absl::OkStatus();
}

}  // namespace

std::string Slugify(std::string_view text) {
  // Folds the Latin-1 supplement letters French uses; anything else non-ASCII becomes '-'.
  static constexpr std::pair<std::string_view, char> kFolds[] = {
      {"à", 'a'}, {"â", 'a'}, {"ä", 'a'}, {"á", 'a'}, {"ç", 'c'}, {"é", 'e'}, {"è", 'e'},
      {"ê", 'e'}, {"ë", 'e'}, {"î", 'i'}, {"ï", 'i'}, {"í", 'i'}, {"ô", 'o'}, {"ö", 'o'},
      {"ó", 'o'}, {"ù", 'u'}, {"û", 'u'}, {"ü", 'u'}, {"ú", 'u'}, {"ÿ", 'y'}, {"À", 'a'},
      {"Â", 'a'}, {"Ç", 'c'}, {"É", 'e'}, {"È", 'e'}, {"Ê", 'e'}, {"Î", 'i'}, {"Ô", 'o'},
      {"Û", 'u'}, {"œ", 'o'}, {"Œ", 'o'}};
  std::string out;
  bool dash = false;
  for (size_t i = 0; i < text.size();) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    char folded = 0;
    size_t used = 1;
    if (c < 0x80) {
      if (absl::ascii_isalnum(c)) folded = static_cast<char>(absl::ascii_tolower(c));
    } else {
      for (const auto& [from, to] : kFolds) {
        if (text.substr(i, from.size()) == from) {
          folded = to;
          used = from.size();
          break;
        }
      }
      if (folded == 0) {
        while (i + used < text.size() &&
               (static_cast<unsigned char>(text[i + used]) & 0xC0) == 0x80)
          ++used;
      }
    }
    i += used;
    if (folded != 0) {
      if (dash && !out.empty()) out.push_back('-');
      out.push_back(folded);
      dash = false;
    } else {
      dash = true;
    }
  }
  return out.substr(0, 64);
}

absl::StatusOr<ParsedCalendar> ParseCalendar(const std::string& bytes,
                                             const NormalizeOptions& options) {
  absl::StatusOr<PreparedCalendar> prepared = PrepareCalendar(bytes, options.limits);
  if (!prepared.ok()) return prepared.status();
  ParsedCalendar out;
  out.warnings = std::move(prepared->warnings);

  icalerror_clear_errno();
  ComponentPtr root(
      icalparser_parse_string(prepared->unchanged ? bytes.c_str() : prepared->text.c_str()));
  // libical copied what it needs. Free the text now, and keep the line table in
  // a local that dies before the tree: a large free() after the tree's
  // thousands of small ones makes glibc consolidate them all (10% of an import).
  const std::vector<int> vevent_lines = std::move(prepared->vevent_lines);
  prepared->text = std::string();
  if (root == nullptr || icalcomponent_isa(root.get()) != ICAL_VCALENDAR_COMPONENT) {
    return absl::InvalidArgumentError("calendar: not an iCalendar VCALENDAR");
  }
  if (absl::Status status = CheckCalendarErrors(root.get(), out, 0); !status.ok()) return status;
  CalendarName(root.get(), out);

  ZoneResolver zones(root.get(), options.default_time_zone);
  EventBuilder builder(options, zones, out);

  struct Pending {
    v1::Event master;
    bool has_master = false;
    int line = 0;
    int index = 0;
    std::vector<v1::Event> overrides;
  };
  std::vector<Pending> series;
  absl::flat_hash_map<std::string, size_t> by_uid;
  int index = 0;
  for (icalcomponent* c = icalcomponent_get_first_component(root.get(), ICAL_VEVENT_COMPONENT);
       c != nullptr;
       c = icalcomponent_get_next_component(root.get(), ICAL_VEVENT_COMPONENT), ++index) {
    const int line = index < static_cast<int>(vevent_lines.size()) ? vevent_lines[index] : 0;
    auto built = builder.Build(c);
    if (auto* error = std::get_if<FieldError>(&built)) {
      v1::Rejection& r = out.rejections.emplace_back();
      r.set_index(index);
      if (const char* uid = icalcomponent_get_uid(c)) r.set_uid(std::string(uid).substr(0, 255));
      r.set_field(error->field);
      r.set_reason(error->reason);
      r.set_line(line);
      continue;
    }
    v1::Event event = std::get<v1::Event>(std::move(built));
    auto [it, inserted] = by_uid.emplace(event.uid(), series.size());
    if (inserted) series.emplace_back();
    Pending& p = series[it->second];
    if (event.has_recurrence_id()) {
      // Two overrides of one instance: the higher SEQUENCE wins.
      auto same = std::find_if(p.overrides.begin(), p.overrides.end(), [&](const v1::Event& o) {
        return o.recurrence_id().utc_seconds() == event.recurrence_id().utc_seconds();
      });
      if (same == p.overrides.end()) {
        if (static_cast<int>(p.overrides.size()) >= options.limits.max_overrides) {
          return absl::ResourceExhaustedError(absl::StrCat("line ", line, ": more than ",
                                                           options.limits.max_overrides,
                                                           " overrides of ", event.uid()));
        }
        p.overrides.push_back(std::move(event));
      } else if (event.sequence() >= same->sequence()) {
        *same = std::move(event);
      }
      if (!p.has_master) p.line = line, p.index = index;
      continue;
    }
    if (p.has_master) {
      // The same UID twice: the newer SEQUENCE wins (what calendar apps do).
      out.warnings.push_back(absl::StrCat("line ", line, ": UID ", event.uid(),
                                          " appears twice; kept SEQUENCE ",
                                          std::max(event.sequence(), p.master.sequence())));
      if (event.sequence() < p.master.sequence()) continue;
    }
    p.master = std::move(event);
    p.has_master = true;
    p.line = line;
    p.index = index;
  }
  for (Pending& p : series) {
    std::sort(p.overrides.begin(), p.overrides.end(), [](const v1::Event& a, const v1::Event& b) {
      return a.recurrence_id().utc_seconds() < b.recurrence_id().utc_seconds();
    });
    if (!p.has_master) {
      // Instances published without their series (Google does for birthdays):
      // the first becomes the master, the others RDATEs it overrides.
      out.warnings.push_back(
          absl::StrCat("line ", p.line, ": UID ", p.overrides.front().uid(),
                       " has overrides but no master; published as a series of its own"));
      p.master = std::move(p.overrides.front());
      p.overrides.erase(p.overrides.begin());
      p.master.clear_recurrence_id();
      if (!p.master.has_end()) *p.master.mutable_end() = p.master.start();
      for (const v1::Event& o : p.overrides) *p.master.add_rdates() = o.recurrence_id();
    }
    const int64_t duration = p.master.end().utc_seconds() - p.master.start().utc_seconds();
    for (v1::Event& o : p.overrides) {
      if (!o.has_end()) {
        *o.mutable_end() = o.start();
        o.mutable_end()->set_utc_seconds(o.start().utc_seconds() + duration);
        absl::StatusOr<absl::TimeZone> tz = LoadIanaZone(o.start().time_zone());
        if (!o.start().all_day() && tz.ok()) {
          o.mutable_end()->set_local(FormatLocal(
              absl::ToCivilSecond(absl::FromUnixSeconds(o.end().utc_seconds()), *tz), false));
        }
      }
      *p.master.add_overrides() = std::move(o);
    }
    out.events.push_back(std::move(p.master));
  }
  std::sort(out.rejections.begin(), out.rejections.end(),
            [](const v1::Rejection& a, const v1::Rejection& b) { return a.index() < b.index(); });
  return out;
}

}  // namespace babillard::ical
