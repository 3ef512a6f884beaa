#include "services/common/ical/time_zones.h"

#include <gtest/gtest.h>

#include "services/common/ical/windows_zones.h"

namespace babillard::ical {
namespace {

Zone Iana(const std::string& name) {
  Zone zone;
  zone.iana = name;
  zone.tz = *LoadIanaZone(name);
  return zone;
}

std::string Utc(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone());
}

// RFC 5545 §3.3.5: a nonexistent local time uses the offset before the gap.
TEST(LocalToUtc, TorontoSpringGapUsesTheOffsetBeforeIt) {
  EXPECT_EQ(Utc(LocalToUtc(Iana("America/Toronto"), absl::CivilSecond(2025, 3, 9, 2, 30, 0))),
            "2025-03-09T07:30:00Z");
}

// RFC 5545 §3.3.5: an ambiguous local time is its first occurrence.
TEST(LocalToUtc, TorontoFallOverlapTakesTheFirstOccurrence) {
  EXPECT_EQ(Utc(LocalToUtc(Iana("America/Toronto"), absl::CivilSecond(2025, 11, 2, 1, 30, 0))),
            "2025-11-02T05:30:00Z");
}

TEST(LocalToUtc, TorontoOrdinaryTimes) {
  EXPECT_EQ(Utc(LocalToUtc(Iana("America/Toronto"), absl::CivilSecond(2025, 1, 15, 19, 0, 0))),
            "2025-01-16T00:00:00Z");
  EXPECT_EQ(Utc(LocalToUtc(Iana("America/Toronto"), absl::CivilSecond(2025, 7, 1, 19, 0, 0))),
            "2025-07-01T23:00:00Z");
}

TEST(WindowsZoneToIana, MapsOutlookNamesAndDisplayNames) {
  EXPECT_EQ(WindowsZoneToIana("Eastern Standard Time"), "America/New_York");
  EXPECT_EQ(WindowsZoneToIana("W. Europe Standard Time"), "Europe/Berlin");
  EXPECT_EQ(WindowsZoneToIana("(UTC-05:00) Eastern Time (US & Canada)"), "America/New_York");
  EXPECT_EQ(WindowsZoneToIana("Mars Standard Time"), std::nullopt);
}

TEST(LoadIanaZone, RefusesPathsAndUnknownNames) {
  EXPECT_TRUE(LoadIanaZone("America/Toronto").ok());
  EXPECT_FALSE(LoadIanaZone("../../etc/passwd").ok());
  EXPECT_FALSE(LoadIanaZone("Mars/Olympus_Mons").ok());
}

TEST(ZoneResolver, StripsLibicalPrefixesAndQuotes) {
  ZoneResolver resolver(nullptr, "America/Toronto");
  std::vector<std::string> warnings;
  absl::StatusOr<const Zone*> zone =
      resolver.Resolve("/freeassociation.sourceforge.net/America/Toronto", 2025, warnings);
  ASSERT_TRUE(zone.ok());
  EXPECT_EQ((*zone)->iana, "America/Toronto");
  zone = resolver.Resolve("\"Europe/Paris\"", 2025, warnings);
  ASSERT_TRUE(zone.ok());
  EXPECT_EQ((*zone)->iana, "Europe/Paris");
  EXPECT_FALSE(resolver.Resolve("Mars/Olympus_Mons", 2025, warnings).ok());
}

}  // namespace
}  // namespace babillard::ical
