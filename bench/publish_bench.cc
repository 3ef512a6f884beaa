// `make bench` for babillard-publish, with the real store, ingest and publish:
//  - the time from a SubmitEvent call to the change's arrival at each of
//    1,000 gRPC Subscribe streams (p50, p99; target p99 within 100 ms);
//  - publish's resident memory holding 100,000 events, beside the size of
//    their VEVENT texts in both languages (target at most 3 times).
// usage: publish_bench STORE_BIN INGEST_BIN PUBLISH_BIN FEED.ics
#include <curl/curl.h>
#include <grpcpp/grpcpp.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "babillard/internal/store.grpc.pb.h"
#include "babillard/v1/ingest.grpc.pb.h"
#include "babillard/v1/publish.grpc.pb.h"
#include "bench/bench_support.h"
#include "services/common/client/pinned_curl.h"
#include "services/common/ical/calendar_parser.h"
#include "services/common/ical/serializer.h"
#include "tests/testing/child_process.h"

namespace {

using namespace babillard;

constexpr int kSubscribers = 1000;
constexpr int kMeasured = 100;

// Every arrival: (uid, when), kept for after the run.
class Arrivals {
 public:
  void Add(const std::string& uid, absl::Time when) {
    absl::MutexLock lock(&mu_);
    arrivals_.emplace_back(uid, when);
    ++count_[uid];
  }
  int CountOf(const std::string& uid) {
    absl::MutexLock lock(&mu_);
    auto it = count_.find(uid);
    return it == count_.end() ? 0 : it->second;
  }
  std::vector<std::pair<std::string, absl::Time>> Take() {
    absl::MutexLock lock(&mu_);
    return std::move(arrivals_);
  }

 private:
  absl::Mutex mu_;
  std::vector<std::pair<std::string, absl::Time>> arrivals_;
  absl::flat_hash_map<std::string, int> count_;
};

class Subscriber : public grpc::ClientReadReactor<v1::Change> {
 public:
  Subscriber(v1::Publish::Stub* stub, const std::string& cursor, Arrivals& arrivals)
      : arrivals_(arrivals) {
    request_.set_from_cursor(cursor);
    stub->async()->Subscribe(&context_, &request_, this);
    StartRead(&change_);
    StartCall();
  }
  void OnReadDone(bool ok) override {
    if (!ok) return;
    arrivals_.Add(change_.event().uid(), absl::Now());
    StartRead(&change_);
  }
  void OnDone(const grpc::Status& status) override {
    if (!status.ok() && status.error_code() != grpc::StatusCode::CANCELLED) {
      std::fprintf(stderr, "subscriber ended: %s\n", status.error_message().c_str());
    }
    done_.Notify();
  }
  void Cancel() { context_.TryCancel(); }
  void Wait() { done_.WaitForNotification(); }

 private:
  Arrivals& arrivals_;
  grpc::ClientContext context_;
  v1::SubscribeRequest request_;
  v1::Change change_;
  absl::Notification done_;
};

size_t OnBody(char* data, size_t size, size_t count, void* out) {
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
}

std::string HttpGet(const std::string& url) {
  std::string body;
  CurlPtr c(curl_easy_init());
  curl_easy_setopt(c.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(c.get(), CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(c.get(), CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(c.get(), CURLOPT_TIMEOUT, 10L);
  curl_easy_perform(c.get());
  return body;
}

int64_t MetricValue(const std::string& metrics, const std::string& name) {
  const size_t at = metrics.find("\n" + name + " ");
  int64_t value = -1;
  if (at != std::string::npos) {
    const size_t start = at + name.size() + 2;
    (void)absl::SimpleAtoi(metrics.substr(start, metrics.find('\n', start) - start), &value);
  }
  return value;
}

int64_t RssKiB(pid_t pid) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/status"));
  std::string line;
  while (std::getline(in, line)) {
    int64_t kib = 0;
    if (line.rfind("VmRSS:", 0) == 0 &&
        absl::SimpleAtoi(absl::StripAsciiWhitespace(line.substr(6, line.size() - 9)), &kib)) {
      return kib;
    }
  }
  return -1;
}

// One address from a service's ready file ("grpc=...\nhttp=...\n").
std::string ReadyAddress(const std::string& ready, const std::string& name) {
  for (absl::string_view line : absl::StrSplit(ready, '\n')) {
    if (absl::ConsumePrefix(&line, name + "=")) return std::string(line);
  }
  return "";
}

}  // namespace

int main(int argc, char** argv) {
  signal(SIGPIPE, SIG_IGN);
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  if (argc < 5) {
    std::fprintf(stderr, "usage: publish_bench STORE_BIN INGEST_BIN PUBLISH_BIN FEED.ics\n");
    return 2;
  }
  curl_global_init(CURL_GLOBAL_DEFAULT);
  const std::string dir = testing::MakeTempDir("babillard-publish-bench");
  bench::StoreAndIngest services;
  if (!services.Start(argv[1], argv[2], dir)) return 1;
  // Port 0: publish picks one and writes its URL to the ready file.
  std::vector<std::string> publish_argv = {
      argv[3], "--store=unix:" + dir + "/store.sock", "--http=127.0.0.1:0",
      "--listen=unix:" + dir + "/publish.sock", "--ready-file=" + dir + "/publish.ready",
      // Every stream of the fan-out comes from this one process.
      "--max_streams_per_address=20000", "--max_streams=20000"};
  auto publish = std::make_unique<testing::ChildProcess>(publish_argv, dir + "/publish.log");
  if (!publish->Start().ok()) return 1;
  absl::StatusOr<std::string> http =
      publish->WaitForFile(dir + "/publish.ready", absl::Seconds(30));
  if (!http.ok()) return 1;
  http = ReadyAddress(*http, "http");

  const std::string admin(absl::StripAsciiWhitespace(bench::ReadFile(dir + "/ingest/admin.token")));
  auto ingest_stub = v1::Ingest::NewStub(
      grpc::CreateChannel("unix:" + dir + "/ingest.sock", grpc::InsecureChannelCredentials()));
  std::string token;
  {
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Bearer " + admin);
    v1::CreateOrganizationRequest request;
    request.mutable_organization()->set_slug("bench");
    request.mutable_organization()->set_name("Bench");
    v1::CreateOrganizationResponse response;
    if (!ingest_stub->CreateOrganization(&context, request, &response).ok()) return 1;
    token = response.token();
  }
  auto submit = [&](int i) -> std::string {
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Bearer " + token);
    v1::SubmitEventRequest request;
    v1::Event* e = request.mutable_event();
    e->mutable_title()->set_fr(absl::StrCat("Concert ", i));
    e->mutable_description()->set_fr(std::string(400, 'd'));
    e->mutable_start()->set_local(absl::StrFormat("2031-03-%02dT19:00:00", 1 + i % 28));
    e->mutable_start()->set_time_zone("America/Toronto");
    // The region's municipalities (ingest refuses others); titles keep events apart.
    static constexpr const char* kMunicipalities[] = {"danville", "wotton", "ham-sud",
                                                      "saint-camille", "val-des-sources"};
    e->mutable_location()->set_municipality(kMunicipalities[i % 5]);
    e->add_categories("culture");
    v1::SubmitEventResponse response;
    grpc::Status s = ingest_stub->SubmitEvent(&context, request, &response);
    if (!s.ok()) std::fprintf(stderr, "submit: %s\n", s.error_message().c_str());
    return response.event().uid();
  };

  // 1,000 subscribers on 10 connections, all from the same cursor.
  std::vector<std::unique_ptr<v1::Publish::Stub>> stubs;
  for (int c = 0; c < 10; ++c) {
    grpc::ChannelArguments args;
    args.SetInt("bench-channel", c);
    args.SetMaxReceiveMessageSize(64 << 20);
    stubs.push_back(v1::Publish::NewStub(grpc::CreateCustomChannel(
        "unix:" + dir + "/publish.sock", grpc::InsecureChannelCredentials(), args)));
  }
  std::string head;
  {
    grpc::ClientContext context;
    v1::ListChangesRequest request;
    request.set_page_size(1000);
    v1::ListChangesResponse response;
    if (!stubs[0]->ListChanges(&context, request, &response).ok()) return 1;
    head = response.next_cursor();
  }
  Arrivals arrivals;
  std::vector<std::unique_ptr<Subscriber>> subscribers;
  for (int i = 0; i < kSubscribers; ++i)
    subscribers.push_back(std::make_unique<Subscriber>(stubs[i % 10].get(), head, arrivals));
  // A warm-up change every stream must see before the clock starts.
  const std::string warm = submit(0);
  const absl::Time warm_deadline = absl::Now() + absl::Seconds(60);
  while (arrivals.CountOf(warm) < kSubscribers && absl::Now() < warm_deadline)
    absl::SleepFor(absl::Milliseconds(10));
  const int warmed = arrivals.CountOf(warm);
  absl::flat_hash_map<std::string, absl::Time> submitted;
  for (int i = 1; i <= kMeasured; ++i) {
    const absl::Time start = absl::Now();
    submitted[submit(i)] = start;
    absl::SleepFor(absl::Milliseconds(50) - (absl::Now() - start));
  }
  const absl::Time drain = absl::Now() + absl::Seconds(20);
  while (absl::Now() < drain) {
    bool all = true;
    for (const auto& [uid, t] : submitted) all = all && arrivals.CountOf(uid) >= kSubscribers;
    if (all) break;
    absl::SleepFor(absl::Milliseconds(20));
  }
  for (auto& s : subscribers) s->Cancel();
  for (auto& s : subscribers) s->Wait();
  std::vector<double> latencies;
  for (const auto& [uid, when] : arrivals.Take()) {
    auto it = submitted.find(uid);
    if (it != submitted.end()) latencies.push_back(absl::ToDoubleMilliseconds(when - it->second));
  }
  std::sort(latencies.begin(), latencies.end());
  const auto pct = [&](double p) {
    return latencies.empty() ? -1.0 : latencies[static_cast<size_t>(p * (latencies.size() - 1))];
  };
  std::printf(
      "| submit to arrival at %d Subscribe streams, p50 / p99 (%zu of %d arrivals; warm-up reached "
      "%d) | %.1f / %.1f ms | - | - | p99 <= 100 ms |\n",
      kSubscribers, latencies.size(), kSubscribers * kMeasured, warmed, pct(0.5), pct(0.99));

  // 100,000 events written to the store as ingest would (texts serialized
  // once per language), then a fresh publish loads them.
  const std::string feed = bench::ReadFile(argv[4]);
  ical::NormalizeOptions options;
  options.known_categories = {"culture",   "sport",  "tourism",  "community",
                              "education", "health", "municipal"};
  absl::StatusOr<ical::ParsedCalendar> parsed = ical::ParseCalendar(feed, options);
  if (!parsed.ok()) return 1;
  auto store_stub = internal::Store::NewStub(
      grpc::CreateChannel("unix:" + dir + "/store.sock", grpc::InsecureChannelCredentials()));
  // What publish renders from them and holds: the VEVENT texts, both languages.
  ical::SerializeOptions fr, en;
  en.language = ical::Language::kEn;
  int64_t text_bytes = 0, events = 0;
  for (int copy = 0; copy < 10; ++copy) {
    internal::PutEventsRequest batch;
    for (const v1::Event& original : parsed->events) {
      v1::Event e = original;
      e.set_uid(absl::StrCat("copy", copy, "/", original.uid()));
      e.set_organization("bench");
      text_bytes += ical::SerializeEvent(e, fr).size() + ical::SerializeEvent(e, en).size();
      ++events;
      *batch.add_events() = std::move(e);
      if (batch.events_size() == 1000) {
        grpc::ClientContext context;
        internal::PutEventsResponse response;
        if (grpc::Status s = store_stub->PutEvents(&context, batch, &response); !s.ok()) {
          std::fprintf(stderr, "PutEvents: %s\n", s.error_message().c_str());
          return 1;
        }
        batch.clear_events();
      }
    }
  }
  publish->Stop();
  std::filesystem::remove(dir + "/publish.ready");
  publish = std::make_unique<testing::ChildProcess>(publish_argv, dir + "/publish-2.log");
  if (!publish->Start().ok()) return 1;
  http = publish->WaitForFile(dir + "/publish.ready", absl::Seconds(30));
  if (!http.ok()) return 1;
  http = ReadyAddress(*http, "http");
  const absl::Time load_start = absl::Now();
  int64_t view = 0;
  while (view < events && absl::Now() - load_start < absl::Seconds(120)) {
    view = MetricValue(HttpGet(*http + "/metrics"), "babillard_view_events");
    absl::SleepFor(absl::Milliseconds(100));
  }
  absl::SleepFor(absl::Seconds(1));
  const int64_t rss_kib = RssKiB(publish->pid());
  // The regional feed once, as residents would ask it (builds and caches it).
  const size_t feed_bytes = HttpGet(*http + "/feeds/all.ics").size();
  const int64_t rss_after_feed_kib = RssKiB(publish->pid());
  std::printf(
      "| publish resident memory, %lld events loaded (VEVENT texts fr+en: %.0f MB) | %.0f MB "
      "(after serving the %.0f MB regional feed: %.0f MB) | texts: %.0f MB | %.2f | <= 3 |\n",
      static_cast<long long>(view), text_bytes / 1e6, rss_kib / 1024.0, feed_bytes / 1e6,
      rss_after_feed_kib / 1024.0, text_bytes / 1e6, rss_kib * 1024.0 / text_bytes);
  publish->Stop();
  services.Stop();
  std::filesystem::remove_all(dir);
  return 0;
}
