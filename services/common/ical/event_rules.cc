#include "services/common/ical/event_rules.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/civil_time.h"
#include "services/common/ical/event_time.h"
#include "services/common/ical/html_text.h"
#include "services/common/ical/series_rules.h"
#include "services/common/ical/slug.h"
#include "services/common/ical/time_zones.h"
#include "services/common/string_view.h"

namespace babillard::ical {
namespace {

using Problem = std::optional<FieldError>;

int64_t YearOf(const v1::EventTime& t) {
  absl::StatusOr<absl::CivilSecond> local = ParseLocal(t.local(), t.all_day());
  return local.ok() ? local->year() : absl::ToCivilYear(InstantOf(t), absl::UTCTimeZone()).year();
}

Problem CheckYear(const v1::EventTime& t, const std::string& field) {
  const int64_t year = YearOf(t);
  if (year < 1900 || year > 2200)
    return FieldError{field, absl::StrCat("year ", year, " is outside 1900..2200")};
  return std::nullopt;
}

Problem CheckYears(const v1::Event& event) {
  if (Problem p = CheckYear(event.start(), "start")) return p;
  if (event.has_recurrence_id()) {
    if (Problem p = CheckYear(event.recurrence_id(), "recurrence_id")) return p;
  }
  if (event.has_end()) {
    if (Problem p = CheckYear(event.end(), "end")) return p;
  }
  for (int i = 0; i < event.rdates_size(); ++i) {
    if (Problem p = CheckYear(event.rdates(i), absl::StrCat("rdates[", i, "]"))) return p;
  }
  for (int i = 0; i < event.exdates_size(); ++i) {
    if (Problem p = CheckYear(event.exdates(i), absl::StrCat("exdates[", i, "]"))) return p;
  }
  return std::nullopt;
}

void SetNextDay(const v1::EventTime& start, v1::EventTime& end) {
  absl::CivilDay next = absl::CivilDay(*ParseLocal(start.local(), true)) + 1;
  end.set_local(FormatLocal(absl::CivilSecond(next), true));
  end.set_utc_seconds(start.utc_seconds() + 86400);
}

Problem NormalizeEnd(v1::Event& event, std::vector<std::string>& warnings) {
  const v1::EventTime& s = event.start();
  if (!event.has_end()) {
    // An override without an end keeps its master's duration (CompleteSeries).
    if (event.has_recurrence_id()) return std::nullopt;
    *event.mutable_end() = s;
    if (s.all_day()) SetNextDay(s, *event.mutable_end());
  }
  // DTEND equal to an all-day DTSTART: the exporter meant that one day.
  if (s.all_day() && event.end().local() == s.local()) SetNextDay(s, *event.mutable_end());
  if (event.end().utc_seconds() < s.utc_seconds() ||
      (s.all_day() && event.end().local() < s.local())) {
    if (event.has_recurrence_id()) {
      // The instance still happens, only its end is wrong.
      warnings.push_back(
          absl::StrCat(event.uid(), ": an override ends before it starts; its end was replaced"));
      event.clear_end();
      return std::nullopt;
    }
    return FieldError{
        "end", absl::StrCat("ends (", event.end().local(), ") before it starts (", s.local(), ")")};
  }
  return std::nullopt;
}

Problem NormalizeText(v1::LocalizedText& text, std::string_view field, size_t max_bytes,
                      bool html_allowed) {
  for (auto [value, language] : {std::pair{text.mutable_fr(), "fr"}, {text.mutable_en(), "en"}}) {
    absl::StripAsciiWhitespace(value);
    if (html_allowed && LooksLikeHtml(*value)) *value = HtmlToText(*value);
    if (value->size() > max_bytes) {
      return FieldError{absl::StrCat(Av(field), ".", language),
                        absl::StrCat(value->size(), " bytes exceeds the limit of ", max_bytes)};
    }
  }
  return std::nullopt;
}

Problem NormalizeLine(std::string& value, std::string_view field, size_t max_bytes) {
  absl::StripAsciiWhitespace(&value);
  if (value.size() > max_bytes) {
    return FieldError{std::string(field),
                      absl::StrCat(value.size(), " bytes exceeds the limit of ", max_bytes)};
  }
  return std::nullopt;
}

Problem NormalizeTexts(v1::Event& event, const Limits& limits) {
  if (Problem p = NormalizeText(*event.mutable_title(), "title", limits.max_title_bytes, false))
    return p;
  if (Problem p =
          NormalizeText(*event.mutable_description(), "description", limits.max_text_bytes, true))
    return p;
  if (Problem p = NormalizeText(*event.mutable_price(), "price", limits.max_title_bytes, false))
    return p;
  if (Problem p = NormalizeText(*event.mutable_accessibility(), "accessibility",
                                limits.max_text_bytes, false))
    return p;
  v1::Location& location = *event.mutable_location();
  if (Problem p = NormalizeLine(*location.mutable_name(), "location.name", limits.max_title_bytes))
    return p;
  return NormalizeLine(*location.mutable_address(), "location.address", limits.max_title_bytes);
}

void NormalizeCoordinates(v1::Event& event, std::vector<std::string>& warnings) {
  v1::Location& location = *event.mutable_location();
  if (!location.has_coordinates()) return;
  const double lat = location.latitude(), lon = location.longitude();
  if (lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180) return;  // NaN fails both
  warnings.push_back(absl::StrCat(event.uid(), ": GEO out of range; dropped"));
  location.set_has_coordinates(false);
  location.clear_latitude();
  location.clear_longitude();
}

// A category the region knows is kept as its slug; anything else, given as a
// category or a tag, is a free tag as written.
void NormalizeCategories(v1::Event& event, const absl::flat_hash_set<std::string>& known) {
  std::vector<std::string> given(event.categories().begin(), event.categories().end());
  given.insert(given.end(), event.tags().begin(), event.tags().end());
  event.clear_categories();
  event.clear_tags();
  for (const std::string& item : given) {
    std::string tag(absl::StripAsciiWhitespace(item));
    if (tag.empty() || tag.size() > 64) continue;
    std::string slug = Slugify(tag);
    if (known.contains(slug)) {
      if (std::find(event.categories().begin(), event.categories().end(), slug) ==
          event.categories().end()) {
        event.add_categories(std::move(slug));
      }
    } else if (event.tags_size() < 32 &&
               std::find(event.tags().begin(), event.tags().end(), tag) == event.tags().end()) {
      event.add_tags(std::move(tag));
    }
  }
}

bool IsWebUrl(std::string_view url) {
  const absl::string_view u = Av(url);
  return (absl::StartsWithIgnoreCase(u, "https://") || absl::StartsWithIgnoreCase(u, "http://")) &&
         url.size() <= 2048 && url.find_first_of(" \"<>") == std::string_view::npos;
}

void NormalizeContacts(v1::Event& event) {
  v1::Organizer& organizer = *event.mutable_organizer();
  if (organizer.email().find('@') == std::string::npos || organizer.email().size() > 254)
    organizer.clear_email();
  if (organizer.name().size() > 256) organizer.mutable_name()->resize(256);
  if (!IsWebUrl(event.url())) event.clear_url();
  if (!IsWebUrl(event.image_url())) event.clear_image_url();
}

}  // namespace

std::optional<std::string> ResolveMunicipality(std::string& municipality,
                                               const NormalizeOptions& options) {
  std::string slug = Slugify(municipality);
  if (slug.empty() || options.municipalities.empty()) {
    municipality = std::move(slug);
    return std::nullopt;
  }
  auto it = options.municipalities.find(slug);
  if (it != options.municipalities.end()) {
    municipality = it->second;
    return std::nullopt;
  }
  std::set<std::string> valid;
  for (const auto& [name, canonical] : options.municipalities) valid.insert(canonical);
  return absl::StrCat("unknown municipality \"", municipality,
                      "\"; the region's: ", absl::StrJoin(valid, ", "));
}

std::optional<std::string> ResolveCategory(std::string& category, const NormalizeOptions& options) {
  std::string slug = Slugify(category);
  if (options.known_categories.contains(slug)) {
    category = std::move(slug);
    return std::nullopt;
  }
  std::set<std::string> valid(options.known_categories.begin(), options.known_categories.end());
  return absl::StrCat("unknown category \"", category,
                      "\"; the region's: ", absl::StrJoin(valid, ", "), " (free words go in tags)");
}

std::optional<FieldError> NormalizeEvent(v1::Event& event, const NormalizeOptions& options,
                                         std::vector<std::string>& warnings) {
  if (event.uid().size() > 255) return FieldError{"uid", "longer than 255 bytes"};
  if (Problem p = CheckYears(event)) return p;
  if (Problem p = NormalizeEnd(event, warnings)) return p;
  if (Problem p = NormalizeRecurrence(event, options.limits)) return p;
  AlignStartWithRule(event, options, warnings);
  if (Problem p = NormalizeTexts(event, options.limits)) return p;
  NormalizeCoordinates(event, warnings);
  if (auto reason = ResolveMunicipality(*event.mutable_location()->mutable_municipality(), options))
    return FieldError{"location.municipality", *reason};
  NormalizeCategories(event, options.known_categories);
  NormalizeContacts(event);
  event.set_sequence(std::max(0, event.sequence()));
  return std::nullopt;
}

std::optional<FieldError> CompleteSeries(v1::Event& master, const NormalizeOptions& options) {
  if (master.overrides_size() > options.limits.max_overrides) {
    return FieldError{"overrides",
                      absl::StrCat("more than ", options.limits.max_overrides, " overrides")};
  }
  const int64_t duration = master.end().utc_seconds() - master.start().utc_seconds();
  absl::StatusOr<absl::TimeZone> master_zone = LoadIanaZone(master.start().time_zone());
  absl::StatusOr<absl::TimeZone> region_zone = LoadIanaZone(options.default_time_zone);
  for (v1::Event& o : *master.mutable_overrides()) {
    // An override names its instance as its master's rule produces it: in the
    // master's zone ("RECURRENCE-ID;TZID=..." written in UTC by some exporters).
    v1::EventTime& rid = *o.mutable_recurrence_id();
    absl::StatusOr<absl::CivilSecond> wall = ParseLocal(rid.local(), false);
    if (master.start().all_day() && !rid.all_day() && wall.ok() && region_zone.ok()) {
      // RFC 5545: RECURRENCE-ID has DTSTART's type. Exchange names a date's
      // instance as midnight in its own zone, which readers that compare
      // instants do not match with the date.
      const absl::CivilSecond day{absl::CivilDay(*wall)};
      rid.set_all_day(true);
      rid.clear_time_zone();
      rid.set_local(FormatLocal(day, true));
      rid.set_utc_seconds(absl::ToUnixSeconds(region_zone->At(day).pre));
    }
    if (!master.start().all_day() && !rid.all_day() && master_zone.ok() &&
        rid.time_zone() != master.start().time_zone()) {
      rid.set_time_zone(master.start().time_zone());
      rid.set_local(FormatLocal(absl::ToCivilSecond(InstantOf(rid), *master_zone), false));
    }
    if (o.has_end()) continue;
    *o.mutable_end() = o.start();
    o.mutable_end()->set_utc_seconds(o.start().utc_seconds() + duration);
    absl::StatusOr<absl::TimeZone> tz = LoadIanaZone(o.start().time_zone());
    if (!o.start().all_day() && tz.ok()) {
      o.mutable_end()->set_local(FormatLocal(
          absl::ToCivilSecond(absl::FromUnixSeconds(o.end().utc_seconds()), *tz), false));
    }
  }
  std::sort(master.mutable_overrides()->begin(), master.mutable_overrides()->end(),
            [](const v1::Event& a, const v1::Event& b) {
              return a.recurrence_id().utc_seconds() < b.recurrence_id().utc_seconds();
            });
  if (const size_t bytes = master.ByteSizeLong(); bytes > options.limits.max_event_bytes) {
    return FieldError{"event", absl::StrCat(bytes / 1024, " KiB with its overrides; at most ",
                                            options.limits.max_event_bytes / 1024,
                                            " KiB (shorter texts or fewer overrides)")};
  }
  return std::nullopt;
}

}  // namespace babillard::ical
