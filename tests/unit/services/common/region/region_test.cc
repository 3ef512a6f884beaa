#include "services/common/region/region.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/testing/status_matchers.h"

namespace babillard {
namespace {

using ::babillard::testing::IsOk;
using ::babillard::testing::StatusIs;
using ::testing::ElementsAre;

constexpr char kSmall[] = R"pb(
  name { fr: "MRC de test" en: "Test RCM" }
  time_zone: "America/Toronto"
  languages: [ "fr", "en" ]
  municipalities {
    slug: "val-des-sources"
    name { fr: "Val-des-Sources" }
    aliases: "asbestos"
  }
  municipalities {
    slug: "danville"
    name { fr: "Danville" }
  }
  categories {
    slug: "culture"
    name { fr: "Culture" }
  }
  categories {
    slug: "municipal"
    name { fr: "Vie municipale" en: "Municipal affairs" }
  }
)pb";

TEST(Region, TheShippedRegionLoadsWithItsSevenMunicipalities) {
  absl::StatusOr<Region> region = Region::Load(DefaultRegionPath());
  ASSERT_THAT(region, IsOk());
  EXPECT_EQ(region->Name("fr"), "MRC des Sources");
  EXPECT_EQ(region->Name("en"), "Les Sources RCM");
  EXPECT_EQ(region->time_zone(), "America/Toronto");
  EXPECT_THAT(region->MunicipalitySlugs(),
              ElementsAre("val-des-sources", "danville", "ham-sud", "saint-adrien", "saint-camille",
                          "saint-georges-de-windsor", "wotton"));
  EXPECT_EQ(region->CategorySlugs().size(), 8u);
}

TEST(Region, SlugsAndAliasesFindTheirMunicipality) {
  absl::StatusOr<Region> region = Region::Parse(kSmall, "small");
  ASSERT_THAT(region, IsOk());
  ASSERT_NE(region->FindMunicipality("asbestos"), nullptr);
  EXPECT_EQ(region->FindMunicipality("asbestos")->slug(), "val-des-sources");
  EXPECT_EQ(region->FindMunicipality("danville")->name().fr(), "Danville");
  EXPECT_EQ(region->FindMunicipality("sherbrooke"), nullptr);
  EXPECT_EQ(region->FindCategory("culture")->slug(), "culture");
  EXPECT_EQ(region->FindCategory("asbestos"), nullptr);
  EXPECT_EQ(InLanguage(region->FindCategory("municipal")->name(), "en"), "Municipal affairs");
  EXPECT_EQ(InLanguage(region->FindMunicipality("danville")->name(), "en"), "Danville");
}

TEST(Region, AFileThatWouldServeWronglyStopsWithTheFieldAndWhy) {
  EXPECT_THAT(Region::Parse("name { fr: \"x\" }\ntime_zone: 3\n", "r.textproto"),
              StatusIs(absl::StatusCode::kInvalidArgument, "r.textproto: line 2"));
  EXPECT_THAT(Region::Parse("name { fr: \"x\" } colour: \"red\"", "r"),
              StatusIs(absl::StatusCode::kInvalidArgument, "colour"));
  const auto with = [](const std::string& extra) {
    return Region::Parse(std::string(kSmall) + extra, "r");
  };
  EXPECT_THAT(with("time_zone: \"Mars/Olympus\""),
              StatusIs(absl::StatusCode::kInvalidArgument, "time_zone"));
  EXPECT_THAT(with("languages: \"de\""),
              StatusIs(absl::StatusCode::kInvalidArgument, "languages[2]"));
  EXPECT_THAT(with("municipalities { slug: \"Ham Sud\" name { fr: \"Ham-Sud\" } }"),
              StatusIs(absl::StatusCode::kInvalidArgument, "municipalities[2].slug"));
  EXPECT_THAT(with("municipalities { slug: \"ham-sud\" }"),
              StatusIs(absl::StatusCode::kInvalidArgument, "municipalities[2].name.fr"));
  EXPECT_THAT(with("municipalities { slug: \"asbestos\" name { fr: \"Asbestos\" } }"),
              StatusIs(absl::StatusCode::kInvalidArgument, "appears twice"));
  EXPECT_THAT(with("categories { slug: \"culture\" name { fr: \"Culture\" } }"),
              StatusIs(absl::StatusCode::kInvalidArgument, "categories"));
  EXPECT_THAT(with("public_url: \"ftp://x\""),
              StatusIs(absl::StatusCode::kInvalidArgument, "public_url"));
  EXPECT_THAT(Region::Parse("time_zone: \"UTC\" languages: \"fr\"", "r"),
              StatusIs(absl::StatusCode::kInvalidArgument, "name.fr"));
  EXPECT_THAT(Region::Load("/nonexistent/region.textproto"),
              StatusIs(absl::StatusCode::kNotFound, "/nonexistent/region.textproto"));
}

}  // namespace
}  // namespace babillard
