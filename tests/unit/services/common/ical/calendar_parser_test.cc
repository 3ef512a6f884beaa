#include "services/common/ical/calendar_parser.h"

#include <gtest/gtest.h>

#include <string>

namespace babillard::ical {
namespace {

std::string Calendar(const std::string& events) {
  return "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n" + events + "END:VCALENDAR\r\n";
}

std::string Event(const std::string& uid, const std::string& body) {
  return "BEGIN:VEVENT\r\nUID:" + uid + "\r\nDTSTAMP:20250101T000000Z\r\n" + body +
         "END:VEVENT\r\n";
}

NormalizeOptions Options() {
  NormalizeOptions options;
  options.known_categories = {"culture", "sport", "municipal"};
  return options;
}

TEST(ParseCalendar, ReadsEveryField) {
  absl::StatusOr<ParsedCalendar> parsed =
      ParseCalendar(Calendar(Event("a@x",
                                   "DTSTART;TZID=America/Toronto:20250701T190000\r\n"
                                   "DTEND;TZID=America/Toronto:20250701T210000\r\n"
                                   "SUMMARY;LANGUAGE=fr:Soirée\\, contes\\; musique\r\n"
                                   "SUMMARY;LANGUAGE=en:Story night\r\n"
                                   "DESCRIPTION:<p>Apportez <b>vos</b> chaises</p>\r\n"
                                   "LOCATION:Salle communautaire\r\n"
                                   "GEO:45.788;-72.016\r\n"
                                   "X-BABILLARD-MUNICIPALITY:Danville\r\n"
                                   "CATEGORIES:Culture,Conte\r\n"
                                   "ORGANIZER;CN=Bibliothèque:mailto:biblio@danville.ca\r\n"
                                   "URL:https://danville.ca/contes\r\n"
                                   "IMAGE;VALUE=URI:https://danville.ca/c.jpg\r\n"
                                   "X-BABILLARD-PRICE:Gratuit\r\n"
                                   "STATUS:TENTATIVE\r\nSEQUENCE:3\r\n"
                                   "LAST-MODIFIED:20250601T120000Z\r\n")),
                    Options());
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  ASSERT_EQ(parsed->events.size(), 1u);
  const v1::Event& e = parsed->events[0];
  EXPECT_EQ(e.uid(), "a@x");
  EXPECT_EQ(e.title().fr(), "Soirée, contes; musique");
  EXPECT_EQ(e.title().en(), "Story night");
  EXPECT_EQ(e.description().fr(), "Apportez vos chaises");
  EXPECT_EQ(e.start().local(), "2025-07-01T19:00:00");
  EXPECT_EQ(e.start().time_zone(), "America/Toronto");
  EXPECT_EQ(e.start().utc_seconds(), 1751410800);  // 23:00Z
  EXPECT_EQ(e.end().utc_seconds() - e.start().utc_seconds(), 7200);
  EXPECT_EQ(e.location().name(), "Salle communautaire");
  EXPECT_EQ(e.location().municipality(), "danville");
  EXPECT_TRUE(e.location().has_coordinates());
  EXPECT_DOUBLE_EQ(e.location().latitude(), 45.788);
  EXPECT_EQ(e.categories_size(), 1);
  EXPECT_EQ(e.categories(0), "culture");
  ASSERT_EQ(e.tags_size(), 1);
  EXPECT_EQ(e.tags(0), "Conte");
  EXPECT_EQ(e.organizer().email(), "biblio@danville.ca");
  EXPECT_EQ(e.organizer().name(), "Bibliothèque");
  EXPECT_EQ(e.url(), "https://danville.ca/contes");
  EXPECT_EQ(e.image_url(), "https://danville.ca/c.jpg");
  EXPECT_EQ(e.price().fr(), "Gratuit");
  EXPECT_EQ(e.status(), v1::Event::STATUS_TENTATIVE);
  EXPECT_EQ(e.sequence(), 3);
  EXPECT_EQ(e.last_modified(), 1748779200);
}

TEST(ParseCalendar, OneBadEventDoesNotSinkTheOthers) {
  absl::StatusOr<ParsedCalendar> parsed = ParseCalendar(
      Calendar(Event("good", "DTSTART:20250701T190000Z\r\nSUMMARY:ok\r\n") +
               Event("late", "DTSTART:20250701T190000Z\r\nDTEND:20250701T180000Z\r\n") +
               Event("nostart", "SUMMARY:x\r\n") +
               Event("mars", "DTSTART;TZID=Mars/Olympus_Mons:20250701T190000\r\n")),
      Options());
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  ASSERT_EQ(parsed->events.size(), 1u);
  EXPECT_EQ(parsed->events[0].uid(), "good");
  ASSERT_EQ(parsed->rejections.size(), 3u);
  EXPECT_EQ(parsed->rejections[0].field(), "dtend");
  EXPECT_EQ(parsed->rejections[0].uid(), "late");
  EXPECT_EQ(parsed->rejections[0].line(), 10);
  EXPECT_EQ(parsed->rejections[1].field(), "dtstart");
  EXPECT_EQ(parsed->rejections[2].field(), "dtstart");
  EXPECT_NE(parsed->rejections[2].reason().find("Mars/Olympus_Mons"), std::string::npos);
}

TEST(ParseCalendar, RejectsRulesLibicalWouldSilentlyDrop) {
  absl::StatusOr<ParsedCalendar> parsed = ParseCalendar(
      Calendar(Event("r", "DTSTART:20250701T190000Z\r\nRRULE:FREQ=FORTNIGHTLY\r\n")), Options());
  ASSERT_TRUE(parsed.ok());
  EXPECT_TRUE(parsed->events.empty()) << "an invalid RRULE must not become a single occurrence";
  ASSERT_EQ(parsed->rejections.size(), 1u);
  EXPECT_EQ(parsed->rejections[0].field(), "rrule");
}

TEST(ParseCalendar, LimitsCountAndTextLengths) {
  NormalizeOptions options = Options();
  options.limits.max_title_bytes = 10;
  absl::StatusOr<ParsedCalendar> parsed = ParseCalendar(
      Calendar(Event("t", "DTSTART:20250701T190000Z\r\nSUMMARY:" + std::string(11, 'a') + "\r\n") +
               Event("c", "DTSTART:20250701T190000Z\r\nRRULE:FREQ=DAILY;COUNT=999999\r\n")),
      options);
  ASSERT_TRUE(parsed.ok());
  ASSERT_EQ(parsed->rejections.size(), 2u);
  EXPECT_EQ(parsed->rejections[0].field(), "summary");
  EXPECT_EQ(parsed->rejections[1].field(), "rrule");
}

TEST(ParseCalendar, AllDayDatesHaveExclusiveEnds) {
  absl::StatusOr<ParsedCalendar> parsed = ParseCalendar(
      Calendar(Event("d", "DTSTART;VALUE=DATE:20250701\r\nDTEND;VALUE=DATE:20250704\r\n") +
               Event("e", "DTSTART;VALUE=DATE:20250801\r\n")),
      Options());
  ASSERT_TRUE(parsed.ok());
  ASSERT_EQ(parsed->events.size(), 2u);
  EXPECT_TRUE(parsed->events[0].start().all_day());
  EXPECT_EQ(parsed->events[0].end().local(), "2025-07-04");
  EXPECT_EQ(parsed->events[1].end().local(), "2025-08-02");
}

TEST(ParseCalendar, FloatingTimesUseTheCalendarZoneOrTheRegion) {
  absl::StatusOr<ParsedCalendar> parsed =
      ParseCalendar(Calendar(Event("f", "DTSTART:20250701T190000\r\n")), Options());
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->events[0].start().time_zone(), "America/Toronto");
  parsed = ParseCalendar("BEGIN:VCALENDAR\r\nX-WR-TIMEZONE:Europe/Paris\r\n" +
                             Event("f", "DTSTART:20250701T190000\r\n") + "END:VCALENDAR\r\n",
                         Options());
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->events[0].start().time_zone(), "Europe/Paris");
  EXPECT_EQ(parsed->events[0].start().utc_seconds(), 1751389200);  // 17:00Z
}

TEST(ParseCalendar, MapsWindowsZoneNames) {
  absl::StatusOr<ParsedCalendar> parsed = ParseCalendar(
      Calendar(Event("w", "DTSTART;TZID=Eastern Standard Time:20250701T190000\r\n")), Options());
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->events[0].start().time_zone(), "America/New_York");
  EXPECT_FALSE(parsed->warnings.empty());
}

TEST(ParseCalendar, MatchesACustomZoneToIanaByItsOffsets) {
  std::string vtimezone =
      "BEGIN:VTIMEZONE\r\nTZID:Heure de l'Est\r\n"
      "BEGIN:STANDARD\r\nDTSTART:19701101T020000\r\nRRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU\r\n"
      "TZOFFSETFROM:-0400\r\nTZOFFSETTO:-0500\r\nEND:STANDARD\r\n"
      "BEGIN:DAYLIGHT\r\nDTSTART:19700308T020000\r\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU\r\n"
      "TZOFFSETFROM:-0500\r\nTZOFFSETTO:-0400\r\nEND:DAYLIGHT\r\nEND:VTIMEZONE\r\n";
  absl::StatusOr<ParsedCalendar> parsed = ParseCalendar(
      Calendar(vtimezone + Event("c", "DTSTART;TZID=Heure de l'Est:20250701T190000\r\n")),
      Options());
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->events[0].start().time_zone(), "America/Toronto");
  EXPECT_EQ(parsed->events[0].start().local(), "2025-07-01T19:00:00");
  EXPECT_EQ(parsed->events[0].start().utc_seconds(), 1751410800);
}

TEST(ParseCalendar, GroupsOverridesWithTheirMasterWhateverTheOrder) {
  absl::StatusOr<ParsedCalendar> parsed = ParseCalendar(
      Calendar(
          Event("s",
                "RECURRENCE-ID:20250702T190000Z\r\nDTSTART:20250702T200000Z\r\nSUMMARY:moved\r\n") +
          Event("s",
                "DTSTART:20250701T190000Z\r\nDTEND:20250701T200000Z\r\nRRULE:FREQ=DAILY;COUNT="
                "3\r\n")),
      Options());
  ASSERT_TRUE(parsed.ok());
  ASSERT_EQ(parsed->events.size(), 1u);
  ASSERT_EQ(parsed->events[0].overrides_size(), 1);
  EXPECT_EQ(parsed->events[0].overrides(0).title().fr(), "moved");
  // The override had no end: it keeps the master's duration.
  EXPECT_EQ(parsed->events[0].overrides(0).end().utc_seconds() -
                parsed->events[0].overrides(0).start().utc_seconds(),
            3600);
}

TEST(ParseCalendar, DerivesAStableUidWhenAsked) {
  std::string body =
      Calendar("BEGIN:VEVENT\r\nDTSTART:20250701T190000Z\r\nSUMMARY:sans uid\r\nEND:VEVENT\r\n");
  absl::StatusOr<ParsedCalendar> a = ParseCalendar(body, Options());
  absl::StatusOr<ParsedCalendar> b = ParseCalendar(body, Options());
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->events[0].uid(), b->events[0].uid());
  NormalizeOptions strict = Options();
  strict.derive_missing_uid = false;
  absl::StatusOr<ParsedCalendar> c = ParseCalendar(body, strict);
  ASSERT_TRUE(c.ok());
  ASSERT_EQ(c->rejections.size(), 1u);
  EXPECT_EQ(c->rejections[0].field(), "uid");
}

TEST(Slugify, FoldsFrenchAccents) {
  EXPECT_EQ(Slugify("Saint-Georges-de-Windsor"), "saint-georges-de-windsor");
  EXPECT_EQ(Slugify("Fête  au Village!"), "fete-au-village");
}

}  // namespace
}  // namespace babillard::ical
