#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"

namespace babillard {

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

// Writes `content` to `path` atomically (temporary file, then rename), so a
// test waiting for the file never reads half of it.
absl::Status WriteFileAtomically(const std::string& path, const std::string& content);

}  // namespace babillard
