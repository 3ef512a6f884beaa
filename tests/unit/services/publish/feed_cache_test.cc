#include "services/publish/feed_cache.h"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"

namespace babillard::publish {
namespace {

std::shared_ptr<CachedFeed> Feed(size_t bytes, int64_t version = 1, const std::string& etag = "e") {
  auto feed = std::make_shared<CachedFeed>();
  feed->version = version;
  feed->body = std::string(bytes, 'x');
  feed->etag = etag;
  feed->modified = 1000;
  return feed;
}

TEST(FeedCache, StaysWithinItsByteBudgetDroppingTheLeastRecentlyUsed) {
  FeedCache cache(1000);
  for (const std::string key : {"a", "b", "c"}) {
    ASSERT_EQ(cache.FindOrClaim(key, "/" + key, 1), nullptr);
    cache.Finish(key, "/" + key, Feed(400));
  }
  EXPECT_LE(cache.bytes(), 1000u);
  EXPECT_EQ(cache.entries(), 2u);
  EXPECT_EQ(cache.evictions(), 1);
  // "b" used, then "d" comes: "c" is the least recently used and goes.
  ASSERT_NE(cache.FindOrClaim("b", "/b", 1), nullptr);
  ASSERT_EQ(cache.FindOrClaim("d", "/d", 1), nullptr);
  cache.Finish("d", "/d", Feed(400));
  EXPECT_NE(cache.ByTarget("/b", 1, 0), nullptr);
  EXPECT_EQ(cache.ByTarget("/c", 1, 0), nullptr) << "an evicted feed is not kept by its target";
  // One feed larger than the budget is still answered, alone.
  ASSERT_EQ(cache.FindOrClaim("huge", "/huge", 1), nullptr);
  EXPECT_NE(cache.Finish("huge", "/huge", Feed(5000)), nullptr);
  EXPECT_EQ(cache.entries(), 1u);
}

TEST(FeedCache, OneBuildPerFeedAtATime) {
  FeedCache cache(1 << 20);
  ASSERT_EQ(cache.FindOrClaim("k", "/k", 1), nullptr);  // this thread builds
  std::atomic<int> claimed{0}, served{0};
  std::vector<std::thread> others;
  for (int i = 0; i < 8; ++i) {
    others.emplace_back([&] {
      if (cache.FindOrClaim("k", "/k?again", 1) == nullptr) {
        ++claimed;
        cache.Finish("k", "/k?again", Feed(10));
      } else {
        ++served;
      }
    });
  }
  absl::SleepFor(absl::Milliseconds(50));  // the others are waiting, not building
  EXPECT_EQ(claimed.load(), 0);
  cache.Finish("k", "/k", Feed(10));
  for (std::thread& t : others) t.join();
  EXPECT_EQ(claimed.load(), 0);
  EXPECT_EQ(served.load(), 8);
}

TEST(FeedCache, AFailedBuildLetsTheNextRequestTryAndANewVersionRebuilds) {
  FeedCache cache(1 << 20);
  ASSERT_EQ(cache.FindOrClaim("k", "/k", 1), nullptr);
  EXPECT_EQ(cache.Finish("k", "/k", nullptr), nullptr);
  ASSERT_EQ(cache.FindOrClaim("k", "/k", 1), nullptr) << "claimable again after a failure";
  cache.Finish("k", "/k", Feed(10, 1, "same"));
  ASSERT_EQ(cache.FindOrClaim("k", "/k", 2), nullptr) << "a new version is built";
  std::shared_ptr<CachedFeed> same = Feed(10, 2, "same");
  same->modified = 2000;
  std::shared_ptr<const CachedFeed> stored = cache.Finish("k", "/k", same);
  EXPECT_EQ(stored->modified, 1000) << "the same bytes keep their Last-Modified";
  EXPECT_EQ(stored->last_modified, HttpDate(1000));
}

}  // namespace
}  // namespace babillard::publish
