#pragma once

#include <curl/curl.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace babillard {

struct CurlDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
using CurlPtr = std::unique_ptr<CURL, CurlDeleter>;
using SlistPtr = std::unique_ptr<curl_slist, SlistDeleter>;

// Appends one line to a curl list (headers, resolve entries).
void SlistAppend(SlistPtr& list, const std::string& line);

// A curl handle for one request to `url` on someone else's behalf (a
// source, a webhook): http/https only, redirects not followed (the caller
// checks each hop), and connected only to the addresses ResolvePublic just
// approved, so DNS cannot be rebound to a private address between the check
// and the connection. Errors as ParseHttpUrl and ResolvePublic.
struct PinnedCurl {
  CurlPtr handle;
  SlistPtr resolve;  // must outlive the transfer
};
absl::StatusOr<PinnedCurl> OpenPinnedCurl(const std::string& url, bool allow_loopback);

}  // namespace babillard
