// Sentinel discovery and a primary switch, with a real primary, replica and
// redis-sentinel on loopback.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "services/common/redis/redis_process.h"
#include "services/store/redis_event_store.h"
#include "services/store/redis_supervisor.h"
#include "tests/testing/child_process.h"

namespace babillard::store {
namespace {

template <typename F>
bool Eventually(F condition, absl::Duration timeout = absl::Seconds(30)) {
  for (const absl::Time deadline = absl::Now() + timeout; absl::Now() < deadline;) {
    if (condition()) return true;
    absl::SleepFor(absl::Milliseconds(100));
  }
  return false;
}

redis::Address Tcp(int port) {
  redis::Address a;
  a.host = "127.0.0.1";
  a.port = port;
  return a;
}

absl::StatusOr<redis::Reply> Ask(const redis::Address& address, std::vector<std::string> args) {
  auto c = redis::Connection::Open(address, absl::Seconds(2));
  if (!c.ok()) return c.status();
  return (*c)->Run(args);
}

TEST(Sentinel, DiscoversThePrimaryAndFollowsAFailover) {
  signal(SIGPIPE, SIG_IGN);
  const std::string dir = testing::MakeTempDir("babillard-sentinel");
  const int primary_port = testing::FreePort(), replica_port = testing::FreePort(),
            sentinel_port = testing::FreePort();
  redis::RedisProcessOptions primary_options;
  primary_options.dir = dir + "/primary";
  primary_options.tcp_port = primary_port;
  auto primary = redis::RedisProcess::Start(primary_options);
  ASSERT_TRUE(primary.ok()) << primary.status();
  redis::RedisProcessOptions replica_options;
  replica_options.dir = dir + "/replica";
  replica_options.tcp_port = replica_port;
  replica_options.extra_args = {"--replicaof", "127.0.0.1", std::to_string(primary_port)};
  auto replica = redis::RedisProcess::Start(replica_options);
  ASSERT_TRUE(replica.ok()) << replica.status();
  {
    std::ofstream conf(dir + "/sentinel.conf");
    conf << "port " << sentinel_port << "\nbind 127.0.0.1\ndir " << dir << "\n"
         << "sentinel monitor mymaster 127.0.0.1 " << primary_port << " 1\n"
         << "sentinel down-after-milliseconds mymaster 1000\n"
         << "sentinel failover-timeout mymaster 10000\n";
  }
  testing::ChildProcess sentinel({"/usr/bin/redis-server", dir + "/sentinel.conf", "--sentinel"},
                                 dir + "/sentinel.log");
  ASSERT_TRUE(sentinel.Start().ok());
  const std::vector<redis::Address> sentinels = {Tcp(sentinel_port)};

  absl::StatusOr<redis::Address> found;
  ASSERT_TRUE(Eventually([&] {
    found = DiscoverPrimary(sentinels, "mymaster");
    return found.ok();
  })) << found.status();
  EXPECT_EQ(found->port, primary_port);

  redis::PoolOptions pool_options;
  pool_options.address = *found;
  redis::ConnectionPool pool(pool_options);
  RedisSupervisor supervisor(
      pool, sentinels, "mymaster", [](bool) {}, nullptr, absl::Milliseconds(100));
  auto store = RedisEventStore::Open(pool, RedisStoreOptions());
  ASSERT_TRUE(store.ok()) << store.status();
  v1::Event e;
  e.set_uid("before-failover");
  e.set_organization("o");
  e.mutable_start()->set_local("2026-01-01T10:00:00");
  e.mutable_start()->set_time_zone("UTC");
  e.mutable_start()->set_utc_seconds(1767261600);
  *e.mutable_end() = e.start();
  ASSERT_TRUE((*store)->Put({e}, {}).ok());

  // The replica has the write and Sentinel knows the replica: switch.
  ASSERT_TRUE(Eventually([&] {
    auto r = Ask(Tcp(replica_port), {"EXISTS", "bab:ev:before-failover"});
    auto replicas = Ask(Tcp(sentinel_port), {"SENTINEL", "replicas", "mymaster"});
    return r.ok() && r->integer == 1 && replicas.ok() && !replicas->elements.empty();
  }));
  auto failover = Ask(Tcp(sentinel_port), {"SENTINEL", "FAILOVER", "mymaster"});
  ASSERT_TRUE(failover.ok());
  ASSERT_NE(failover->type, redis::Reply::Type::kError) << failover->str;
  ASSERT_TRUE(Eventually([&] { return pool.address().port == replica_port; }))
      << "the store's pool did not follow the new primary";

  // Writes go to the new primary (the old one turns replica: READONLY until then).
  e.set_uid("after-failover");
  absl::Status last = absl::UnknownError("no attempt");
  ASSERT_TRUE(Eventually([&] {
    auto r = (*store)->Put({e}, {});
    last = r.status();
    return r.ok();
  })) << last;
  EXPECT_TRUE((*store)->Get("before-failover").ok());
  EXPECT_TRUE((*store)->Get("after-failover").ok());
  auto role = Ask(Tcp(replica_port), {"ROLE"});
  ASSERT_TRUE(role.ok());
  EXPECT_EQ(role->elements[0].str, "master");

  sentinel.Stop();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace babillard::store
