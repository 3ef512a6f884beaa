#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "babillard/v1/event.pb.h"
#include "services/common/ical/serializer.h"
#include "services/common/region/region.h"
#include "services/publish/calendar_view.h"
#include "services/publish/json_feed.h"

namespace babillard::publish {

// What a feed selects: every set field must match; values within one are alternatives.
struct FeedQuery {
  std::vector<std::string> municipalities, categories, organizations;
  ical::Language language = ical::Language::kFr;
  absl::Time from, to;  // occurrences overlapping [from, to)
  bool json = false;
  std::string title;
  // A named feed's other criteria (tags, text, statuses).
  v1::Filter extra;

  // A stable text form, the cache key.
  std::string Key() const;
};

struct FeedOptions {
  // The feed name when the query has no title.
  std::string region_name = "MRC des Sources";
  // Names of categories and municipalities in the JSON feed; may be null.
  const Region* region = nullptr;
  std::string time_zone = "America/Toronto";
  std::string refresh_interval = "PT1H";
  // How long a shared cache (a CDN, a proxy) may serve a feed without asking
  // again: Cache-Control: public, max-age.
  absl::Duration cache_max_age = absl::Minutes(5);
  // Bytes of built feeds (identity and gzip) publish keeps; the least
  // recently used go first.
  size_t cache_budget_bytes = size_t{256} << 20;
};

// The public events that match `query`, each with its occurrences in the
// window (all-day dates and floating times in `time_zone`), sorted by first
// start and uid; a merged group is in a filtered selection when any of its
// copies matches, and appears once, as its canonical event. Feeds and pages
// select through this one function, so a page shows what its feed serves.
std::vector<SelectedEvent> SelectEvents(const std::vector<EventPtr>& events, const FeedQuery& query,
                                        const std::string& time_zone);

// Builds an .ics feed (or the JSON feed, json_feed.h) from the view: public events that
// match, with an occurrence in the window, each from its stored VEVENT text;
// a regional feed shows a merged duplicate once. Deterministic for a given
// view (events sorted by start, uid), so its ETag survives restarts.
absl::StatusOr<std::string> BuildFeed(const std::vector<EventPtr>& events, const FeedQuery& query,
                                      const FeedOptions& options);

}  // namespace babillard::publish
