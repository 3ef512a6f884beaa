#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "babillard/v1/publish.pb.h"
#include "services/common/region/region.h"
#include "services/publish/calendar_view.h"
#include "services/publish/feed_builder.h"
#include "services/publish/named_feeds.h"
#include "services/publish/organization_directory.h"

namespace babillard::publish {

// What feed URLs can name, so that a typo is a 404 rather than an empty feed
// forever, and so that a feed carries the names of what it selects. A null
// member accepts any slug (unit tests, tools).
struct FeedVocabulary {
  const Region* region = nullptr;  // municipalities, categories, names
  const NamedFeedDirectory* named_feeds = nullptr;
  const OrganizationDirectory* organizations = nullptr;
  // An organization with events here is known even before the directory
  // next reads the list.
  const CalendarView* view = nullptr;
};

// The feed URL grammar, built and parsed here and nowhere else:
//   /feeds/all.ics                  every public event
//   /feeds/municipality/SLUG.ics    one municipality (also category/, org/)
//   /feeds/NAME.ics                 a named feed
//   .json instead of .ics           the same events in babillard's JSON
//   ?lang=fr|en  ?category=a,b  ?municipality=a,b  ?org=a,b  ?from=YYYY-MM-DD  ?to=YYYY-MM-DD

// The subscription URLs under `public_url` for a filter (municipalities,
// categories and organizations only) or a named feed: .ics in French and
// English, .json, and the webcal:// form. INVALID_ARGUMENT naming the field
// for a filter a URL cannot carry or a slug the vocabulary does not have;
// NOT_FOUND for an unknown named feed.
absl::StatusOr<v1::GetFeedUrlsResponse> BuildFeedUrls(const std::string& public_url,
                                                      const v1::GetFeedUrlsRequest& request,
                                                      const FeedVocabulary& vocabulary);

// What a request for `path` (under /feeds/) with `query` selects. The
// default window, from 30 days before `now` to 18 months after, moves with
// the UTC day so that a day's requests share a cache entry. The title names
// what is selected in the feed's language ("Culture — MRC des Sources").
// NOT_FOUND (an HTTP 404) when no feed is at that path or a municipality,
// category or organization is unknown, INVALID_ARGUMENT (a 400) for a bad
// parameter; the one-line message says which.
absl::StatusOr<FeedQuery> ParseFeedTarget(absl::string_view path, absl::string_view query,
                                          const FeedVocabulary& vocabulary, absl::Time now);

}  // namespace babillard::publish
