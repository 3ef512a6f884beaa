#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/common/openssl_owners.h"

namespace babillard::publish::push {

// P-256 keys as Web Push carries them: a public key as its 65-byte
// uncompressed point (0x04 || X || Y), a private key as its 32-byte scalar.

// A new key pair.
absl::StatusOr<Pkey> NewP256Key();
// The key pair of a 32-byte private scalar (its public point computed).
absl::StatusOr<Pkey> P256FromPrivate(absl::string_view scalar);
// A peer's public key from its 65-byte point; INVALID_ARGUMENT when it is not one on the curve.
absl::StatusOr<Pkey> P256FromPublic(absl::string_view point);
// The 65-byte uncompressed point of a key.
absl::StatusOr<std::string> PublicPoint(EVP_PKEY* key);
// The 32-byte private scalar of a key.
absl::StatusOr<std::string> PrivateScalar(EVP_PKEY* key);
// ECDH: the 32-byte shared secret of `own` (with its private part) and `peer`.
absl::StatusOr<std::string> SharedSecret(EVP_PKEY* own, EVP_PKEY* peer);

}  // namespace babillard::publish::push
