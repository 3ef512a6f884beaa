// `make bench` for the iCalendar core: parse + normalize throughput against a
// bare libical parse of the same bytes, in the same process and run, and the
// speed of assembling a feed from already-serialized VEVENT texts.
#include <libical/ical.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "services/common/files.h"
#include "services/common/ical/calendar_parser.h"
#include "services/common/ical/handles.h"
#include "services/common/ical/serializer.h"

namespace {

using Clock = std::chrono::steady_clock;

double Seconds(const std::function<void()>& work) {
  auto start = Clock::now();
  work();
  return std::chrono::duration<double>(Clock::now() - start).count();
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  using namespace babillard;
  icalerror_set_errors_are_fatal(0);
  if (argc < 2) {
    std::fprintf(stderr, "usage: ical_bench FEED.ics [ROUNDS]\n");
    return 2;
  }
  absl::StatusOr<std::string> read = ReadFile(argv[1], size_t{1} << 30);
  if (!read.ok()) {
    std::fprintf(stderr, "ical_bench: %s\n", std::string(read.status().message()).c_str());
    return 1;
  }
  const std::string bytes = *std::move(read);
  const int rounds = argc > 2 ? std::atoi(argv[2]) : 7;
  const double mb = bytes.size() / 1e6;

  ical::NormalizeOptions options;
  size_t events = 0;
  std::vector<double> bare, ours;
  // Interleaved rounds, so that machine noise hits both sides alike.
  for (int r = 0; r < rounds; ++r) {
    bare.push_back(Seconds([&] {
      ical::ComponentPtr root(icalparser_parse_string(bytes.c_str()));
      if (root == nullptr) std::abort();
    }));
    ours.push_back(Seconds([&] {
      absl::StatusOr<ical::ParsedCalendar> parsed = ical::ParseCalendar(bytes, options);
      if (!parsed.ok()) {
        std::fprintf(stderr, "parse failed: %s\n", std::string(parsed.status().message()).c_str());
        std::abort();
      }
      events = parsed->events.size();
    }));
  }
  const double bare_s = Median(bare), ours_s = Median(ours);

  absl::StatusOr<ical::ParsedCalendar> parsed = ical::ParseCalendar(bytes, options);
  std::vector<std::string> texts;
  std::vector<std::string> zones = {"America/Toronto"};
  int64_t earliest = parsed->events.front().start().utc_seconds();
  for (const v1::Event& e : parsed->events) {
    texts.push_back(ical::SerializeEvent(e, ical::SerializeOptions()));
    earliest = std::min(earliest, e.start().utc_seconds());
  }
  std::vector<std::string_view> views(texts.begin(), texts.end());
  ical::CalendarHeader header;
  header.name = "MRC des Sources";
  size_t feed_bytes = 0;
  std::vector<double> assemble;
  for (int r = 0; r < rounds * 5; ++r) {
    assemble.push_back(Seconds([&] {
      absl::StatusOr<std::string> feed = ical::AssembleCalendar(header, views, zones, earliest);
      feed_bytes = feed->size();
    }));
  }
  const double assemble_s = Median(assemble);
  double serialize_s = Seconds([&] {
    for (const v1::Event& e : parsed->events)
      (void)ical::SerializeEvent(e, ical::SerializeOptions());
  });

  std::printf("| benchmark | babillard | reference | ratio | target |\n|---|---|---|---|---|\n");
  std::printf(
      "| parse + normalize, %zu events (%.1f MB) | %.1f MB/s (%.0f events/s) | bare libical parse: "
      "%.1f MB/s | %.2f | >= 0.5 |\n",
      events, mb, mb / ours_s, events / ours_s, mb / bare_s, bare_s / ours_s);
  std::printf(
      "| feed assembly from serialized VEVENTs (%.1f MB feed) | %.0f MB/s | - | - | >= 1000 MB/s "
      "|\n",
      feed_bytes / 1e6, feed_bytes / 1e6 / assemble_s);
  std::printf(
      "| serialize every VEVENT once (per change, not per request) | %.0f events/s | - | - | - |\n",
      events / serialize_s);
  return 0;
}
