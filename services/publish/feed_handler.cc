#include "services/publish/feed_handler.h"

#include <zlib.h>

#include <algorithm>
#include <cstdio>
#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "services/common/auth/token.h"
#include "services/common/log.h"
#include "services/common/string_view.h"
#include "services/common/text_checks.h"
#include "services/publish/feed_urls.h"

namespace babillard::publish {
namespace {

std::string Gzip(const std::string& data) {
  z_stream z{};
  deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY);  // 16: gzip header
  std::string out(deflateBound(&z, data.size()) + 32, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

HttpResponse Plain(int status, const std::string& text) {
  HttpResponse r;
  r.status = status;
  r.headers = {{"Content-Type", "text/plain; charset=utf-8"}, {"Access-Control-Allow-Origin", "*"}};
  r.body = text + "\n";
  return r;
}

}  // namespace

std::shared_ptr<CachedFeed> NewCacheEntry(std::string body, std::string content_type,
                                          int64_t version, int64_t day, absl::Time now) {
  auto fresh = std::make_shared<CachedFeed>();
  fresh->version = version;
  fresh->body = std::move(body);
  fresh->gzip = Gzip(fresh->body);
  const std::string hash = auth::Sha256Hex(fresh->body).substr(0, 32);
  fresh->etag = absl::StrCat("\"", hash, "\"");
  fresh->gzip_etag = absl::StrCat("\"", hash, "-gz\"");
  fresh->modified = absl::ToUnixSeconds(now);
  fresh->content_type = std::move(content_type);
  fresh->day = day;
  return fresh;
}

HttpResponse FeedHandler::Handle(const HttpRequest& request, Mode mode) {
  absl::string_view target = request.target;
  absl::string_view path = target.substr(0, target.find('?'));
  absl::string_view query =
      target.find('?') == absl::string_view::npos ? "" : target.substr(target.find('?') + 1);
  ++requests_;
  if (request.method == "OPTIONS") {
    HttpResponse r = Plain(204, "");
    r.body.clear();
    r.headers.push_back({"Access-Control-Allow-Methods", "GET, HEAD, OPTIONS"});
    r.headers.push_back({"Access-Control-Allow-Headers", "If-None-Match"});
    return r;
  }
  if (request.method != "GET" && request.method != "HEAD") {
    HttpResponse r = Plain(405, "only GET and HEAD");
    r.headers.push_back({"Allow", "GET, HEAD, OPTIONS"});
    return r;
  }
  if (path == "/healthz")
    return view_.ready() ? Plain(200, "ok") : Plain(503, "waiting for the first snapshot");
  if (path == "/metrics") return Metrics();
  if (absl::StartsWith(path, "/feeds/")) {
    const absl::Time start = absl::Now();
    return Finished(request, Feed(request, std::string(path), std::string(query), mode), start);
  }
  if (site_.load(std::memory_order_acquire) != nullptr) {
    const absl::Time start = absl::Now();
    return Finished(request, Page(request, path, query, mode), start);
  }
  return Plain(404, "not found; feeds are under /feeds/ (for example /feeds/all.ics)");
}

HttpResponse FeedHandler::Finished(const HttpRequest& request, HttpResponse r, absl::Time start) {
  if (r.status == kBuildNeeded) {
    --requests_;  // counted when it is handled again
    return r;
  }
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  size_t bucket = 0;
  while (bucket < std::size(kLatencyBuckets) && seconds > kLatencyBuckets[bucket]) ++bucket;
  ++latency_counts_[bucket];
  latency_sum_us_ += static_cast<int64_t>(seconds * 1e6);
  if (request.method != "HEAD") bytes_sent_ += static_cast<int64_t>(r.size());
  if (request.method == "HEAD") {  // same headers; the server sends GET's Content-Length
    r.head_length = r.size();
    r.body.clear();
    r.shared_body.reset();
  }
  return r;
}

HttpResponse FeedHandler::Feed(const HttpRequest& request, const std::string& path,
                               const std::string& query_text, Mode mode) {
  if (!view_.ready()) {
    HttpResponse r = Plain(503, "the calendar is loading; retry shortly");
    r.headers.push_back({"Retry-After", "5"});
    return r;
  }
  const absl::Time now = clock_.Now();
  const int64_t today = absl::ToUnixSeconds(now) / 86400;
  if (std::shared_ptr<const CachedFeed> hit = cache_.ByTarget(request.target, Version(), today)) {
    return Respond(request, std::move(hit));
  }
  absl::StatusOr<FeedQuery> parsed = ParseFeedTarget(path, query_text, vocabulary_, now);
  if (!parsed.ok()) {
    return Plain(absl::IsNotFound(parsed.status()) ? 404 : 400,
                 std::string(parsed.status().message()));
  }
  const FeedQuery& q = *parsed;
  const std::string key = q.Key();
  const int64_t version = Version();
  if (mode == Mode::kCachedOnly) {
    std::shared_ptr<const CachedFeed> cached = cache_.Find(key, request.target, version);
    if (cached == nullptr) {
      HttpResponse later;
      later.status = kBuildNeeded;
      return later;
    }
    return Respond(request, std::move(cached));
  }
  std::shared_ptr<const CachedFeed> entry = cache_.FindOrClaim(key, request.target, version);
  if (entry == nullptr) {
    entry = cache_.Finish(key, request.target, Build(q, version, now, request.target));
    if (entry == nullptr) {
      ++errors_;
      HttpResponse r = Plain(503, "the feed cannot be built right now; retry shortly");
      r.headers.push_back({"Retry-After", "30"});
      return r;
    }
  }
  return Respond(request, std::move(entry));
}

std::shared_ptr<CachedFeed> FeedHandler::Build(const FeedQuery& q, int64_t version, absl::Time now,
                                               const std::string& target) {
  absl::StatusOr<std::string> body = BuildFeed(view_.Events(), q, options_);
  if (!body.ok()) return nullptr;
  ++builds_;
  last_build_bytes_ = static_cast<int64_t>(body->size());
  for (int64_t seen = largest_build_bytes_.load();
       seen < static_cast<int64_t>(body->size()) &&
       !largest_build_bytes_.compare_exchange_weak(seen, body->size());) {
  }
  if (body->size() > (1u << 20)) {
    // Google's fetcher drops what is past about 1 MB.
    ++over_1mb_;
    log::Warn("feed over 1 MB (Google Calendar truncates it)",
              {{"target", target}, {"bytes", std::to_string(body->size())}});
  }
  return NewCacheEntry(*std::move(body),
                       q.json ? "application/json; charset=utf-8" : "text/calendar; charset=utf-8",
                       version, absl::ToUnixSeconds(now) / 86400, now);
}

HttpResponse FeedHandler::Respond(const HttpRequest& request,
                                  std::shared_ptr<const CachedFeed> entry) {
  const bool gzip = absl::StrContains(absl::AsciiStrToLower(request.accept_encoding), "gzip");
  const std::string& etag = gzip ? entry->gzip_etag : entry->etag;
  HttpResponse r;
  r.status = entry->status;
  r.headers = {{"Content-Type", entry->content_type},
               {"ETag", etag},
               {"Last-Modified", entry->last_modified},
               {"Cache-Control", cache_control_},
               {"Vary", "Accept-Encoding"},
               {"Access-Control-Allow-Origin", "*"},
               {"Access-Control-Expose-Headers", "ETag, Last-Modified"}};
  if (gzip) r.headers.push_back({"Content-Encoding", "gzip"});
  for (const auto& header : entry->headers) {
    auto same = std::find_if(r.headers.begin(), r.headers.end(),
                             [&](const auto& h) { return h.first == header.first; });
    if (same != r.headers.end()) {
      same->second = header.second;  // the entry's own (a page's Cache-Control)
    } else {
      r.headers.push_back(header);
    }
  }
  for (absl::string_view tag : absl::StrSplit(request.if_none_match, ',')) {
    if (absl::StripAsciiWhitespace(tag) == etag || absl::StripAsciiWhitespace(tag) == "*") {
      ++not_modified_;
      r.status = 304;
      return r;
    }
  }
  // RFC 9110 13.1.3: If-Modified-Since only without If-None-Match.
  if (request.if_none_match.empty() && !request.if_modified_since.empty()) {
    absl::Time since;
    std::string error;
    if (absl::ParseTime("%a, %d %b %Y %H:%M:%S GMT", request.if_modified_since, &since, &error) &&
        absl::ToUnixSeconds(since) >= entry->modified) {
      ++not_modified_;
      r.status = 304;
      return r;
    }
  }
  // The cache may drop the entry meanwhile; the response keeps its bytes alive.
  const std::string* bytes = gzip ? &entry->gzip : &entry->body;
  r.shared_body = std::shared_ptr<const std::string>(std::move(entry), bytes);
  return r;
}

int64_t FeedHandler::Version() const {
  // View versions stay far below 2^40; the named feeds' generation sits above.
  return view_.version() +
         (vocabulary_.named_feeds != nullptr ? vocabulary_.named_feeds->generation() << 40 : 0);
}

HttpResponse FeedHandler::Metrics() {
  HttpResponse r;
  r.headers = {{"Content-Type", "text/plain; version=0.0.4"}};
  r.body = absl::StrCat(
      "# TYPE babillard_http_requests_total counter\nbabillard_http_requests_total ",
      requests_.load(),
      "\n# TYPE babillard_http_not_modified_total counter\nbabillard_http_not_modified_total ",
      not_modified_.load(),
      "\n# TYPE babillard_feed_builds_total counter\nbabillard_feed_builds_total ", builds_.load(),
      "\n# TYPE babillard_feed_errors_total counter\nbabillard_feed_errors_total ", errors_.load(),
      "\n# TYPE babillard_feeds_over_1mb_total counter\nbabillard_feeds_over_1mb_total ",
      over_1mb_.load(), "\n# TYPE babillard_view_events gauge\nbabillard_view_events ",
      view_.size(), "\n# TYPE babillard_view_ready gauge\nbabillard_view_ready ",
      view_.ready() ? 1 : 0,
      "\n# TYPE babillard_feed_cache_bytes gauge\nbabillard_feed_cache_bytes ", cache_.bytes(),
      "\n# TYPE babillard_feed_cache_entries gauge\nbabillard_feed_cache_entries ",
      cache_.entries(),
      "\n# TYPE babillard_feed_cache_evictions_total "
      "counter\nbabillard_feed_cache_evictions_total ",
      cache_.evictions(), "\n");
  absl::StrAppend(&r.body, "# TYPE babillard_feed_request_duration_seconds histogram\n");
  int64_t cumulative = 0;
  for (size_t b = 0; b <= std::size(kLatencyBuckets); ++b) {
    cumulative += latency_counts_[b].load();
    const std::string le =
        b < std::size(kLatencyBuckets) ? absl::StrCat(kLatencyBuckets[b]) : "+Inf";
    absl::StrAppend(&r.body, "babillard_feed_request_duration_seconds_bucket{le=\"", le, "\"} ",
                    cumulative, "\n");
  }
  absl::StrAppend(
      &r.body, "babillard_feed_request_duration_seconds_sum ", latency_sum_us_.load() / 1e6, "\n",
      "babillard_feed_request_duration_seconds_count ", cumulative, "\n",
      "# TYPE babillard_feed_bytes_sent_total counter\nbabillard_feed_bytes_sent_total ",
      bytes_sent_.load(),
      "\n# TYPE babillard_feed_last_build_bytes gauge\nbabillard_feed_last_build_bytes ",
      last_build_bytes_.load(), "\n# TYPE babillard_feed_largest_build_bytes gauge\n",
      "babillard_feed_largest_build_bytes ", largest_build_bytes_.load(), "\n");
  if (webhooks_ != nullptr) {
    absl::StrAppend(
        &r.body, "# TYPE babillard_webhook_deliveries_total counter\n",
        "babillard_webhook_deliveries_total{outcome=\"delivered\"} ", webhooks_->delivered.load(),
        "\n", "babillard_webhook_deliveries_total{outcome=\"failed\"} ", webhooks_->failed.load(),
        "\n",
        "# TYPE babillard_webhooks_disabled_total counter\nbabillard_webhooks_disabled_total ",
        webhooks_->disabled.load(), "\n");
  }
  return r;
}

}  // namespace babillard::publish
