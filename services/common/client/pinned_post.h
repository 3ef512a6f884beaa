#pragma once

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace babillard {

struct PinnedPostResult {
  int http_status = 0;  // 0 when there was no answer
  std::string error;    // why there was no answer
  absl::Duration duration;
  // The receiver's Retry-After (seconds form, at most an hour), with a 429
  // or 503; zero if none.
  absl::Duration retry_after;
};

// One POST of `body` with `headers` ("Name: value") to a URL on someone
// else's behalf (a webhook receiver, a push service), through OpenPinnedCurl:
// its address checked and pinned, redirects not followed (a 3xx is the
// answer), the answer's body discarded.
PinnedPostResult PostPinned(const std::string& url, const std::vector<std::string>& headers,
                            absl::string_view body, absl::Duration timeout, bool allow_loopback,
                            const char* user_agent);

}  // namespace babillard
