#include "services/common/ical/event_rules.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"

namespace babillard::ical {
namespace {

NormalizeOptions Options() {
  NormalizeOptions options;
  options.known_categories = {"culture", "sport"};
  return options;
}

// 2025-07-01 19:00 in Toronto (23:00Z).
v1::Event Timed() {
  v1::Event e;
  e.set_uid("a@x");
  e.mutable_title()->set_fr("Soirée");
  e.mutable_start()->set_local("2025-07-01T19:00:00");
  e.mutable_start()->set_time_zone("America/Toronto");
  e.mutable_start()->set_utc_seconds(1751410800);
  return e;
}

v1::Event AllDay() {
  v1::Event e;
  e.set_uid("d@x");
  e.mutable_start()->set_all_day(true);
  e.mutable_start()->set_local("2025-07-01");
  e.mutable_start()->set_utc_seconds(1751342400);
  return e;
}

std::optional<FieldError> Normalize(v1::Event& e, std::vector<std::string>& warnings,
                                    const NormalizeOptions& options = Options()) {
  return NormalizeEvent(e, options, warnings);
}

TEST(NormalizeEvent, DefaultsTheEndToTheStartOrTheNextDay) {
  std::vector<std::string> warnings;
  v1::Event timed = Timed();
  ASSERT_FALSE(Normalize(timed, warnings).has_value());
  EXPECT_EQ(timed.end().utc_seconds(), timed.start().utc_seconds());
  v1::Event day = AllDay();
  ASSERT_FALSE(Normalize(day, warnings).has_value());
  EXPECT_EQ(day.end().local(), "2025-07-02");
  EXPECT_EQ(day.end().utc_seconds(), day.start().utc_seconds() + 86400);
  // An all-day end equal to its start means that one day.
  v1::Event same = AllDay();
  *same.mutable_end() = same.start();
  ASSERT_FALSE(Normalize(same, warnings).has_value());
  EXPECT_EQ(same.end().local(), "2025-07-02");
}

TEST(NormalizeEvent, AnEndBeforeTheStartRejectsAMasterButOnlyDropsAnOverridesEnd) {
  std::vector<std::string> warnings;
  v1::Event master = Timed();
  *master.mutable_end() = master.start();
  master.mutable_end()->set_local("2025-07-01T18:00:00");
  master.mutable_end()->set_utc_seconds(master.start().utc_seconds() - 3600);
  std::optional<FieldError> error = Normalize(master, warnings);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->field, "end");
  EXPECT_EQ(error->reason, "ends (2025-07-01T18:00:00) before it starts (2025-07-01T19:00:00)");

  v1::Event override_ = master;
  *override_.mutable_recurrence_id() = override_.start();
  EXPECT_FALSE(Normalize(override_, warnings).has_value());
  EXPECT_FALSE(override_.has_end());
  EXPECT_NE(warnings.back().find("override ends before it starts"), std::string::npos);
}

TEST(NormalizeEvent, TimesStayWithin1900And2200) {
  std::vector<std::string> warnings;
  v1::Event e = Timed();
  e.add_exdates()->set_local("2201-01-01T00:00:00");
  std::optional<FieldError> error = Normalize(e, warnings);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->field, "exdates[0]");
  EXPECT_EQ(error->reason, "year 2201 is outside 1900..2200");
}

TEST(NormalizeEvent, RecurrenceRulesAreCheckedAndUntilTakesTheStartsType) {
  struct Case {
    std::string rule;
    std::string reason;  // empty: accepted
  } cases[] = {
      {"FREQ=WEEKLY;BYDAY=TU", ""},
      {"FREQ=MINUTELY;COUNT=3",
       "FREQ=MINUTELY repeats more often than hourly; not accepted for events"},
      {"FREQ=DAILY;INTERVAL=0", "is not a valid recurrence rule"},
      {"FREQ=DAILY;COUNT=5001", "COUNT=5001 exceeds the limit of 5000"},
      {"FREQ=YEARLY;BYMONTH=1,2,3,4,5,6,7,8,9,10,11,12;BYMONTHDAY=1,2,3,4,5,6,7,8,9,10;"
       "BYHOUR=1,2,3,4,5,6,7,8,9,10",
       "BYxxx lists combine to 1200 instances per period; the limit is 1000"},
      {"RSCALE=HEBREW;FREQ=YEARLY", "RSCALE=HEBREW is not supported"},
      {"NOT A RULE", "is not a valid recurrence rule"},
  };
  NormalizeOptions options = Options();
  options.limits.max_rrule_by_product = 1000;
  for (const Case& c : cases) {
    std::vector<std::string> warnings;
    v1::Event e = Timed();
    e.set_rrule(c.rule);
    std::optional<FieldError> error = Normalize(e, warnings, options);
    if (c.reason.empty()) {
      EXPECT_FALSE(error.has_value()) << c.rule << ": " << error->reason;
    } else {
      ASSERT_TRUE(error.has_value()) << c.rule;
      EXPECT_EQ(error->field, "rrule");
      EXPECT_EQ(error->reason, c.reason) << c.rule;
    }
  }
  // A floating UNTIL of a zoned start becomes the UTC instant of that local time.
  std::vector<std::string> warnings;
  v1::Event e = Timed();
  e.set_rrule("FREQ=WEEKLY;UNTIL=20250729T190000");
  ASSERT_FALSE(Normalize(e, warnings).has_value());
  EXPECT_EQ(e.rrule(), "FREQ=WEEKLY;UNTIL=20250729T230000Z");
  // A date-time UNTIL of an all-day start becomes a date.
  v1::Event day = AllDay();
  day.set_rrule("FREQ=DAILY;UNTIL=20250705T120000Z");
  ASSERT_FALSE(Normalize(day, warnings).has_value());
  EXPECT_EQ(day.rrule(), "FREQ=DAILY;UNTIL=20250705");
}

TEST(NormalizeEvent, TextsAreTrimmedHtmlBecomesTextAndLengthsAreBounded) {
  std::vector<std::string> warnings;
  v1::Event e = Timed();
  e.mutable_title()->set_en("  Story night \t");
  e.mutable_description()->set_fr("<p>Apportez <b>vos</b> chaises</p>");
  ASSERT_FALSE(Normalize(e, warnings).has_value());
  EXPECT_EQ(e.title().en(), "Story night");
  EXPECT_EQ(e.description().fr(), "Apportez vos chaises");

  NormalizeOptions small = Options();
  small.limits.max_title_bytes = 8;
  v1::Event long_title = Timed();
  long_title.mutable_title()->set_en("far too long");
  std::optional<FieldError> error = Normalize(long_title, warnings, small);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->field, "title.en");
  EXPECT_EQ(error->reason, "12 bytes exceeds the limit of 8");
  v1::Event long_place = Timed();
  long_place.mutable_title()->set_fr("court");
  long_place.mutable_location()->set_address("1 rue principale");
  error = Normalize(long_place, warnings, small);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->field, "location.address");
}

TEST(NormalizeEvent, KnownCategoriesAreSlugsTheRestFreeTags) {
  std::vector<std::string> warnings;
  v1::Event e = Timed();
  e.add_categories("Culture");
  e.add_categories("Conte");
  e.add_tags("SPORT");
  e.add_tags("Conte");
  e.add_tags("");
  e.add_tags(std::string(65, 'x'));
  ASSERT_FALSE(Normalize(e, warnings).has_value());
  EXPECT_EQ(std::vector<std::string>(e.categories().begin(), e.categories().end()),
            (std::vector<std::string>{"culture", "sport"}));
  EXPECT_EQ(std::vector<std::string>(e.tags().begin(), e.tags().end()),
            (std::vector<std::string>{"Conte"}));
}

TEST(NormalizeEvent, DropsWhatCannotBeMeant) {
  std::vector<std::string> warnings;
  v1::Event e = Timed();
  e.mutable_location()->set_has_coordinates(true);
  e.mutable_location()->set_latitude(91);
  e.mutable_location()->set_municipality("Saint-Élie d'Orford");
  e.mutable_organizer()->set_email("not an address");
  e.set_url("javascript:alert(1)");
  e.set_image_url("https://x.ca/a b.jpg");
  e.set_sequence(-4);
  ASSERT_FALSE(Normalize(e, warnings).has_value());
  EXPECT_FALSE(e.location().has_coordinates());
  EXPECT_EQ(e.location().municipality(), "saint-elie-d-orford");
  EXPECT_EQ(e.organizer().email(), "");
  EXPECT_EQ(e.url(), "");
  EXPECT_EQ(e.image_url(), "");
  EXPECT_EQ(e.sequence(), 0);
  EXPECT_EQ(warnings, std::vector<std::string>{"a@x: GEO out of range; dropped"});
}

TEST(NormalizeEvent, AMunicipalityIsOneOfTheRegionsOrTheEventIsRefused) {
  NormalizeOptions options;
  options.municipalities = {{"danville", "danville"},
                            {"val-des-sources", "val-des-sources"},
                            {"asbestos", "val-des-sources"}};
  std::vector<std::string> warnings;
  v1::Event e = Timed();
  e.mutable_location()->set_municipality("Asbestos");
  ASSERT_FALSE(NormalizeEvent(e, options, warnings).has_value());
  EXPECT_EQ(e.location().municipality(), "val-des-sources");
  e.mutable_location()->set_municipality("Sherbrooke");
  std::optional<FieldError> error = NormalizeEvent(e, options, warnings);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->field, "location.municipality");
  EXPECT_EQ(error->reason,
            "unknown municipality \"Sherbrooke\"; the region's: danville, val-des-sources");
  e.mutable_location()->clear_municipality();
  EXPECT_FALSE(NormalizeEvent(e, options, warnings).has_value()) << "none is not a wrong one";
}

TEST(CompleteSeries, OrdersOverridesAndGivesThemTheMastersDuration) {
  v1::Event master = Timed();
  *master.mutable_end() = master.start();
  master.mutable_end()->set_utc_seconds(master.start().utc_seconds() + 5400);
  for (int day : {15, 8}) {
    v1::Event& o = *master.add_overrides();
    o.mutable_start()->set_local(absl::StrCat("2025-07-", day < 10 ? "0" : "", day, "T20:00:00"));
    o.mutable_start()->set_time_zone("America/Toronto");
    o.mutable_start()->set_utc_seconds(1751410800 + (day - 1) * 86400 + 3600);
    *o.mutable_recurrence_id() = o.start();
  }
  ASSERT_FALSE(CompleteSeries(master, Options()).has_value());
  ASSERT_EQ(master.overrides_size(), 2);
  EXPECT_EQ(master.overrides(0).start().local(), "2025-07-08T20:00:00");
  EXPECT_EQ(master.overrides(0).end().local(), "2025-07-08T21:30:00");
  NormalizeOptions one = Options();
  one.limits.max_overrides = 1;
  std::optional<FieldError> error = CompleteSeries(master, one);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->field, "overrides");
}

// RFC 5545 leaves it undefined; libical, ical.js and dateutil skip such a
// DTSTART, recurring-ical-events keeps it.
TEST(NormalizeEvent, ASeriesStartsAtTheFirstInstanceOfItsRule) {
  v1::Event e = Timed();  // Tuesday 2025-07-01 19:00
  e.mutable_end()->set_local("2025-07-01T20:30:00");
  e.mutable_end()->set_time_zone("America/Toronto");
  e.mutable_end()->set_utc_seconds(1751410800 + 5400);
  e.set_rrule("FREQ=WEEKLY;COUNT=4;BYDAY=TH,FR");
  std::vector<std::string> warnings;
  ASSERT_FALSE(Normalize(e, warnings).has_value());
  EXPECT_EQ(e.start().local(), "2025-07-03T19:00:00");
  EXPECT_EQ(e.start().utc_seconds(), 1751410800 + 2 * 86400);
  EXPECT_EQ(e.end().local(), "2025-07-03T20:30:00");
  EXPECT_EQ(e.end().utc_seconds(), e.start().utc_seconds() + 5400);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("not an instance of its RRULE"), std::string::npos) << warnings[0];

  v1::Event on_rule = Timed();
  on_rule.set_rrule("FREQ=WEEKLY;COUNT=4;BYDAY=TU");
  warnings.clear();
  ASSERT_FALSE(Normalize(on_rule, warnings).has_value());
  EXPECT_EQ(on_rule.start().local(), "2025-07-01T19:00:00");
  EXPECT_TRUE(warnings.empty());
}

TEST(CompleteSeries, ADateTimeRecurrenceIdOfAnAllDaySeriesNamesTheDay) {
  v1::Event e = AllDay();
  e.set_rrule("FREQ=WEEKLY;COUNT=4");
  v1::Event& moved = *e.add_overrides();
  // Exchange: RECURRENCE-ID;TZID=W. Europe Standard Time:20250708T000000
  moved.mutable_recurrence_id()->set_local("2025-07-08T00:00:00");
  moved.mutable_recurrence_id()->set_time_zone("Europe/Berlin");
  moved.mutable_recurrence_id()->set_utc_seconds(1751925600);
  moved.mutable_start()->set_all_day(true);
  moved.mutable_start()->set_local("2025-07-09");
  moved.mutable_start()->set_utc_seconds(1751342400 + 8 * 86400);
  ASSERT_FALSE(CompleteSeries(e, Options()).has_value());
  const v1::EventTime& rid = e.overrides(0).recurrence_id();
  EXPECT_TRUE(rid.all_day());
  EXPECT_EQ(rid.local(), "2025-07-08");
  EXPECT_EQ(rid.time_zone(), "");
  EXPECT_EQ(rid.utc_seconds(), 1751342400 + 7 * 86400);  // midnight in the region, as the dates
}

std::optional<FieldError> WithRule(const std::string& rule) {
  v1::Event e = Timed();  // Tuesday 2025-07-01 19:00
  e.set_rrule(rule);
  std::vector<std::string> warnings;
  return Normalize(e, warnings);
}

// Each of these is one icalrecur_iterator_next() call that walks to
// libical's last year (HOURLY: 13 s); they are refused without expanding.
TEST(NormalizeEvent, RulesThatNeverMatchOrMatchTooRarelyForTheirFreqAreRefused) {
  for (const char* rule :
       {"FREQ=HOURLY;BYMONTH=2;BYMONTHDAY=30", "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30",
        "FREQ=DAILY;BYMONTH=4,6,9,11;BYMONTHDAY=31",
        "FREQ=YEARLY;INTERVAL=4;BYMONTH=2;BYMONTHDAY=29", "FREQ=YEARLY;BYWEEKNO=1;BYMONTH=7",
        "FREQ=MONTHLY;BYMONTHDAY=-30;BYMONTH=2"}) {
    std::optional<FieldError> error = WithRule(rule);
    ASSERT_TRUE(error.has_value()) << rule;
    EXPECT_EQ(error->field, "rrule");
    EXPECT_NE(error->reason.find("match no date"), std::string::npos) << error->reason;
  }
  std::optional<FieldError> rare = WithRule("FREQ=HOURLY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO");
  ASSERT_TRUE(rare.has_value());
  EXPECT_NE(rare->reason.find("hours apart"), std::string::npos) << rare->reason;
}

TEST(NormalizeEvent, RareButRealRulesAreTaken) {
  // The 1st of February, as DTSTART's day of the month implies.
  for (const char* rule :
       {"FREQ=YEARLY;BYMONTH=2", "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29",
        "FREQ=MONTHLY;BYDAY=FR;BYMONTHDAY=13", "FREQ=MONTHLY;BYDAY=5FR",
        "FREQ=YEARLY;BYMONTH=2;BYDAY=5SU", "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU",
        "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO", "FREQ=HOURLY;INTERVAL=6;BYHOUR=1,7,13,19",
        "FREQ=YEARLY;BYWEEKNO=53;BYDAY=TH", "FREQ=YEARLY;BYYEARDAY=-1",
        "FREQ=MONTHLY;BYSETPOS=-1;BYDAY=MO,TU,WE,TH,FR"}) {
    std::optional<FieldError> error = WithRule(rule);
    EXPECT_FALSE(error.has_value()) << rule << ": " << (error ? error->reason : "");
  }
}

// A change carries the whole event to every subscriber: over gRPC's default
// 4 MiB message, it would break each of them for good.
TEST(CompleteSeries, AnEventIsBoundedInSizeWithItsOverrides) {
  v1::Event e = Timed();
  e.set_rrule("FREQ=DAILY;COUNT=30");
  for (int i = 0; i < 20; ++i) {
    v1::Event& o = *e.add_overrides();
    *o.mutable_recurrence_id() = e.start();
    o.mutable_recurrence_id()->set_utc_seconds(e.start().utc_seconds() + i * 86400);
    *o.mutable_start() = *o.mutable_recurrence_id();
    o.mutable_description()->set_fr(std::string(32 << 10, 'x'));
  }
  std::optional<FieldError> error = CompleteSeries(e, Options());
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->field, "event");
  EXPECT_NE(error->reason.find("at most 512 KiB"), std::string::npos) << error->reason;
  e.mutable_overrides()->DeleteSubrange(2, 18);
  EXPECT_FALSE(CompleteSeries(e, Options()).has_value());
}

}  // namespace
}  // namespace babillard::ical
