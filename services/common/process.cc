#include "services/common/process.h"

#include <arpa/inet.h>
#include <libical/ical.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>

#include <algorithm>
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
#include "services/common/string_view.h"

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
  // What a service writes (the private Redis's AOF with webhook secrets and
  // private events, tokens, logs) is its own: 0600 files, 0700 directories,
  // for redis-server and the parse workers too.
  umask(0077);
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

absl::StatusOr<std::string> ReadSecretFile(const std::string& path, std::string_view flag) {
  if (path.empty()) return std::string();
  absl::StatusOr<std::string> bytes = ReadFile(path, 1 << 20);
  if (!bytes.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("--", Av(flag), ": ", bytes.status().message()));
  }
  const std::string secret(absl::StripAsciiWhitespace(*bytes));
  const std::string lower = absl::AsciiStrToLower(secret);
  if (secret.empty())
    return absl::FailedPreconditionError(absl::StrCat("--", Av(flag), ": ", path, " is empty"));
  if (absl::StrContains(lower, "replace-me") || absl::StrContains(lower, "change-me") ||
      absl::StrContains(lower, "changeme")) {
    return absl::FailedPreconditionError(
        absl::StrCat("--", Av(flag), ": ", path,
                     " holds the example placeholder; write a random token there "
                     "(openssl rand -hex 32)"));
  }
  if (secret.size() < 16) {
    return absl::FailedPreconditionError(absl::StrCat(
        "--", Av(flag), ": ", path, " is too short to be a secret (at least 16 characters)"));
  }
  return secret;
}

bool IsLoopbackAddress(std::string_view address) {
  if (address.starts_with("unix:") || address.starts_with("unix-abstract:")) return true;
  for (std::string_view scheme : {"dns:///", "dns:", "ipv4:", "ipv6:"}) {
    if (address.starts_with(scheme)) {
      address.remove_prefix(scheme.size());
      break;
    }
  }
  // [v6]:port, host:port, a bare v6 address, or a bare host.
  std::string host;
  if (address.starts_with("[")) {
    host = std::string(address.substr(1, address.find(']') - 1));
  } else if (std::count(address.begin(), address.end(), ':') > 1) {
    host = std::string(address);
  } else {
    host = std::string(address.substr(0, address.find(':')));
  }
  host = absl::AsciiStrToLower(host);
  if (host == "localhost" || host.ends_with(".localhost")) return true;
  in_addr v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  return inet_pton(AF_INET6, host.c_str(), &v6) == 1 && IN6_IS_ADDR_LOOPBACK(&v6);
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
