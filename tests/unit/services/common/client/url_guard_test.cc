#include "services/common/client/url_guard.h"

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>

#include "tests/testing/status_matchers.h"

namespace babillard {
namespace {

using ::babillard::testing::IsOk;
using ::babillard::testing::StatusIs;

// An address in text as the sockaddr the resolver would give.
bool Forbidden(const std::string& text, bool allow_loopback = false) {
  sockaddr_storage storage{};
  if (text.find(':') != std::string::npos) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&storage);
    a->sin6_family = AF_INET6;
    EXPECT_EQ(inet_pton(AF_INET6, text.c_str(), &a->sin6_addr), 1) << text;
  } else {
    auto* a = reinterpret_cast<sockaddr_in*>(&storage);
    a->sin_family = AF_INET;
    EXPECT_EQ(inet_pton(AF_INET, text.c_str(), &a->sin_addr), 1) << text;
  }
  return IsForbiddenAddress(reinterpret_cast<const sockaddr*>(&storage), allow_loopback);
}

TEST(IsForbiddenAddress, RefusesEveryAddressAServerMustNotFetchForSomeoneElse) {
  for (const char* address : {"127.0.0.1",
                              "127.255.0.9",
                              "10.0.0.1",
                              "172.16.0.1",
                              "172.31.255.255",
                              "192.168.1.1",
                              "169.254.169.254" /* cloud metadata */,
                              "100.64.0.1" /* carrier-grade NAT */,
                              "0.0.0.0",
                              "224.0.0.1",
                              "255.255.255.255",
                              "::1",
                              "::",
                              "fe80::1",
                              "fc00::1",
                              "fd12:3456::1",
                              "ff02::1",
                              "::ffff:127.0.0.1",
                              "::ffff:10.0.0.1",
                              "::ffff:169.254.169.254"}) {
    EXPECT_TRUE(Forbidden(address)) << address;
  }
  for (const char* address : {"93.184.216.34", "172.32.0.1", "100.128.0.1", "8.8.8.8",
                              "2606:4700:4700::1111", "::ffff:93.184.216.34"}) {
    EXPECT_FALSE(Forbidden(address)) << address;
  }
}

TEST(IsForbiddenAddress, LoopbackOnlyWhenAllowedAndNothingElse) {
  EXPECT_FALSE(Forbidden("127.0.0.1", true));
  EXPECT_FALSE(Forbidden("::1", true));
  EXPECT_TRUE(Forbidden("10.0.0.1", true));
  EXPECT_TRUE(Forbidden("169.254.169.254", true));
}

TEST(ParseHttpUrl, TakesHttpAndHttpsWithTheirPortsAndRefusesTheRest) {
  absl::StatusOr<ParsedUrl> u = ParseHttpUrl("https://Example.org/agenda.ics?x=1");
  ASSERT_THAT(u, IsOk());
  EXPECT_EQ(u->scheme, "https");
  EXPECT_EQ(u->port, 443);
  u = ParseHttpUrl("http://[2606:4700::1]:8080/a");
  ASSERT_THAT(u, IsOk());
  EXPECT_EQ(u->host, "2606:4700::1");
  EXPECT_EQ(u->port, 8080);
  for (const char* bad :
       {"ftp://example.org/a", "file:///etc/passwd", "https://user:pw@example.org/",
        "example.org/a.ics", "https:///a", "https://example.org:99999/", "gopher://x"}) {
    EXPECT_THAT(ParseHttpUrl(bad), StatusIs(absl::StatusCode::kInvalidArgument)) << bad;
  }
}

TEST(CheckFetchableUrl, NamesTheFieldAndWhyAndResolvesLiterals) {
  EXPECT_THAT(CheckFetchableUrl("https://10.1.2.3/hook", "webhook.url", false, true),
              StatusIs(absl::StatusCode::kInvalidArgument, "webhook.url"));
  EXPECT_THAT(CheckFetchableUrl("http://127.0.0.1:8080/a.ics", "source.url", false, true),
              StatusIs(absl::StatusCode::kInvalidArgument, "source.url"));
  EXPECT_THAT(CheckFetchableUrl("http://127.0.0.1:8080/a.ics", "source.url", true, true), IsOk());
  EXPECT_THAT(CheckFetchableUrl("https://93.184.216.34/a.ics", "source.url", false, true), IsOk());
  EXPECT_THAT(CheckFetchableUrl("ftp://93.184.216.34/a.ics", "source.url", false, true),
              StatusIs(absl::StatusCode::kInvalidArgument, "source.url"));
}

}  // namespace
}  // namespace babillard
