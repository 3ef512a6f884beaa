#pragma once

#include <atomic>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/common/clock.h"
#include "services/publish/calendar_view.h"
#include "services/publish/feed_builder.h"
#include "services/publish/feed_cache.h"
#include "services/publish/feed_urls.h"
#include "services/publish/named_feeds.h"
#include "services/publish/webhook_dispatcher.h"

namespace babillard::publish {
namespace web {
class PageRenderer;
struct PageRoute;
class Site;
}  // namespace web

struct HttpRequest {
  std::string method;  // GET, HEAD, OPTIONS...
  std::string target;  // path and query
  std::string if_none_match;
  std::string accept_encoding;
  // Apple Calendar asks with this alone (no If-None-Match).
  std::string if_modified_since;
  // The residents' pages: the first visit's language, and the one chosen since.
  std::string accept_language;
  std::string cookie;
};

struct HttpResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // A cached feed is sent from the cache itself, never copied per request.
  std::shared_ptr<const std::string> shared_body;
  // A HEAD answer of a feed: the length of the GET's body it has not.
  std::optional<size_t> head_length;
  size_t size() const { return shared_body ? shared_body->size() : body.size(); }
};

// A built body as the cache keeps it: with its gzip form and their ETags
// (hashes of the bytes, so that a restart keeps them).
std::shared_ptr<CachedFeed> NewCacheEntry(std::string body, std::string content_type,
                                          int64_t version, int64_t day, absl::Time now);

// The HTTP side of publish, without the sockets: routes /feeds/...,
// /healthz, /metrics and, once ServePages is called, the residents' pages
// (page_handler.cc); builds each feed once per view version and caches
// it with its ETag and gzip form (FeedCache: a byte budget, one build per
// feed at a time), so a request costs a lookup; answers
// conditional requests with 304, HEAD without a body, CORS for widgets, and
// 503 with Retry-After (never an empty 200) before the first snapshot.
// Thread-safe.
class FeedHandler {
 public:
  FeedHandler(const CalendarView& view, FeedOptions options, FeedVocabulary vocabulary = {},
              const WebhookCounters* webhooks = nullptr, const Clock& clock = Clock::Real())
      : view_(view),
        options_(std::move(options)),
        vocabulary_(vocabulary),
        webhooks_(webhooks),
        clock_(clock),
        cache_control_(
            absl::StrCat("public, max-age=", absl::ToInt64Seconds(options_.cache_max_age))),
        cache_(options_.cache_budget_bytes) {}

  // What Handle may do. kCachedOnly answers every request that needs no
  // feed built nor waited for, and gives the others status kBuildNeeded,
  // to be handled again with kAll elsewhere: the HTTP server's I/O threads
  // ask that way, so that a build never holds up their other connections.
  enum class Mode { kAll, kCachedOnly };
  static constexpr int kBuildNeeded = 0;
  HttpResponse Handle(const HttpRequest& request, Mode mode = Mode::kAll);

  // Serves the residents' pages from `site` at every path that is not a
  // feed's, /healthz or /metrics, from then on (the server may be answering
  // already: the site's URLs need its port). Both outlive the handler; call
  // once.
  void ServePages(const web::Site& site, const web::PageRenderer& renderer);

 private:
  HttpResponse Page(const HttpRequest& request, absl::string_view path, absl::string_view query,
                    Mode mode);
  // The page for `route`, from the cache or built (on a build thread);
  // pages that are not a 200 are never cached.
  HttpResponse CachedPage(const web::Site& site, const HttpRequest& request,
                          const web::PageRoute& route, Mode mode);
  // Counts, times and strips a HEAD answer.
  HttpResponse Finished(const HttpRequest& request, HttpResponse r, absl::Time start);
  HttpResponse Respond(const HttpRequest& request, std::shared_ptr<const CachedFeed> entry);
  HttpResponse Feed(const HttpRequest& request, const std::string& path, const std::string& query,
                    Mode mode);
  // The feed for `q` at `version` with its ETag and gzip form; null when it
  // cannot be built.
  std::shared_ptr<CachedFeed> Build(const FeedQuery& q, int64_t version, absl::Time now,
                                    const std::string& target);
  HttpResponse Metrics();
  // What cached feeds depend on: the view and the named feed definitions.
  int64_t Version() const;

  const CalendarView& view_;
  FeedOptions options_;
  const FeedVocabulary vocabulary_;
  const WebhookCounters* webhooks_;
  const Clock& clock_;
  const std::string cache_control_;
  FeedCache cache_;
  // Set once by ServePages: renderer_ and statics_ before site_, which
  // requests read (acquire) first.
  std::atomic<const web::Site*> site_{nullptr};
  const web::PageRenderer* renderer_ = nullptr;
  // The static files (stylesheet, scripts) by path, each built once with
  // its ETag and gzip form.
  absl::flat_hash_map<std::string, std::shared_ptr<const CachedFeed>> statics_;
  std::atomic<int64_t> requests_{0}, not_modified_{0}, builds_{0}, errors_{0}, over_1mb_{0};
  // Feed request latency (handling, not the network): a Prometheus histogram.
  static constexpr double kLatencyBuckets[] = {0.0001, 0.0005, 0.001, 0.005, 0.01,
                                               0.05,   0.1,    0.5,   1};
  std::atomic<int64_t> latency_counts_[std::size(kLatencyBuckets) + 1] = {};
  std::atomic<int64_t> latency_sum_us_{0}, bytes_sent_{0}, last_build_bytes_{0},
      largest_build_bytes_{0};
};

}  // namespace babillard::publish
