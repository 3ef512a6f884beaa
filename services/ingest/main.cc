// babillard-ingest: the write API. Flags, wiring, signals and shutdown; the
// logic is in babillard_ingest_lib.
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <libical/ical.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "services/common/client/store_channel.h"
#include "services/common/clock.h"
#include "services/common/log.h"
#include "services/common/process.h"
#include "services/common/region/region_flag.h"
#include "services/common/serve.h"
#include "services/common/tls_flags.h"
#include "services/ingest/admin_token.h"
#include "services/ingest/ingest_service.h"
#include "services/ingest/region_fields.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:50051", "gRPC address: host:port or unix:PATH");
ABSL_FLAG(std::string, store, "127.0.0.1:50053", "babillard-store address");
ABSL_FLAG(std::string, data_dir, "var/ingest", "Directory of the admin token file");
ABSL_FLAG(std::string, admin_token_file, "", "Admin token file (default: <data-dir>/admin.token)");
ABSL_FLAG(std::string, internal_token_file, "", "Token presented to the store, if it requires one");
ABSL_FLAG(std::string, ready_file, "",
          "Written once serving: grpc=<the address bound> (port 0 picks one)");
ABSL_FLAG(int64_t, max_import_bytes, 16 << 20, "Largest calendar ImportCalendar accepts");
ABSL_FLAG(bool, poll, true, "Poll the registered sources in the background");
ABSL_FLAG(bool, allow_loopback_sources, false, "Tests only: allow sources on 127.0.0.1/::1");
ABSL_FLAG(int, source_timeout_seconds, 60, "Total time allowed to fetch one source");
ABSL_FLAG(int, poll_tick_seconds, 5, "How often due sources are looked for");
ABSL_FLAG(int, poll_threads, 4,
          "Sources fetched at once, the organizations taking turns (one organization's slow "
          "sources do not delay the others')");
ABSL_FLAG(std::string, parse_worker, "",
          "babillard-parse-worker binary (default: beside babillard-ingest); \"inprocess\" parses "
          "in process");
ABSL_FLAG(int, parse_cpu_seconds, 10, "CPU seconds one calendar may take to parse");
ABSL_FLAG(int, parse_workers, 0,
          "Parse workers at once; more calendars wait their turn (0: the number of cores, at "
          "least 2)");
ABSL_FLAG(int, parse_memory_mb, 1024, "Address space of the parse worker, MiB");
ABSL_FLAG(
    double, writes_per_second, 50,
    "Writes (submit, update, cancel, delete) one organization may make a second, on average; 0: "
    "no limit");
ABSL_FLAG(double, write_burst, 500, "Writes one organization may make at once");
ABSL_FLAG(
    double, imports_per_minute, 30,
    "Imports and source polls one organization may ask for a minute, on average; 0: no limit");
ABSL_FLAG(double, import_burst, 30, "Imports one organization may ask for at once");

namespace {

int Fail(const absl::Status& status) {
  babillard::log::Error("cannot start", {{"error", status.ToString()}});
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace babillard;
  InitService(argc, argv, "babillard-ingest: the write API of babillard");

  absl::StatusOr<Region> region = RegionFromFlag();
  if (!region.ok()) return Fail(region.status());
  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> credentials = ListenerCredentials();
  if (!credentials.ok()) return Fail(credentials.status());
  std::string admin_path = absl::GetFlag(FLAGS_admin_token_file);
  if (admin_path.empty()) admin_path = absl::GetFlag(FLAGS_data_dir) + "/admin.token";
  bool created = false;
  absl::StatusOr<std::string> admin_sha = ingest::LoadOrCreateAdminToken(admin_path, &created);
  if (!admin_sha.ok()) return Fail(admin_sha.status());
  log::Info(created ? "admin token created" : "admin token read", {{"path", admin_path}});

  const int64_t max_import = absl::GetFlag(FLAGS_max_import_bytes);
  grpc::ChannelArguments channel_args;
  channel_args.SetMaxSendMessageSize(-1);
  channel_args.SetMaxReceiveMessageSize(64 << 20);
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel =
      ConnectStore(absl::GetFlag(FLAGS_store), channel_args);
  if (!channel.ok()) return Fail(channel.status());
  absl::StatusOr<std::string> token =
      ReadSecretFile(absl::GetFlag(FLAGS_internal_token_file), "internal-token-file");
  if (!token.ok()) {
    log::Error("cannot start", {{"error", token.status().ToString()}});
    return 1;
  }
  StoreClient store(internal::Store::NewStub(*channel), *token, absl::Seconds(30));
  ingest::IngestOptions options;
  ingest::UseRegion(*region, options.normalize);
  options.max_import_bytes = static_cast<size_t>(max_import);
  options.allow_loopback_sources = absl::GetFlag(FLAGS_allow_loopback_sources);
  Authenticator authenticator(store, *admin_sha);
  std::string worker = absl::GetFlag(FLAGS_parse_worker);
  if (worker.empty()) {
    worker =
        (std::filesystem::read_symlink("/proc/self/exe").parent_path() / "babillard-parse-worker")
            .string();
  }
  ingest::CalendarParser parser = ingest::InProcessParser();
  if (worker != "inprocess") {
    ingest::WorkerOptions worker_options;
    worker_options.argv = {worker};
    worker_options.cpu_seconds = absl::GetFlag(FLAGS_parse_cpu_seconds);
    worker_options.memory_mb = absl::GetFlag(FLAGS_parse_memory_mb);
    worker_options.max_workers =
        absl::GetFlag(FLAGS_parse_workers) > 0
            ? absl::GetFlag(FLAGS_parse_workers)
            : std::max(2, static_cast<int>(std::thread::hardware_concurrency()));
    parser = ingest::WorkerParser(worker_options);
  }
  const Clock& clock = Clock::Real();
  ingest::EventInput input(options.normalize, parser);
  ingest::DuplicateMerger merger(store, clock);
  ingest::Ingestor events(store, input, merger, clock);
  ingest::Importer importer(store, options, parser, merger, clock);
  ingest::Organizations organizations(store, options.normalize, clock);
  ingest::Sources sources(store, options.normalize, options.allow_loopback_sources);
  ingest::FetchOptions fetch;
  fetch.allow_loopback = absl::GetFlag(FLAGS_allow_loopback_sources);
  fetch.max_bytes = static_cast<size_t>(max_import);
  fetch.total_timeout = absl::Seconds(absl::GetFlag(FLAGS_source_timeout_seconds));
  ingest::CurlFetcher fetcher(fetch);
  ingest::PollerOptions poller_options;
  poller_options.tick = absl::Seconds(absl::GetFlag(FLAGS_poll_tick_seconds));
  poller_options.threads = std::max(1, absl::GetFlag(FLAGS_poll_threads));
  ingest::SourcePoller poller(store, importer, fetcher, Clock::Real(), poller_options);
  if (absl::GetFlag(FLAGS_poll)) poller.Start();
  ingest::IngestRates rates;
  rates.writes_per_second = absl::GetFlag(FLAGS_writes_per_second);
  rates.write_burst = std::max(1.0, absl::GetFlag(FLAGS_write_burst));
  rates.imports_per_minute = absl::GetFlag(FLAGS_imports_per_minute);
  rates.import_burst = std::max(1.0, absl::GetFlag(FLAGS_import_burst));
  ingest::IngestService service(authenticator, store,
                                {events, importer, merger, organizations, sources, poller}, rates);

  PrepareGrpc();
  grpc::ServerBuilder builder;
  LimitServer(builder, "babillard-ingest");
  int port = 0;
  builder.AddListeningPort(absl::GetFlag(FLAGS_listen), *credentials, &port);
  // An import is a whole calendar; anything bigger is refused by gRPC itself
  // (RESOURCE_EXHAUSTED) before it reaches the parser.
  builder.SetMaxReceiveMessageSize(static_cast<int>(max_import + (1 << 20)));
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MIN_POLLERS, 4);
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MAX_POLLERS, 64);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr)
    return Fail(absl::UnavailableError("cannot listen on " + absl::GetFlag(FLAGS_listen)));
  const int code = ServeUntilSignal(
      *server, {.addresses = {{"grpc", BoundAddress(absl::GetFlag(FLAGS_listen), port)}},
                .ready_file = absl::GetFlag(FLAGS_ready_file)});
  poller.Stop();
  return code;
}
