// Redis with ACL users, as deploy/ runs it: a connection authenticates as its
// user (again after a reconnect), a refused password is PERMISSION_DENIED
// without the password in the message, and the store's startup check names
// the flag to fix. Real redis-server, ACL users made with ACL SETUSER.
#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "services/common/redis/connection.h"
#include "services/store/redis_access.h"
#include "tests/testing/redis_fixture.h"

namespace babillard::store {
namespace {

constexpr char kPassword[] = "s3cret-of-the-test-0123456789";

class RedisAclTest : public testing::RedisTest {
 protected:
  void SetUp() override {
    testing::RedisTest::SetUp();
    // The fixture's server is shared: users of this test only, removed after.
    Redis({"ACL", "SETUSER", "store-test", "reset", "on", std::string(">") + kPassword, "~bab:*",
           "resetchannels", "-@all", "+@read", "+@write", "+@stream", "+@scripting",
           "+@transaction", "+ping", "+acl|whoami"});
    Redis({"ACL", "SETUSER", "elsewhere", "reset", "on", std::string(">") + kPassword, "~other:*",
           "-@all", "+@read", "+@write", "+@scripting", "+ping"});
  }
  void TearDown() override { Redis({"ACL", "DELUSER", "store-test", "elsewhere"}); }

  redis::ConnectionPool Pool(const std::string& user, const std::string& password) {
    redis::PoolOptions options;
    options.address = redis_->address();
    options.credentials = {.user = user, .password = password};
    return redis::ConnectionPool(options);
  }
};

TEST_F(RedisAclTest, AConnectionIsItsUserAgainAfterAReconnect) {
  auto c = redis::Connection::Open(redis_->address(), absl::Seconds(2),
                                   {.user = "store-test", .password = kPassword});
  ASSERT_TRUE(c.ok()) << c.status();
  auto who = (*c)->Run({"ACL", "WHOAMI"});
  ASSERT_TRUE(who.ok()) << who.status();
  EXPECT_EQ(who->str, "store-test");
  // Redis drops every connection of the user (as at a Redis restart).
  EXPECT_GE(Redis({"CLIENT", "KILL", "USER", "store-test"}).integer, 1);
  auto dropped = (*c)->Run({"ACL", "WHOAMI"});
  EXPECT_FALSE(dropped.ok());
  who = (*c)->Run({"ACL", "WHOAMI"});
  ASSERT_TRUE(who.ok()) << who.status();
  EXPECT_EQ(who->str, "store-test") << "the reconnect did not authenticate";
}

TEST_F(RedisAclTest, ARefusedPasswordIsPermissionDeniedAndNeverQuoted) {
  auto c = redis::Connection::Open(redis_->address(), absl::Seconds(2),
                                   {.user = "store-test", .password = "not-the-password-at-all"});
  ASSERT_EQ(c.status().code(), absl::StatusCode::kPermissionDenied) << c.status();
  EXPECT_TRUE(absl::StrContains(c.status().message(), "store-test")) << c.status();
  EXPECT_TRUE(absl::StrContains(c.status().message(), "WRONGPASS")) << c.status();
  EXPECT_FALSE(absl::StrContains(c.status().message(), "not-the-password")) << c.status();
  // Through the pool, as the store calls: the same, and no retry storm.
  redis::ConnectionPool pool = Pool("store-test", "not-the-password-at-all");
  EXPECT_EQ(pool.Run({"PING"}).status().code(), absl::StatusCode::kPermissionDenied);
}

TEST_F(RedisAclTest, TheStoresStartupCheckNamesTheFlagToFix) {
  redis::ConnectionPool good = Pool("store-test", kPassword);
  EXPECT_TRUE(CheckRedisAccess(good, "bab:").ok()) << CheckRedisAccess(good, "bab:");

  redis::ConnectionPool wrong = Pool("store-test", "not-the-password-at-all");
  absl::Status refused = CheckRedisAccess(wrong, "bab:");
  EXPECT_EQ(refused.code(), absl::StatusCode::kPermissionDenied) << refused;
  EXPECT_TRUE(absl::StrContains(refused.message(), "--redis-password-file")) << refused;

  // A user whose keys are another prefix's: refused at start, not at the first write.
  redis::ConnectionPool elsewhere = Pool("elsewhere", kPassword);
  absl::Status keys = CheckRedisAccess(elsewhere, "bab:");
  EXPECT_EQ(keys.code(), absl::StatusCode::kPermissionDenied) << keys;
  EXPECT_TRUE(absl::StrContains(keys.message(), "--redis-user")) << keys;
  EXPECT_TRUE(absl::StrContains(keys.message(), "elsewhere")) << keys;
  EXPECT_TRUE(CheckRedisAccess(elsewhere, "other:").ok());
}

}  // namespace
}  // namespace babillard::store
