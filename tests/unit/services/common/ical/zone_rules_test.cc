#include "services/common/ical/zone_rules.h"

#include <gtest/gtest.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "services/common/ical/calendar_parser.h"
#include "services/common/ical/field_status.h"

namespace babillard::ical {
namespace {

std::string ZoneWith(const std::string& observance_lines) {
  return absl::StrCat(
      "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n"
      "BEGIN:VTIMEZONE\r\nTZID:Bomb\r\nBEGIN:STANDARD\r\nTZOFFSETFROM:-0400\r\n"
      "TZOFFSETTO:-0500\r\nTZNAME:B\r\n",
      observance_lines,
      "END:STANDARD\r\nBEGIN:DAYLIGHT\r\nDTSTART:20250309T020000\r\nTZOFFSETFROM:-0500\r\n"
      "TZOFFSETTO:-0400\r\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU\r\nEND:DAYLIGHT\r\n"
      "END:VTIMEZONE\r\nBEGIN:VEVENT\r\nUID:b@x\r\nDTSTAMP:20250101T000000Z\r\n"
      "DTSTART;TZID=Bomb:20270701T190000\r\nSUMMARY:x\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n");
}

void ExpectRefused(const std::string& lines, const std::string& reason) {
  absl::StatusOr<ParsedCalendar> parsed = ParseCalendar(ZoneWith(lines), NormalizeOptions());
  ASSERT_FALSE(parsed.ok()) << lines;
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FieldOfError(parsed.status()).value_or(""), "vtimezone");
  EXPECT_NE(parsed.status().message().find("TZID \"Bomb\""), absl::string_view::npos)
      << parsed.status();
  EXPECT_NE(parsed.status().message().find(reason), absl::string_view::npos) << parsed.status();
}

// Each of these made libical expand every transition from DTSTART on the
// first offset lookup: MINUTELY from 2025 was 35 s and 300 MiB.
TEST(TimeZoneRules, RulesThatRepeatMoreOftenThanMonthlyAreRefusedBeforeAnyLookup) {
  ExpectRefused("DTSTART:20251102T020000\r\nRRULE:FREQ=MINUTELY\r\n", "FREQ=MINUTELY");
  ExpectRefused("DTSTART:20251102T020000\r\nRRULE:FREQ=SECONDLY\r\n", "FREQ=SECONDLY");
  ExpectRefused("DTSTART:19700101T000000\r\nRRULE:FREQ=HOURLY\r\n", "FREQ=HOURLY");
  ExpectRefused("DTSTART:19700101T000000\r\nRRULE:FREQ=DAILY\r\n", "FREQ=DAILY");
}

TEST(TimeZoneRules, TimePartsAndLongListsAreRefused) {
  ExpectRefused("DTSTART:19700101T000000\r\nRRULE:FREQ=YEARLY;BYHOUR=1,2,3\r\n", "BYHOUR");
  ExpectRefused("DTSTART:19700101T000000\r\nRRULE:FREQ=YEARLY;BYMINUTE=1\r\n", "BYMINUTE");
  ExpectRefused("DTSTART:19700101T000000\r\nRRULE:FREQ=YEARLY;BYYEARDAY=" +
                    std::string("1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,"
                                "26,27,28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,"
                                "48,49,50,51,52,53,54,55,56,57,58,59,60,61,62,63,64,65") +
                    "\r\n",
                "transitions per period");
}

TEST(TimeZoneRules, RdatesAreCounted) {
  // Five RDATE lines of 450 values each (libical takes up to 500 a line).
  std::string rdates = "DTSTART:20000101T020000\r\n";
  for (int line = 0; line < 5; ++line) {
    rdates += "RDATE:";
    for (int i = 0; i < 450; ++i) {
      absl::StrAppend(&rdates, i > 0 ? "," : "", 2000 + line * 100 + i / 12, i % 12 < 9 ? "0" : "",
                      i % 12 + 1, "01T020000");
    }
    rdates += "\r\n";
  }
  NormalizeOptions options;
  absl::StatusOr<ParsedCalendar> parsed = ParseCalendar(ZoneWith(rdates), options);
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(FieldOfError(parsed.status()).value_or(""), "vtimezone");
  EXPECT_NE(parsed.status().message().find("RDATEs"), absl::string_view::npos) << parsed.status();
}

TEST(TimeZoneRules, ZonesAsCalendarProgramsWriteThemAreTaken) {
  for (const std::string& lines :
       {std::string("DTSTART:20251102T020000\r\nRRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU\r\n"),
        // Windows exports start in 1601, node-ical's fixture in year 1.
        std::string("DTSTART:16010101T020000\r\nRRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU\r\n"),
        std::string("DTSTART:00011102T020000\r\nRRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU\r\n"),
        // The old US rule: the Sunday among the 8th to the 14th.
        std::string("DTSTART:19701101T020000\r\n"
                    "RRULE:FREQ=YEARLY;BYMONTH=11;BYMONTHDAY=1,2,3,4,5,6,7;BYDAY=SU\r\n"),
        std::string("DTSTART:20251102T020000\r\nRDATE:20261101T020000\r\n")}) {
    absl::StatusOr<ParsedCalendar> parsed = ParseCalendar(ZoneWith(lines), NormalizeOptions());
    ASSERT_TRUE(parsed.ok()) << lines << parsed.status();
    ASSERT_EQ(parsed->events.size(), 1u) << lines;
    // 19:00 EDT, as the DAYLIGHT part says.
    EXPECT_EQ(parsed->events[0].start().utc_seconds(), 1814482800) << lines;
  }
}

}  // namespace
}  // namespace babillard::ical
