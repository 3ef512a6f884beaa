#include "services/ingest/event_input.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "google/protobuf/util/message_differencer.h"
#include "services/common/grpc_status.h"
#include "tests/testing/status_matchers.h"

namespace babillard::ingest {
namespace {

using ::babillard::testing::IsOk;
using ::babillard::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::Field;

class EventInputTest : public ::testing::Test {
 protected:
  EventInputTest() : input_(options_) { options_.known_categories = {"culture", "sport"}; }

  std::vector<std::string> FieldsOf(const absl::Status& status) {
    std::vector<std::string> fields;
    for (const FieldViolation& v : ViolationsOf(status)) fields.push_back(v.field);
    return fields;
  }

  ical::NormalizeOptions options_;
  EventInput input_;
};

// One event, the way a form sends it and the way a calendar app writes it,
// is one normal form: the same proto, byte for byte.
TEST_F(EventInputTest, FieldsAndTextGiveTheSameEvent) {
  v1::Event fields;
  fields.set_uid("conte@biblio");
  fields.mutable_title()->set_fr(" Heure du conte ");
  fields.mutable_title()->set_en("Story time");
  fields.mutable_description()->set_fr("<p>Pour les <b>3-5 ans</b></p>");
  fields.mutable_start()->set_local("2025-07-01T10:00:00");
  fields.mutable_end()->set_local("2025-07-01T11:00:00");
  fields.set_rrule("FREQ=WEEKLY;UNTIL=20250826T100000");
  fields.add_exdates()->set_local("2025-07-15T10:00:00");
  fields.mutable_location()->set_name("Bibliothèque");
  fields.mutable_location()->set_municipality("Danville");
  fields.add_categories("Culture");
  fields.add_tags("Enfants");
  fields.set_url("https://danville.ca/conte");
  absl::StatusOr<NormalizedEvent> structured = input_.FromFields(fields);
  ASSERT_THAT(structured, IsOk());

  absl::StatusOr<NormalizedEvent> text = input_.FromText(
      "BEGIN:VEVENT\r\nUID:conte@biblio\r\n"
      "DTSTART;TZID=America/Toronto:20250701T100000\r\n"
      "DTEND;TZID=America/Toronto:20250701T110000\r\n"
      "RRULE:FREQ=WEEKLY;UNTIL=20250826T100000\r\n"
      "EXDATE;TZID=America/Toronto:20250715T100000\r\n"
      "SUMMARY;LANGUAGE=fr:Heure du conte\r\nSUMMARY;LANGUAGE=en:Story time\r\n"
      "DESCRIPTION:<p>Pour les <b>3-5 ans</b></p>\r\nLOCATION:Bibliothèque\r\n"
      "X-BABILLARD-MUNICIPALITY:Danville\r\nCATEGORIES:Culture,Enfants\r\n"
      "URL:https://danville.ca/conte\r\nSTATUS:CONFIRMED\r\nEND:VEVENT\r\n",
      "");
  ASSERT_THAT(text, IsOk());
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(structured->event, text->event))
      << structured->event.DebugString() << "\nvs\n"
      << text->event.DebugString();
  EXPECT_EQ(structured->event.rrule(), "FREQ=WEEKLY;UNTIL=20250826T140000Z");
  EXPECT_EQ(structured->event.description().fr(), "Pour les 3-5 ans");
}

// A structured submit names categories the region has; a free word is a tag,
// never a category silently dropped.
TEST_F(EventInputTest, AnUnknownCategoryOrMunicipalityIsRefusedNamingTheField) {
  options_.municipalities = {{"danville", "danville"}};
  v1::Event fields;
  fields.mutable_title()->set_fr("Conte");
  fields.mutable_start()->set_local("2027-07-01T10:00:00");
  fields.add_categories("culture");
  fields.add_categories("jazz");
  absl::StatusOr<NormalizedEvent> refused = input_.FromFields(fields);
  EXPECT_THAT(refused, StatusIs(absl::StatusCode::kInvalidArgument,
                                "unknown category \"jazz\"; the region's: culture, sport"));
  EXPECT_THAT(FieldsOf(refused.status()), ElementsAre("event.categories[1]"));
  fields.mutable_categories()->RemoveLast();
  fields.mutable_location()->set_municipality("Wotton");
  refused = input_.FromFields(fields);
  EXPECT_THAT(FieldsOf(refused.status()), ElementsAre("event.location.municipality"));
  fields.mutable_location()->set_municipality("Danville");
  absl::StatusOr<NormalizedEvent> taken = input_.FromFields(fields);
  ASSERT_THAT(taken, IsOk());
  EXPECT_EQ(taken->event.location().municipality(), "danville");
  EXPECT_THAT(taken->event.categories(), ElementsAre("culture"));
}

TEST_F(EventInputTest, FieldErrorsNameTheProtoPathsTheCallerSent) {
  v1::Event e;
  e.mutable_title()->set_fr("Concert");
  e.mutable_start()->set_local("2025-07-01T20:00:00");
  e.mutable_end()->set_local("2025-07-01T19:00:00");
  EXPECT_THAT(FieldsOf(input_.FromFields(e).status()), ElementsAre("event.end"));
  e.clear_end();
  e.set_rrule("FREQ=SECONDLY");
  EXPECT_THAT(FieldsOf(input_.FromFields(e).status()), ElementsAre("event.rrule"));
  e.clear_rrule();
  e.mutable_title()->set_en(std::string(2000, 'x'));
  EXPECT_THAT(FieldsOf(input_.FromFields(e).status()), ElementsAre("event.title.en"));
  e.mutable_title()->set_en("ok");
  e.add_rdates()->set_local("1 juillet");
  e.mutable_start()->set_time_zone("Mars/Olympus");
  EXPECT_THAT(FieldsOf(input_.FromFields(e).status()),
              ElementsAre("event.start.time_zone", "event.rdates[0].local"));
}

TEST_F(EventInputTest, TheServiceDecidesWhoOwnsAnEvent) {
  v1::Event e;
  e.mutable_title()->set_fr("Concert");
  e.mutable_start()->set_local("2025-07-01T20:00:00");
  e.set_organization("someone-else");
  e.set_duplicate_of("other/x");
  e.add_provenance()->set_organization("someone-else");
  absl::StatusOr<NormalizedEvent> out = input_.FromFields(e);
  ASSERT_THAT(out, IsOk());
  EXPECT_EQ(out->event.organization(), "");
  EXPECT_EQ(out->event.duplicate_of(), "");
  EXPECT_EQ(out->event.provenance_size(), 0);
  EXPECT_EQ(out->event.status(), v1::Event::STATUS_CONFIRMED);
}

TEST_F(EventInputTest, AnEndOfTheOtherKindIsReadAsTheStartsKind) {
  v1::Event e;
  e.mutable_title()->set_fr("Foire");
  e.mutable_start()->set_local("2025-07-01");
  e.mutable_start()->set_all_day(true);
  e.mutable_end()->set_local("2025-07-03T12:00:00");
  absl::StatusOr<NormalizedEvent> out = input_.FromFields(e);
  ASSERT_THAT(out, IsOk());
  EXPECT_TRUE(out->event.end().all_day());
  EXPECT_EQ(out->event.end().local(), "2025-07-03");
}

TEST_F(EventInputTest, OverridesAreCheckedUnderTheirIndex) {
  v1::Event e;
  e.mutable_title()->set_fr("Atelier");
  e.mutable_start()->set_local("2025-07-01T10:00:00");
  e.mutable_end()->set_local("2025-07-01T12:00:00");
  e.set_rrule("FREQ=WEEKLY;COUNT=4");
  v1::Event& moved = *e.add_overrides();
  moved.mutable_recurrence_id()->set_local("2025-07-08T10:00:00");
  moved.mutable_start()->set_local("2025-07-09T10:00:00");
  absl::StatusOr<NormalizedEvent> out = input_.FromFields(e);
  ASSERT_THAT(out, IsOk());
  // The override took its master's two hours.
  EXPECT_EQ(out->event.overrides(0).end().local(), "2025-07-09T12:00:00");
  e.mutable_overrides(0)->clear_recurrence_id();
  EXPECT_THAT(FieldsOf(input_.FromFields(e).status()),
              ElementsAre("event.overrides[0].recurrence_id"));
}

TEST_F(EventInputTest, TextNamesTheProperty) {
  absl::StatusOr<NormalizedEvent> out = input_.FromText(
      "BEGIN:VEVENT\r\nUID:a@x\r\nDTSTART:20250701T200000Z\r\nDTEND:20250701T190000Z\r\n"
      "SUMMARY:x\r\nEND:VEVENT\r\n",
      "event.");
  EXPECT_THAT(out, StatusIs(absl::StatusCode::kInvalidArgument, "dtend"));
  EXPECT_THAT(FieldsOf(out.status()), ElementsAre("event.dtend"));
}

}  // namespace
}  // namespace babillard::ingest
