#include "services/publish/feed_handler.h"

#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "absl/time/clock.h"
#include "services/common/ical/serializer.h"
#include "tests/testing/fake_clock.h"

namespace babillard::publish {
namespace {

v1::Event Make(const std::string& uid, const std::string& org, const std::string& muni) {
  v1::Event e;
  e.set_uid(uid);
  e.set_organization(org);
  e.mutable_title()->set_fr("Titre " + uid);
  const absl::Time start = absl::Now() + absl::Hours(24 * 10);
  e.mutable_start()->set_local(absl::FormatTime("%Y-%m-%dT%H:%M:%S", start, absl::UTCTimeZone()));
  e.mutable_start()->set_time_zone("UTC");
  e.mutable_start()->set_utc_seconds(absl::ToUnixSeconds(start));
  *e.mutable_end() = e.start();
  e.mutable_location()->set_municipality(muni);
  e.add_categories("culture");
  return e;
}

// The events as the view holds them, rendered.
std::vector<EventPtr> Served(const std::vector<v1::Event>& events) {
  std::vector<EventPtr> out;
  for (const v1::Event& e : events) {
    auto change = std::make_shared<v1::Change>();
    change->set_kind(v1::Change::KIND_CREATED);
    *change->mutable_event() = e;
    change->set_version(1);
    out.push_back(std::make_shared<const ServedEvent>(std::move(change)));
  }
  return out;
}

std::string Header(const HttpResponse& r, const std::string& name) {
  for (const auto& [n, v] : r.headers) {
    if (n == name) return v;
  }
  return "";
}

std::string Body(const HttpResponse& r) { return r.shared_body ? *r.shared_body : r.body; }

HttpResponse Get(FeedHandler& h, const std::string& target, const std::string& if_none_match = "",
                 const std::string& encoding = "", const std::string& method = "GET",
                 const std::string& if_modified_since = "") {
  return h.Handle(HttpRequest{method, target, if_none_match, encoding, if_modified_since, "", ""});
}

TEST(FeedHandler, AnswersServiceUnavailableUntilTheFirstSnapshot) {
  CalendarView view;
  FeedHandler handler(view, FeedOptions());
  HttpResponse r = Get(handler, "/feeds/all.ics");
  EXPECT_EQ(r.status, 503);
  EXPECT_FALSE(Header(r, "Retry-After").empty());
  EXPECT_EQ(Get(handler, "/healthz").status, 503);
}

TEST(FeedHandler, ServesFiltersAndHidesPrivateEventsAndMergedDuplicates) {
  CalendarView view;
  v1::Event hidden = Make("p", "biblio", "danville");
  hidden.set_visibility(v1::Event::VISIBILITY_PRIVATE);
  v1::Event duplicate = Make("club/a", "club", "danville");
  duplicate.set_duplicate_of("biblio/a");
  view.Reset(Served({Make("biblio/a", "biblio", "danville"), Make("w", "mairie", "wotton"), hidden,
                     duplicate}),
             "1-0");
  FeedHandler handler(view, FeedOptions());
  HttpResponse all = Get(handler, "/feeds/all.ics");
  ASSERT_EQ(all.status, 200);
  EXPECT_TRUE(absl::StrContains(Body(all), "UID:biblio/a"));
  EXPECT_TRUE(absl::StrContains(Body(all), "UID:w"));
  EXPECT_FALSE(absl::StrContains(Body(all), "UID:p\r\n"))
      << "private events stay out of public feeds";
  EXPECT_FALSE(absl::StrContains(Body(all), "UID:club/a")) << "a merged duplicate shows once";
  EXPECT_TRUE(absl::StrContains(Body(Get(handler, "/feeds/org/club.ics")), "UID:club/a"));
  HttpResponse wotton = Get(handler, "/feeds/municipality/wotton.ics");
  EXPECT_TRUE(absl::StrContains(Body(wotton), "UID:w"));
  EXPECT_FALSE(absl::StrContains(Body(wotton), "UID:biblio/a"));
  EXPECT_EQ(Get(handler, "/feeds/all.ics?category=Pas%20un%20slug").status, 400);
  EXPECT_EQ(Get(handler, "/feeds/all.ics?couleur=rouge").status, 400);
  EXPECT_EQ(Get(handler, "/feeds/nulle/part/ici.ics").status, 404);
  EXPECT_EQ(Get(handler, "/feeds/all.ics", "", "", "POST").status, 405);
}

// #10 item 2: only the copy had the category, so the merged group left the
// category feed.
TEST(FeedHandler, AMergedGroupIsInAFilteredFeedWhenAnyCopyMatches) {
  CalendarView view;
  v1::Event canonical = Make("biblio/a", "biblio", "danville");
  canonical.clear_categories();
  v1::Event copy = Make("club/a", "club", "danville");  // culture
  copy.set_duplicate_of("biblio/a");
  view.Reset(Served({canonical, copy}), "1-0");
  FeedHandler handler(view, FeedOptions());
  const std::string culture = Body(Get(handler, "/feeds/category/culture.ics"));
  EXPECT_TRUE(absl::StrContains(culture, "UID:biblio/a")) << "shown as its canonical event";
  EXPECT_FALSE(absl::StrContains(culture, "UID:club/a")) << "once";
  EXPECT_FALSE(absl::StrContains(Body(Get(handler, "/feeds/category/sport.ics")), "UID:biblio/a"));
}

TEST(FeedHandler, TheDefaultWindowMovesWithTheDayEvenWhenNothingChanged) {
  CalendarView view;
  view.Reset(Served({Make("a", "biblio", "danville")}), "1-0");  // 10 days from now
  testing::FakeClock clock(absl::Now());
  FeedHandler handler(view, FeedOptions(), {}, nullptr, clock);
  EXPECT_TRUE(absl::StrContains(Body(Get(handler, "/feeds/all.ics")), "UID:a\r\n"));
  // 60 days later the event ended 50 days ago, past the 30 days a feed keeps:
  // the cached feed of an earlier day is not served again.
  clock.Advance(absl::Hours(24 * 60));
  HttpResponse later = Get(handler, "/feeds/all.ics");
  ASSERT_EQ(later.status, 200);
  EXPECT_FALSE(absl::StrContains(Body(later), "UID:a\r\n"));
}

TEST(FeedHandler, ConditionalRequestsGzipAndHead) {
  CalendarView view;
  view.Reset(Served({Make("a", "biblio", "danville")}), "1-0");
  FeedHandler handler(view, FeedOptions());
  HttpResponse first = Get(handler, "/feeds/all.ics");
  const std::string etag = Header(first, "ETag");
  ASSERT_FALSE(etag.empty());
  HttpResponse again = Get(handler, "/feeds/all.ics", etag);
  EXPECT_EQ(again.status, 304);
  EXPECT_TRUE(Body(again).empty());
  EXPECT_EQ(Header(again, "ETag"), etag);
  HttpResponse zipped = Get(handler, "/feeds/all.ics", "", "gzip, deflate");
  EXPECT_EQ(Header(zipped, "Content-Encoding"), "gzip");
  EXPECT_NE(Header(zipped, "ETag"), etag);
  EXPECT_EQ(Get(handler, "/feeds/all.ics", Header(zipped, "ETag"), "gzip").status, 304);
  HttpResponse head = Get(handler, "/feeds/all.ics", "", "", "HEAD");
  EXPECT_EQ(head.status, 200);
  EXPECT_TRUE(Body(head).empty());
  EXPECT_EQ(Header(head, "ETag"), etag);
  // Any change to the view changes the bytes and so the ETag.
  auto change = std::make_shared<v1::Change>();
  change->set_kind(v1::Change::KIND_CREATED);
  *change->mutable_event() = Make("b", "biblio", "danville");
  change->set_version(1);
  change->set_cursor("2-0");
  view.Apply(*change, std::make_shared<const ServedEvent>(change));
  HttpResponse after = Get(handler, "/feeds/all.ics", etag);
  EXPECT_EQ(after.status, 200);
  EXPECT_NE(Header(after, "ETag"), etag);
  EXPECT_TRUE(absl::StrContains(Body(after), "UID:b"));
}

// Apple Calendar polls with If-Modified-Since alone: a change, even within the
// second of the last one, must never hide behind a 304.
// The HTTP server's I/O threads ask kCachedOnly: whatever needs a feed built
// (or waits for one) is handed back, never built on them.
TEST(FeedHandler, CachedOnlyAnswersFromTheCacheAndHandsBackWhatMustBeBuilt) {
  CalendarView view;
  view.Reset(Served({Make("biblio/a", "biblio", "danville")}), "1-0");
  FeedHandler handler(view, FeedOptions());
  const HttpRequest all{"GET", "/feeds/all.ics", "", "", "", "", ""};
  EXPECT_EQ(handler.Handle(all, FeedHandler::Mode::kCachedOnly).status, FeedHandler::kBuildNeeded);
  EXPECT_EQ(handler.Handle({"GET", "/healthz", "", "", "", "", ""}, FeedHandler::Mode::kCachedOnly)
                .status,
            200);
  EXPECT_EQ(
      handler.Handle({"GET", "/feeds/nope.ics", "", "", "", "", ""}, FeedHandler::Mode::kCachedOnly)
          .status,
      404)
      << "a bad target is answered at once";
  const HttpResponse built = handler.Handle(all);
  ASSERT_EQ(built.status, 200);
  const HttpResponse cached = handler.Handle(all, FeedHandler::Mode::kCachedOnly);
  ASSERT_EQ(cached.status, 200);
  EXPECT_EQ(Body(cached), Body(built));
  const HttpRequest again{"GET", "/feeds/all.ics", Header(built, "ETag"), "", "", "", ""};
  EXPECT_EQ(handler.Handle(again, FeedHandler::Mode::kCachedOnly).status, 304);
  HttpResponse head = handler.Handle({"HEAD", "/feeds/all.ics", "", "", "", "", ""},
                                     FeedHandler::Mode::kCachedOnly);
  EXPECT_EQ(head.head_length, Body(built).size());
  // After a change, the next request needs a build again.
  auto change = std::make_shared<v1::Change>();
  change->set_kind(v1::Change::KIND_CREATED);
  *change->mutable_event() = Make("mairie/b", "mairie", "danville");
  change->set_version(1);
  change->set_cursor("2-0");
  view.Apply(*change, std::make_shared<const ServedEvent>(change));
  EXPECT_EQ(handler.Handle(all, FeedHandler::Mode::kCachedOnly).status, FeedHandler::kBuildNeeded);
  EXPECT_TRUE(absl::StrContains(Body(handler.Handle(all)), "UID:mairie/b"));
}

TEST(FeedHandler, IfModifiedSinceNeverHidesAChange) {
  CalendarView view;
  view.Reset(Served({Make("a", "biblio", "danville")}), "1-0");
  testing::FakeClock clock(absl::Now());
  FeedOptions options;
  options.cache_max_age = absl::Minutes(15);
  FeedHandler handler(view, options, {}, nullptr, clock);
  HttpResponse first = Get(handler, "/feeds/all.ics");
  EXPECT_EQ(Header(first, "Cache-Control"), "public, max-age=900");
  const std::string since = Header(first, "Last-Modified");
  EXPECT_EQ(Get(handler, "/feeds/all.ics", "", "", "GET", since).status, 304);
  auto change = std::make_shared<v1::Change>();
  change->set_kind(v1::Change::KIND_CREATED);
  *change->mutable_event() = Make("b", "biblio", "danville");
  change->set_version(1);
  change->set_cursor("2-0");
  view.Apply(*change, std::make_shared<const ServedEvent>(change));  // same second
  HttpResponse after = Get(handler, "/feeds/all.ics", "", "", "GET", since);
  EXPECT_EQ(after.status, 200);
  EXPECT_GT(Header(after, "Last-Modified"), "");
  EXPECT_NE(Header(after, "Last-Modified"), since);
  EXPECT_EQ(Get(handler, "/feeds/all.ics", "", "", "GET", Header(after, "Last-Modified")).status,
            304);
  // A malformed date is no condition.
  EXPECT_EQ(Get(handler, "/feeds/all.ics", "", "", "GET", "hier").status, 200);
}

}  // namespace
}  // namespace babillard::publish

namespace babillard::publish {
namespace {

TEST(FeedHandler, NamedFeedsAndMetrics) {
  CalendarView view;
  view.Reset(Served({Make("a", "biblio", "danville"), Make("b", "mairie", "wotton")}), "1-0");
  NamedFeedDirectory named;
  FeedHandler handler(view, FeedOptions(), {.named_feeds = &named});
  EXPECT_EQ(Get(handler, "/feeds/wotton-events.ics").status, 404);
  v1::NamedFeed feed;
  feed.set_name("wotton-events");
  feed.mutable_title()->set_fr("À Wotton");
  feed.mutable_filter()->add_municipalities("wotton");
  named.Put(feed);
  HttpResponse r = Get(handler, "/feeds/wotton-events.ics");
  ASSERT_EQ(r.status, 200);
  EXPECT_TRUE(absl::StrContains(Body(r), "X-WR-CALNAME:À Wotton"));
  EXPECT_TRUE(absl::StrContains(Body(r), "UID:b"));
  EXPECT_FALSE(absl::StrContains(Body(r), "UID:a"));
  // A changed definition is not served from the cache of the old one.
  feed.mutable_filter()->set_municipalities(0, "danville");
  named.Put(feed);
  r = Get(handler, "/feeds/wotton-events.ics");
  EXPECT_TRUE(absl::StrContains(Body(r), "UID:a"));
  const std::string metrics = Body(Get(handler, "/metrics"));
  EXPECT_TRUE(absl::StrContains(metrics, "babillard_feed_request_duration_seconds_count 3"))
      << metrics;
  EXPECT_TRUE(
      absl::StrContains(metrics, "babillard_feed_request_duration_seconds_bucket{le=\"+Inf\"} 3"));
  EXPECT_FALSE(absl::StrContains(metrics, "babillard_feed_largest_build_bytes 0\n"));
  EXPECT_TRUE(absl::StrContains(metrics, "babillard_view_events 2"));
}

}  // namespace
}  // namespace babillard::publish
