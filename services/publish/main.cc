// babillard-publish: the read side. Flags, wiring, signals and shutdown; the
// logic is in babillard_publish_lib.
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <libical/ical.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "babillard/v1/publish.grpc.pb.h"
#include "services/common/auth/token.h"
#include "services/common/client/authenticator.h"
#include "services/common/client/store_channel.h"
#include "services/common/client/store_client.h"
#include "services/common/clock.h"
#include "services/common/log.h"
#include "services/common/process.h"
#include "services/common/region/region_flag.h"
#include "services/common/serve.h"
#include "services/common/tls_flags.h"
#include "services/publish/change_log.h"
#include "services/publish/change_reader.h"
#include "services/publish/feed_handler.h"
#include "services/publish/http_server.h"
#include "services/publish/named_feeds.h"
#include "services/publish/organization_directory.h"
#include "services/publish/publish_service.h"
#include "services/publish/view_feeder.h"
#include "services/publish/web/page_renderer.h"
#include "services/publish/web/site.h"
#include "services/publish/webhook_dispatcher.h"

ABSL_FLAG(std::string, http, "127.0.0.1:8080",
          "HTTP address of the feeds (host:port; port 0 picks one)");
ABSL_FLAG(std::string, metrics_http, "",
          "If set (host:port), /metrics is served there only, with /healthz, and no longer on "
          "--http: a port for Prometheus that the public never reaches");
ABSL_FLAG(std::string, listen, "127.0.0.1:50052",
          "gRPC address (Subscribe, ListChanges, named feeds, webhooks)");
ABSL_FLAG(std::string, store, "127.0.0.1:50053", "babillard-store address");
ABSL_FLAG(std::string, internal_token_file, "", "Token presented to the store, if it requires one");
ABSL_FLAG(std::string, ready_file, "",
          "Written once serving: grpc=<address> and http=<feed base URL> (port 0 picks one)");
ABSL_FLAG(int, http_threads, 2, "HTTP worker threads");
ABSL_FLAG(int, http_max_connections, 10000,
          "HTTP connections kept open at once (lowered to fit the file descriptor limit)");
ABSL_FLAG(int, http_max_connections_per_address, 64, "HTTP connections kept open per IP address");
ABSL_FLAG(int, http_header_seconds, 10,
          "Seconds for a new connection's first request to arrive whole");
ABSL_FLAG(int, http_idle_seconds, 30, "Seconds an idle keep-alive connection is kept");
ABSL_FLAG(double, http_requests_per_second, 0,
          "Requests one IP address may make a second (4x at once), then 429; 0: no limit (behind a "
          "proxy, limit there)");
ABSL_FLAG(absl::Duration, feed_cache_max_age, absl::Minutes(5),
          "How long a shared cache (a CDN) may keep a feed: Cache-Control max-age");
ABSL_FLAG(int, feed_cache_mb, 256,
          "Memory for built feeds (identity and gzip), MiB; the least recently used go first");
ABSL_FLAG(std::string, admin_token_file, "",
          "The admin token ingest created (var/ingest/admin.token); admins manage every "
          "organization's feeds and webhooks");
ABSL_FLAG(std::string, widget_frame_ancestors, "*",
          "Sites that may frame the residents' widget (/widget): a CSP frame-ancestors list, "
          "for example \"https://tourisme.example.org 'self'\"");
ABSL_FLAG(std::string, public_url, "",
          "Base URL residents reach the feeds at (default: the region's public_url, else "
          "http://<--http>)");
ABSL_FLAG(int, max_streams, 5000, "Subscribe streams open at once");
ABSL_FLAG(int, max_streams_per_address, 100, "Subscribe streams open at once from one IP address");
ABSL_FLAG(absl::Duration, subscriber_max_lag, absl::Seconds(30),
          "A Subscribe stream that leaves a change unread this long is dropped");
ABSL_FLAG(int, catch_up_threads, 4,
          "Threads that catch up subscribers whose cursor is older than the in-memory changes");
ABSL_FLAG(absl::Duration, grpc_keepalive, absl::Seconds(30),
          "Idle time after which publish pings a gRPC client (a dead or stopped peer is dropped "
          "after this plus --grpc-keepalive-timeout)");
ABSL_FLAG(absl::Duration, grpc_keepalive_timeout, absl::Seconds(10),
          "Time a pinged gRPC client has to answer");
ABSL_FLAG(int, change_log_size, 20000,
          "Recent changes kept in memory for subscribers and webhooks (older: from the store)");
ABSL_FLAG(int, webhook_max_failures, 15, "Failed deliveries in a row that disable a webhook");
ABSL_FLAG(int, webhook_delivery_threads, 32,
          "Webhook deliveries made at once, however many webhooks there are");
ABSL_FLAG(absl::Duration, webhook_first_retry, absl::Seconds(1),
          "First retry delay of a failed delivery (doubles each time)");
ABSL_FLAG(absl::Duration, webhook_max_retry, absl::Minutes(10), "Longest retry delay");
ABSL_FLAG(absl::Duration, webhook_timeout, absl::Seconds(10), "Time a receiver has to answer");
ABSL_FLAG(bool, allow_loopback_webhooks, false, "Tests only: accept webhooks to 127.0.0.1 / ::1");
ABSL_FLAG(bool, deliver_webhooks, true,
          "Deliver webhooks from this process (one replica per region should)");

int main(int argc, char** argv) {
  using namespace babillard;
  InitService(argc, argv, "babillard-publish: the feeds of babillard");

  absl::StatusOr<Region> region = RegionFromFlag();
  if (!region.ok()) {
    log::Error("cannot start", {{"error", region.status().ToString()}});
    return 1;
  }
  absl::StatusOr<std::string> token =
      ReadSecretFile(absl::GetFlag(FLAGS_internal_token_file), "internal-token-file");
  absl::StatusOr<std::string> admin_token =
      ReadSecretFile(absl::GetFlag(FLAGS_admin_token_file), "admin-token-file");
  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> credentials = ListenerCredentials();
  grpc::ChannelArguments channel_args;
  channel_args.SetMaxReceiveMessageSize(64 << 20);
  absl::StatusOr<std::shared_ptr<grpc::Channel>> store_channel =
      ConnectStore(absl::GetFlag(FLAGS_store), channel_args);
  for (const absl::Status& s :
       {token.status(), admin_token.status(), credentials.status(), store_channel.status()}) {
    if (!s.ok()) {
      log::Error("cannot start", {{"error", s.ToString()}});
      return 1;
    }
  }
  std::shared_ptr<grpc::Channel> channel = *store_channel;
  StoreClient store(internal::Store::NewStub(channel), *token);
  // Without the admin token file no call is an admin's (an unguessable hash).
  Authenticator auth(store, admin_token->empty() ? "-" : auth::Sha256Hex(*admin_token));
  publish::CalendarView view;
  publish::ChangeLog log(static_cast<size_t>(std::max(100, absl::GetFlag(FLAGS_change_log_size))));
  publish::ChangeReader reader(log, store);
  publish::ViewFeeder feeder(channel, *token, view, &log);
  feeder.Start();
  publish::NamedFeedDirectory named_feeds;
  named_feeds.Follow(store, absl::Seconds(5));
  publish::OrganizationDirectory organizations;
  organizations.Follow(store, absl::Seconds(5));
  const publish::FeedVocabulary vocabulary{&*region, &named_feeds, &organizations, &view};
  publish::WebhookOptions webhook_options;
  webhook_options.max_failures = absl::GetFlag(FLAGS_webhook_max_failures);
  webhook_options.delivery_threads = std::max(1, absl::GetFlag(FLAGS_webhook_delivery_threads));
  webhook_options.first_retry = absl::GetFlag(FLAGS_webhook_first_retry);
  webhook_options.max_retry = absl::GetFlag(FLAGS_webhook_max_retry);
  publish::WebhookPostOptions post;
  post.timeout = absl::GetFlag(FLAGS_webhook_timeout);
  post.allow_loopback = absl::GetFlag(FLAGS_allow_loopback_webhooks);
  publish::CurlWebhookPoster poster(post);
  publish::WebhookDispatcher webhooks(store, reader, poster, Clock::Real(), webhook_options);
  if (absl::GetFlag(FLAGS_deliver_webhooks)) webhooks.Start();

  publish::FeedOptions feed_options;
  feed_options.region_name = region->Name(region->proto().languages(0));
  feed_options.region = &*region;
  feed_options.time_zone = region->time_zone();
  feed_options.cache_max_age = absl::GetFlag(FLAGS_feed_cache_max_age);
  feed_options.cache_budget_bytes =
      static_cast<size_t>(std::max(1, absl::GetFlag(FLAGS_feed_cache_mb))) << 20;
  publish::FeedHandler handler(view, feed_options, vocabulary, &webhooks.counters());
  auto bind = [](const char* flag, const std::string& value, publish::HttpServerOptions& options) {
    options.address = value.substr(0, value.rfind(':'));
    if (value.rfind(':') == std::string::npos ||
        !absl::SimpleAtoi(value.substr(value.rfind(':') + 1), &options.port)) {
      log::Error("bad flag", {{"flag", flag}, {"expected", "host:port"}, {"got", value}});
      return false;
    }
    return true;
  };
  publish::HttpServerOptions http_options;
  if (!bind("--http", absl::GetFlag(FLAGS_http), http_options)) return 2;
  const std::string metrics_http = absl::GetFlag(FLAGS_metrics_http);
  publish::HttpServerOptions metrics_options;
  if (!metrics_http.empty()) {
    if (!bind("--metrics-http", metrics_http, metrics_options)) return 2;
    http_options.paths = publish::HttpServerOptions::Paths::kAllButMetrics;
    metrics_options.paths = publish::HttpServerOptions::Paths::kOperations;
    metrics_options.threads = 1;
    metrics_options.max_connections = 64;
  }
  http_options.threads = absl::GetFlag(FLAGS_http_threads);
  // Descriptors kept for the rest: gRPC clients and streams, webhooks, files.
  http_options.max_connections = publish::ConnectionCapForDescriptors(
      static_cast<size_t>(std::max(1, absl::GetFlag(FLAGS_http_max_connections))), 256);
  http_options.max_connections_per_address =
      static_cast<size_t>(std::max(1, absl::GetFlag(FLAGS_http_max_connections_per_address)));
  http_options.header_seconds = std::max(1, absl::GetFlag(FLAGS_http_header_seconds));
  http_options.idle_seconds = std::max(1, absl::GetFlag(FLAGS_http_idle_seconds));
  http_options.requests_per_second_per_address = absl::GetFlag(FLAGS_http_requests_per_second);
  absl::StatusOr<std::unique_ptr<publish::web::PageRenderer>> renderer =
      publish::web::PageRenderer::Load();
  if (!renderer.ok()) {
    log::Error("cannot start", {{"error", renderer.status().ToString()}});
    return 1;
  }
  absl::StatusOr<std::unique_ptr<publish::HttpServer>> server =
      publish::HttpServer::Start(handler, http_options);
  if (!server.ok()) {
    log::Error("cannot start", {{"error", server.status().ToString()}});
    return 1;
  }
  const std::string url =
      "http://" + http_options.address + ":" + std::to_string((*server)->port());
  std::unique_ptr<publish::HttpServer> metrics_server;
  std::vector<std::pair<std::string, std::string>> addresses = {{"http", url}};
  if (!metrics_http.empty()) {
    absl::StatusOr<std::unique_ptr<publish::HttpServer>> started =
        publish::HttpServer::Start(handler, metrics_options);
    if (!started.ok()) {
      log::Error("cannot start", {{"error", started.status().ToString()}});
      return 1;
    }
    metrics_server = *std::move(started);
    addresses.push_back({"metrics", "http://" + metrics_options.address + ":" +
                                        std::to_string(metrics_server->port())});
  }
  // Where residents reach the site and the feeds: the flag, else the
  // region's, else this listener.
  const std::string public_url =
      !absl::GetFlag(FLAGS_public_url).empty() ? absl::GetFlag(FLAGS_public_url)
      : !region->proto().public_url().empty()  ? region->proto().public_url()
                                               : url;
  publish::web::SiteOptions site_options;
  site_options.public_url = std::string(absl::StripSuffix(public_url, "/"));
  site_options.time_zone = region->time_zone();
  site_options.widget_frame_ancestors = absl::GetFlag(FLAGS_widget_frame_ancestors);
  const publish::web::Site site(view, *region, &organizations, **renderer, site_options);
  handler.ServePages(site, **renderer);
  publish::PublishServiceOptions service_options;
  service_options.subscription.max_lag = absl::GetFlag(FLAGS_subscriber_max_lag);
  service_options.catch_up_threads = std::max(1, absl::GetFlag(FLAGS_catch_up_threads));
  service_options.max_streams = static_cast<size_t>(std::max(1, absl::GetFlag(FLAGS_max_streams)));
  service_options.max_streams_per_address =
      static_cast<size_t>(std::max(1, absl::GetFlag(FLAGS_max_streams_per_address)));
  service_options.public_url = public_url;
  service_options.vocabulary = vocabulary;
  publish::NamedFeedAdmin feed_admin(store, named_feeds, Clock::Real());
  publish::WebhookAdminOptions webhook_admin_options;
  webhook_admin_options.allow_loopback_webhooks = absl::GetFlag(FLAGS_allow_loopback_webhooks);
  publish::WebhookAdmin webhook_admin(store, reader, webhooks, Clock::Real(),
                                      webhook_admin_options);
  publish::PublishService publish_api(reader, auth, feed_admin, webhook_admin, service_options);
  PrepareGrpc();
  grpc::ServerBuilder builder;
  LimitServer(builder, "babillard-publish");
  int grpc_port = 0;
  builder.AddListeningPort(absl::GetFlag(FLAGS_listen), *credentials, &grpc_port);
  // Subscribe streams are long and mostly idle: find dead peers.
  builder.AddChannelArgument(
      GRPC_ARG_KEEPALIVE_TIME_MS,
      static_cast<int>(absl::ToInt64Milliseconds(absl::GetFlag(FLAGS_grpc_keepalive))));
  builder.AddChannelArgument(
      GRPC_ARG_KEEPALIVE_TIMEOUT_MS,
      static_cast<int>(absl::ToInt64Milliseconds(absl::GetFlag(FLAGS_grpc_keepalive_timeout))));
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 10000);
  builder.RegisterService(&publish_api);
  // The sync methods are rare management calls: one poller, so that it does
  // not compete with the Subscribe reactors for the cores.
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::NUM_CQS, 1);
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MIN_POLLERS, 1);
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MAX_POLLERS, 1);
  std::unique_ptr<grpc::Server> grpc_server = builder.BuildAndStart();
  if (grpc_server == nullptr) {
    log::Error("cannot listen", {{"address", absl::GetFlag(FLAGS_listen)}});
    return 1;
  }
  log::Info("feeds", {{"url", url + "/feeds/all.ics"}, {"store", absl::GetFlag(FLAGS_store)}});
  addresses.insert(addresses.begin(),
                   {"grpc", BoundAddress(absl::GetFlag(FLAGS_listen), grpc_port)});
  const int code = ServeUntilSignal(
      *grpc_server,
      {.addresses = addresses,
       .ready_file = absl::GetFlag(FLAGS_ready_file),
       // Streams end with UNAVAILABLE; their clients resume elsewhere from their cursors.
       .before_shutdown = [&log] { log.Close(); }});
  (*server)->Stop();
  if (metrics_server) metrics_server->Stop();
  webhooks.Stop();
  named_feeds.Stop();
  organizations.Stop();
  feeder.Stop();
  return code;
}
