#include "services/common/client/url_guard.h"

#include <arpa/inet.h>
#include <netdb.h>

#include <algorithm>
#include <cstring>
#include <memory>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "services/common/grpc_status.h"

namespace babillard {
namespace {

bool ForbiddenV4(uint32_t a, bool allow_loopback) {  // host byte order
  const auto in = [a](uint32_t net, int bits) {
    return (a >> (32 - bits)) == (net >> (32 - bits));
  };
  if (in(0x7F000000, 8)) return !allow_loopback;  // 127/8
  return in(0x00000000, 8) ||                     // 0/8 "this network"
         in(0x0A000000, 8) ||                     // 10/8
         in(0x64400000, 10) ||                    // 100.64/10 CGNAT
         in(0xA9FE0000, 16) ||                    // 169.254/16 link-local, metadata
         in(0xAC100000, 12) ||                    // 172.16/12
         in(0xC0000000, 24) ||                    // 192.0.0/24
         in(0xC0A80000, 16) ||                    // 192.168/16
         in(0xC6120000, 15) ||                    // 198.18/15 benchmarking
         a >= 0xE0000000;                         // multicast, reserved, broadcast
}

struct AddrinfoDeleter {
  void operator()(addrinfo* a) const { freeaddrinfo(a); }
};

}  // namespace

absl::StatusOr<ParsedUrl> ParseHttpUrl(const std::string& url) {
  ParsedUrl out;
  size_t scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return absl::InvalidArgumentError("url: no scheme");
  out.scheme = absl::AsciiStrToLower(url.substr(0, scheme_end));
  if (out.scheme != "http" && out.scheme != "https") {
    return absl::InvalidArgumentError(
        absl::StrCat("url: scheme ", out.scheme, " is not http or https"));
  }
  const size_t start = scheme_end + 3;
  size_t end = url.find_first_of("/?#", start);
  std::string authority =
      url.substr(start, end == std::string::npos ? std::string::npos : end - start);
  if (authority.find('@') != std::string::npos)
    return absl::InvalidArgumentError("url: credentials are not allowed");
  out.port = out.scheme == "https" ? 443 : 80;
  if (absl::StartsWith(authority, "[")) {
    size_t close = authority.find(']');
    if (close == std::string::npos) return absl::InvalidArgumentError("url: bad IPv6 host");
    out.host = authority.substr(1, close - 1);
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':' ||
          !absl::SimpleAtoi(authority.substr(close + 2), &out.port)) {
        return absl::InvalidArgumentError("url: bad port");
      }
    }
  } else {
    size_t colon = authority.rfind(':');
    out.host = authority.substr(0, colon);
    if (colon != std::string::npos && !absl::SimpleAtoi(authority.substr(colon + 1), &out.port)) {
      return absl::InvalidArgumentError("url: bad port");
    }
  }
  if (out.host.empty()) return absl::InvalidArgumentError("url: no host");
  if (out.port <= 0 || out.port > 65535) return absl::InvalidArgumentError("url: bad port");
  return out;
}

bool IsForbiddenAddress(const sockaddr* address, bool allow_loopback) {
  if (address->sa_family == AF_INET) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(address);
    return ForbiddenV4(ntohl(v4->sin_addr.s_addr), allow_loopback);
  }
  if (address->sa_family != AF_INET6) return true;
  const in6_addr& a = reinterpret_cast<const sockaddr_in6*>(address)->sin6_addr;
  if (IN6_IS_ADDR_LOOPBACK(&a)) return !allow_loopback;
  if (IN6_IS_ADDR_V4MAPPED(&a) || IN6_IS_ADDR_V4COMPAT(&a)) {
    uint32_t v4;
    std::memcpy(&v4, &a.s6_addr[12], 4);
    return ForbiddenV4(ntohl(v4), allow_loopback);
  }
  return IN6_IS_ADDR_UNSPECIFIED(&a) || IN6_IS_ADDR_LINKLOCAL(&a) || IN6_IS_ADDR_SITELOCAL(&a) ||
         IN6_IS_ADDR_MULTICAST(&a) || (a.s6_addr[0] & 0xFE) == 0xFC ||  // fc00::/7 unique local
         (a.s6_addr[0] == 0x20 && a.s6_addr[1] == 0x02) ||              // 2002::/16 6to4 wraps IPv4
         (a.s6_addr[0] == 0x00 && a.s6_addr[1] == 0x64 && a.s6_addr[2] == 0xff &&
          a.s6_addr[3] == 0x9b);  // 64:ff9b::/96 NAT64
}

absl::StatusOr<std::vector<std::string>> ResolvePublic(const std::string& host,
                                                       bool allow_loopback) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_family = AF_UNSPEC;
  addrinfo* raw = nullptr;
  if (int rc = getaddrinfo(host.c_str(), nullptr, &hints, &raw); rc != 0) {
    return absl::UnavailableError(
        absl::StrCat("url: cannot resolve ", host, ": ", gai_strerror(rc)));
  }
  std::unique_ptr<addrinfo, AddrinfoDeleter> list(raw);
  std::vector<std::string> out;
  for (addrinfo* a = list.get(); a != nullptr; a = a->ai_next) {
    if (IsForbiddenAddress(a->ai_addr, allow_loopback)) {
      // Loopback alone has a switch, for trying things on one machine.
      const bool loopback = !IsForbiddenAddress(a->ai_addr, /*allow_loopback=*/true);
      return absl::PermissionDeniedError(
          loopback ? absl::StrCat("url: ", host, " is this machine (loopback)")
                   : absl::StrCat("url: ", host,
                                  " resolves to a loopback, private or link-local address"));
    }
    char text[INET6_ADDRSTRLEN] = {};
    const void* bytes =
        a->ai_family == AF_INET
            ? static_cast<const void*>(&reinterpret_cast<sockaddr_in*>(a->ai_addr)->sin_addr)
            : static_cast<const void*>(&reinterpret_cast<sockaddr_in6*>(a->ai_addr)->sin6_addr);
    inet_ntop(a->ai_family, bytes, text, sizeof(text));
    std::string s = a->ai_family == AF_INET6 ? absl::StrCat("[", text, "]") : text;
    if (std::find(out.begin(), out.end(), s) == out.end()) out.push_back(s);
  }
  if (out.empty()) return absl::UnavailableError(absl::StrCat("url: ", host, " has no address"));
  return out;
}

absl::Status CheckFetchableUrl(const std::string& url, const std::string& field,
                               bool allow_loopback, bool must_resolve,
                               const std::string& loopback_switch) {
  // The guard's messages start with "url: "; the caller's field replaces it.
  const auto refuse = [&field, &loopback_switch](const absl::Status& s) {
    absl::string_view reason = s.message();
    absl::ConsumePrefix(&reason, "url: ");
    std::string why(reason);
    if (absl::EndsWith(why, "(loopback)") && !loopback_switch.empty()) {
      absl::StrAppend(&why, ": refused like every private address; for local tries only, ",
                      loopback_switch, " allows it (make run LOOPBACK=1)");
    }
    return BadRequestError(absl::StrCat(field, ": ", why), {{field, why}});
  };
  absl::StatusOr<ParsedUrl> parsed = ParseHttpUrl(url);
  if (!parsed.ok()) return refuse(parsed.status());
  absl::StatusOr<std::vector<std::string>> addresses = ResolvePublic(parsed->host, allow_loopback);
  if (addresses.ok() || (absl::IsUnavailable(addresses.status()) && !must_resolve))
    return absl::OkStatus();
  return refuse(addresses.status());
}

}  // namespace babillard
