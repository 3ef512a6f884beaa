#include "services/common/client/authenticator.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "services/common/auth/token.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/in_process_store.h"
#include "tests/testing/status_matchers.h"

namespace babillard {
namespace {

using ::babillard::testing::IsOk;
using ::babillard::testing::StatusIs;

class AuthenticatorTest : public ::testing::Test {
 protected:
  AuthenticatorTest()
      : auth_(store_.client(), auth::Sha256Hex("admin-secret"), absl::Seconds(2), clock_) {
    SetToken("biblio", "biblio-token-1");
  }
  void SetToken(const std::string& slug, const std::string& token) {
    v1::Organization org;
    org.set_slug(slug);
    org.set_name(slug);
    ASSERT_THAT(store_.client().PutOrganization(org, auth::Sha256Hex(token), false), IsOk());
  }

  testing::InProcessStore store_;
  testing::FakeClock clock_;
  Authenticator auth_;
};

TEST_F(AuthenticatorTest, ABearerTokenNamesItsOrganizationAndTheAdminIsKnownByHash) {
  absl::StatusOr<Caller> biblio = auth_.Authenticate("Bearer biblio-token-1");
  ASSERT_THAT(biblio, IsOk());
  EXPECT_EQ(biblio->organization, "biblio");
  EXPECT_EQ(biblio->role, v1::Organization::ROLE_PUBLISHER);  // unspecified reads as publisher
  EXPECT_FALSE(biblio->is_admin());
  absl::StatusOr<Caller> admin = auth_.Authenticate("Bearer admin-secret");
  ASSERT_THAT(admin, IsOk());
  EXPECT_TRUE(admin->is_admin());
}

TEST_F(AuthenticatorTest, AMissingMalformedOrUnknownTokenIsUnauthenticated) {
  for (const char* header : {"", "biblio-token-1", "Basic YWJj", "Bearer ", "bearer biblio-token-1",
                             "Bearer biblio-token-2"}) {
    EXPECT_THAT(auth_.Authenticate(header), StatusIs(absl::StatusCode::kUnauthenticated)) << header;
  }
  EXPECT_THAT(auth_.Authenticate("Bearer nope"),
              StatusIs(absl::StatusCode::kUnauthenticated, "unknown token"));
}

TEST_F(AuthenticatorTest, ARotatedTokenStopsWorkingOnceTheCacheExpires) {
  ASSERT_THAT(auth_.Authenticate("Bearer biblio-token-1"), IsOk());
  SetToken("biblio", "biblio-token-2");
  // Within the cache's 2 s the old token still reads from the cache...
  clock_.Advance(absl::Seconds(1));
  EXPECT_THAT(auth_.Authenticate("Bearer biblio-token-1"), IsOk());
  // ...and not after.
  clock_.Advance(absl::Seconds(2));
  EXPECT_THAT(auth_.Authenticate("Bearer biblio-token-1"),
              StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(auth_.Authenticate("Bearer biblio-token-2"), IsOk());
}

TEST_F(AuthenticatorTest, AStoreOutageIsUnavailableNotAnUnknownToken) {
  store_.registry.FailNextCall(absl::UnavailableError("redis: connection refused"));
  EXPECT_THAT(auth_.Authenticate("Bearer biblio-token-1"),
              StatusIs(absl::StatusCode::kUnavailable));
  // The admin needs no store.
  store_.registry.FailNextCall(absl::UnavailableError("redis: connection refused"));
  EXPECT_THAT(auth_.Authenticate("Bearer admin-secret"), IsOk());
}

TEST(ActingFor, APublisherActsForItselfOnlyAndAnAdminMustNameWho) {
  const Caller biblio{"biblio", v1::Organization::ROLE_PUBLISHER};
  const Caller admin{"admin", v1::Organization::ROLE_ADMIN};
  EXPECT_EQ(*ActingFor(biblio, "", "organization"), "biblio");
  EXPECT_EQ(*ActingFor(biblio, "biblio", "organization"), "biblio");
  EXPECT_THAT(ActingFor(biblio, "club", "organization"),
              StatusIs(absl::StatusCode::kPermissionDenied, "may not act for club"));
  EXPECT_EQ(*ActingFor(admin, "club", "organization"), "club");
  EXPECT_THAT(ActingFor(admin, "", "webhook.organization"),
              StatusIs(absl::StatusCode::kInvalidArgument, "webhook.organization: required"));
  EXPECT_THAT(CheckCanWrite(biblio, "biblio"), IsOk());
  EXPECT_THAT(CheckCanWrite(biblio, "club"), StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(CheckCanWrite(admin, "club"), IsOk());
}

}  // namespace
}  // namespace babillard
