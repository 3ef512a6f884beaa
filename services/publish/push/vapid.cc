#include "services/publish/push/vapid.h"

#include <openssl/pem.h>
#include <sys/stat.h>

#include <cstdio>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/publish/push/p256.h"

namespace babillard::publish::push {
namespace {

struct FileClose {
  void operator()(FILE* f) const { fclose(f); }
};
using File = std::unique_ptr<FILE, FileClose>;

std::string B64u(absl::string_view bytes) { return absl::WebSafeBase64Escape(bytes); }

// JSON string content: the subject and audience are URLs, but a quote or a
// backslash must not end the string.
std::string JsonEscaped(absl::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    if (static_cast<unsigned char>(c) < 0x20) continue;
    out.push_back(c);
  }
  return out;
}

}  // namespace

absl::StatusOr<std::string> OriginOf(absl::string_view url) {
  const size_t scheme = url.find("://");
  if (scheme == absl::string_view::npos ||
      !(absl::StartsWith(url, "https://") || absl::StartsWith(url, "http://")))
    return absl::InvalidArgumentError("endpoint: an https URL");
  const size_t end = url.find_first_of("/?#", scheme + 3);
  const absl::string_view origin = url.substr(0, end);
  if (origin.size() <= scheme + 3) return absl::InvalidArgumentError("endpoint: no host");
  return std::string(origin);
}

absl::StatusOr<VapidKey> VapidKey::FromPrivate(absl::string_view scalar) {
  absl::StatusOr<Pkey> key = P256FromPrivate(scalar);
  if (!key.ok()) return key.status();
  absl::StatusOr<std::string> point = PublicPoint(key->get());
  if (!point.ok()) return point.status();
  return VapidKey(*std::move(key), *std::move(point));
}

absl::StatusOr<VapidKey> VapidKey::LoadOrCreate(const std::string& path) {
  if (File in{fopen(path.c_str(), "r")}) {
    Pkey key(PEM_read_PrivateKey(in.get(), nullptr, nullptr, nullptr));
    if (key == nullptr || EVP_PKEY_get_base_id(key.get()) != EVP_PKEY_EC)
      return absl::FailedPreconditionError(absl::StrCat(path, ": not a PEM P-256 private key"));
    absl::StatusOr<std::string> scalar = PrivateScalar(key.get());
    if (!scalar.ok()) return absl::FailedPreconditionError(absl::StrCat(path, ": no private key"));
    return FromPrivate(*scalar);
  }
  if (errno != ENOENT) return absl::FailedPreconditionError(absl::StrCat(path, ": unreadable"));
  absl::StatusOr<Pkey> key = NewP256Key();
  if (!key.ok()) return key.status();
  const std::string fresh = path + ".new";
  const mode_t old_mask = umask(077);  // 0600 from the first byte
  File out{fopen(fresh.c_str(), "w")};
  umask(old_mask);
  if (out == nullptr ||
      PEM_write_PrivateKey(out.get(), key->get(), nullptr, nullptr, 0, nullptr, nullptr) != 1 ||
      fflush(out.get()) != 0 || fsync(fileno(out.get())) != 0) {
    return absl::FailedPreconditionError(absl::StrCat(path, ": cannot write the new key"));
  }
  out.reset();
  if (rename(fresh.c_str(), path.c_str()) != 0)
    return absl::FailedPreconditionError(absl::StrCat(path, ": cannot write the new key"));
  absl::StatusOr<std::string> scalar = PrivateScalar(key->get());
  if (!scalar.ok()) return scalar.status();
  return FromPrivate(*scalar);
}

absl::StatusOr<std::string> VapidKey::Authorization(absl::string_view endpoint,
                                                    absl::string_view subject,
                                                    absl::Time now) const {
  absl::StatusOr<std::string> audience = OriginOf(endpoint);
  if (!audience.ok()) return audience.status();
  const std::string signing_input =
      absl::StrCat(B64u(R"({"typ":"JWT","alg":"ES256"})"), ".",
                   B64u(absl::StrCat(R"({"aud":")", JsonEscaped(*audience), R"(","exp":)",
                                     absl::ToUnixSeconds(now + absl::Hours(12)), R"(,"sub":")",
                                     JsonEscaped(subject), R"("})")));
  MdCtx md(EVP_MD_CTX_new());
  size_t der_length = 0;
  if (md == nullptr ||
      EVP_DigestSignInit(md.get(), nullptr, EVP_sha256(), nullptr, key_.get()) != 1 ||
      EVP_DigestSign(md.get(), nullptr, &der_length,
                     reinterpret_cast<const unsigned char*>(signing_input.data()),
                     signing_input.size()) != 1) {
    return absl::InternalError("ES256 signing failed");
  }
  std::string der(der_length, '\0');
  if (EVP_DigestSign(md.get(), reinterpret_cast<unsigned char*>(der.data()), &der_length,
                     reinterpret_cast<const unsigned char*>(signing_input.data()),
                     signing_input.size()) != 1) {
    return absl::InternalError("ES256 signing failed");
  }
  // OpenSSL signs in DER; JWS wants R and S, 32 bytes each.
  const unsigned char* p = reinterpret_cast<const unsigned char*>(der.data());
  EcdsaSig sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der_length)));
  if (sig == nullptr) return absl::InternalError("ES256 signature unreadable");
  unsigned char raw[64];
  if (BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), raw, 32) != 32 ||
      BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), raw + 32, 32) != 32) {
    return absl::InternalError("ES256 signature too long");
  }
  return absl::StrCat("vapid t=", signing_input, ".",
                      B64u(absl::string_view(reinterpret_cast<char*>(raw), sizeof raw)),
                      ", k=", B64u(public_key_));
}

}  // namespace babillard::publish::push
