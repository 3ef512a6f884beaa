#include "services/common/client/pinned_post.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "services/common/client/pinned_curl.h"

namespace babillard {
namespace {

size_t Discard(char*, size_t size, size_t count, void*) { return size * count; }

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  absl::string_view line(data, size * count);
  if (absl::StartsWithIgnoreCase(line, "retry-after:")) {
    int64_t seconds = 0;
    if (absl::SimpleAtoi(absl::StripAsciiWhitespace(line.substr(12)), &seconds) && seconds > 0) {
      *static_cast<absl::Duration*>(user) = absl::Seconds(std::min<int64_t>(seconds, 3600));
    }
  }
  return size * count;
}

}  // namespace

PinnedPostResult PostPinned(const std::string& url, const std::vector<std::string>& headers,
                            absl::string_view body, absl::Duration timeout, bool allow_loopback,
                            const char* user_agent) {
  PinnedPostResult result;
  const absl::Time start = absl::Now();
  absl::StatusOr<PinnedCurl> curl = OpenPinnedCurl(url, allow_loopback);
  if (!curl.ok()) {
    result.error = std::string(curl.status().message());
    return result;
  }
  SlistPtr list;
  for (const std::string& h : headers) SlistAppend(list, h);
  SlistAppend(list, "Expect:");  // no 100-continue round trip
  CURL* c = curl->handle.get();
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, list.get());
  curl_easy_setopt(c, CURLOPT_USERAGENT, user_agent);
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(absl::ToInt64Milliseconds(timeout)));
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, Discard);
  absl::Duration retry_after;
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &retry_after);
  const CURLcode rc = curl_easy_perform(c);
  result.duration = absl::Now() - start;
  if (rc != CURLE_OK) {
    result.error = curl_easy_strerror(rc);
    return result;
  }
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  result.http_status = static_cast<int>(status);
  if (status == 429 || status == 503) result.retry_after = retry_after;
  return result;
}

}  // namespace babillard
