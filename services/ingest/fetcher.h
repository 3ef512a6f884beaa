#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace babillard::ingest {

struct FetchOptions {
  size_t max_bytes = 16u << 20;  // the download stops at the cap
  absl::Duration total_timeout = absl::Seconds(60);
  absl::Duration connect_timeout = absl::Seconds(10);
  int max_redirects = 3;
  // Tests only: lets sources on 127.0.0.1 / ::1 be fetched. Off by default.
  bool allow_loopback = false;
  std::string user_agent = "babillard/1.0 (+calendar federation)";
};

struct FetchResult {
  int http_status = 0;  // 200, 304, 410...
  std::string body;
  std::string etag;
  std::string last_modified;
  std::string final_url;
};

// GETs a calendar URL with libcurl, conditionally (If-None-Match /
// If-Modified-Since). Every hop, redirects included, is resolved first and
// refused if it reaches a loopback, private or link-local address; curl then
// connects only to the addresses checked (no DNS rebinding). Errors:
// PERMISSION_DENIED (forbidden address), RESOURCE_EXHAUSTED (body over the
// cap), DEADLINE_EXCEEDED (total timeout, slow drip), UNAVAILABLE (network).
// Thread-safe (one curl handle per call).
absl::StatusOr<FetchResult> FetchCalendar(const std::string& url, const std::string& etag,
                                          const std::string& last_modified,
                                          const FetchOptions& options);

// The seam between the poller and the network: a conditional GET of one
// calendar. Tests give the poller a fake; production uses CurlFetcher.
// The poller calls it from several threads at once.
class CalendarFetcher {
 public:
  virtual ~CalendarFetcher() = default;
  virtual absl::StatusOr<FetchResult> Fetch(const std::string& url, const std::string& etag,
                                            const std::string& last_modified) = 0;
};

// FetchCalendar with fixed options.
class CurlFetcher final : public CalendarFetcher {
 public:
  explicit CurlFetcher(FetchOptions options) : options_(std::move(options)) {}
  absl::StatusOr<FetchResult> Fetch(const std::string& url, const std::string& etag,
                                    const std::string& last_modified) override {
    return FetchCalendar(url, etag, last_modified, options_);
  }

 private:
  const FetchOptions options_;
};

}  // namespace babillard::ingest
