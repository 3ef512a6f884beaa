#pragma once

#include <libical/ical.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace babillard::ical {

// A time zone as babillard publishes it: always an IANA name (or "UTC"), and,
// when the calendar defined a zone tzdata does not know, that calendar's own
// VTIMEZONE, which then decides what instant a local time is.
struct Zone {
  std::string iana;
  absl::TimeZone tz;
  // Borrowed from the parsed calendar; null when tzdata defines the zone.
  icaltimezone* inline_zone = nullptr;
};

// The instant a wall-clock time denotes in `zone`, resolving DST as RFC 5545
// §3.3.5 says: a time in a gap uses the offset before the gap, a time in an
// overlap its first occurrence. (libical 3.0.16 does neither.)
absl::Time LocalToUtc(const Zone& zone, absl::CivilSecond local);

// True when `name` is an IANA zone tzdata knows ("America/Toronto").
bool IsIanaZone(std::string_view name);

// Loads an IANA zone; NOT_FOUND for an unknown name.
absl::StatusOr<absl::TimeZone> LoadIanaZone(std::string_view name);

// Resolves the TZIDs of one calendar. Not thread-safe; lives as long as the
// calendar it borrows.
class ZoneResolver {
 public:
  // `calendar` is the parsed VCALENDAR (borrowed); `default_zone` is the
  // region's zone, used for floating times when the calendar names none.
  ZoneResolver(icalcomponent* calendar, std::string default_zone);

  // The zone for a TZID parameter: an IANA name (quoted, or with a libical or
  // Mozilla prefix), a Windows or Outlook display name, or a zone the
  // calendar defines, matched to the IANA zone with the same offsets around
  // `hint_year` (or kept as UTC instants when none matches). Appends a
  // warning for every mapping it makes. INVALID_ARGUMENT for an unknown zone.
  absl::StatusOr<const Zone*> Resolve(std::string_view tzid, int hint_year,
                                      std::vector<std::string>& warnings);

  // The zone for floating times: the calendar's X-WR-TIMEZONE, else its only
  // VTIMEZONE, else the default zone.
  const Zone* Floating(std::vector<std::string>& warnings);

  const Zone* Utc() const { return &utc_; }

 private:
  absl::StatusOr<Zone> ResolveUncached(std::string_view tzid, int hint_year,
                                       std::vector<std::string>& warnings);

  icalcomponent* calendar_;
  std::string default_zone_;
  Zone utc_;
  absl::flat_hash_map<std::string, std::unique_ptr<Zone>> cache_;
  const Zone* floating_ = nullptr;
};

}  // namespace babillard::ical
