#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "services/common/files.h"  // WriteFileAtomically, for callers of WriteReadyFile

namespace babillard {

// What every service's main() does first: block the termination signals
// (below), set libical's errors non-fatal, and parse the flags (with dashes
// or underscores) under `usage`.
void InitService(int argc, char** argv, const char* usage);

// Accepts "--data-dir" as well as "--data_dir": the README and the issues
// spell flags with dashes, absl with underscores. Rewrites the names only.
std::vector<char*> NormalizeFlagNames(int argc, char** argv, std::vector<std::string>& storage);

// Blocks SIGTERM, SIGINT and SIGHUP in this thread and those it starts; call
// first in main(), then WaitForTermination() once the server runs. Also
// ignores SIGPIPE (hiredis writes with write(2): TOOLCHAIN.md pitfall 4).
// Also turns off abseil's mutex deadlock detection, which Debian's abseil
// leaves on (a lock-graph update on every lock, in gRPC's mutexes too).
void BlockTerminationSignals();
// Returns the signal that asked the process to stop.
int WaitForTermination();

// What the secret file `path` holds, whitespace trimmed; "" when `path` is
// empty (the flag not given). A file that is named but missing, unreadable,
// empty, shorter than 16 characters or a known placeholder (the example
// files' "change-me..."/"replace-me...") is an error naming `flag`: a
// secret that silently turned into "no secret" would turn a check off.
absl::StatusOr<std::string> ReadSecretFile(const std::string& path, std::string_view flag);

// Whether an address ("127.0.0.1:50053", "[::1]:1", "localhost:1",
// "unix:/path", with or without a port or a dns:/ipv4:/ipv6: scheme) is
// reachable from this host only: unix sockets, 127.0.0.0/8, ::1, localhost.
// Hosts are parsed as addresses, so that 127.example.org is not loopback.
bool IsLoopbackAddress(std::string_view address);

// The address a gRPC server listens on, with the port it was given when the
// flag said ":0" ("127.0.0.1:0" -> "127.0.0.1:43117"; unix: paths unchanged).
std::string BoundAddress(const std::string& flag, int port);

// Writes a service's --ready-file once it serves: one "name=address" line per
// address it bound ("grpc=127.0.0.1:43117", "http=http://127.0.0.1:8080"), so
// that whoever started it with port 0 learns the port. Nothing when `path` is
// empty.
absl::Status WriteReadyFile(const std::string& path,
                            const std::vector<std::pair<std::string, std::string>>& addresses);

}  // namespace babillard
