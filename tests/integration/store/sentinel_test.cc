// Sentinel discovery and a primary switch, with a real primary, replica and
// redis-sentinel on loopback, authenticated everywhere as deploy/ runs them:
// ACL users made by deploy/redis/make-acl.sh from deploy/redis/acl-rules (the
// store's, replication's, Sentinel's), the default user allowed only PING, and
// a Sentinel with a password of its own.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <fstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/common/redis/redis_process.h"
#include "services/store/redis_access.h"
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

absl::StatusOr<redis::Reply> Ask(const redis::Address& address, const redis::Credentials& as,
                                 std::vector<std::string> args) {
  auto c = redis::Connection::Open(address, absl::Seconds(2), as);
  if (!c.ok()) return c.status();
  return (*c)->Run(args);
}

std::string WriteSecret(const std::string& path) {
  const std::string secret = absl::StrCat("pw-", path.size(), "-", absl::ToUnixNanos(absl::Now()));
  std::ofstream(path) << secret << "\n";
  return secret;
}

// The region's ACL file, made the way deploy/ makes it.
struct Acl {
  std::string file;
  redis::Credentials store, replication, sentinel;
};

Acl MakeAcl(const std::string& dir) {
  Acl acl;
  acl.file = dir + "/users.acl";
  acl.store = {.user = "babillard", .password = WriteSecret(dir + "/redis-babillard.password")};
  acl.replication = {.user = "replication",
                     .password = WriteSecret(dir + "/redis-replication.password")};
  acl.sentinel = {.user = "sentinel", .password = WriteSecret(dir + "/redis-sentinel.password")};
  const std::string deploy = std::string(BABILLARD_SOURCE_DIR) + "/deploy/redis";
  const std::string command =
      absl::StrCat("/bin/sh ", deploy, "/make-acl.sh ", deploy, "/acl-rules ", dir, " ", acl.file);
  EXPECT_EQ(std::system(command.c_str()), 0) << command;
  return acl;
}

redis::RedisProcessOptions Server(const std::string& dir, int port, const Acl& acl) {
  redis::RedisProcessOptions options;
  options.dir = dir;
  options.tcp_port = port;
  options.credentials = acl.store;
  // Either may become a replica after a failover: both know how to follow.
  options.extra_args = {"--aclfile",          acl.file,       "--masteruser",
                        acl.replication.user, "--masterauth", acl.replication.password};
  return options;
}

TEST(Sentinel, DiscoversThePrimaryAndFollowsAFailover) {
  signal(SIGPIPE, SIG_IGN);
  const std::string dir = testing::MakeTempDir("babillard-sentinel");
  const int primary_port = testing::FreePort(), replica_port = testing::FreePort(),
            sentinel_port = testing::FreePort();
  const Acl acl = MakeAcl(dir);
  auto primary = redis::RedisProcess::Start(Server(dir + "/primary", primary_port, acl));
  ASSERT_TRUE(primary.ok()) << primary.status();
  redis::RedisProcessOptions replica_options = Server(dir + "/replica", replica_port, acl);
  replica_options.extra_args.insert(replica_options.extra_args.end(),
                                    {"--replicaof", "127.0.0.1", std::to_string(primary_port)});
  auto replica = redis::RedisProcess::Start(replica_options);
  ASSERT_TRUE(replica.ok()) << replica.status();
  const redis::Credentials sentinel_own = {.user = "",
                                           .password = WriteSecret(dir + "/sentinel.password")};
  {
    std::ofstream conf(dir + "/sentinel.conf");
    conf << "port " << sentinel_port << "\nbind 127.0.0.1\ndir " << dir << "\n"
         << "requirepass " << sentinel_own.password << "\n"
         << "sentinel monitor mymaster 127.0.0.1 " << primary_port << " 1\n"
         << "sentinel auth-user mymaster " << acl.sentinel.user << "\n"
         << "sentinel auth-pass mymaster " << acl.sentinel.password << "\n"
         << "sentinel down-after-milliseconds mymaster 1000\n"
         << "sentinel failover-timeout mymaster 10000\n";
  }
  testing::ChildProcess sentinel({"/usr/bin/redis-server", dir + "/sentinel.conf", "--sentinel"},
                                 dir + "/sentinel.log");
  ASSERT_TRUE(sentinel.Start().ok());
  Sentinels sentinels;
  sentinels.addresses = {Tcp(sentinel_port)};
  sentinels.credentials = sentinel_own;

  absl::StatusOr<redis::Address> found;
  ASSERT_TRUE(Eventually([&] {
    found = DiscoverPrimary(sentinels);
    return found.ok();
  })) << found.status();
  EXPECT_EQ(found->port, primary_port);
  // The Sentinel's password is its own: without it, or with the primary's, refused by name.
  for (const redis::Credentials& as : {redis::Credentials{}, acl.store}) {
    Sentinels refused = sentinels;
    refused.credentials = as;
    absl::StatusOr<redis::Address> denied = DiscoverPrimary(refused);
    EXPECT_EQ(denied.status().code(), absl::StatusCode::kPermissionDenied) << denied.status();
    EXPECT_FALSE(absl::StrContains(denied.status().message(), acl.store.password));
  }
  // Anyone may PING (health checks); nothing more without a user.
  auto anonymous = Ask(*found, {}, {"GET", "bab:ev:x"});
  ASSERT_TRUE(anonymous.ok());
  EXPECT_TRUE(absl::StartsWith(anonymous->str, "NOPERM")) << anonymous->str;

  redis::PoolOptions pool_options;
  pool_options.address = *found;
  pool_options.credentials = acl.store;
  redis::ConnectionPool pool(pool_options);
  ASSERT_TRUE(CheckRedisAccess(pool, "bab:").ok()) << CheckRedisAccess(pool, "bab:");
  RedisSupervisor supervisor(
      pool, sentinels, [](bool) {}, nullptr, absl::Milliseconds(100));
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
    auto r = Ask(Tcp(replica_port), acl.store, {"EXISTS", "bab:ev:before-failover"});
    auto replicas = Ask(Tcp(sentinel_port), sentinel_own, {"SENTINEL", "replicas", "mymaster"});
    return r.ok() && r->integer == 1 && replicas.ok() && !replicas->elements.empty();
  }));
  auto failover = Ask(Tcp(sentinel_port), sentinel_own, {"SENTINEL", "FAILOVER", "mymaster"});
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
  auto role = Ask(Tcp(replica_port), acl.sentinel, {"ROLE"});
  ASSERT_TRUE(role.ok());
  EXPECT_EQ(role->elements[0].str, "master");

  sentinel.Stop();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace babillard::store
