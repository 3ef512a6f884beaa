#include "services/publish/feed_urls.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "absl/strings/strip.h"
#include "tests/testing/status_matchers.h"

namespace babillard::publish {
namespace {

using ::babillard::testing::IsOk;
using ::babillard::testing::StatusIs;
using ::testing::ElementsAre;

const absl::Time kNow = absl::FromUnixSeconds(1798761600);  // 2027-01-01T00:00:00Z

// The path and query of a URL under the public base.
std::pair<std::string, std::string> Target(const std::string& url) {
  absl::string_view rest = url;
  EXPECT_TRUE(absl::ConsumePrefix(&rest, "https://agenda.example.org")) << url;
  const size_t q = rest.find('?');
  if (q == absl::string_view::npos) return {std::string(rest), ""};
  return {std::string(rest.substr(0, q)), std::string(rest.substr(q + 1))};
}

TEST(FeedUrls, EveryUrlBuiltParsesBackToTheSameSelection) {
  NamedFeedDirectory named;
  v1::GetFeedUrlsRequest request;
  request.mutable_filter()->add_categories("culture");
  request.mutable_filter()->add_categories("sport");
  request.mutable_filter()->add_municipalities("danville");
  request.mutable_filter()->add_organizations("biblio");
  absl::StatusOr<v1::GetFeedUrlsResponse> urls =
      BuildFeedUrls("https://agenda.example.org", request, {.named_feeds = &named});
  ASSERT_THAT(urls, IsOk());
  EXPECT_TRUE(absl::StartsWith(urls->webcal(), "webcal://agenda.example.org/feeds/all.ics?"));
  for (const std::string& url : {urls->ics_fr(), urls->ics_en(), urls->json()}) {
    auto [path, query] = Target(url);
    absl::StatusOr<FeedQuery> q = ParseFeedTarget(path, query, {.named_feeds = &named}, kNow);
    ASSERT_THAT(q, IsOk()) << url;
    EXPECT_THAT(q->categories, ElementsAre("culture", "sport")) << url;
    EXPECT_THAT(q->municipalities, ElementsAre("danville")) << url;
    EXPECT_THAT(q->organizations, ElementsAre("biblio")) << url;
    EXPECT_EQ(q->json, url == urls->json());
    EXPECT_EQ(q->language, url == urls->ics_en() ? ical::Language::kEn : ical::Language::kFr);
  }
}

TEST(FeedUrls, ANamedFeedHasItsOwnPathTitleAndFilter) {
  NamedFeedDirectory named;
  v1::GetFeedUrlsRequest request;
  request.set_named_feed("culture");
  EXPECT_THAT(BuildFeedUrls("https://agenda.example.org", request, {.named_feeds = &named}),
              StatusIs(absl::StatusCode::kNotFound));
  v1::NamedFeed feed;
  feed.set_name("culture");
  feed.mutable_title()->set_fr("Culture dans les Sources");
  feed.mutable_title()->set_en("Culture in Les Sources");
  feed.mutable_filter()->add_categories("culture");
  feed.mutable_filter()->add_tags("jazz");
  named.Put(feed);
  absl::StatusOr<v1::GetFeedUrlsResponse> urls =
      BuildFeedUrls("https://agenda.example.org", request, {.named_feeds = &named});
  ASSERT_THAT(urls, IsOk());
  EXPECT_EQ(urls->ics_fr(), "https://agenda.example.org/feeds/culture.ics");
  auto [path, query] = Target(urls->ics_en());
  absl::StatusOr<FeedQuery> q = ParseFeedTarget(path, query, {.named_feeds = &named}, kNow);
  ASSERT_THAT(q, IsOk());
  EXPECT_EQ(q->title, "Culture in Les Sources");
  EXPECT_THAT(q->categories, ElementsAre("culture"));
  EXPECT_THAT(q->extra.tags(), ElementsAre("jazz"));
}

TEST(FeedUrls, TheDefaultWindowMovesWithTheDayAndBadInputSaysWhat) {
  absl::StatusOr<FeedQuery> morning =
      ParseFeedTarget("/feeds/all.ics", "", {}, kNow + absl::Hours(1));
  absl::StatusOr<FeedQuery> evening =
      ParseFeedTarget("/feeds/all.ics", "", {}, kNow + absl::Hours(23));
  ASSERT_THAT(morning, IsOk());
  ASSERT_THAT(evening, IsOk());
  EXPECT_EQ(morning->Key(), evening->Key()) << "one cache entry per day";
  EXPECT_THAT(ParseFeedTarget("/feeds/municipality/danville.ics", "from=2027-02-01", {}, kNow),
              IsOk());
  EXPECT_THAT(ParseFeedTarget("/feeds/nowhere/at/all.ics", "", {}, kNow),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(ParseFeedTarget("/feeds/all.txt", "", {}, kNow),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(ParseFeedTarget("/feeds/all.ics", "category=Not%20A%20Slug", {}, kNow),
              StatusIs(absl::StatusCode::kInvalidArgument, "category"));
  EXPECT_THAT(ParseFeedTarget("/feeds/all.ics", "colour=red", {}, kNow),
              StatusIs(absl::StatusCode::kInvalidArgument, "colour"));
  EXPECT_THAT(ParseFeedTarget("/feeds/all.ics", "from=tomorrow", {}, kNow),
              StatusIs(absl::StatusCode::kInvalidArgument, "from"));
  v1::GetFeedUrlsRequest tags;
  tags.mutable_filter()->add_tags("jazz");
  NamedFeedDirectory named;
  EXPECT_THAT(BuildFeedUrls("https://agenda.example.org", tags, {.named_feeds = &named}),
              StatusIs(absl::StatusCode::kInvalidArgument, "named feed"));
}

// What a typo in a subscription URL gets: a 404 saying what is unknown and
// what exists, never an empty calendar that looks like "no events" forever.
TEST(FeedUrls, UnknownSlugsAre404sAndFeedsAreNamedInTheirLanguage) {
  absl::StatusOr<Region> region = Region::Load(DefaultRegionPath());
  ASSERT_THAT(region, IsOk());
  OrganizationDirectory organizations;
  FeedVocabulary v{.region = &*region, .organizations = &organizations};
  // Until the first list arrives, an organization is not refused.
  EXPECT_THAT(ParseFeedTarget("/feeds/org/nobody.ics", "", v, kNow), IsOk());
  v1::Organization biblio;
  biblio.set_slug("biblio-danville");
  biblio.set_name("Bibliothèque de Danville");
  organizations.ReplaceAll({biblio});

  EXPECT_THAT(ParseFeedTarget("/feeds/municipality/nowhere.ics", "", v, kNow),
              StatusIs(absl::StatusCode::kNotFound,
                       "no municipality \"nowhere\" in MRC des Sources (val-des-sources, "
                       "danville, ham-sud, saint-adrien, saint-camille, "
                       "saint-georges-de-windsor, wotton)"));
  EXPECT_THAT(ParseFeedTarget("/feeds/category/cultur.ics", "", v, kNow),
              StatusIs(absl::StatusCode::kNotFound, "no category \"cultur\""));
  EXPECT_THAT(ParseFeedTarget("/feeds/all.ics", "category=culture&municipality=wottn", v, kNow),
              StatusIs(absl::StatusCode::kNotFound, "no municipality \"wottn\""));
  EXPECT_THAT(ParseFeedTarget("/feeds/org/nobody.ics", "", v, kNow),
              StatusIs(absl::StatusCode::kNotFound, "no organization \"nobody\""));

  absl::StatusOr<FeedQuery> culture = ParseFeedTarget("/feeds/category/culture.ics", "", v, kNow);
  ASSERT_THAT(culture, IsOk());
  EXPECT_EQ(culture->title, "Culture — MRC des Sources");
  absl::StatusOr<FeedQuery> english =
      ParseFeedTarget("/feeds/category/municipal.ics", "lang=en", v, kNow);
  ASSERT_THAT(english, IsOk());
  EXPECT_EQ(english->title, "Municipal affairs — Les Sources RCM");
  absl::StatusOr<FeedQuery> all = ParseFeedTarget("/feeds/all.ics", "lang=en", v, kNow);
  ASSERT_THAT(all, IsOk());
  EXPECT_EQ(all->title, "Les Sources RCM");
  absl::StatusOr<FeedQuery> org = ParseFeedTarget("/feeds/org/biblio-danville.ics", "", v, kNow);
  ASSERT_THAT(org, IsOk());
  EXPECT_EQ(org->title, "biblio-danville — MRC des Sources");
  // The town's former name still reaches it, as its one feed.
  absl::StatusOr<FeedQuery> old = ParseFeedTarget("/feeds/municipality/asbestos.ics", "", v, kNow);
  ASSERT_THAT(old, IsOk());
  EXPECT_THAT(old->municipalities, ElementsAre("val-des-sources"));
  EXPECT_EQ(old->title, "Val-des-Sources — MRC des Sources");

  NamedFeedDirectory named;
  v.named_feeds = &named;
  v1::GetFeedUrlsRequest request;
  request.mutable_filter()->add_categories("culture");
  request.mutable_filter()->add_municipalities("nowhere");
  EXPECT_THAT(BuildFeedUrls("https://agenda.example.org", request, v),
              StatusIs(absl::StatusCode::kInvalidArgument, "filter.municipalities[0]"));
}

// Every distinct window is a feed built and cached: they are bounded and few.
TEST(FeedUrls, AChosenWindowIsBoundedAndWidenedToWholeMonths) {
  absl::StatusOr<FeedQuery> mid =
      ParseFeedTarget("/feeds/all.ics", "from=2027-02-15&to=2027-03-10", {}, kNow);
  absl::StatusOr<FeedQuery> whole =
      ParseFeedTarget("/feeds/all.ics", "from=2027-02-01&to=2027-04-01", {}, kNow);
  ASSERT_THAT(mid, IsOk());
  ASSERT_THAT(whole, IsOk());
  EXPECT_EQ(mid->Key(), whole->Key());
  EXPECT_EQ(mid->from, absl::FromCivil(absl::CivilDay(2027, 2, 1), absl::UTCTimeZone()));
  EXPECT_EQ(mid->to, absl::FromCivil(absl::CivilDay(2027, 4, 1), absl::UTCTimeZone()));
  for (const auto& [query, field] :
       {std::pair{"from=2027-05-01&to=2027-04-01", "to: must be after from"},
        std::pair{"from=2027-01-01&to=2030-02-01", "to: at most 1096 days"},
        std::pair{"from=1850-01-01&to=1851-01-01", "from: a date from 1900-01-01"},
        std::pair{"from=2250-01-01", "from: a date from 1900-01-01"},
        std::pair{"to=2350-01-01", "to: a date from"}}) {
    EXPECT_THAT(ParseFeedTarget("/feeds/all.ics", query, {}, kNow),
                StatusIs(absl::StatusCode::kInvalidArgument, field))
        << query;
  }
  // One end alone: the default length from it.
  absl::StatusOr<FeedQuery> old = ParseFeedTarget("/feeds/all.ics", "from=2012-12-01", {}, kNow);
  ASSERT_THAT(old, IsOk());
  EXPECT_LT(old->to, absl::FromCivil(absl::CivilDay(2015, 1, 1), absl::UTCTimeZone()));
}

}  // namespace
}  // namespace babillard::publish
