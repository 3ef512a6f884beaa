#include "services/publish/web/date_words.h"

#include <gtest/gtest.h>

namespace babillard::publish::web {
namespace {

TEST(DateWords, DatesAndTimesAsResidentsWriteThem) {
  const absl::CivilDay saturday(2026, 12, 5);
  EXPECT_EQ(LongDate(saturday, "fr", true), "samedi 5 décembre 2026");
  EXPECT_EQ(LongDate(absl::CivilDay(2027, 1, 1), "fr", false), "vendredi 1er janvier");
  EXPECT_EQ(LongDate(saturday, "en", true), "Saturday, December 5, 2026");
  EXPECT_EQ(ClockTime(absl::CivilSecond(2026, 12, 5, 19, 30, 0), "fr"), "19 h 30");
  EXPECT_EQ(ClockTime(absl::CivilSecond(2026, 12, 5, 19, 0, 0), "fr"), "19 h");
  EXPECT_EQ(ClockTime(absl::CivilSecond(2026, 12, 5, 9, 5, 0), "fr"), "9 h 05");
  EXPECT_EQ(ClockTime(absl::CivilSecond(2026, 12, 5, 19, 30, 0), "en"), "7:30 p.m.");
  EXPECT_EQ(ClockTime(absl::CivilSecond(2026, 12, 5, 0, 0, 0), "en"), "12 a.m.");
  EXPECT_EQ(ClockTime(absl::CivilSecond(2026, 12, 5, 12, 0, 0), "en"), "12 p.m.");
  EXPECT_EQ(MonthName(absl::CivilMonth(2027, 8), "fr"), "août 2027");
}

TEST(DateWords, DayHeadingsSayTodayTomorrowAndTheWeekend) {
  const absl::CivilDay thursday(2026, 12, 3);
  EXPECT_EQ(DayHeading(thursday, thursday, "fr"), "Aujourd'hui");
  EXPECT_EQ(DayHeading(thursday + 1, thursday, "en"), "Tomorrow");
  EXPECT_EQ(DayHeading(thursday + 2, thursday, "fr"), "Ce week-end · samedi 5 décembre");
  EXPECT_EQ(DayHeading(thursday + 3, thursday, "en"), "This weekend · Sunday, December 6");
  EXPECT_EQ(DayHeading(thursday + 9, thursday, "fr"), "Samedi 12 décembre") << "not this weekend";
  EXPECT_EQ(DayHeading(absl::CivilDay(2027, 1, 4), thursday, "fr"), "Lundi 4 janvier 2027");
}

TEST(DateWords, RecurrencesInWords) {
  EXPECT_EQ(RecurrenceInWords("FREQ=WEEKLY;BYDAY=TU,TH", "fr"),
            "Chaque semaine, le mardi et le jeudi");
  EXPECT_EQ(RecurrenceInWords("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO;COUNT=10", "en"),
            "Every 2 weeks on Monday, 10 times");
  EXPECT_EQ(RecurrenceInWords("FREQ=MONTHLY;BYMONTHDAY=1", "fr"), "Chaque mois, le 1er");
  EXPECT_EQ(RecurrenceInWords("FREQ=DAILY;UNTIL=20270301T000000Z", "fr"),
            "Chaque jour, jusqu'au lundi 1er mars 2027");
  EXPECT_EQ(RecurrenceInWords("FREQ=MONTHLY;BYDAY=2TU", "fr"), "Récurrent")
      << "what it cannot say, the next dates show";
  EXPECT_EQ(RecurrenceInWords("FREQ=YEARLY;BYSETPOS=1", "en"), "Repeats");
}

}  // namespace
}  // namespace babillard::publish::web
