#include "services/publish/web/page_route.h"

#include <gtest/gtest.h>

#include "absl/strings/match.h"

namespace babillard::publish::web {
namespace {

TEST(PageRoute, FrenchAndEnglishPathsNameTheSamePages) {
  for (const auto& [path, kind, language] :
       {std::tuple{"/", PageKind::kList, "fr"}, std::tuple{"/en/", PageKind::kList, "en"},
        std::tuple{"/en", PageKind::kList, "en"}, std::tuple{"/mois", PageKind::kMonth, "fr"},
        std::tuple{"/en/month", PageKind::kMonth, "en"},
        std::tuple{"/evenement/a%40b", PageKind::kEvent, "fr"},
        std::tuple{"/en/event/a%40b.ics", PageKind::kEventIcs, "en"},
        std::tuple{"/atom.xml", PageKind::kAtom, "fr"},
        std::tuple{"/sitemap.xml", PageKind::kSitemap, "fr"},
        std::tuple{"/robots.txt", PageKind::kRobots, "fr"}}) {
    absl::StatusOr<PageRoute> r = ParsePageTarget(path, "");
    ASSERT_TRUE(r.ok()) << path << ": " << r.status();
    EXPECT_EQ(r->kind, kind) << path;
    EXPECT_EQ(r->language, language) << path;
  }
  EXPECT_EQ(ParsePageTarget("/evenement/a%40b", "")->uid, "a@b");
  EXPECT_EQ(ParsePageTarget("/en/municipality/danville", "")->filter.municipality, "danville");
  EXPECT_EQ(ParsePageTarget("/categorie/culture", "")->scope, PageScope::kCategory);
}

TEST(PageRoute, UnknownPathsAreNotFoundAndBadValuesNameTheirParameter) {
  for (const char* path : {"/nope", "/en/nope", "/evenement/", "/municipalite/Not_A_Slug",
                           "/evenement/a/b", "/feeds"}) {
    EXPECT_TRUE(absl::IsNotFound(ParsePageTarget(path, "").status())) << path;
  }
  for (const auto& [query, field] :
       {std::pair{"page=0", "page"}, std::pair{"page=x", "page"},
        std::pair{"municipality=%3Cb%3E", "municipality"}, std::pair{"period=soon", "period"},
        std::pair{"period=dates&from=2027-01-05", "from"},
        std::pair{"period=dates&from=2027-01-05&to=2027-01-01", "to"},
        std::pair{"period=dates&from=2027-01-01&to=2028-06-01", "to"},
        std::pair{"from=2027-13-01&period=dates&to=2027-01-01", "from"},
        std::pair{"month=2027", "month"}}) {
    absl::StatusOr<PageRoute> r = ParsePageTarget("/", query);
    ASSERT_TRUE(absl::IsInvalidArgument(r.status())) << query;
    EXPECT_TRUE(absl::StartsWith(r.status().message(), field)) << query << ": " << r.status();
  }
  const std::string long_text(65, 'a');
  EXPECT_TRUE(absl::IsInvalidArgument(ParsePageTarget("/", "q=" + long_text).status()));
  // Dates without period=dates are the period.
  absl::StatusOr<PageRoute> dates = ParsePageTarget("/", "from=2027-01-01&to=2027-01-03");
  ASSERT_TRUE(dates.ok());
  EXPECT_EQ(dates->filter.period, Period::kDates);
  EXPECT_TRUE(absl::IsInvalidArgument(ParsePageTarget("/", "from=2027-01-01").status()));
  // A campaign tag on a shared link and the form's empty "all" are no error.
  EXPECT_TRUE(ParsePageTarget("/", "utm_source=x&municipality=&category=").ok());
}

TEST(PageRoute, BuiltUrlsParseBackAndTheLanguageSwitchKeepsTheFilter) {
  PageFilter f;
  f.municipality = "danville";
  f.category = "culture";
  f.text = "conte & chansons";
  f.period = Period::kDates;
  f.from = absl::CivilDay(2027, 1, 1);
  f.to = absl::CivilDay(2027, 1, 31);
  const std::string list = ListPath("fr", f, 2);
  const size_t q = list.find('?');
  absl::StatusOr<PageRoute> back = ParsePageTarget(list.substr(0, q), list.substr(q + 1));
  ASSERT_TRUE(back.ok()) << list;
  EXPECT_EQ(back->filter.municipality, "danville");
  EXPECT_EQ(back->filter.text, "conte & chansons");
  EXPECT_EQ(back->filter.to, absl::CivilDay(2027, 1, 31));
  EXPECT_EQ(back->page, 2);
  const std::string english = SwitchLanguagePath(*back);
  EXPECT_TRUE(absl::StartsWith(english, "/en/?")) << english;
  EXPECT_EQ(english.substr(4), list.substr(1)) << "same filter, other language";

  absl::StatusOr<PageRoute> scoped = ParsePageTarget("/municipalite/danville", "category=sport");
  ASSERT_TRUE(scoped.ok());
  EXPECT_EQ(SwitchLanguagePath(*scoped), "/en/municipality/danville?category=sport");
  EXPECT_EQ(PagePath(*scoped), "/municipalite/danville?category=sport");
  absl::StatusOr<PageRoute> event = ParsePageTarget("/evenement/x%2Fy%40z", "date=2027-01-05");
  ASSERT_TRUE(event.ok());
  EXPECT_EQ(SwitchLanguagePath(*event), "/en/event/x%2Fy%40z?date=2027-01-05");
  EXPECT_EQ(CriteriaQuery(f), "municipality=danville&category=culture&q=conte%20%26%20chansons");
}

TEST(PageRoute, KeysDifferWhenThePageDoes) {
  const PageRoute a = *ParsePageTarget("/", "q=a");
  EXPECT_NE(a.Key(), ParsePageTarget("/", "q=b")->Key());
  EXPECT_NE(a.Key(), ParsePageTarget("/en/", "q=a")->Key());
  EXPECT_NE(a.Key(), ParsePageTarget("/", "q=a&page=2")->Key());
  EXPECT_EQ(a.Key(), ParsePageTarget("/", "q=a&utm_source=x")->Key()) << "ignored parameters";
}

}  // namespace
}  // namespace babillard::publish::web
