#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace babillard::publish::push {

// What a browser's PushSubscription gives: the key and secret a message is
// encrypted to (its `keys.p256dh` and `keys.auth`, decoded).
struct SubscriptionKeys {
  std::string p256dh;  // 65-byte uncompressed P-256 point
  std::string auth;    // 16 bytes
};

// Fixed inputs, for the known-answer test only: a message's sender key and
// salt are otherwise new for every message.
struct FixedEncryptionInputs {
  std::string sender_private;  // 32-byte P-256 scalar
  std::string salt;            // 16 bytes
};

// The body of a push message (RFC 8291 on RFC 8188's aes128gcm content
// coding): salt, record size, the sender's public key, then one record of
// `plaintext` encrypted with AES-128-GCM under keys derived (HKDF-SHA-256)
// from an ECDH secret with the subscription's key and its auth secret.
// INVALID_ARGUMENT for keys that are not a subscription's, or a plaintext
// too long for one record (RFC 8291 §4: push services take 4096 bytes).
absl::StatusOr<std::string> EncryptWebPush(absl::string_view plaintext,
                                           const SubscriptionKeys& keys,
                                           const FixedEncryptionInputs* fixed = nullptr);

// The largest plaintext one message carries.
inline constexpr size_t kMaxWebPushPlaintext = 3993;

}  // namespace babillard::publish::push
