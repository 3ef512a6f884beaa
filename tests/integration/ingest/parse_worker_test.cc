// The parse worker process: same results as in process, and a crash, a hang
// or a memory blow-up fails one calendar with a clear error, not the service.
#include "services/ingest/parse_worker.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "services/common/call_scope.h"

namespace babillard::ingest {
namespace {

std::string Calendar(int events) {
  std::string text = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\n";
  for (int i = 0; i < events; ++i) {
    text += "BEGIN:VEVENT\r\nUID:e" + std::to_string(i) +
            "\r\nDTSTART;TZID=America/Toronto:20300115T190000\r\nSUMMARY:Soirée " +
            std::to_string(i) + "\r\nDESCRIPTION:" + std::string(2000, 'd') + "\r\nEND:VEVENT\r\n";
  }
  return text + "BEGIN:VEVENT\r\nUID:bad\r\nSUMMARY:no start\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
}

WorkerOptions Real() {
  WorkerOptions options;
  options.argv = {BABILLARD_PARSE_WORKER_BIN};
  return options;
}

TEST(ParseWorker, GivesWhatTheInProcessParserGives) {
  const std::string text = Calendar(20);
  ical::NormalizeOptions options;
  absl::StatusOr<ical::ParsedCalendar> in_process = InProcessParser()(text, options);
  absl::StatusOr<ical::ParsedCalendar> worker = WorkerParser(Real())(text, options);
  ASSERT_TRUE(in_process.ok() && worker.ok()) << worker.status();
  ASSERT_EQ(worker->events.size(), 20u);
  ASSERT_EQ(worker->rejections.size(), 1u);
  EXPECT_EQ(worker->rejections[0].field(), "dtstart");
  for (size_t i = 0; i < worker->events.size(); ++i) {
    EXPECT_EQ(worker->events[i].SerializeAsString(), in_process->events[i].SerializeAsString());
  }
}

TEST(ParseWorker, FileErrorsKeepTheirCodeAndMessage) {
  absl::StatusOr<ical::ParsedCalendar> worker = WorkerParser(Real())("", ical::NormalizeOptions());
  EXPECT_EQ(worker.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(worker.status().message(), "body: empty calendar");
}

TEST(ParseWorker, ACrashFailsThatCalendarOnly) {
  WorkerOptions crashing;
  crashing.argv = {"/bin/sh", "-c", "kill -SEGV $$"};
  absl::StatusOr<ical::ParsedCalendar> r =
      WorkerParser(crashing)(Calendar(1), ical::NormalizeOptions());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("crashed the parser"), absl::string_view::npos) << r.status();
  // The next calendar is parsed as usual.
  EXPECT_TRUE(WorkerParser(Real())(Calendar(1), ical::NormalizeOptions()).ok());
}

TEST(ParseWorker, AHangIsCutAtTheTimeout) {
  WorkerOptions hanging;
  hanging.argv = {"/bin/sh", "-c", "exec sleep 30"};
  hanging.timeout = absl::Milliseconds(500);
  const absl::Time start = absl::Now();
  absl::StatusOr<ical::ParsedCalendar> r =
      WorkerParser(hanging)(Calendar(1), ical::NormalizeOptions());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kResourceExhausted) << r.status();
  EXPECT_LT(absl::Now() - start, absl::Seconds(10));
}

TEST(ParseWorker, TheMemoryLimitHolds) {
  WorkerOptions small = Real();
  small.memory_mb = 48;  // the protobuf of 3,000 events with 2 KB descriptions does not fit
  absl::StatusOr<ical::ParsedCalendar> r =
      WorkerParser(small)(Calendar(3000), ical::NormalizeOptions());
  EXPECT_FALSE(r.ok());
  EXPECT_TRUE(r.status().code() == absl::StatusCode::kInvalidArgument ||
              r.status().code() == absl::StatusCode::kResourceExhausted)
      << r.status();
  EXPECT_TRUE(WorkerParser(Real())(Calendar(3000), ical::NormalizeOptions()).ok());
}

// The call being served (CallScope) bounds the worker: Ctrl-C or a deadline
// stops the parse, so that nothing is written for a caller who has gone.
TEST(ParseWorker, ACallerWhoGoesStopsTheWorker) {
  WorkerOptions hanging;
  hanging.argv = {"/bin/sh", "-c", "exec sleep 30"};
  std::atomic<bool> gone = false;
  CallScope call(absl::InfiniteFuture(), [&gone] { return gone.load(); });
  std::thread client([&gone] {
    absl::SleepFor(absl::Milliseconds(300));
    gone = true;
  });
  const absl::Time start = absl::Now();
  absl::StatusOr<ical::ParsedCalendar> r =
      WorkerParser(hanging)(Calendar(1), ical::NormalizeOptions());
  client.join();
  EXPECT_EQ(r.status().code(), absl::StatusCode::kCancelled) << r.status();
  EXPECT_NE(r.status().message().find("nothing was written"), absl::string_view::npos);
  EXPECT_LT(absl::Now() - start, absl::Seconds(20)) << "the worker's own 30 s timeout";
}

TEST(ParseWorker, TheCallersDeadlineStopsTheWorker) {
  WorkerOptions hanging;
  hanging.argv = {"/bin/sh", "-c", "exec sleep 30"};
  CallScope call(absl::Now() + absl::Milliseconds(300));
  absl::StatusOr<ical::ParsedCalendar> r =
      WorkerParser(hanging)(Calendar(1), ical::NormalizeOptions());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kDeadlineExceeded) << r.status();
}

TEST(ParseWorker, AtMostMaxWorkersRunAtOnceAndTheOthersWaitTheirTurn) {
  const std::string dir = ::testing::TempDir() + "/workers-" + std::to_string(getpid());
  std::filesystem::remove_all(dir);  // pids repeat across runs; counts from one would add up
  std::filesystem::create_directories(dir + "/running");
  WorkerOptions counted;
  // Each worker notes how many run beside it, then fails (no calendar needed).
  counted.argv = {"/bin/sh", "-c",
                  "touch " + dir + "/running/$$; sleep 0.3; ls " + dir + "/running | wc -l >> " +
                      dir + "/counts; rm " + dir + "/running/$$; exit 3"};
  counted.max_workers = 2;
  CalendarParser parse = WorkerParser(counted);
  std::vector<std::thread> imports;
  for (int i = 0; i < 6; ++i) {
    imports.emplace_back([&parse] { (void)parse(Calendar(1), ical::NormalizeOptions()); });
  }
  for (std::thread& t : imports) t.join();
  std::ifstream counts(dir + "/counts");
  int runs = 0, most = 0;
  for (int n; counts >> n; ++runs) most = std::max(most, n);
  EXPECT_EQ(runs, 6) << "every calendar had its turn";
  EXPECT_LE(most, 2) << "before: all six at once";
  std::filesystem::remove_all(dir);
}

TEST(ParseWorker, ACalendarThatFindsNoPlaceBeforeItsCallersDeadlineIsRefused) {
  WorkerOptions hanging;
  hanging.argv = {"/bin/sh", "-c", "exec sleep 2"};
  hanging.max_workers = 1;
  CalendarParser parse = WorkerParser(hanging);
  std::thread first([&parse] { (void)parse(Calendar(1), ical::NormalizeOptions()); });
  absl::SleepFor(absl::Milliseconds(200));  // the one place is taken
  absl::StatusOr<ical::ParsedCalendar> r;
  {
    CallScope call(absl::Now() + absl::Milliseconds(300));
    r = parse(Calendar(1), ical::NormalizeOptions());
  }
  first.join();
  EXPECT_EQ(r.status().code(), absl::StatusCode::kResourceExhausted) << r.status();
  EXPECT_NE(r.status().message().find("1 calendars are being parsed already"),
            absl::string_view::npos);
}

}  // namespace
}  // namespace babillard::ingest
