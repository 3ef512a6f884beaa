#pragma once

#include <cstddef>
#include <string>

#include "absl/status/statusor.h"

namespace babillard {

// A whole file, as bytes. The error names the path and says what is wrong in
// words a person acts on: NOT_FOUND (no such file), FAILED_PRECONDITION (a
// directory, not a regular file), PERMISSION_DENIED, RESOURCE_EXHAUSTED
// (larger than `max_bytes`). The one way the code reads a file.
absl::StatusOr<std::string> ReadFile(const std::string& path, size_t max_bytes = 64u << 20);

// Writes `content` to `path` atomically (temporary file, fsync, rename,
// fsync of the directory), so a reader never sees half of it and a crash
// never leaves it empty. The file is 0600.
absl::Status WriteFileAtomically(const std::string& path, const std::string& content);

// fsync of the directory holding `path`: a file just created or renamed
// there survives a crash.
void SyncDirectoryOf(const std::string& path);

}  // namespace babillard
