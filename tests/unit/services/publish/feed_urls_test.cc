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
      BuildFeedUrls("https://agenda.example.org", request, named);
  ASSERT_THAT(urls, IsOk());
  EXPECT_TRUE(absl::StartsWith(urls->webcal(), "webcal://agenda.example.org/feeds/all.ics?"));
  for (const std::string& url : {urls->ics_fr(), urls->ics_en(), urls->json()}) {
    auto [path, query] = Target(url);
    absl::StatusOr<FeedQuery> q = ParseFeedTarget(path, query, &named, kNow);
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
  EXPECT_THAT(BuildFeedUrls("https://agenda.example.org", request, named),
              StatusIs(absl::StatusCode::kNotFound));
  v1::NamedFeed feed;
  feed.set_name("culture");
  feed.mutable_title()->set_fr("Culture dans les Sources");
  feed.mutable_title()->set_en("Culture in Les Sources");
  feed.mutable_filter()->add_categories("culture");
  feed.mutable_filter()->add_tags("jazz");
  named.Put(feed);
  absl::StatusOr<v1::GetFeedUrlsResponse> urls =
      BuildFeedUrls("https://agenda.example.org", request, named);
  ASSERT_THAT(urls, IsOk());
  EXPECT_EQ(urls->ics_fr(), "https://agenda.example.org/feeds/culture.ics");
  auto [path, query] = Target(urls->ics_en());
  absl::StatusOr<FeedQuery> q = ParseFeedTarget(path, query, &named, kNow);
  ASSERT_THAT(q, IsOk());
  EXPECT_EQ(q->title, "Culture in Les Sources");
  EXPECT_THAT(q->categories, ElementsAre("culture"));
  EXPECT_THAT(q->extra.tags(), ElementsAre("jazz"));
}

TEST(FeedUrls, TheDefaultWindowMovesWithTheDayAndBadInputSaysWhat) {
  absl::StatusOr<FeedQuery> morning =
      ParseFeedTarget("/feeds/all.ics", "", nullptr, kNow + absl::Hours(1));
  absl::StatusOr<FeedQuery> evening =
      ParseFeedTarget("/feeds/all.ics", "", nullptr, kNow + absl::Hours(23));
  ASSERT_THAT(morning, IsOk());
  ASSERT_THAT(evening, IsOk());
  EXPECT_EQ(morning->Key(), evening->Key()) << "one cache entry per day";
  EXPECT_THAT(ParseFeedTarget("/feeds/municipality/danville.ics", "from=2027-02-01", nullptr, kNow),
              IsOk());
  EXPECT_THAT(ParseFeedTarget("/feeds/nowhere/at/all.ics", "", nullptr, kNow),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(ParseFeedTarget("/feeds/all.txt", "", nullptr, kNow),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(ParseFeedTarget("/feeds/all.ics", "category=Not%20A%20Slug", nullptr, kNow),
              StatusIs(absl::StatusCode::kInvalidArgument, "category"));
  EXPECT_THAT(ParseFeedTarget("/feeds/all.ics", "colour=red", nullptr, kNow),
              StatusIs(absl::StatusCode::kInvalidArgument, "colour"));
  EXPECT_THAT(ParseFeedTarget("/feeds/all.ics", "from=tomorrow", nullptr, kNow),
              StatusIs(absl::StatusCode::kInvalidArgument, "from"));
  v1::GetFeedUrlsRequest tags;
  tags.mutable_filter()->add_tags("jazz");
  NamedFeedDirectory named;
  EXPECT_THAT(BuildFeedUrls("https://agenda.example.org", tags, named),
              StatusIs(absl::StatusCode::kInvalidArgument, "named feed"));
}

}  // namespace
}  // namespace babillard::publish
