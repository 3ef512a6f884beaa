#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace babillard::auth {

// A new bearer token: "bab_" and 32 random bytes (OpenSSL RAND_bytes) in
// base64url. Shown once; only its hash is stored.
absl::StatusOr<std::string> NewToken();

// Lower-case hex SHA-256, how tokens are stored and looked up.
std::string Sha256Hex(std::string_view data);

// A random webhook signing secret, "whsec_" + base64 (Standard Webhooks).
absl::StatusOr<std::string> NewWebhookSecret();

}  // namespace babillard::auth
