#include "services/common/process.h"

#include <libical/ical.h>
#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "services/common/files.h"
#include "services/common/log.h"

namespace babillard {

std::vector<char*> NormalizeFlagNames(int argc, char** argv, std::vector<std::string>& storage) {
  storage.assign(argv, argv + argc);
  for (size_t i = 1; i < storage.size(); ++i) {
    std::string& arg = storage[i];
    if (arg == "--") break;
    if (!arg.starts_with("--")) continue;
    size_t end = arg.find('=');
    if (end == std::string::npos) end = arg.size();
    for (size_t j = 2; j < end; ++j) {
      if (arg[j] == '-') arg[j] = '_';
    }
  }
  std::vector<char*> out;
  for (std::string& s : storage) out.push_back(s.data());
  return out;
}

namespace {
sigset_t TerminationSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  return set;
}
}  // namespace

void InitService(int argc, char** argv, const char* usage) {
  BlockTerminationSignals();
  log::SetService(std::filesystem::path(argv[0]).filename().string());
  icalerror_set_errors_are_fatal(0);
  std::vector<std::string> storage;
  std::vector<char*> args = NormalizeFlagNames(argc, argv, storage);
  absl::SetProgramUsageMessage(usage);
  // --help lists our flags (absl's default matches flags to the binary's name).
  absl::FlagsUsageConfig config;
  config.contains_help_flags = [](absl::string_view path) {
    return absl::StrContains(path, "services/");
  };
  config.contains_helpshort_flags = config.contains_help_flags;
  absl::SetFlagsUsageConfig(config);
  absl::ParseCommandLine(static_cast<int>(args.size()), args.data());
}

void BlockTerminationSignals() {
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  signal(SIGPIPE, SIG_IGN);
  sigset_t set = TerminationSignals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

int WaitForTermination() {
  sigset_t set = TerminationSignals();
  int signal_number = 0;
  sigwait(&set, &signal_number);
  return signal_number;
}

std::string ReadSecretFile(const std::string& path) {
  if (path.empty()) return "";
  absl::StatusOr<std::string> bytes = ReadFile(path, 1 << 20);
  return bytes.ok() ? std::string(absl::StripAsciiWhitespace(*bytes)) : "";
}

std::string BoundAddress(const std::string& flag, int port) {
  if (port <= 0 || flag.starts_with("unix:")) return flag;
  return flag.substr(0, flag.rfind(':') + 1) + std::to_string(port);
}

absl::Status WriteReadyFile(const std::string& path,
                            const std::vector<std::pair<std::string, std::string>>& addresses) {
  if (path.empty()) return absl::OkStatus();
  std::string content;
  for (const auto& [name, address] : addresses) absl::StrAppend(&content, name, "=", address, "\n");
  return WriteFileAtomically(path, content);
}

}  // namespace babillard
