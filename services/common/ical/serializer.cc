#include "services/common/ical/serializer.h"

#include <libical/ical.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/common/ical/event_time.h"
#include "services/common/ical/handles.h"
#include "services/common/ical/time_zones.h"
#include "services/common/ical/unclear_instances.h"
#include "services/common/status_macros.h"
#include "services/common/string_view.h"

namespace babillard::ical {
namespace {

constexpr size_t kFoldOctets = 75;

std::string LanguageCode(Language language) { return language == Language::kFr ? "fr" : "en"; }

// Parameter values cannot hold DQUOTE; quote them when they hold ":;,".
std::string ParamValue(std::string_view value) {
  std::string clean;
  for (char c : value) {
    if (c != '"' && c != '\r' && c != '\n') clean.push_back(c);
  }
  if (clean.find_first_of(":;,") != std::string::npos) return absl::StrCat("\"", clean, "\"");
  return clean;
}

// True when "TZID=<zone>:<local>" names exactly the stored instant for every
// reader: the local time happens once in its zone (not in the hour a DST
// change repeats, where RFC 5545 readers take the first and pytz-based ones
// the second, nor in the hour it skips) and is the instant stored (an end
// computed on the instant, such as 01:30 + PT1H on the night clocks fall
// back, is a second 01:30 that the text cannot say).
bool LocalNamesInstant(const v1::EventTime& t, absl::CivilSecond local) {
  absl::StatusOr<absl::TimeZone> zone = LoadIanaZone(t.time_zone());
  if (!zone.ok()) return false;
  const absl::TimeZone::TimeInfo info = zone->At(local);
  return info.kind == absl::TimeZone::TimeInfo::UNIQUE && info.pre == InstantOf(t);
}

// "DTSTART;TZID=America/Toronto:20250701T190000", "DTSTART;VALUE=DATE:20250701"
// or "DTSTART:20250701T230000Z": UTC for a local time that does not name its
// instant unambiguously, except where `keep_zone` (a recurring master's
// DTSTART: in UTC, its later instances would move by an hour across DST;
// RFC 5545 readers agree on the first of a repeated hour).
std::string TimeLine(std::string_view name, const v1::EventTime& t, bool keep_zone = false) {
  if (t.all_day()) {
    absl::StatusOr<absl::CivilSecond> local = ParseLocal(t.local(), true);
    return absl::StrCat(Av(name), ";VALUE=DATE:",
                        local.ok() ? FormatIcalLocal(*local, true) : FormatIcalUtc(InstantOf(t)));
  }
  if (t.time_zone().empty() || t.time_zone() == "UTC") {
    return absl::StrCat(Av(name), ":", FormatIcalUtc(InstantOf(t)));
  }
  absl::StatusOr<absl::CivilSecond> local = ParseLocal(t.local(), false);
  if (!local.ok() || (!keep_zone && !LocalNamesInstant(t, *local)))
    return absl::StrCat(Av(name), ":", FormatIcalUtc(InstantOf(t)));
  return absl::StrCat(Av(name), ";TZID=", t.time_zone(), ":", FormatIcalLocal(*local, false));
}

void AppendText(std::string_view name, Language language, const std::string& value,
                std::string& out) {
  if (value.empty()) return;
  AppendFolded(absl::StrCat(Av(name), ";LANGUAGE=", LanguageCode(language), ":", EscapeText(value)),
               out);
}

// One language (with fallback), or each language present when `all_languages`.
void AppendLocalized(std::string_view name, const v1::LocalizedText& text,
                     const SerializeOptions& options, std::string& out) {
  if (!options.all_languages) {
    AppendText(name, options.language, Pick(text, options.language), out);
    return;
  }
  AppendText(name, Language::kFr, text.fr(), out);
  AppendText(name, Language::kEn, text.en(), out);
}

std::string StatusName(v1::Event::Status status) {
  switch (status) {
    case v1::Event::STATUS_CANCELLED:
      return "CANCELLED";
    case v1::Event::STATUS_TENTATIVE:
      return "TENTATIVE";
    default:
      return "CONFIRMED";
  }
}

int64_t StampOf(const v1::Event& e) {
  if (e.dtstamp() > 0) return e.dtstamp();
  if (e.last_modified() > 0) return e.last_modified();
  return e.created();
}

void AppendComponent(const v1::Event& e, const v1::Event* master, const SerializeOptions& options,
                     std::string& out) {
  const Language lang = options.language;
  out.append("BEGIN:VEVENT\r\n");
  // An override is its series' instance: always the master's UID, whatever
  // an older record holds.
  AppendFolded(absl::StrCat("UID:", EscapeText(master != nullptr ? master->uid() : e.uid())), out);
  AppendFolded(absl::StrCat("DTSTAMP:", FormatIcalUtc(absl::FromUnixSeconds(StampOf(e)))), out);
  // In the series' zone: each reader matches it with the instance it computes,
  // however it reads a skipped or repeated hour.
  if (e.has_recurrence_id())
    AppendFolded(TimeLine("RECURRENCE-ID", e.recurrence_id(), /*keep_zone=*/true), out);
  const bool recurs = !e.rrule().empty() || e.rdates_size() > 0;
  AppendFolded(TimeLine("DTSTART", e.start(), /*keep_zone=*/recurs), out);
  if (e.has_end()) AppendFolded(TimeLine("DTEND", e.end()), out);
  if (!e.rrule().empty()) AppendFolded(absl::StrCat("RRULE:", e.rrule()), out);
  // DTSTART is the first instance (RFC 5545 drops the duplicate), but ical.js
  // (Thunderbird) leaves it out of a set made of RDATEs alone.
  if (e.rrule().empty() && e.rdates_size() > 0)
    AppendFolded(TimeLine("RDATE", e.start(), /*keep_zone=*/true), out);
  for (const v1::EventTime& t : e.rdates()) AppendFolded(TimeLine("RDATE", t), out);
  for (const v1::EventTime& t : e.exdates()) AppendFolded(TimeLine("EXDATE", t), out);

  // Overrides inherit what they do not change from their master.
  const v1::Event& text_source = (master != nullptr && !e.has_title()) ? *master : e;
  if (options.all_languages) {
    AppendLocalized("SUMMARY", text_source.title(), options, out);
  } else {
    std::string title = Pick(text_source.title(), lang);
    if (options.mark_cancelled_titles && e.status() == v1::Event::STATUS_CANCELLED) {
      title = absl::StrCat(lang == Language::kFr ? "ANNULÉ : " : "CANCELLED: ", title);
    }
    AppendText("SUMMARY", lang, title, out);
  }
  AppendLocalized("DESCRIPTION", e.description(), options, out);

  const v1::Location& loc = e.location();
  std::string place = loc.name();
  if (!loc.address().empty())
    place = place.empty() ? loc.address() : absl::StrCat(place, ", ", loc.address());
  AppendText("LOCATION", lang, place, out);
  if (loc.has_coordinates()) {
    AppendFolded(absl::StrFormat("GEO:%.6f;%.6f", loc.latitude(), loc.longitude()), out);
  }
  if (!loc.address().empty()) {
    if (!loc.name().empty())
      AppendFolded(absl::StrCat("X-BABILLARD-LOCATION-NAME:", EscapeText(loc.name())), out);
    AppendFolded(absl::StrCat("X-BABILLARD-ADDRESS:", EscapeText(loc.address())), out);
  }
  if (!loc.municipality().empty()) {
    AppendFolded(absl::StrCat("X-BABILLARD-MUNICIPALITY:", EscapeText(loc.municipality())), out);
  }
  if (e.categories_size() + e.tags_size() > 0) {
    std::vector<std::string> values;
    for (const std::string& c : e.categories()) values.push_back(EscapeText(c));
    for (const std::string& t : e.tags()) values.push_back(EscapeText(t));
    AppendFolded(absl::StrCat("CATEGORIES:", absl::StrJoin(values, ",")), out);
  }
  if (!e.organizer().email().empty()) {
    std::string line = "ORGANIZER";
    if (!e.organizer().name().empty())
      absl::StrAppend(&line, ";CN=", ParamValue(e.organizer().name()));
    absl::StrAppend(&line, ":mailto:", e.organizer().email());
    AppendFolded(line, out);
  }
  if (!e.url().empty()) AppendFolded(absl::StrCat("URL:", e.url()), out);
  if (!e.image_url().empty())
    AppendFolded(absl::StrCat("IMAGE;VALUE=URI;DISPLAY=BADGE:", e.image_url()), out);
  AppendLocalized("X-BABILLARD-PRICE", e.price(), options, out);
  AppendLocalized("X-BABILLARD-ACCESSIBILITY", e.accessibility(), options, out);
  AppendFolded(absl::StrCat("STATUS:", StatusName(e.status())), out);
  if (e.visibility() == v1::Event::VISIBILITY_PRIVATE) out.append("CLASS:PRIVATE\r\n");
  AppendFolded(absl::StrCat("SEQUENCE:", e.sequence()), out);
  if (e.created() > 0)
    AppendFolded(absl::StrCat("CREATED:", FormatIcalUtc(absl::FromUnixSeconds(e.created()))), out);
  if (e.last_modified() > 0) {
    AppendFolded(
        absl::StrCat("LAST-MODIFIED:", FormatIcalUtc(absl::FromUnixSeconds(e.last_modified()))),
        out);
  }
  out.append("END:VEVENT\r\n");
}

struct VTimezoneCache {
  absl::Mutex mu;
  std::map<std::pair<std::string, int>, std::string> texts ABSL_GUARDED_BY(mu);
};

VTimezoneCache& Cache() {
  static auto* cache = new VTimezoneCache;
  return *cache;
}

}  // namespace

absl::StatusOr<Language> ParseLanguage(std::string_view code) {
  if (code == "fr") return Language::kFr;
  if (code == "en") return Language::kEn;
  return absl::InvalidArgumentError(absl::StrCat("lang: \"", Av(code), "\" is not fr or en"));
}

const std::string& Pick(const v1::LocalizedText& text, Language language) {
  const std::string& want = language == Language::kFr ? text.fr() : text.en();
  return want.empty() ? (language == Language::kFr ? text.en() : text.fr()) : want;
}

std::string EscapeText(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 8);
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    switch (c) {
      case '\\':
        out.append("\\\\");
        break;
      case ';':
        out.append("\\;");
        break;
      case ',':
        out.append("\\,");
        break;
      case '\r':
        if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
        out.append("\\n");
        break;
      case '\n':
        out.append("\\n");
        break;
      default:
        // Other control characters have no place in a content line.
        if (static_cast<unsigned char>(c) >= 0x20 || c == '\t') out.push_back(c);
    }
  }
  return out;
}

void AppendFolded(std::string_view line, std::string& out) {
  size_t limit = kFoldOctets;
  while (line.size() > limit) {
    size_t cut = limit;
    // Never split a UTF-8 sequence: back up to the byte that starts it.
    while (cut > 0 && (static_cast<unsigned char>(line[cut]) & 0xC0) == 0x80) --cut;
    out.append(line.data(), cut);
    out.append("\r\n ");
    line.remove_prefix(cut);
    limit = kFoldOctets - 1;  // the leading space counts
  }
  out.append(line.data(), line.size());
  out.append("\r\n");
}

std::string SerializeEvent(const v1::Event& event, const SerializeOptions& options) {
  std::string out;
  out.reserve(512 + event.description().fr().size() + event.description().en().size());
  AppendComponent(event, nullptr, options, out);
  for (const v1::Event& o : event.overrides()) AppendComponent(o, &event, options, out);
  for (const v1::Event& o : OverridesForUnclearInstances(event))
    AppendComponent(o, &event, options, out);
  return out;
}

std::vector<std::string> TimeZonesOf(const v1::Event& event) {
  std::set<std::string> zones;
  auto add = [&](const v1::EventTime& t) {
    if (!t.all_day() && !t.time_zone().empty() && t.time_zone() != "UTC")
      zones.insert(t.time_zone());
  };
  auto add_event = [&](const v1::Event& e) {
    add(e.start());
    add(e.end());
    add(e.recurrence_id());
    for (const auto& t : e.rdates()) add(t);
    for (const auto& t : e.exdates()) add(t);
  };
  add_event(event);
  for (const v1::Event& o : event.overrides()) add_event(o);
  return {zones.begin(), zones.end()};
}

absl::StatusOr<std::string> VTimezoneText(const std::string& iana, int64_t from_utc_seconds) {
  // Trimmed to whole years so that feeds of one year share one text.
  const int year =
      absl::ToCivilYear(absl::FromUnixSeconds(from_utc_seconds), absl::UTCTimeZone()).year();
  VTimezoneCache& cache = Cache();
  {
    absl::MutexLock lock(&cache.mu);
    auto it = cache.texts.find({iana, year});
    if (it != cache.texts.end()) return it->second;
  }
  icaltimezone* zone = icaltimezone_get_builtin_timezone(iana.c_str());
  if (zone == nullptr)
    return absl::InvalidArgumentError(absl::StrCat("time_zone: unknown zone ", iana));
  icalcomponent* builtin = icaltimezone_get_component(zone);
  if (builtin == nullptr) return absl::InternalError(absl::StrCat("no VTIMEZONE for ", iana));
  // A clone of tzdata's own component: trusted input, unlike imported calendars.
  ComponentPtr vtz(icalcomponent_new_clone(builtin));
  icaltimetype start = icaltime_null_time();
  start.year = year;
  start.month = 1;
  start.day = 1;
  start.zone = icaltimezone_get_utc_timezone();
  icaltimezone_truncate_vtimezone(vtz.get(), start, icaltime_null_time(), 0);
  icalproperty* tzid = icalcomponent_get_first_property(vtz.get(), ICAL_TZID_PROPERTY);
  if (tzid != nullptr) icalproperty_set_tzid(tzid, iana.c_str());
  BufferPtr text(icalcomponent_as_ical_string_r(vtz.get()));
  std::string result = text ? std::string(text.get()) : std::string();
  absl::MutexLock lock(&cache.mu);
  cache.texts.emplace(std::make_pair(iana, year), result);
  return result;
}

absl::StatusOr<std::string> AssembleCalendar(const CalendarHeader& header,
                                             absl::Span<const std::string_view> vevents,
                                             absl::Span<const std::string> time_zones,
                                             int64_t earliest_utc_seconds) {
  std::vector<std::string> zone_texts;
  size_t total = 1024;
  for (const std::string& zone : time_zones) {
    if (zone.empty() || zone == "UTC") continue;
    BABILLARD_ASSIGN_OR_RETURN(std::string text, VTimezoneText(zone, earliest_utc_seconds));
    total += text.size();
    zone_texts.push_back(std::move(text));
  }
  for (std::string_view v : vevents) total += v.size();
  std::string out;
  out.reserve(total);
  out.append("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n");
  AppendFolded(absl::StrCat("PRODID:", header.product_id), out);
  out.append("CALSCALE:GREGORIAN\r\nMETHOD:PUBLISH\r\n");
  if (!header.name.empty()) {
    AppendFolded(absl::StrCat("NAME:", EscapeText(header.name)), out);
    AppendFolded(absl::StrCat("X-WR-CALNAME:", EscapeText(header.name)), out);
  }
  if (!header.description.empty()) {
    AppendFolded(absl::StrCat("X-WR-CALDESC:", EscapeText(header.description)), out);
  }
  // No X-WR-TIMEZONE: every time is in its own zone or UTC, and readers that
  // honour it (python's recurring-ical-events) move a UTC time into it with
  // pytz and take the second of a repeated hour (01:30 on fall-back night).
  AppendFolded(absl::StrCat("REFRESH-INTERVAL;VALUE=DURATION:", header.refresh_interval), out);
  AppendFolded(absl::StrCat("X-PUBLISHED-TTL:", header.refresh_interval), out);
  for (const std::string& text : zone_texts) out.append(text);
  for (std::string_view v : vevents) out.append(v.data(), v.size());
  out.append("END:VCALENDAR\r\n");
  return out;
}

}  // namespace babillard::ical

namespace babillard::ical {

absl::StatusOr<std::string> SerializeCalendar(absl::Span<const v1::Event> events,
                                              const CalendarHeader& header,
                                              const SerializeOptions& options) {
  std::vector<std::string> texts;
  texts.reserve(events.size());
  std::set<std::string> zones;
  int64_t earliest = events.empty() ? 0 : events.front().start().utc_seconds();
  for (const v1::Event& e : events) {
    texts.push_back(SerializeEvent(e, options));
    for (std::string& z : TimeZonesOf(e)) zones.insert(std::move(z));
    earliest = std::min(earliest, e.start().utc_seconds());
  }
  std::vector<std::string_view> views(texts.begin(), texts.end());
  std::vector<std::string> zone_list(zones.begin(), zones.end());
  return AssembleCalendar(header, views, zone_list, earliest);
}

}  // namespace babillard::ical
