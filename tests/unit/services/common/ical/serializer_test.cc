#include "services/common/ical/serializer.h"

#include <gtest/gtest.h>

#include <string>

#include "absl/strings/str_split.h"
#include "services/common/ical/calendar_parser.h"

namespace babillard::ical {
namespace {

v1::Event Sample() {
  v1::Event e;
  e.set_uid("evt-1@babillard");
  e.mutable_title()->set_fr("Soirée\r\ncontes, musique; \\ danse");
  e.mutable_title()->set_en("Story night");
  e.mutable_description()->set_fr(std::string(300, 'e') + "é€🎉" + std::string(100, 'x'));
  e.mutable_start()->set_local("2025-07-01T19:00:00");
  e.mutable_start()->set_time_zone("America/Toronto");
  e.mutable_start()->set_utc_seconds(1751410800);
  e.mutable_end()->set_local("2025-07-01T21:00:00");
  e.mutable_end()->set_time_zone("America/Toronto");
  e.mutable_end()->set_utc_seconds(1751418000);
  e.set_dtstamp(1751000000);
  e.set_sequence(2);
  return e;
}

TEST(SerializeEvent, FoldsAt75OctetsWithoutSplittingUtf8) {
  std::string text = SerializeEvent(Sample(), SerializeOptions());
  for (absl::string_view line : absl::StrSplit(text, "\r\n")) {
    EXPECT_LE(line.size(), 75u) << line;
    if (!line.empty()) {
      EXPECT_NE(static_cast<unsigned char>(line[0]) & 0xC0, 0x80u) << "split UTF-8: " << line;
    }
  }
  EXPECT_EQ(text.find("\n"), text.find("\r\n") + 1) << "every line ends with CRLF";
}

TEST(SerializeEvent, AnOverrideIsWrittenWithItsSeriesUidWhateverItHolds) {
  v1::Event series = Sample();
  series.set_rrule("FREQ=WEEKLY;COUNT=3");
  v1::Event& moved = *series.add_overrides();
  moved.set_uid("evt-1@source");  // a record written before overrides shared the stored UID
  *moved.mutable_recurrence_id() = series.start();
  *moved.mutable_start() = series.start();
  const std::string text = SerializeEvent(series, SerializeOptions());
  EXPECT_EQ(text.find("evt-1@source"), std::string::npos) << text;
  size_t uids = 0;
  for (size_t at = text.find("UID:evt-1@babillard"); at != std::string::npos;
       at = text.find("UID:evt-1@babillard", at + 1))
    ++uids;
  EXPECT_EQ(uids, 2u);
}

// 2027-11-07, America/Toronto: 01:00-02:00 happens twice (EDT, then EST).
TEST(SerializeEvent, ALocalTimeThatDoesNotNameItsInstantIsWrittenInUtc) {
  v1::Event e = Sample();
  e.mutable_start()->set_local("2027-11-07T01:30:00");
  e.mutable_start()->set_utc_seconds(1825565400);  // 05:30Z, the first 01:30 (EDT)
  e.mutable_end()->set_local("2027-11-07T01:30:00");
  e.mutable_end()->set_utc_seconds(1825569000);  // 06:30Z, the second 01:30 (EST): one hour later
  std::string text = SerializeEvent(e, SerializeOptions());
  EXPECT_NE(text.find("DTSTART:20271107T053000Z\r\n"), std::string::npos) << text;
  EXPECT_NE(text.find("DTEND:20271107T063000Z\r\n"), std::string::npos) << text;
  // A recurring master keeps its zone: in UTC its later instances would move across DST.
  e.set_rrule("FREQ=YEARLY;COUNT=2");
  text = SerializeEvent(e, SerializeOptions());
  EXPECT_NE(text.find("DTSTART;TZID=America/Toronto:20271107T013000\r\n"), std::string::npos)
      << text;
  // An ordinary local time stays in its zone.
  text = SerializeEvent(Sample(), SerializeOptions());
  EXPECT_NE(text.find("DTEND;TZID=America/Toronto:20250701T210000\r\n"), std::string::npos);
}

TEST(SerializeEvent, EscapesTextIntoOneSummaryLine) {
  std::string text = SerializeEvent(Sample(), SerializeOptions());
  EXPECT_NE(text.find("SUMMARY;LANGUAGE=fr:Soirée\\ncontes\\, musique\\; \\\\ danse\r\n"),
            std::string::npos)
      << text;
}

TEST(SerializeEvent, PicksTheLanguageAndFallsBack) {
  SerializeOptions en;
  en.language = Language::kEn;
  EXPECT_NE(SerializeEvent(Sample(), en).find("SUMMARY;LANGUAGE=en:Story night"),
            std::string::npos);
  // No English description: the French one is served.
  EXPECT_NE(SerializeEvent(Sample(), en).find("DESCRIPTION;LANGUAGE=en:eee"), std::string::npos);
}

TEST(SerializeEvent, MarksCancelledTitles) {
  v1::Event e = Sample();
  e.set_status(v1::Event::STATUS_CANCELLED);
  std::string text = SerializeEvent(e, SerializeOptions());
  EXPECT_NE(text.find("SUMMARY;LANGUAGE=fr:ANNULÉ : "), std::string::npos);
  EXPECT_NE(text.find("STATUS:CANCELLED"), std::string::npos);
}

TEST(SerializeEvent, IsDeterministic) {
  EXPECT_EQ(SerializeEvent(Sample(), SerializeOptions()),
            SerializeEvent(Sample(), SerializeOptions()));
}

TEST(AssembleCalendar, WritesCalendarPropertiesAndOneVtimezonePerZone) {
  std::string vevent = SerializeEvent(Sample(), SerializeOptions());
  CalendarHeader header;
  header.name = "MRC des Sources";
  std::vector<std::string_view> vevents = {vevent, vevent};
  absl::StatusOr<std::string> feed =
      AssembleCalendar(header, vevents, {"America/Toronto"}, 1751410800);
  ASSERT_TRUE(feed.ok()) << feed.status();
  for (const char* want : {"BEGIN:VCALENDAR\r\nVERSION:2.0\r\n", "PRODID:", "CALSCALE:GREGORIAN",
                           "METHOD:PUBLISH", "NAME:MRC des Sources", "X-WR-CALNAME:MRC des Sources",
                           "REFRESH-INTERVAL;VALUE=DURATION:PT1H", "X-PUBLISHED-TTL:PT1H",
                           "BEGIN:VTIMEZONE\r\nTZID:America/Toronto\r\n", "END:VCALENDAR\r\n"}) {
    EXPECT_NE(feed->find(want), std::string::npos) << want;
  }
  EXPECT_EQ(feed->find("freeassociation"), std::string::npos);
  EXPECT_LT(feed->size(), 2 * vevent.size() + 2500) << "VTIMEZONE trimmed";
}

TEST(AssembleCalendar, RejectsUnknownZones) {
  EXPECT_FALSE(AssembleCalendar(CalendarHeader(), {}, {"Mars/Olympus_Mons"}, 0).ok());
}

TEST(SerializeCalendar, ParsesBackToTheSameEvent) {
  v1::Event e = Sample();
  e.mutable_location()->set_name("Salle");
  e.mutable_location()->set_address("1 rue Water");
  e.mutable_location()->set_municipality("danville");
  e.set_rrule("FREQ=WEEKLY;COUNT=4");
  e.add_categories("culture");
  e.add_tags("Conte");
  absl::StatusOr<std::string> feed = SerializeCalendar({e}, CalendarHeader(), SerializeOptions());
  ASSERT_TRUE(feed.ok());
  NormalizeOptions options;
  options.known_categories = {"culture"};
  absl::StatusOr<ParsedCalendar> back = ParseCalendar(*feed, options);
  ASSERT_TRUE(back.ok()) << back.status();
  ASSERT_EQ(back->events.size(), 1u);
  const v1::Event& b = back->events[0];
  EXPECT_EQ(b.uid(), e.uid());
  EXPECT_EQ(b.title().fr(), "Soirée\ncontes, musique; \\ danse");
  EXPECT_EQ(b.description().fr(), e.description().fr());
  EXPECT_EQ(b.start().SerializeAsString(), e.start().SerializeAsString());
  EXPECT_EQ(b.end().utc_seconds(), e.end().utc_seconds());
  EXPECT_EQ(b.rrule(), e.rrule());
  EXPECT_EQ(b.location().name(), "Salle");
  EXPECT_EQ(b.location().address(), "1 rue Water");
  EXPECT_EQ(b.location().municipality(), "danville");
  EXPECT_EQ(b.categories(0), "culture");
  EXPECT_EQ(b.tags(0), "Conte");
  EXPECT_EQ(b.sequence(), 2);
}

// 2027-03-14, America/Toronto: 02:00-03:00 does not happen. dateutil
// (python-vobject) reads 02:30 that day as 06:30Z, RFC 5545 readers as 07:30Z.
TEST(SerializeEvent, AnInstanceInASkippedHourIsWrittenAsAnOverrideInUtc) {
  v1::Event e = Sample();
  e.mutable_start()->set_local("2027-03-13T02:30:00");
  e.mutable_start()->set_utc_seconds(1804923000);  // 07:30Z, EST
  e.mutable_end()->set_local("2027-03-13T03:00:00");
  e.mutable_end()->set_utc_seconds(1804923000 + 1800);
  e.set_rrule("FREQ=DAILY;COUNT=3");
  const std::string text = SerializeEvent(e, SerializeOptions());
  EXPECT_NE(text.find("DTSTART;TZID=America/Toronto:20270313T023000"), std::string::npos) << text;
  EXPECT_NE(text.find("RECURRENCE-ID;TZID=America/Toronto:20270314T023000\r\n"
                      "DTSTART:20270314T073000Z\r\nDTEND:20270314T080000Z\r\n"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("RECURRENCE-ID", text.find("RECURRENCE-ID") + 1), std::string::npos)
      << "only the instance in the gap: " << text;

  // A series at 19:00 never meets a transition: nothing is added.
  EXPECT_EQ(SerializeEvent(Sample(), SerializeOptions()).find("RECURRENCE-ID"), std::string::npos);
}

TEST(SerializeEvent, ASetOfRdatesAloneNamesItsStartAsOneAndReadsBackTheSame) {
  v1::Event e = Sample();
  v1::EventTime& next = *e.add_rdates();
  next = e.start();
  next.set_local("2025-07-08T19:00:00");
  next.set_utc_seconds(e.start().utc_seconds() + 7 * 86400);
  SerializeOptions lossless;
  lossless.all_languages = true;
  const std::string text = SerializeEvent(e, lossless);
  EXPECT_NE(text.find("RDATE;TZID=America/Toronto:20250701T190000\r\n"
                      "RDATE;TZID=America/Toronto:20250708T190000\r\n"),
            std::string::npos)
      << text;
  absl::StatusOr<ParsedCalendar> back = ParseCalendar(
      "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\n" + text + "END:VCALENDAR\r\n",
      NormalizeOptions());
  ASSERT_TRUE(back.ok()) << back.status();
  ASSERT_EQ(back->events.size(), 1u);
  EXPECT_EQ(back->events[0].rdates_size(), 1) << "DTSTART is not an RDATE of its own";
}

}  // namespace
}  // namespace babillard::ical
