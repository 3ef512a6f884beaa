// `make bench` for babillard-ingest, in one run with the real binaries:
//  - SubmitEvent/s from 16 concurrent clients vs the store's own PutEvent/s
//    (same clients, same machine, measured just before);
//  - importing the 10,000-event regional calendar end to end vs the core's
//    parse time plus the store's batch write of the same events.
// usage: ingest_bench STORE_BIN INGEST_BIN FEED.ics
#include <grpcpp/grpcpp.h>
#include <signal.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "babillard/internal/store.grpc.pb.h"
#include "babillard/v1/ingest.grpc.pb.h"
#include "bench/bench_support.h"
#include "services/common/ical/calendar_parser.h"
#include "services/common/ical/serializer.h"
#include "tests/testing/child_process.h"

namespace {

using namespace babillard;

v1::Event Structured(const std::string& org, int client, int i) {
  v1::Event e;
  e.set_organization(org);
  e.mutable_title()->set_fr(absl::StrCat("Atelier ", client, "-", i));
  e.mutable_description()->set_fr(std::string(600, 'd'));
  const int minutes = client * 100000 + i;
  e.mutable_start()->set_local(
      absl::FormatCivilTime(absl::CivilSecond(2031, 1, 1, 0, 0, 0) + minutes * 60));
  e.mutable_start()->set_time_zone("America/Toronto");
  e.mutable_location()->set_municipality("danville");
  e.add_categories("culture");
  return e;
}

// Runs `call(client, i)` from 16 threads for `run`; returns successes per second.
template <typename Call>
double Rate(absl::Duration run, Call call) {
  std::atomic<int64_t> ok{0};
  std::vector<std::thread> threads;
  const absl::Time start = absl::Now();
  for (int c = 0; c < 16; ++c) {
    threads.emplace_back([&, c] {
      for (int i = 0; absl::Now() - start < run; ++i) {
        if (call(c, i)) ++ok;
      }
    });
  }
  for (auto& t : threads) t.join();
  return ok / absl::ToDoubleSeconds(absl::Now() - start);
}

}  // namespace

int main(int argc, char** argv) {
  signal(SIGPIPE, SIG_IGN);
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);  // as the services do
  if (argc < 4) {
    std::fprintf(stderr, "usage: ingest_bench STORE_BIN INGEST_BIN FEED.ics\n");
    return 2;
  }
  const std::string dir = testing::MakeTempDir("babillard-ingest-bench");
  bench::StoreAndIngest services;
  if (!services.Start(argv[1], argv[2], dir)) return 1;
  const std::string admin(absl::StripAsciiWhitespace(bench::ReadFile(dir + "/ingest/admin.token")));
  auto ingest_channel = [&](int c) {
    grpc::ChannelArguments args;
    args.SetInt("bench-channel", c);
    args.SetMaxReceiveMessageSize(64 << 20);
    return grpc::CreateCustomChannel("unix:" + dir + "/ingest.sock",
                                     grpc::InsecureChannelCredentials(), args);
  };
  auto admin_stub = v1::Ingest::NewStub(ingest_channel(99));
  auto create = [&](const std::string& slug) {
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Bearer " + admin);
    v1::CreateOrganizationRequest request;
    request.mutable_organization()->set_slug(slug);
    request.mutable_organization()->set_name(slug);
    v1::CreateOrganizationResponse response;
    grpc::Status s = admin_stub->CreateOrganization(&context, request, &response);
    if (!s.ok()) std::fprintf(stderr, "create %s: %s\n", slug.c_str(), s.error_message().c_str());
    return response.token();
  };
  const std::string token = create("bench"), importer = create("importer");

  std::vector<std::unique_ptr<internal::Store::Stub>> store_stubs;
  std::vector<std::unique_ptr<v1::Ingest::Stub>> ingest_stubs;
  for (int c = 0; c < 16; ++c) {
    grpc::ChannelArguments args;
    args.SetInt("bench-channel", c);
    store_stubs.push_back(internal::Store::NewStub(grpc::CreateCustomChannel(
        "unix:" + dir + "/store.sock", grpc::InsecureChannelCredentials(), args)));
    ingest_stubs.push_back(v1::Ingest::NewStub(ingest_channel(c)));
  }
  // Store writes and submits alternate, so both see the same database size
  // (and the same AOF rewrites): four rounds of 1.25 s each.
  auto store_round = [&](int round) {
    return Rate(absl::Milliseconds(1250), [&](int c, int i) {
      grpc::ClientContext context;
      internal::PutEventRequest request;
      const int n = round * 20000 + i;
      // The event as ingest stores it (with its provenance and stamps), so
      // both sides write the same bytes.
      v1::Event* e = request.mutable_event();
      *e = Structured("direct", c, n);
      e->set_uid(absl::StrCat("direct/", c, "-", n, "@direct.babillard"));
      e->mutable_start()->set_utc_seconds(1924992000 + (c * 100000 + n) * 60);
      e->add_provenance()->set_organization("direct");
      e->set_dtstamp(1924992000);
      e->set_last_modified(e->dtstamp());
      e->set_created(e->dtstamp());
      internal::PutEventResponse response;
      return store_stubs[c]->PutEvent(&context, request, &response).ok();
    });
  };
  auto submit_round = [&](int round) {
    return Rate(absl::Milliseconds(1250), [&](int c, int i) {
      grpc::ClientContext context;
      context.AddMetadata("authorization", "Bearer " + token);
      v1::SubmitEventRequest request;
      *request.mutable_event() = Structured("bench", c, round * 20000 + i);
      v1::SubmitEventResponse response;
      return ingest_stubs[c]->SubmitEvent(&context, request, &response).ok();
    });
  };
  double store_rate = 0, submit_rate = 0;
  for (int round = 0; round < 4; ++round) {
    store_rate += store_round(round) / 4;
    submit_rate += submit_round(round) / 4;
  }

  // The regional calendar, end to end.
  const std::string feed = bench::ReadFile(argv[3]);
  absl::Time start = absl::Now();
  grpc::ClientContext import_context;
  import_context.AddMetadata("authorization", "Bearer " + importer);
  v1::ImportCalendarRequest import;
  import.set_ics(feed);
  v1::ImportReport report;
  grpc::Status imported = ingest_stubs[0]->ImportCalendar(&import_context, import, &report);
  const double import_s = absl::ToDoubleSeconds(absl::Now() - start);
  if (!imported.ok()) std::fprintf(stderr, "import: %s\n", imported.error_message().c_str());
  // The same work by its parts: parse in process, then one batch write.
  start = absl::Now();
  ical::NormalizeOptions options;
  options.known_categories = {"culture",   "sport",  "tourism",  "community",
                              "education", "health", "municipal"};
  absl::StatusOr<ical::ParsedCalendar> parsed = ical::ParseCalendar(feed, options);
  const double parse_s = absl::ToDoubleSeconds(absl::Now() - start);
  start = absl::Now();
  grpc::ClientContext write_context;
  internal::PutEventsRequest batch;
  for (v1::Event& e : parsed->events) {
    e.set_uid("ref/" + e.uid());
    e.set_organization("ref");
    *batch.add_events() = std::move(e);
  }
  internal::PutEventsResponse written;
  grpc::Status wrote = store_stubs[0]->PutEvents(&write_context, batch, &written);
  const double write_s = absl::ToDoubleSeconds(absl::Now() - start);
  if (!wrote.ok()) std::fprintf(stderr, "batch write: %s\n", wrote.error_message().c_str());

  std::printf(
      "| SubmitEvent/s, 16 concurrent clients | %.0f | store PutEvent/s, same clients: %.0f | %.2f "
      "| >= 0.5 |\n",
      submit_rate, store_rate, submit_rate / store_rate);
  std::printf(
      "| import of %d events end to end (worker parse, diff, one atomic write) | %.2f s | core "
      "parse %.2f s + store batch write %.2f s = %.2f s | %.2f | - |\n",
      report.accepted() + report.updated() + report.unchanged(), import_s, parse_s, write_s,
      parse_s + write_s, (parse_s + write_s) / import_s);
  services.Stop();
  std::filesystem::remove_all(dir);
  return 0;
}
