#include "services/ingest/fetcher.h"

#include <curl/curl.h>

#include <algorithm>
#include <memory>
#include <optional>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "services/common/client/pinned_curl.h"
#include "services/common/status_macros.h"

namespace babillard::ingest {
namespace {

struct Transfer {
  std::string body;
  size_t max_bytes = 0;
  bool over_cap = false;
  std::string etag, last_modified, location;
};

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t n = size * count;
  if (t->body.size() + n > t->max_bytes) {
    t->over_cap = true;
    return 0;  // aborts the transfer at the cap
  }
  t->body.append(data, n);
  return n;
}

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t n = size * count;
  absl::string_view line(data, n);
  line = absl::StripTrailingAsciiWhitespace(line);
  auto value = [&](absl::string_view name) -> std::optional<std::string> {
    if (line.size() > name.size() && absl::StartsWithIgnoreCase(line, name) &&
        line[name.size()] == ':') {
      return std::string(absl::StripAsciiWhitespace(line.substr(name.size() + 1)));
    }
    return std::nullopt;
  };
  if (auto v = value("ETag")) t->etag = *v;
  if (auto v = value("Last-Modified")) t->last_modified = *v;
  if (auto v = value("Location")) t->location = *v;
  return n;
}

// Resolves a relative Location against the URL it came from.
std::string Resolve(const std::string& base, const std::string& location) {
  if (absl::StrContains(location, "://")) return location;
  size_t scheme_end = base.find("://");
  size_t path_start = base.find('/', scheme_end + 3);
  std::string origin = base.substr(0, path_start);
  if (absl::StartsWith(location, "/")) return origin + location;
  std::string dir =
      path_start == std::string::npos ? origin + "/" : base.substr(0, base.rfind('/') + 1);
  return dir + location;
}

}  // namespace

absl::StatusOr<FetchResult> FetchCalendar(const std::string& url, const std::string& etag,
                                          const std::string& last_modified,
                                          const FetchOptions& options) {
  const absl::Time deadline = absl::Now() + options.total_timeout;
  std::string current = url;
  for (int hop = 0; hop <= options.max_redirects; ++hop) {
    // Each hop is checked and pinned again: a redirect may point anywhere.
    BABILLARD_ASSIGN_OR_RETURN(PinnedCurl curl, OpenPinnedCurl(current, options.allow_loopback));
    SlistPtr headers(curl_slist_append(nullptr, "Accept: text/calendar, */*;q=0.5"));
    if (!etag.empty()) SlistAppend(headers, "If-None-Match: " + etag);
    if (!last_modified.empty()) {
      SlistAppend(headers, "If-Modified-Since: " + last_modified);
    }
    Transfer t;
    t.max_bytes = options.max_bytes;
    const int64_t remaining_ms =
        std::max<int64_t>(1, absl::ToInt64Milliseconds(deadline - absl::Now()));
    CURL* c = curl.handle.get();
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
    curl_easy_setopt(c, CURLOPT_USERAGENT, options.user_agent.c_str());
    curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");  // gzip/deflate, decoded
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(remaining_ms));
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(absl::ToInt64Milliseconds(options.connect_timeout)));
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, OnBody);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &t);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, OnHeader);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &t);
    curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(options.max_bytes));
    const CURLcode rc = curl_easy_perform(c);
    if (t.over_cap || rc == CURLE_FILESIZE_EXCEEDED) {
      return absl::ResourceExhaustedError(
          absl::StrCat("source: body exceeds ", options.max_bytes, " bytes"));
    }
    if (rc == CURLE_OPERATION_TIMEDOUT) {
      return absl::DeadlineExceededError(absl::StrCat("source: no complete answer within ",
                                                      absl::FormatDuration(options.total_timeout)));
    }
    if (rc != CURLE_OK)
      return absl::UnavailableError(absl::StrCat("source: ", curl_easy_strerror(rc)));
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    if ((status == 301 || status == 302 || status == 303 || status == 307 || status == 308) &&
        !t.location.empty()) {
      current = Resolve(current, t.location);
      continue;
    }
    FetchResult result;
    result.http_status = static_cast<int>(status);
    result.body = std::move(t.body);
    result.etag = std::move(t.etag);
    result.last_modified = std::move(t.last_modified);
    result.final_url = current;
    return result;
  }
  return absl::FailedPreconditionError(
      absl::StrCat("source: more than ", options.max_redirects, " redirects"));
}

}  // namespace babillard::ingest
