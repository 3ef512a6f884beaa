// babillard-store: the only process that talks to Redis. Flags, wiring,
// signals and shutdown; the logic is in babillard_store_lib.
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "services/common/log.h"
#include "services/common/process.h"
#include "services/common/redis/redis_process.h"
#include "services/common/serve.h"
#include "services/common/tls_flags.h"
#include "services/store/redis_access.h"
#include "services/store/redis_event_store.h"
#include "services/store/redis_registry.h"
#include "services/store/redis_supervisor.h"
#include "services/store/store_service.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:50053", "gRPC address: host:port or unix:PATH");
ABSL_FLAG(
    std::string, redis, "",
    "Redis to use: host:port or unix:PATH; empty starts a private redis-server under --data-dir");
ABSL_FLAG(std::string, redis_sentinels, "", "Sentinels (h:p,h:p) to discover the primary from");
ABSL_FLAG(std::string, redis_master_name, "mymaster", "Sentinel name of the primary");
ABSL_FLAG(std::string, redis_user, "",
          "Redis ACL user (Redis 6+; deploy/redis/store.acl has its rules); empty: default");
ABSL_FLAG(std::string, redis_password_file, "",
          "File holding the password of --redis-user; empty: no AUTH");
ABSL_FLAG(std::string, redis_sentinel_user, "", "ACL user on the Sentinels; empty: default");
ABSL_FLAG(std::string, redis_sentinel_password_file, "",
          "File holding the Sentinels' own password (their requirepass or ACL user's)");
ABSL_FLAG(std::string, redis_maxmemory, "1gb",
          "Memory of the private redis-server (Redis units: 512mb, 2gb); past it writes are "
          "refused with RESOURCE_EXHAUSTED and reads go on");
ABSL_FLAG(std::string, data_dir, "var/store",
          "Directory of the private redis-server (socket, AOF)");
ABSL_FLAG(std::string, key_prefix, "bab:", "Prefix of every Redis key (one per region)");
ABSL_FLAG(int64_t, retention, 100000, "Change-stream entries kept for Watch resumption");
ABSL_FLAG(std::string, ready_file, "",
          "Written once serving: grpc=<the address bound> (port 0 picks one)");
ABSL_FLAG(
    std::string, internal_token_file, "",
    "File holding the token ingest and publish must present; required unless --listen is loopback");
ABSL_FLAG(int, max_message_bytes, 64 << 20, "Largest gRPC message accepted");

namespace {

int Fail(const absl::Status& status) {
  babillard::log::Error("cannot start", {{"error", status.ToString()}});
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace babillard;
  InitService(argc, argv, "babillard-store: the region's events and state, in Redis");
  // Before anything starts: a store that would run without its check must not run.
  absl::StatusOr<std::string> token =
      ReadSecretFile(absl::GetFlag(FLAGS_internal_token_file), "internal-token-file");
  if (!token.ok()) return Fail(token.status());
  if (token->empty() && !IsLoopbackAddress(absl::GetFlag(FLAGS_listen))) {
    return Fail(absl::FailedPreconditionError(
        "--internal-token-file: required when --listen is not a loopback address (without it "
        "anyone who reaches the port may call the store)"));
  }
  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> credentials = ListenerCredentials();
  if (!credentials.ok()) return Fail(credentials.status());

  redis::Credentials redis_credentials;
  redis_credentials.user = absl::GetFlag(FLAGS_redis_user);
  store::Sentinels sentinels;
  sentinels.master_name = absl::GetFlag(FLAGS_redis_master_name);
  sentinels.credentials.user = absl::GetFlag(FLAGS_redis_sentinel_user);
  absl::StatusOr<std::string> password =
      ReadSecretFile(absl::GetFlag(FLAGS_redis_password_file), "redis-password-file");
  if (!password.ok()) return Fail(password.status());
  redis_credentials.password = *std::move(password);
  password = ReadSecretFile(absl::GetFlag(FLAGS_redis_sentinel_password_file),
                            "redis-sentinel-password-file");
  if (!password.ok()) return Fail(password.status());
  sentinels.credentials.password = *std::move(password);
  if (!redis_credentials.user.empty() && redis_credentials.empty())
    return Fail(absl::InvalidArgumentError("--redis-user: needs --redis-password-file"));

  std::unique_ptr<redis::RedisProcess> embedded;
  redis::Address address;
  for (absl::string_view s :
       absl::StrSplit(absl::GetFlag(FLAGS_redis_sentinels), ',', absl::SkipEmpty())) {
    absl::StatusOr<redis::Address> a = redis::Address::Parse(std::string(s));
    if (!a.ok()) return Fail(a.status());
    sentinels.addresses.push_back(*a);
  }
  if (!sentinels.empty()) {
    absl::StatusOr<redis::Address> primary = store::DiscoverPrimary(sentinels);
    if (!primary.ok()) {
      if (absl::IsPermissionDenied(primary.status())) {
        return Fail(absl::PermissionDeniedError(
            absl::StrCat("--redis-sentinel-user / --redis-sentinel-password-file: ",
                         primary.status().message())));
      }
      return Fail(primary.status());
    }
    address = *primary;
  } else if (!absl::GetFlag(FLAGS_redis).empty()) {
    absl::StatusOr<redis::Address> a = redis::Address::Parse(absl::GetFlag(FLAGS_redis));
    if (!a.ok()) return Fail(a.status());
    address = *a;
  } else {
    redis::RedisProcessOptions options;
    options.dir = absl::GetFlag(FLAGS_data_dir) + "/redis";
    options.maxmemory = absl::GetFlag(FLAGS_redis_maxmemory);
    absl::StatusOr<std::unique_ptr<redis::RedisProcess>> process =
        redis::RedisProcess::Start(options);
    if (!process.ok()) return Fail(process.status());
    embedded = *std::move(process);
    address = embedded->address();
    log::Info("private redis-server", {{"address", address.ToString()}, {"aof", "always"}});
  }

  redis::PoolOptions pool_options;
  pool_options.address = address;
  pool_options.credentials = redis_credentials;
  redis::ConnectionPool pool(pool_options);
  if (absl::Status access = store::CheckRedisAccess(pool, absl::GetFlag(FLAGS_key_prefix));
      !access.ok())
    return Fail(access);
  store::RedisStoreOptions store_options;
  store_options.prefix = absl::GetFlag(FLAGS_key_prefix);
  store_options.retention = absl::GetFlag(FLAGS_retention);
  absl::StatusOr<std::unique_ptr<store::RedisEventStore>> events =
      store::RedisEventStore::Open(pool, store_options);
  if (!events.ok()) return Fail(events.status());
  store::RedisRegistry registry(pool, store_options.prefix, store_options.retention);
  store::StoreService service(**events, registry, *token);

  PrepareGrpc();
  grpc::ServerBuilder builder;
  LimitServer(builder, "babillard-store");
  int port = 0;
  builder.AddListeningPort(absl::GetFlag(FLAGS_listen), *credentials, &port);
  builder.SetMaxReceiveMessageSize(absl::GetFlag(FLAGS_max_message_bytes));
  builder.SetMaxSendMessageSize(absl::GetFlag(FLAGS_max_message_bytes));
  builder.RegisterService(&service);
  // Keep enough polling threads: the default (at most 2) makes the sync server
  // create and destroy a thread for most calls under concurrent load.
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MIN_POLLERS, 4);
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MAX_POLLERS, 64);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr)
    return Fail(absl::UnavailableError("cannot listen on " + absl::GetFlag(FLAGS_listen)));
  auto* health = server->GetHealthCheckService();
  store::RedisSupervisor supervisor(
      pool, sentinels, [health](bool serving) { health->SetServingStatus(serving); },
      [&embedded] {
        // Our own redis-server died: start it again on the same AOF.
        if (embedded != nullptr && !embedded->Alive()) {
          absl::Status restarted = embedded->Restart();
          log::Warn("private redis-server restarted", {{"status", restarted.ToString()}});
        }
      });

  return ServeUntilSignal(*server,
                          {.addresses = {{"grpc", BoundAddress(absl::GetFlag(FLAGS_listen), port)}},
                           .ready_file = absl::GetFlag(FLAGS_ready_file)});
}
