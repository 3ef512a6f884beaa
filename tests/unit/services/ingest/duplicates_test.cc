#include "services/ingest/duplicates.h"

#include <gtest/gtest.h>

namespace babillard::ingest {
namespace {

v1::Event Make(const std::string& org, const std::string& title, int64_t start,
               const std::string& muni, const std::string& place = "") {
  v1::Event e;
  e.set_uid(org + "/x");
  e.set_organization(org);
  e.mutable_title()->set_fr(title);
  e.mutable_start()->set_utc_seconds(start);
  e.mutable_start()->set_local("2030-07-01T10:00:00");
  e.mutable_location()->set_municipality(muni);
  e.mutable_location()->set_name(place);
  return e;
}

TEST(AreDuplicates, SameTitleStartAndMunicipalityFromTwoOrganizations) {
  EXPECT_TRUE(AreDuplicates(Make("biblio", "Fête de la Saint-Jean", 100, "danville"),
                            Make("mairie", "FÊTE DE LA SAINT JEAN !", 100, "danville")));
}

TEST(AreDuplicates, SamePlaceIsEnoughWithoutAMunicipality) {
  EXPECT_TRUE(AreDuplicates(Make("a", "Concert", 100, "", "Église Saint-Georges"),
                            Make("b", "concert", 100, "", "eglise saint georges")));
}

TEST(AreDuplicates, EnglishTitleOfOneMatchesTheOther) {
  v1::Event a = Make("a", "Souper spaghetti", 100, "wotton");
  v1::Event b = Make("b", "", 100, "wotton");
  b.mutable_title()->set_en("Souper Spaghetti");
  EXPECT_TRUE(AreDuplicates(a, b));
}

TEST(AreDuplicates, AnyDifferenceKeepsThemApart) {
  const v1::Event base = Make("a", "Concert", 100, "danville");
  EXPECT_FALSE(AreDuplicates(base, Make("a", "Concert", 100, "danville"))) << "same organization";
  EXPECT_FALSE(AreDuplicates(base, Make("b", "Concert", 160, "danville"))) << "another start";
  EXPECT_FALSE(AreDuplicates(base, Make("b", "Concert jazz", 100, "danville"))) << "another title";
  EXPECT_FALSE(AreDuplicates(base, Make("b", "Concert", 100, "wotton"))) << "another municipality";
  EXPECT_FALSE(AreDuplicates(Make("a", "Concert", 100, ""), Make("b", "Concert", 100, "")))
      << "no place known";
  v1::Event split = Make("b", "Concert", 100, "danville");
  split.add_distinct_from(base.uid());
  EXPECT_FALSE(AreDuplicates(base, split)) << "an admin split them";
  v1::Event already = Make("b", "Concert", 100, "danville");
  already.set_duplicate_of("c/x");
  EXPECT_FALSE(AreDuplicates(base, already)) << "already merged elsewhere";
}

}  // namespace
}  // namespace babillard::ingest
