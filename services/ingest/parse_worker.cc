#include "services/ingest/parse_worker.h"

#include <fcntl.h>
#include <libical/ical.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <iostream>
#include <iterator>
#include <memory>
#include <optional>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "babillard/internal/parse.pb.h"
#include "services/common/call_scope.h"
#include "services/common/ical/field_status.h"
#include "services/common/spawn.h"

namespace babillard::ingest {
namespace {

// Closes a file descriptor when it goes out of scope.
class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() { Close(); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  void Close() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
};

// write(2) to a pipe whose reader died raises SIGPIPE; this thread blocks it
// for the call and swallows it if it came, whatever the process does with it.
ssize_t WriteNoSigpipe(int fd, const char* data, size_t size) {
  sigset_t pipe_only, old;
  sigemptyset(&pipe_only);
  sigaddset(&pipe_only, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_only, &old);
  ssize_t n = write(fd, data, size);
  const int saved = errno;
  if (n < 0 && errno == EPIPE) {
    const timespec zero{0, 0};
    sigtimedwait(&pipe_only, nullptr, &zero);
  }
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  errno = saved;
  return n;
}

// Places for worker processes, shared by every calendar parsed.
class WorkerSlots {
 public:
  explicit WorkerSlots(int slots) : free_(std::max(1, slots)) {}
  // False if no place came free by `deadline` or the caller went away.
  bool Acquire(absl::Time deadline) {
    absl::MutexLock lock(&mu_);
    while (true) {
      // In short waits, to notice a caller who has gone.
      const absl::Time until = std::min(deadline, absl::Now() + absl::Milliseconds(200));
      if (mu_.AwaitWithDeadline(absl::Condition(this, &WorkerSlots::HasFree), until)) {
        --free_;
        return true;
      }
      if (absl::Now() >= deadline || CallScope::Cancelled()) return false;
    }
  }
  void Release() {
    absl::MutexLock lock(&mu_);
    ++free_;
  }

 private:
  bool HasFree() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return free_ > 0; }

  absl::Mutex mu_;
  int free_ ABSL_GUARDED_BY(mu_);
};

absl::StatusOr<ical::ParsedCalendar> FromOutcome(const internal::ParseOutcome& outcome) {
  if (outcome.error_code() != 0) {
    absl::Status status(static_cast<absl::StatusCode>(outcome.error_code()),
                        outcome.error_message());
    return outcome.error_field().empty() ? status : ical::WithField(status, outcome.error_field());
  }
  ical::ParsedCalendar parsed;
  parsed.events.assign(outcome.events().begin(), outcome.events().end());
  parsed.rejections.assign(outcome.rejections().begin(), outcome.rejections().end());
  parsed.warnings.assign(outcome.warnings().begin(), outcome.warnings().end());
  parsed.name = outcome.name();
  return parsed;
}

absl::StatusOr<ical::ParsedCalendar> RunWorker(const WorkerOptions& options,
                                               const std::string& bytes,
                                               const ical::NormalizeOptions& normalize) {
  std::vector<std::string> args = options.argv;
  args.push_back(absl::StrCat("--cpu-seconds=", options.cpu_seconds));
  args.push_back(absl::StrCat("--memory-mb=", options.memory_mb));
  args.push_back("--zone=" + normalize.default_time_zone);
  args.push_back(absl::StrCat("--derive-uid=", normalize.derive_missing_uid ? 1 : 0));
  std::string categories;
  for (const std::string& c : normalize.known_categories)
    absl::StrAppend(&categories, categories.empty() ? "" : ",", c);
  args.push_back("--categories=" + categories);
  std::string municipalities;  // name=slug,...
  for (const auto& [name, slug] : normalize.municipalities)
    absl::StrAppend(&municipalities, municipalities.empty() ? "" : ",", name, "=", slug);
  args.push_back("--municipalities=" + municipalities);
  int in_pipe[2], out_pipe[2];
  if (pipe2(in_pipe, O_CLOEXEC) != 0) return absl::InternalError("pipe failed");
  Fd in_read(in_pipe[0]), in_write(in_pipe[1]);
  if (pipe2(out_pipe, O_CLOEXEC) != 0) return absl::InternalError("pipe failed");
  Fd out_read(out_pipe[0]), out_write(out_pipe[1]);
  SpawnOptions spawn;
  spawn.stdin_fd = in_read.get();
  spawn.stdout_fd = out_write.get();
  spawn.stderr_fd = 2;  // the worker's complaints go to the service's log
  absl::StatusOr<pid_t> spawned = Spawn(args, spawn);
  if (!spawned.ok())
    return absl::InternalError(
        absl::StrCat("cannot start ", args[0], ": ", spawned.status().message()));
  const pid_t pid = *spawned;
  in_read.Close();
  out_write.Close();

  // Feed stdin and drain stdout together: neither side may block the other.
  // A caller that has gone (Ctrl-C) or whose deadline passes stops the
  // parse: nothing is written after it.
  const absl::Time own_deadline = absl::Now() + options.timeout;
  const absl::Time deadline = CallScope::Bound(options.timeout);
  size_t written = 0;
  std::string output;
  bool killed_for_time = false, too_big = false, caller_gone = false, caller_late = false;
  fcntl(in_write.get(), F_SETFL, O_NONBLOCK);
  while (true) {
    pollfd fds[2] = {{out_read.get(), POLLIN, 0}, {in_write.get(), POLLOUT, 0}};
    const int nfds = in_write.get() >= 0 ? 2 : 1;
    const int64_t wait_ms = absl::ToInt64Milliseconds(deadline - absl::Now());
    if (wait_ms <= 0) {
      killed_for_time = deadline >= own_deadline;
      caller_late = !killed_for_time;
      break;
    }
    if (CallScope::Cancelled()) {
      (absl::Now() >= CallScope::Deadline() ? caller_late : caller_gone) = true;
      break;
    }
    if (poll(fds, nfds, static_cast<int>(std::min<int64_t>(wait_ms, 200))) < 0 && errno != EINTR)
      break;
    if (nfds == 2 && (fds[1].revents & (POLLOUT | POLLERR | POLLHUP))) {
      ssize_t n = WriteNoSigpipe(in_write.get(), bytes.data() + written, bytes.size() - written);
      if (n > 0) written += static_cast<size_t>(n);
      if (n < 0 && errno != EAGAIN) written = bytes.size();  // the worker is gone; reap below
      if (written == bytes.size()) in_write.Close();
    }
    if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      char buffer[65536];
      ssize_t n = read(out_read.get(), buffer, sizeof(buffer));
      if (n <= 0) break;  // EOF: the worker finished or died
      output.append(buffer, static_cast<size_t>(n));
      if (output.size() > options.max_output_bytes) {
        too_big = true;
        break;
      }
    }
  }
  if (killed_for_time || too_big || caller_gone || caller_late) kill(pid, SIGKILL);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (caller_late) {
    return absl::DeadlineExceededError(
        "the caller's deadline passed while the calendar was parsed; nothing was written");
  }
  if (caller_gone) {
    return absl::CancelledError(
        "the caller went away while the calendar was parsed; nothing was written");
  }
  if (killed_for_time) {
    return absl::ResourceExhaustedError(absl::StrCat("ics: parsing took longer than ",
                                                     absl::FormatDuration(options.timeout),
                                                     "; nothing was written"));
  }
  if (too_big) return absl::ResourceExhaustedError("ics: the parsed calendar is too large");
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    if (sig == SIGXCPU || sig == SIGKILL) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "ics: parsing exceeded its CPU or memory limit (signal ", sig, "); nothing was written"));
    }
    return absl::InvalidArgumentError(absl::StrCat("ics: the calendar crashed the parser (signal ",
                                                   sig,
                                                   "); it was rejected and nothing was written"));
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("ics: the parser failed (exit ", WEXITSTATUS(status),
                     ", possibly out of memory); nothing was written"));
  }
  internal::ParseOutcome outcome;
  if (!outcome.ParseFromString(output))
    return absl::InternalError("parse worker: unreadable answer");
  return FromOutcome(outcome);
}

}  // namespace

CalendarParser InProcessParser() { return &ical::ParseCalendar; }

CalendarParser WorkerParser(WorkerOptions options) {
  auto slots = std::make_shared<WorkerSlots>(options.max_workers);
  return [options = std::move(options), slots](
             const std::string& bytes,
             const ical::NormalizeOptions& normalize) -> absl::StatusOr<ical::ParsedCalendar> {
    if (!slots->Acquire(CallScope::Bound(options.timeout))) {
      if (CallScope::Cancelled() && absl::Now() < CallScope::Deadline())
        return absl::CancelledError("the caller went away; nothing was written");
      return absl::ResourceExhaustedError(
          absl::StrCat("ics: ", options.max_workers,
                       " calendars are being parsed already; nothing was written: retry shortly"));
    }
    absl::StatusOr<ical::ParsedCalendar> parsed = RunWorker(options, bytes, normalize);
    slots->Release();
    return parsed;
  };
}

int RunParseWorker(int argc, char** argv) {
  ical::NormalizeOptions options;
  int cpu_seconds = 10, memory_mb = 1024;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&](const std::string& name) -> std::optional<std::string> {
      if (arg.rfind(name + "=", 0) == 0) return arg.substr(name.size() + 1);
      return std::nullopt;
    };
    if (auto v = value("--cpu-seconds")) (void)absl::SimpleAtoi(*v, &cpu_seconds);
    if (auto v = value("--memory-mb")) (void)absl::SimpleAtoi(*v, &memory_mb);
    if (auto v = value("--zone")) options.default_time_zone = *v;
    if (auto v = value("--derive-uid")) options.derive_missing_uid = *v == "1";
    if (auto v = value("--categories")) {
      for (absl::string_view c : absl::StrSplit(*v, ',', absl::SkipEmpty()))
        options.known_categories.insert(std::string(c));
    }
    if (auto v = value("--municipalities")) {
      for (absl::string_view pair : absl::StrSplit(*v, ',', absl::SkipEmpty())) {
        std::pair<std::string, std::string> kv = absl::StrSplit(pair, absl::MaxSplits('=', 1));
        options.municipalities[kv.first] = kv.second;
      }
    }
  }
  // The limits come first: nothing of the input has been read yet.
  rlimit cpu{static_cast<rlim_t>(cpu_seconds), static_cast<rlim_t>(cpu_seconds + 1)};
  setrlimit(RLIMIT_CPU, &cpu);
  rlimit memory{static_cast<rlim_t>(memory_mb) << 20, static_cast<rlim_t>(memory_mb) << 20};
  setrlimit(RLIMIT_AS, &memory);
  icalerror_set_errors_are_fatal(0);
  std::string bytes((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
  absl::StatusOr<ical::ParsedCalendar> parsed = ical::ParseCalendar(bytes, options);
  internal::ParseOutcome outcome;
  if (!parsed.ok()) {
    outcome.set_error_code(static_cast<int>(parsed.status().code()));
    outcome.set_error_message(std::string(parsed.status().message()));
    outcome.set_error_field(ical::FieldOfError(parsed.status()).value_or(""));
  } else {
    for (v1::Event& e : parsed->events) *outcome.add_events() = std::move(e);
    for (v1::Rejection& r : parsed->rejections) *outcome.add_rejections() = std::move(r);
    for (std::string& w : parsed->warnings) outcome.add_warnings(std::move(w));
    outcome.set_name(parsed->name);
  }
  std::string out = outcome.SerializeAsString();
  std::cout.write(out.data(), static_cast<std::streamsize>(out.size()));
  std::cout.flush();
  return std::cout ? 0 : 1;
}

}  // namespace babillard::ingest
