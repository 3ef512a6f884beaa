#include "services/common/client/pinned_curl.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/common/client/url_guard.h"
#include "services/common/status_macros.h"

namespace babillard {

void SlistAppend(SlistPtr& list, const std::string& line) {
  list.reset(curl_slist_append(list.release(), line.c_str()));
}

absl::StatusOr<PinnedCurl> OpenPinnedCurl(const std::string& url, bool allow_loopback) {
  static const bool initialized = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
  if (!initialized) return absl::InternalError("libcurl did not initialize");
  BABILLARD_ASSIGN_OR_RETURN(ParsedUrl parsed, ParseHttpUrl(url));
  BABILLARD_ASSIGN_OR_RETURN(std::vector<std::string> addresses,
                             ResolvePublic(parsed.host, allow_loopback));
  PinnedCurl out;
  out.handle.reset(curl_easy_init());
  if (out.handle == nullptr) return absl::InternalError("curl_easy_init failed");
  SlistAppend(out.resolve,
              absl::StrCat(parsed.host, ":", parsed.port, ":", absl::StrJoin(addresses, ",")));
  CURL* c = out.handle.get();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_RESOLVE, out.resolve.get());
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  return out;
}

}  // namespace babillard
