#include "services/common/ical/recurrence.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "services/common/ical/calendar_parser.h"

namespace babillard::ical {
namespace {

v1::Event ParseOne(const std::string& body) {
  absl::StatusOr<ParsedCalendar> parsed = ParseCalendar(
      "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n" + body + "END:VCALENDAR\r\n", NormalizeOptions());
  EXPECT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->events.size(), 1u);
  return parsed->events.at(0);
}

absl::Time Day(int y, int m, int d) {
  return absl::FromCivil(absl::CivilDay(y, m, d), absl::UTCTimeZone());
}

std::vector<std::string> Starts(const Expansion& x) {
  std::vector<std::string> out;
  for (const Occurrence& o : x.occurrences) {
    out.push_back(absl::FormatTime("%Y-%m-%dT%H:%MZ", o.start, absl::UTCTimeZone()));
  }
  return out;
}

TEST(ExpandOccurrences, WeeklyAcrossTorontoDstKeepsTheWallClock) {
  v1::Event e = ParseOne(
      "BEGIN:VEVENT\r\nUID:w\r\nDTSTART;TZID=America/Toronto:20250302T143000\r\n"
      "DURATION:PT1H\r\nRRULE:FREQ=WEEKLY;COUNT=3\r\nEND:VEVENT\r\n");
  absl::StatusOr<Expansion> x = ExpandOccurrences(e, Day(2025, 1, 1), Day(2026, 1, 1), Limits());
  ASSERT_TRUE(x.ok());
  EXPECT_EQ(Starts(*x), (std::vector<std::string>{"2025-03-02T19:30Z", "2025-03-09T18:30Z",
                                                  "2025-03-16T18:30Z"}));
}

TEST(ExpandOccurrences, DailyThroughTheSpringGapFollowsRfc5545) {
  v1::Event e = ParseOne(
      "BEGIN:VEVENT\r\nUID:g\r\nDTSTART;TZID=America/Toronto:20250307T023000\r\n"
      "DURATION:PT30M\r\nRRULE:FREQ=DAILY;COUNT=5\r\nEND:VEVENT\r\n");
  absl::StatusOr<Expansion> x = ExpandOccurrences(e, Day(2025, 1, 1), Day(2026, 1, 1), Limits());
  ASSERT_TRUE(x.ok());
  EXPECT_EQ(Starts(*x),
            (std::vector<std::string>{"2025-03-07T07:30Z", "2025-03-08T07:30Z", "2025-03-09T07:30Z",
                                      "2025-03-10T06:30Z", "2025-03-11T06:30Z"}));
}

TEST(ExpandOccurrences, OverridesReplaceTheirInstanceAndExdatesRemoveOne) {
  v1::Event e = ParseOne(
      "BEGIN:VEVENT\r\nUID:s\r\nDTSTART:20250701T190000Z\r\nDTEND:20250701T200000Z\r\n"
      "RRULE:FREQ=DAILY;COUNT=5\r\nEXDATE:20250703T190000Z\r\nEND:VEVENT\r\n"
      "BEGIN:VEVENT\r\nUID:s\r\nRECURRENCE-ID:20250702T190000Z\r\nDTSTART:20250702T220000Z\r\n"
      "DTEND:20250702T230000Z\r\nEND:VEVENT\r\n"
      "BEGIN:VEVENT\r\nUID:s\r\nRECURRENCE-ID:20250705T190000Z\r\nDTSTART:20250705T190000Z\r\n"
      "STATUS:CANCELLED\r\nEND:VEVENT\r\n");
  absl::StatusOr<Expansion> x = ExpandOccurrences(e, Day(2025, 1, 1), Day(2026, 1, 1), Limits());
  ASSERT_TRUE(x.ok());
  EXPECT_EQ(Starts(*x), (std::vector<std::string>{"2025-07-01T19:00Z", "2025-07-02T22:00Z",
                                                  "2025-07-04T19:00Z", "2025-07-05T19:00Z"}));
  EXPECT_NE(x->occurrences[1].override_event, nullptr);
  EXPECT_EQ(x->occurrences[3].status, v1::Event::STATUS_CANCELLED);
}

TEST(ExpandOccurrences, RdatesAddOccurrences) {
  v1::Event e = ParseOne(
      "BEGIN:VEVENT\r\nUID:r\r\nDTSTART:20250701T190000Z\r\nRDATE:20250710T190000Z\r\nEND:"
      "VEVENT\r\n");
  absl::StatusOr<Expansion> x = ExpandOccurrences(e, Day(2025, 1, 1), Day(2026, 1, 1), Limits());
  ASSERT_TRUE(x.ok());
  EXPECT_EQ(x->occurrences.size(), 2u);
}

TEST(ExpandOccurrences, OnlyTheWindowAndNoMoreThanTheCap) {
  v1::Event e = ParseOne(
      "BEGIN:VEVENT\r\nUID:u\r\nDTSTART:20200101T120000Z\r\nRRULE:FREQ=DAILY\r\nEND:VEVENT\r\n");
  absl::StatusOr<Expansion> x = ExpandOccurrences(e, Day(2025, 1, 1), Day(2025, 1, 11), Limits());
  ASSERT_TRUE(x.ok());
  EXPECT_EQ(x->occurrences.size(), 10u);
  EXPECT_FALSE(x->truncated);
  Limits limits;
  limits.max_occurrences = 5;
  x = ExpandOccurrences(e, Day(2025, 1, 1), Day(2026, 1, 1), limits);
  ASSERT_TRUE(x.ok());
  EXPECT_EQ(x->occurrences.size(), 5u);
  EXPECT_TRUE(x->truncated);
}

TEST(ExpandOccurrences, ATooDenseRuleStopsWithAClearError) {
  v1::Event e;
  e.set_uid("h");
  e.mutable_start()->set_local("2000-01-01T00:00:00");
  e.mutable_start()->set_time_zone("UTC");
  e.mutable_start()->set_utc_seconds(946684800);
  *e.mutable_end() = e.start();
  e.set_rrule("FREQ=HOURLY;COUNT=5000;BYMONTH=12");  // COUNT forbids skipping ahead
  Limits limits;
  limits.max_recurrence_steps = 1000;
  absl::StatusOr<Expansion> x = ExpandOccurrences(e, Day(2030, 1, 1), Day(2031, 1, 1), limits);
  EXPECT_EQ(x.status().code(), absl::StatusCode::kResourceExhausted) << x.status();
}

TEST(ExpandOccurrences, AllDaySeriesStayOnTheirDates) {
  v1::Event e = ParseOne(
      "BEGIN:VEVENT\r\nUID:a\r\nDTSTART;VALUE=DATE:20251030\r\nDTEND;VALUE=DATE:20251031\r\n"
      "RRULE:FREQ=WEEKLY;COUNT=3\r\nEND:VEVENT\r\n");
  absl::StatusOr<Expansion> x = ExpandOccurrences(e, Day(2025, 1, 1), Day(2026, 1, 1), Limits());
  ASSERT_TRUE(x.ok());
  ASSERT_EQ(x->occurrences.size(), 3u);
  EXPECT_EQ(x->occurrences[2].local_start, "2025-11-13");
  EXPECT_EQ(x->occurrences[2].end - x->occurrences[2].start, absl::Hours(24));
}

}  // namespace
}  // namespace babillard::ical
