#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace babillard {

// A URL split into what the fetcher needs.
struct ParsedUrl {
  std::string scheme;  // "http" or "https"
  std::string host;    // without brackets
  int port = 0;
};

// http/https only, no credentials; INVALID_ARGUMENT naming the reason.
absl::StatusOr<ParsedUrl> ParseHttpUrl(const std::string& url);

// True for addresses a server must never be made to fetch on someone's
// behalf: loopback, private, link-local (cloud metadata), carrier-grade NAT,
// unspecified, multicast, unique-local IPv6, and IPv4 written inside IPv6.
bool IsForbiddenAddress(const sockaddr* address, bool allow_loopback);

// Resolves `host` and returns its addresses as text ("93.184.216.34"),
// PERMISSION_DENIED if any of them is forbidden (so DNS answers mixing a
// public and a private address are refused too), UNAVAILABLE if it does not
// resolve. The fetcher then connects to these addresses only (no rebinding).
absl::StatusOr<std::vector<std::string>> ResolvePublic(const std::string& host,
                                                       bool allow_loopback);

// What a URL given to be fetched later (a source, a webhook) must pass when
// it is registered: ParseHttpUrl, then ResolvePublic. A refusal is
// INVALID_ARGUMENT naming `field` ("webhook.url: 10.0.0.1 resolves to a
// private ..."). A host that does not resolve is refused only if
// `must_resolve`. The fetcher checks again at every fetch (DNS changes). A
// loopback refusal names `loopback_switch`, the flag that allows it for
// local tries ("babillard-ingest --allow-loopback-sources").
absl::Status CheckFetchableUrl(const std::string& url, const std::string& field,
                               bool allow_loopback, bool must_resolve,
                               const std::string& loopback_switch = "");

}  // namespace babillard
