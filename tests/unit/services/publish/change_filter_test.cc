#include "services/publish/change_filter.h"

#include <gtest/gtest.h>

#include "absl/time/clock.h"
#include "services/common/grpc_status.h"

namespace babillard::publish {
namespace {

v1::Change Created(const std::string& org, const std::string& muni, const std::string& category) {
  v1::Change c;
  c.set_kind(v1::Change::KIND_CREATED);
  v1::Event* e = c.mutable_event();
  e->set_uid("u1");
  e->set_organization(org);
  e->mutable_title()->set_fr("Heure du Conte");
  e->mutable_title()->set_en("Story time");
  e->mutable_location()->set_municipality(muni);
  e->add_categories(category);
  e->add_tags("enfants");
  e->set_status(v1::Event::STATUS_CONFIRMED);
  const int64_t start = absl::ToUnixSeconds(absl::Now()) + 86400;
  e->mutable_start()->set_utc_seconds(start);
  e->mutable_start()->set_local(
      absl::FormatTime("%Y-%m-%dT%H:%M:%S", absl::FromUnixSeconds(start), absl::UTCTimeZone()));
  e->mutable_start()->set_time_zone("UTC");
  *e->mutable_end() = e->start();
  e->mutable_end()->set_utc_seconds(start + 3600);
  e->mutable_end()->set_local(absl::FormatTime(
      "%Y-%m-%dT%H:%M:%S", absl::FromUnixSeconds(start + 3600), absl::UTCTimeZone()));
  return c;
}

TEST(ChangeFilter, EverySetFieldMustMatchAndValuesAreAlternatives) {
  const v1::Change c = Created("biblio", "danville", "culture");
  v1::Filter f;
  EXPECT_TRUE(ChangeMatches(c, f));
  f.add_categories("sport");
  EXPECT_FALSE(ChangeMatches(c, f));
  f.add_categories("culture");
  EXPECT_TRUE(ChangeMatches(c, f));
  f.add_municipalities("asbestos");
  EXPECT_FALSE(ChangeMatches(c, f));
  f.add_municipalities("danville");
  f.add_organizations("biblio");
  f.add_tags("enfants");
  f.set_text("story");  // either language, any case
  EXPECT_TRUE(ChangeMatches(c, f));
  f.set_text("concert");
  EXPECT_FALSE(ChangeMatches(c, f));
}

TEST(ChangeFilter, StatusesAndTheOccurrenceWindow) {
  const v1::Change c = Created("biblio", "danville", "culture");
  v1::Filter f;
  f.add_statuses(v1::Event::STATUS_CANCELLED);
  EXPECT_FALSE(ChangeMatches(c, f));
  f.clear_statuses();
  f.set_from_seconds(c.event().start().utc_seconds() + 7200);
  EXPECT_FALSE(ChangeMatches(c, f));
  f.set_from_seconds(c.event().start().utc_seconds() - 7200);
  f.set_to_seconds(c.event().start().utc_seconds() + 60);
  EXPECT_TRUE(ChangeMatches(c, f));
}

// #10 item 3: alarms went to anyone who asked for the organization's changes.
TEST(ChangeFilter, ASourcesAlarmIsSeenByItsOrganizationAndAdminsOnly) {
  v1::Change c;
  c.set_kind(v1::Change::KIND_SOURCE_FLAGGED);
  c.mutable_source()->set_organization("biblio");
  v1::Filter mine;
  mine.add_organizations("biblio");
  EXPECT_FALSE(ChangeMatches(c, mine)) << "anyone, without a token";
  EXPECT_FALSE(ChangeMatches(c, mine, Viewer{"club"})) << "another organization";
  EXPECT_TRUE(ChangeMatches(c, mine, Viewer{"biblio"}));
  EXPECT_TRUE(ChangeMatches(c, v1::Filter(), Viewer{"biblio"}));
  EXPECT_TRUE(ChangeMatches(c, v1::Filter(), Viewer{"", true})) << "an admin";
  v1::Filter others;
  others.add_organizations("club");
  EXPECT_FALSE(ChangeMatches(c, others, Viewer{"biblio"})) << "the filter still applies";
}

TEST(ChangeFilter, PrivateEventsNeverLeave) {
  v1::Change c = Created("biblio", "danville", "culture");
  c.mutable_event()->set_visibility(v1::Event::VISIBILITY_PRIVATE);
  EXPECT_FALSE(ChangeMatches(c, v1::Filter()));
  c.set_kind(v1::Change::KIND_DELETED);
  EXPECT_FALSE(ChangeMatches(c, v1::Filter()));
}

TEST(ChangeFilter, ValidationNamesTheField) {
  v1::Filter f;
  f.add_categories("Pas un slug");
  absl::Status s = ValidateFilter(f, "filter.");
  ASSERT_TRUE(absl::IsInvalidArgument(s));
  ASSERT_FALSE(ViolationsOf(s).empty());
  EXPECT_EQ(ViolationsOf(s)[0].field, "filter.categories");
  f.clear_categories();
  f.set_text("a\x01");
  EXPECT_EQ(ViolationsOf(ValidateFilter(f, "webhook.filter."))[0].field, "webhook.filter.text");
  f.clear_text();
  f.set_from_seconds(100);
  f.set_to_seconds(50);
  EXPECT_EQ(ViolationsOf(ValidateFilter(f, ""))[0].field, "to_seconds");
  EXPECT_TRUE(ValidateFilter(v1::Filter(), "").ok());
}

}  // namespace
}  // namespace babillard::publish
