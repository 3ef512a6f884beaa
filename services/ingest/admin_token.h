#pragma once

#include <string>

#include "absl/status/statusor.h"

namespace babillard::ingest {

// The admin token's hash, from `path`. On first start the file does not
// exist: a new token is written there, readable by its owner only (0600),
// and `created` is set. The token itself is never logged.
absl::StatusOr<std::string> LoadOrCreateAdminToken(const std::string& path, bool* created);

}  // namespace babillard::ingest
