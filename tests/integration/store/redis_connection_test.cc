// A Redis command waits no longer than the call being served (CallScope),
// against a real redis-server made slow (CLIENT PAUSE: Redis 7 refuses DEBUG
// SLEEP unless configured to take it; RELIABILITY F3).
#include <gtest/gtest.h>

#include <thread>

#include "absl/time/clock.h"
#include "services/common/call_scope.h"
#include "services/common/redis/connection.h"
#include "tests/testing/redis_fixture.h"

namespace babillard::redis {
namespace {

class RedisConnectionTest : public testing::RedisTest {
 protected:
  std::unique_ptr<Connection> Open(absl::Duration timeout) {
    absl::StatusOr<std::unique_ptr<Connection>> c = Connection::Open(redis_->address(), timeout);
    EXPECT_TRUE(c.ok()) << c.status();
    return c.ok() ? *std::move(c) : nullptr;
  }
  // Redis answers nobody for `ms`, then returns `ms` from a joinable thread
  // so that a test waits the pause out before the next.
  std::thread PauseRedis(int ms) {
    std::unique_ptr<Connection> other = Open(absl::Seconds(10));
    absl::StatusOr<Reply> paused = other->Run({"CLIENT", "PAUSE", std::to_string(ms), "ALL"});
    EXPECT_TRUE(paused.ok() && paused->type != Reply::Type::kError) << paused.status();
    return std::thread([ms] { absl::SleepFor(absl::Milliseconds(ms + 50)); });
  }
};

TEST_F(RedisConnectionTest, ACommandWaitsNoLongerThanTheCallersDeadline) {
  std::unique_ptr<Connection> c = Open(absl::Seconds(10));
  ASSERT_NE(c, nullptr);
  std::thread sleeper = PauseRedis(2000);
  absl::StatusOr<Reply> reply;
  {
    CallScope call(absl::Now() + absl::Milliseconds(300));
    reply = c->Run({"PING"});
  }
  // Without the call's deadline the PING waits out the sleep and succeeds.
  EXPECT_EQ(reply.status().code(), absl::StatusCode::kDeadlineExceeded) << reply.status();
  EXPECT_NE(reply.status().message().find("caller's deadline"), absl::string_view::npos);
  sleeper.join();
  // The connection (reopened) has its own timeout again outside the call.
  std::thread second = PauseRedis(1000);
  absl::StatusOr<Reply> after = c->Run({"PING"});
  second.join();
  EXPECT_TRUE(after.ok()) << after.status();
}

TEST_F(RedisConnectionTest, ACallPastItsDeadlineSendsNothing) {
  std::unique_ptr<Connection> c = Open(absl::Seconds(2));
  ASSERT_NE(c, nullptr);
  {
    CallScope call(absl::Now() - absl::Milliseconds(1));
    absl::StatusOr<Reply> reply = c->Run({"SET", "k", "v"});
    EXPECT_EQ(reply.status().code(), absl::StatusCode::kDeadlineExceeded) << reply.status();
    EXPECT_FALSE(c->broken());
    absl::StatusOr<std::vector<Reply>> piped = c->Pipeline({{"SET", "k", "v"}});
    EXPECT_EQ(piped.status().code(), absl::StatusCode::kDeadlineExceeded);
  }
  EXPECT_EQ(Redis({"EXISTS", "k"}).integer, 0);
}

TEST_F(RedisConnectionTest, ACallWithTimeToSpareKeepsTheConnectionsOwnTimeout) {
  std::unique_ptr<Connection> c = Open(absl::Seconds(10));
  ASSERT_NE(c, nullptr);
  CallScope call(absl::Now() + absl::Seconds(60));
  std::thread sleeper = PauseRedis(1000);
  absl::StatusOr<Reply> reply = c->Run({"PING"});
  sleeper.join();
  EXPECT_TRUE(reply.ok()) << reply.status();
}

}  // namespace
}  // namespace babillard::redis
