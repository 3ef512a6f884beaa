// `make bench` for babillard-store, beside raw Redis in the same run:
//  - writes/s from 16 concurrent gRPC clients vs redis-benchmark running the
//    same Lua script (EVALSHA, same keys and argument sizes), 16 clients;
//  - commit-to-Watch latency vs XADD -> XREAD BLOCK on the same Redis;
//  - a 100,000-event snapshot through Watch vs ZRANGE + pipelined HMGET.
// usage: store_bench STORE_BINARY [EVENTS_FOR_SNAPSHOT]
#include <grpcpp/grpcpp.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "babillard/internal/store.grpc.pb.h"
#include "services/common/redis/connection.h"
#include "services/store/lua_scripts.h"
#include "tests/testing/child_process.h"

namespace {

using namespace babillard;

v1::Event MakeEvent(const std::string& uid) {
  v1::Event e;
  e.set_uid(uid);
  e.set_organization("bibliotheque-danville");
  e.mutable_title()->set_fr("Heure du conte à la bibliothèque");
  e.mutable_description()->set_fr(std::string(600, 'd'));
  e.mutable_start()->set_local("2026-07-01T10:00:00");
  e.mutable_start()->set_time_zone("America/Toronto");
  e.mutable_start()->set_utc_seconds(1782914400);
  *e.mutable_end() = e.start();
  e.mutable_end()->set_utc_seconds(1782918000);
  e.mutable_location()->set_municipality("danville");
  e.add_categories("culture");
  e.set_status(v1::Event::STATUS_CONFIRMED);
  return e;
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * v.size()))];
}

}  // namespace

int main(int argc, char** argv) {
  signal(SIGPIPE, SIG_IGN);
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);  // as the services do
  if (argc < 2) {
    std::fprintf(stderr, "usage: store_bench STORE_BINARY [SNAPSHOT_EVENTS]\n");
    return 2;
  }
  const int snapshot_events = argc > 2 ? std::atoi(argv[2]) : 100000;
  const std::string dir = testing::MakeTempDir("babillard-store-bench");
  testing::ChildProcess store(
      {argv[1], "--data-dir=" + dir + "/data", "--listen=unix:" + dir + "/store.sock",
       "--ready-file=" + dir + "/ready"},
      dir + "/store.log");
  if (!store.Start().ok() || !store.WaitForFile(dir + "/ready", absl::Seconds(30)).ok()) {
    std::fprintf(stderr, "store did not start; see %s/store.log\n", dir.c_str());
    return 1;
  }
  auto channel =
      grpc::CreateChannel("unix:" + dir + "/store.sock", grpc::InsecureChannelCredentials());
  redis::Address redis_address;
  redis_address.unix_path = dir + "/data/redis/redis.sock";

  // 1. Writes per second, 16 gRPC clients, each its own channel.
  constexpr int kClients = 16;
  const absl::Duration kRun = absl::Seconds(5);
  std::atomic<int64_t> writes{0};
  std::vector<std::thread> threads;
  const absl::Time start = absl::Now();
  for (int c = 0; c < kClients; ++c) {
    threads.emplace_back([&, c] {
      grpc::ChannelArguments args;
      args.SetInt("bench-channel", c);  // distinct channels, not one shared connection
      auto stub = internal::Store::NewStub(grpc::CreateCustomChannel(
          "unix:" + dir + "/store.sock", grpc::InsecureChannelCredentials(), args));
      for (int i = 0; absl::Now() - start < kRun; ++i) {
        grpc::ClientContext context;
        context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
        internal::PutEventRequest request;
        *request.mutable_event() = MakeEvent(absl::StrCat("w", c, "-", i));
        internal::PutEventResponse response;
        if (stub->PutEvent(&context, request, &response).ok()) ++writes;
      }
    });
  }
  for (auto& t : threads) t.join();
  const double store_rate = writes / absl::ToDoubleSeconds(absl::Now() - start);

  // The same script through redis-benchmark: same key count, same argument sizes.
  auto raw = redis::Connection::Open(redis_address, absl::Seconds(5));
  if (!raw.ok()) return 1;
  auto sha = (*raw)->Run({"SCRIPT", "LOAD", store::lua::Script(store::lua::kPutEvents)});
  const std::string pb(MakeEvent("w0-0").SerializeAsString().size(), 'p');
  const std::string command = absl::StrCat("redis-benchmark -s ", redis_address.unix_path, " -c ",
                                           kClients, " -n 60000 -r 100000000 -q ", "EVALSHA ",
                                           sha->str, " 0 rb: 100000 1 0 rb__rand_int__ '' ", pb,
                                           " bibliotheque-danville danville culture 1 1782914400 "
                                           "1782918000 0 '1782914400t|atelier' 0 2>/dev/null");
  double redis_rate = 0;
  if (FILE* p = popen(command.c_str(), "r")) {
    char line[4096];
    while (fgets(line, sizeof(line), p)) {
      // "EVALSHA ...: 12345.67 requests per second, p50=..."
      std::string text(line);
      size_t colon = text.rfind(": ", text.find(" requests per second"));
      if (colon != std::string::npos) {
        (void)absl::SimpleAtod(text.substr(colon + 2, text.find(" requests") - colon - 2),
                               &redis_rate);
      }
    }
    pclose(p);
  }

  // 2. Commit-to-Watch latency: write, then time until the watcher sees it.
  auto stub = internal::Store::NewStub(channel);
  std::vector<double> watch_ms;
  {
    grpc::ClientContext watch_context;
    internal::WatchRequest request;
    auto reader = stub->Watch(&watch_context, request);
    internal::WatchResponse first;
    reader->Read(&first);  // the stream is live once it answers (heartbeat)
    for (int i = 0; i < 300; ++i) {
      const absl::Time sent = absl::Now();
      grpc::ClientContext context;
      internal::PutEventRequest put;
      *put.mutable_event() = MakeEvent(absl::StrCat("lat-", i));
      internal::PutEventResponse response;
      if (!stub->PutEvent(&context, put, &response).ok()) continue;
      internal::WatchResponse got;
      while (reader->Read(&got)) {
        if (got.has_change() && got.change().cursor() == response.cursor()) break;
      }
      watch_ms.push_back(absl::ToDoubleMilliseconds(absl::Now() - sent));
    }
    watch_context.TryCancel();
  }
  std::vector<double> raw_ms;
  {
    auto writer = redis::Connection::Open(redis_address, absl::Seconds(5));
    auto reader = redis::Connection::Open(redis_address, absl::Seconds(5));
    std::string last = "$";
    for (int i = 0; i < 300; ++i) {
      std::atomic<bool> ready{false};
      absl::Time sent;
      std::thread blocked([&] {
        ready = true;
        auto r = (*reader)->Run({"XREAD", "BLOCK", "2000", "STREAMS", "rawlat", last});
        if (r.ok() && r->is_array() && !r->elements.empty())
          last = r->elements[0].elements[1].elements[0].elements[0].str;
      });
      while (!ready) std::this_thread::yield();
      absl::SleepFor(absl::Milliseconds(1));
      sent = absl::Now();
      (void)(*writer)->Run({"XADD", "rawlat", "*", "pb", pb});
      blocked.join();
      raw_ms.push_back(absl::ToDoubleMilliseconds(absl::Now() - sent));
    }
  }

  // 3. Snapshot of N events through Watch vs the same reads on raw Redis.
  (void)(*raw)->Run({"FLUSHALL"});  // exactly N events (the scripts stay loaded)
  for (int done = 0; done < snapshot_events;) {
    grpc::ClientContext context;
    internal::PutEventsRequest batch;
    for (int i = 0; i < 1000 && done < snapshot_events; ++i, ++done) {
      *batch.add_events() = MakeEvent(absl::StrCat("snap-", done));
    }
    internal::PutEventsResponse response;
    (void)stub->PutEvents(&context, batch, &response);
  }
  int64_t received = 0;
  const absl::Time snap_start = absl::Now();
  {
    grpc::ClientContext context;
    internal::WatchRequest request;
    request.set_snapshot(true);
    auto reader = stub->Watch(&context, request);
    internal::WatchResponse response;
    while (reader->Read(&response)) {
      if (response.has_change()) ++received;
      if (response.snapshot_done()) break;
    }
    context.TryCancel();
  }
  const double snap_s = absl::ToDoubleSeconds(absl::Now() - snap_start);
  const absl::Time raw_start = absl::Now();
  int64_t raw_received = 0;
  for (int64_t offset = 0;; offset += 500) {
    auto ids = (*raw)->Run(
        {"ZRANGE", "bab:idx:start", std::to_string(offset), std::to_string(offset + 499)});
    if (!ids.ok() || ids->elements.empty()) break;
    std::vector<std::vector<std::string>> commands;
    for (const auto& id : ids->elements)
      commands.push_back({"HMGET", "bab:ev:" + id.str, "pb", "v"});
    auto rows = (*raw)->Pipeline(commands);
    if (!rows.ok()) break;
    for (const auto& row : *rows) {
      v1::Event e;
      if (e.ParseFromString(row.elements[0].str)) ++raw_received;
    }
  }
  const double raw_snap_s = absl::ToDoubleSeconds(absl::Now() - raw_start);

  std::printf(
      "| writes/s, 16 concurrent clients, AOF always | %.0f (gRPC PutEvent) | %.0f "
      "(redis-benchmark EVALSHA, same script) | %.2f | >= 0.5 |\n",
      store_rate, redis_rate, redis_rate > 0 ? store_rate / redis_rate : 0.0);
  std::printf(
      "| commit-to-Watch latency p50 / p99 | %.2f / %.2f ms | XADD->XREAD BLOCK: %.2f / %.2f ms | "
      "- | - |\n",
      Percentile(watch_ms, 0.5), Percentile(watch_ms, 0.99), Percentile(raw_ms, 0.5),
      Percentile(raw_ms, 0.99));
  std::printf(
      "| snapshot of %lld events through Watch | %.0f events/s (%.2f s) | ZRANGE+HMGET+parse: %.0f "
      "events/s (%.2f s) | %.2f | - |\n",
      static_cast<long long>(received), received / snap_s, snap_s, raw_received / raw_snap_s,
      raw_snap_s, raw_snap_s / snap_s);
  store.Stop();
  std::filesystem::remove_all(dir);
  return 0;
}
