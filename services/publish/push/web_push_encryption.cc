#include "services/publish/push/web_push_encryption.h"

#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "absl/strings/str_cat.h"
#include "services/publish/push/p256.h"

namespace babillard::publish::push {
namespace {

// RFC 8188 §2: one record of at most 4096 bytes (what push services take).
constexpr uint32_t kRecordSize = 4096;
constexpr size_t kTagBytes = 16;

std::string HmacSha256(absl::string_view key, absl::string_view data) {
  unsigned char out[32];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &length);
  return std::string(reinterpret_cast<char*>(out), length);
}

// HKDF (RFC 5869) for outputs of at most one hash: extract, then one expand step.
std::string Hkdf(absl::string_view salt, absl::string_view ikm, absl::string_view info,
                 size_t length) {
  const std::string prk = HmacSha256(salt, ikm);
  return HmacSha256(prk, absl::StrCat(info, std::string(1, '\x01'))).substr(0, length);
}

}  // namespace

absl::StatusOr<std::string> EncryptWebPush(absl::string_view plaintext,
                                           const SubscriptionKeys& keys,
                                           const FixedEncryptionInputs* fixed) {
  if (keys.auth.size() != 16)
    return absl::InvalidArgumentError("keys.auth: a subscription's auth secret is 16 bytes");
  if (plaintext.size() > kMaxWebPushPlaintext) {
    return absl::InvalidArgumentError(
        absl::StrCat("payload: at most ", kMaxWebPushPlaintext, " bytes in one push message"));
  }
  absl::StatusOr<Pkey> ua = P256FromPublic(keys.p256dh);
  if (!ua.ok())
    return absl::InvalidArgumentError(absl::StrCat("keys.p256dh: ", ua.status().message()));
  absl::StatusOr<Pkey> sender =
      fixed != nullptr ? P256FromPrivate(fixed->sender_private) : NewP256Key();
  if (!sender.ok()) return sender.status();
  absl::StatusOr<std::string> sender_public = PublicPoint(sender->get());
  absl::StatusOr<std::string> ecdh = SharedSecret(sender->get(), ua->get());
  if (!sender_public.ok()) return sender_public.status();
  if (!ecdh.ok()) return ecdh.status();
  std::string salt(16, '\0');
  if (fixed != nullptr) {
    salt = fixed->salt;
  } else if (RAND_bytes(reinterpret_cast<unsigned char*>(salt.data()), 16) != 1) {
    return absl::InternalError("no random salt");
  }
  if (salt.size() != 16) return absl::InvalidArgumentError("salt: 16 bytes");

  // RFC 8291 §3.4: the input keying material from the ECDH secret and the
  // auth secret, then RFC 8188 §2.2-2.3: the content key and nonce.
  const std::string key_info =
      absl::StrCat("WebPush: info", std::string(1, '\0'), keys.p256dh, *sender_public);
  const std::string ikm = Hkdf(keys.auth, *ecdh, key_info, 32);
  const std::string cek =
      Hkdf(salt, ikm, absl::StrCat("Content-Encoding: aes128gcm", std::string(1, '\0')), 16);
  const std::string nonce =
      Hkdf(salt, ikm, absl::StrCat("Content-Encoding: nonce", std::string(1, '\0')), 12);

  // One record, the last: the plaintext and its delimiter 0x02, no padding.
  const std::string record = absl::StrCat(plaintext, std::string(1, '\x02'));
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  std::string sealed(record.size() + kTagBytes, '\0');
  int length = 0, final_length = 0;
  auto* out = reinterpret_cast<unsigned char*>(sealed.data());
  if (ctx == nullptr ||
      EVP_EncryptInit_ex(ctx.get(), EVP_aes_128_gcm(), nullptr,
                         reinterpret_cast<const unsigned char*>(cek.data()),
                         reinterpret_cast<const unsigned char*>(nonce.data())) != 1 ||
      EVP_EncryptUpdate(ctx.get(), out, &length,
                        reinterpret_cast<const unsigned char*>(record.data()),
                        static_cast<int>(record.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), out + length, &final_length) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagBytes,
                          out + length + final_length) != 1) {
    return absl::InternalError("AES-128-GCM failed");
  }
  sealed.resize(static_cast<size_t>(length + final_length) + kTagBytes);

  std::string header = salt;
  for (int shift = 24; shift >= 0; shift -= 8)
    header.push_back(static_cast<char>((kRecordSize >> shift) & 0xff));
  header.push_back(static_cast<char>(sender_public->size()));
  return absl::StrCat(header, *sender_public, sealed);
}

}  // namespace babillard::publish::push
