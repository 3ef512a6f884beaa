#include "services/common/ical/time_zones.h"

#include <array>
#include <optional>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "services/common/ical/windows_zones.h"
#include "services/common/status_macros.h"
#include "services/common/string_view.h"

namespace babillard::ical {
namespace {

// Tried first when matching a calendar's own zone by offsets, so that an
// Eastern zone becomes the region's zone rather than the first of many
// equivalent names in alphabetical order.
constexpr std::array<std::string_view, 18> kPreferredZones = {
    "America/Toronto",  "America/Halifax",  "America/St_Johns",
    "America/Winnipeg", "America/Edmonton", "America/Vancouver",
    "America/Regina",   "America/Phoenix",  "Europe/London",
    "Europe/Paris",     "Europe/Helsinki",  "Europe/Moscow",
    "Asia/Tokyo",       "Asia/Kolkata",     "Australia/Sydney",
    "Pacific/Auckland", "Pacific/Fiji",     "UTC"};

std::string_view StripKnownPrefixes(std::string_view tzid) {
  // libical's and Mozilla's prefixed TZIDs end with the IANA name.
  for (std::string_view prefix : {"/freeassociation.sourceforge.net/Tzfile/",
                                  "/freeassociation.sourceforge.net/", "/mozilla.org/"}) {
    if (tzid.starts_with(prefix)) {
      tzid.remove_prefix(prefix.size());
      if (prefix == "/mozilla.org/") {
        size_t slash = tzid.find('/');
        if (slash != std::string_view::npos) tzid.remove_prefix(slash + 1);
      }
      break;
    }
  }
  return tzid;
}

bool IsUtcName(std::string_view name) {
  std::string lower = absl::AsciiStrToLower(absl::string_view(name.data(), name.size()));
  return lower == "utc" || lower == "gmt" || lower == "z" || lower == "etc/utc" ||
         lower == "etc/gmt" || lower == "universal" || lower == "zulu";
}

int OffsetOfInlineZone(icaltimezone* zone, int64_t utc_seconds) {
  icaltimetype tt = icaltime_from_timet_with_zone(static_cast<time_t>(utc_seconds), 0,
                                                  icaltimezone_get_utc_timezone());
  int is_daylight = 0;
  return icaltimezone_get_utc_offset_of_utc_time(zone, &tt, &is_daylight);
}

int64_t CivilAsUtcSeconds(absl::CivilSecond local) {
  return absl::ToUnixSeconds(absl::FromCivil(local, absl::UTCTimeZone()));
}

// Samples the calendar-defined zone on the 1st and 15th of each month of
// three years and looks for the IANA zone with the same offsets.
std::optional<std::string> MatchByOffsets(icaltimezone* zone, int year) {
  std::vector<int64_t> samples;
  std::vector<int> offsets;
  for (int y = year - 1; y <= year + 1; ++y) {
    for (int m = 1; m <= 12; ++m) {
      for (int d : {1, 15}) {
        int64_t t = CivilAsUtcSeconds(absl::CivilSecond(y, m, d, 12, 0, 0));
        samples.push_back(t);
        offsets.push_back(OffsetOfInlineZone(zone, t));
      }
    }
  }
  auto matches = [&](std::string_view name) {
    absl::TimeZone tz;
    if (!absl::LoadTimeZone(std::string(name), &tz)) return false;
    for (size_t i = 0; i < samples.size(); ++i) {
      if (tz.At(absl::FromUnixSeconds(samples[i])).offset != offsets[i]) return false;
    }
    return true;
  };
  for (std::string_view name : kPreferredZones) {
    if (matches(name)) return std::string(name);
  }
  icalarray* builtin = icaltimezone_get_builtin_timezones();
  for (size_t i = 0; builtin != nullptr && i < builtin->num_elements; ++i) {
    auto* candidate = static_cast<icaltimezone*>(icalarray_element_at(builtin, i));
    const char* location = icaltimezone_get_location(candidate);
    if (location != nullptr && matches(location)) return std::string(location);
  }
  return std::nullopt;
}

}  // namespace

bool IsIanaZone(std::string_view name) { return LoadIanaZone(name).ok(); }

absl::StatusOr<absl::TimeZone> LoadIanaZone(std::string_view name) {
  // tzdata names only: no path tricks reach the file system.
  if (name.empty() || name.size() > 64 || name.find("..") != std::string_view::npos ||
      !absl::ascii_isalpha(static_cast<unsigned char>(name[0]))) {
    return absl::NotFoundError("not an IANA zone name");
  }
  for (char c : name) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '/' && c != '_' && c != '-' &&
        c != '+') {
      return absl::NotFoundError("not an IANA zone name");
    }
  }
  absl::TimeZone tz;
  if (IsUtcName(name)) return absl::UTCTimeZone();
  if (!absl::LoadTimeZone(std::string(name), &tz)) return absl::NotFoundError("unknown zone");
  return tz;
}

absl::Time LocalToUtc(const Zone& zone, absl::CivilSecond local) {
  if (zone.inline_zone == nullptr) {
    // absl's `pre` is RFC 5545's rule: the pre-transition offset for a
    // skipped time, the first (pre-transition) instant for a repeated one.
    return zone.tz.At(local).pre;
  }
  const int64_t wall = CivilAsUtcSeconds(local);
  const int before = OffsetOfInlineZone(zone.inline_zone, wall - 86400);
  const int after = OffsetOfInlineZone(zone.inline_zone, wall + 86400);
  std::optional<int64_t> best;
  for (int offset : {before, after}) {
    int64_t candidate = wall - offset;
    if (OffsetOfInlineZone(zone.inline_zone, candidate) == offset &&
        (!best.has_value() || candidate < *best)) {
      best = candidate;
    }
  }
  return absl::FromUnixSeconds(best.value_or(wall - before));
}

ZoneResolver::ZoneResolver(icalcomponent* calendar, std::string default_zone)
    : calendar_(calendar), default_zone_(std::move(default_zone)) {
  utc_.iana = "UTC";
  utc_.tz = absl::UTCTimeZone();
}

absl::StatusOr<const Zone*> ZoneResolver::Resolve(std::string_view tzid, int hint_year,
                                                  std::vector<std::string>& warnings) {
  std::string key(tzid);
  if (auto it = cache_.find(key); it != cache_.end()) return it->second.get();
  BABILLARD_ASSIGN_OR_RETURN(Zone zone, ResolveUncached(tzid, hint_year, warnings));
  auto [it, inserted] = cache_.emplace(std::move(key), std::make_unique<Zone>(std::move(zone)));
  return it->second.get();
}

absl::StatusOr<Zone> ZoneResolver::ResolveUncached(std::string_view tzid, int hint_year,
                                                   std::vector<std::string>& warnings) {
  std::string_view name = Sv(absl::StripAsciiWhitespace(Av(tzid)));
  if (name.size() >= 2 && name.front() == '"' && name.back() == '"') {
    name = name.substr(1, name.size() - 2);
  }
  std::string_view bare = StripKnownPrefixes(name);
  Zone zone;
  if (IsUtcName(bare)) return utc_;
  if (absl::StartsWithIgnoreCase(Av(bare), "Customized Time Zone") &&
      (calendar_ == nullptr ||
       icalcomponent_get_timezone(calendar_, std::string(name).c_str()) == nullptr)) {
    // Outlook's placeholder for a user-defined zone it did not export.
    warnings.push_back("TZID \"Customized Time Zone\" without a VTIMEZONE read as floating");
    return *Floating(warnings);
  }
  if (absl::StatusOr<absl::TimeZone> tz = LoadIanaZone(bare); tz.ok()) {
    zone.iana = std::string(bare);
    zone.tz = *tz;
    return zone;
  }
  if (std::optional<std::string_view> iana = WindowsZoneToIana(bare); iana.has_value()) {
    absl::StatusOr<absl::TimeZone> tz = LoadIanaZone(*iana);
    if (tz.ok()) {
      warnings.push_back(absl::StrCat("TZID \"", Av(bare), "\" mapped to ", Av(*iana)));
      zone.iana = std::string(*iana);
      zone.tz = *tz;
      return zone;
    }
  }
  std::string tzid_copy(name);
  icaltimezone* inline_zone =
      calendar_ == nullptr ? nullptr : icalcomponent_get_timezone(calendar_, tzid_copy.c_str());
  if (inline_zone == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("unknown TZID \"", Av(name), "\""));
  }
  zone.inline_zone = inline_zone;
  // X-LIC-LOCATION names the IANA zone a VTIMEZONE was made from.
  const char* location = icaltimezone_get_location(inline_zone);
  std::optional<std::string> iana;
  if (location != nullptr && IsIanaZone(location)) iana = std::string(location);
  if (!iana.has_value()) iana = MatchByOffsets(inline_zone, hint_year);
  if (iana.has_value()) {
    warnings.push_back(absl::StrCat("TZID \"", Av(name), "\" published as ", *iana));
    zone.iana = *iana;
    zone.tz = *LoadIanaZone(*iana);
  } else {
    warnings.push_back(absl::StrCat("TZID \"", Av(name),
                                    "\" matches no IANA zone; its times are published in UTC"));
    zone.iana = "UTC";
    zone.tz = absl::UTCTimeZone();
  }
  return zone;
}

const Zone* ZoneResolver::Floating(std::vector<std::string>& warnings) {
  if (floating_ != nullptr) return floating_;
  std::optional<std::string> name;
  if (calendar_ != nullptr) {
    for (icalproperty* p = icalcomponent_get_first_property(calendar_, ICAL_X_PROPERTY);
         p != nullptr; p = icalcomponent_get_next_property(calendar_, ICAL_X_PROPERTY)) {
      const char* x_name = icalproperty_get_x_name(p);
      const char* value = icalproperty_get_x(p);
      if (x_name != nullptr && value != nullptr &&
          absl::EqualsIgnoreCase(x_name, "X-WR-TIMEZONE")) {
        name = value;
      }
    }
    if (!name.has_value() &&
        icalcomponent_count_components(calendar_, ICAL_VTIMEZONE_COMPONENT) == 1) {
      icalcomponent* vtz = icalcomponent_get_first_component(calendar_, ICAL_VTIMEZONE_COMPONENT);
      icalproperty* p = icalcomponent_get_first_property(vtz, ICAL_TZID_PROPERTY);
      if (p != nullptr && icalproperty_get_tzid(p) != nullptr) name = icalproperty_get_tzid(p);
    }
  }
  if (name.has_value()) {
    std::vector<std::string> ignored;
    absl::StatusOr<const Zone*> zone = Resolve(*name, 2025, ignored);
    if (zone.ok()) {
      warnings.push_back(
          absl::StrCat("floating times read in the calendar's zone ", (*zone)->iana));
      floating_ = *zone;
      return floating_;
    }
  }
  absl::StatusOr<const Zone*> zone = Resolve(default_zone_, 2025, warnings);
  floating_ = zone.ok() ? *zone : &utc_;
  return floating_;
}

}  // namespace babillard::ical
