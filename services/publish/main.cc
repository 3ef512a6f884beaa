// babillard-publish: the read side. Flags, wiring, signals and shutdown; the
// logic is in babillard_publish_lib.
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <libical/ical.h>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/numbers.h"
#include "absl/strings/strip.h"
#include "babillard/v1/publish.grpc.pb.h"
#include "services/common/process.h"
#include "services/publish/feed_handler.h"
#include "services/publish/http_server.h"
#include "services/publish/view_feeder.h"

ABSL_FLAG(std::string, http, "127.0.0.1:8080", "HTTP address of the feeds (host:port; port 0 picks one)");
ABSL_FLAG(std::string, listen, "127.0.0.1:50052", "gRPC address (health now; Subscribe and webhooks: issue #5)");
ABSL_FLAG(std::string, store, "127.0.0.1:50053", "babillard-store address");
ABSL_FLAG(std::string, internal_token_file, "", "Token presented to the store, if it requires one");
ABSL_FLAG(std::string, ready_file, "", "Written with the HTTP address once serving");
ABSL_FLAG(std::string, region_name, "MRC des Sources", "Calendar name of the regional feeds");
ABSL_FLAG(std::string, region_zone, "America/Toronto", "Zone calendar apps display the feeds in");
ABSL_FLAG(int, http_threads, 2, "HTTP worker threads");

int main(int argc, char** argv) {
  using namespace babillard;
  InitService(argc, argv, "babillard-publish: the feeds of babillard");

  const std::string token = ReadSecretFile(absl::GetFlag(FLAGS_internal_token_file));
  grpc::ChannelArguments channel_args;
  channel_args.SetMaxReceiveMessageSize(64 << 20);
  auto channel = grpc::CreateCustomChannel(absl::GetFlag(FLAGS_store), grpc::InsecureChannelCredentials(), channel_args);
  publish::CalendarView view;
  publish::ViewFeeder feeder(channel, token, view);
  feeder.Start();

  publish::FeedOptions feed_options;
  feed_options.region_name = absl::GetFlag(FLAGS_region_name);
  feed_options.time_zone = absl::GetFlag(FLAGS_region_zone);
  publish::FeedHandler handler(view, feed_options);
  publish::HttpServerOptions http_options;
  const std::string http = absl::GetFlag(FLAGS_http);
  http_options.address = http.substr(0, http.rfind(':'));
  if (!absl::SimpleAtoi(http.substr(http.rfind(':') + 1), &http_options.port)) {
    std::fprintf(stderr, "babillard-publish: --http: expected host:port\n");
    return 2;
  }
  http_options.threads = absl::GetFlag(FLAGS_http_threads);
  absl::StatusOr<std::unique_ptr<publish::HttpServer>> server = publish::HttpServer::Start(handler, http_options);
  if (!server.ok()) {
    std::fprintf(stderr, "babillard-publish: %s\n", server.status().ToString().c_str());
    return 1;
  }
  grpc::EnableDefaultHealthCheckService(true);
  grpc::ServerBuilder builder;
  builder.AddListeningPort(absl::GetFlag(FLAGS_listen), grpc::InsecureServerCredentials());
  // Subscribe, ListChanges, named feeds and webhooks answer UNIMPLEMENTED
  // until issue #5 lands them; health is served already.
  v1::Publish::Service publish_api;
  builder.RegisterService(&publish_api);
  std::unique_ptr<grpc::Server> grpc_server = builder.BuildAndStart();
  const std::string url = "http://" + http_options.address + ":" + std::to_string((*server)->port());
  std::fprintf(stderr, "babillard-publish: feeds on %s/feeds/all.ics (store %s)\n", url.c_str(),
               absl::GetFlag(FLAGS_store).c_str());
  if (!absl::GetFlag(FLAGS_ready_file).empty()) {
    if (absl::Status s = WriteFileAtomically(absl::GetFlag(FLAGS_ready_file), url); !s.ok()) return 1;
  }
  const int signal_number = WaitForTermination();
  std::fprintf(stderr, "babillard-publish: signal %d, shutting down\n", signal_number);
  if (grpc_server) grpc_server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
  (*server)->Stop();
  feeder.Stop();
  return 0;
}
