#include "services/common/auth/token.h"

#include <openssl/rand.h>
#include <openssl/sha.h>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "services/common/status_macros.h"

namespace babillard::auth {
namespace {

absl::StatusOr<std::string> RandomBytes(size_t n) {
  std::string bytes(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(bytes.data()), static_cast<int>(n)) != 1) {
    return absl::InternalError("no randomness available");
  }
  return bytes;
}

}  // namespace

absl::StatusOr<std::string> NewToken() {
  BABILLARD_ASSIGN_OR_RETURN(std::string bytes, RandomBytes(32));
  return absl::StrCat("bab_", absl::WebSafeBase64Escape(bytes));
}

absl::StatusOr<std::string> NewWebhookSecret() {
  BABILLARD_ASSIGN_OR_RETURN(std::string bytes, RandomBytes(24));
  return absl::StrCat("whsec_", absl::Base64Escape(bytes));
}

std::string Sha256Hex(std::string_view data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), sizeof(digest)));
}

}  // namespace babillard::auth
