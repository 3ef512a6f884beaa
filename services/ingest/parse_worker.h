#pragma once

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/common/ical/calendar_parser.h"

namespace babillard::ingest {

// How a calendar from outside gets parsed: in process (tests, trusted
// input) or in a worker process.
using CalendarParser = std::function<absl::StatusOr<ical::ParsedCalendar>(
    const std::string& bytes, const ical::NormalizeOptions&)>;

struct WorkerOptions {
  // The worker command; babillard-parse-worker and its flags.
  std::vector<std::string> argv;
  // CPU seconds and address space the worker gives itself (RLIMIT_CPU/AS).
  int cpu_seconds = 10;
  int memory_mb = 1024;
  // Wall-clock bound, for a worker that blocks rather than computes.
  absl::Duration timeout = absl::Seconds(30);
  // Largest outcome read back.
  size_t max_output_bytes = 256u << 20;
  // Workers at once (each may take memory_mb); more calendars wait their
  // turn, as long as their caller waits and at most `timeout`.
  int max_workers = 4;
};

// Parses each calendar in a fresh babillard-parse-worker process, so that a
// libical crash, a runaway or a memory blow-up fails that one import
// (INVALID_ARGUMENT "the calendar crashed the parser" or RESOURCE_EXHAUSTED)
// while the service keeps running; at most `max_workers` at once (64
// imports at once would otherwise be 64 workers of `memory_mb` each).
// Thread-safe.
CalendarParser WorkerParser(WorkerOptions options);

// The in-process parser (ical::ParseCalendar).
CalendarParser InProcessParser();

// The worker's side: reads a calendar on stdin, writes a ParseOutcome on stdout.
int RunParseWorker(int argc, char** argv);

}  // namespace babillard::ingest
