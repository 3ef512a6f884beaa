#include "services/publish/push/p256.h"

#include <openssl/core_names.h>

#include <vector>

namespace babillard::publish::push {
namespace {

constexpr char kGroup[] = "prime256v1";
constexpr size_t kPointBytes = 65;
constexpr size_t kScalarBytes = 32;

absl::StatusOr<Pkey> FromParams(OSSL_PARAM* params, int selection) {
  PkeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  EVP_PKEY* key = nullptr;
  if (ctx == nullptr || EVP_PKEY_fromdata_init(ctx.get()) <= 0 ||
      EVP_PKEY_fromdata(ctx.get(), &key, selection, params) <= 0) {
    return absl::InvalidArgumentError("not a P-256 key");
  }
  Pkey owned(key);
  // fromdata does not check the point: a point off the curve is an attack.
  PkeyCtx check(EVP_PKEY_CTX_new_from_pkey(nullptr, owned.get(), nullptr));
  if (check == nullptr || EVP_PKEY_public_check(check.get()) <= 0)
    return absl::InvalidArgumentError("not a point on P-256");
  return owned;
}

}  // namespace

absl::StatusOr<Pkey> NewP256Key() {
  Pkey key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", kGroup));
  if (key == nullptr) return absl::InternalError("P-256 key generation failed");
  return key;
}

absl::StatusOr<Pkey> P256FromPrivate(absl::string_view scalar) {
  if (scalar.size() != kScalarBytes)
    return absl::InvalidArgumentError("a P-256 scalar is 32 bytes");
  Bignum priv(BN_bin2bn(reinterpret_cast<const unsigned char*>(scalar.data()),
                        static_cast<int>(scalar.size()), nullptr));
  // The public point, from the scalar.
  std::unique_ptr<EC_GROUP, decltype(&EC_GROUP_free)> own_group(
      EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1), &EC_GROUP_free);
  const EC_GROUP* group = own_group.get();
  std::unique_ptr<EC_POINT, decltype(&EC_POINT_free)> point(EC_POINT_new(group), &EC_POINT_free);
  unsigned char pub[kPointBytes];
  if (priv == nullptr || point == nullptr ||
      EC_POINT_mul(group, point.get(), priv.get(), nullptr, nullptr, nullptr) != 1 ||
      EC_POINT_point2oct(group, point.get(), POINT_CONVERSION_UNCOMPRESSED, pub, sizeof pub,
                         nullptr) != kPointBytes) {
    return absl::InvalidArgumentError("not a P-256 scalar");
  }
  ParamBld bld(OSSL_PARAM_BLD_new());
  if (bld == nullptr ||
      !OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, kGroup, 0) ||
      !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PRIV_KEY, priv.get()) ||
      !OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, pub, sizeof pub)) {
    return absl::InternalError("cannot build a P-256 key");
  }
  Params params(OSSL_PARAM_BLD_to_param(bld.get()));
  return FromParams(params.get(), EVP_PKEY_KEYPAIR);
}

absl::StatusOr<Pkey> P256FromPublic(absl::string_view point) {
  if (point.size() != kPointBytes || point[0] != 0x04)
    return absl::InvalidArgumentError("a P-256 public key is a 65-byte uncompressed point");
  ParamBld bld(OSSL_PARAM_BLD_new());
  if (bld == nullptr ||
      !OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, kGroup, 0) ||
      !OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                        point.size())) {
    return absl::InternalError("cannot build a P-256 key");
  }
  Params params(OSSL_PARAM_BLD_to_param(bld.get()));
  return FromParams(params.get(), EVP_PKEY_PUBLIC_KEY);
}

absl::StatusOr<std::string> PublicPoint(EVP_PKEY* key) {
  std::string out(kPointBytes, '\0');
  size_t length = 0;
  if (EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY,
                                      reinterpret_cast<unsigned char*>(out.data()), out.size(),
                                      &length) != 1 ||
      length != kPointBytes) {
    return absl::InternalError("no public point");
  }
  return out;
}

absl::StatusOr<std::string> PrivateScalar(EVP_PKEY* key) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_PRIV_KEY, &raw) != 1)
    return absl::InternalError("no private scalar");
  Bignum priv(raw);
  std::string out(kScalarBytes, '\0');
  if (BN_bn2binpad(priv.get(), reinterpret_cast<unsigned char*>(out.data()), kScalarBytes) !=
      static_cast<int>(kScalarBytes))
    return absl::InternalError("private scalar too long");
  return out;
}

absl::StatusOr<std::string> SharedSecret(EVP_PKEY* own, EVP_PKEY* peer) {
  PkeyCtx ctx(EVP_PKEY_CTX_new(own, nullptr));
  size_t length = 0;
  if (ctx == nullptr || EVP_PKEY_derive_init(ctx.get()) <= 0 ||
      EVP_PKEY_derive_set_peer(ctx.get(), peer) <= 0 ||
      EVP_PKEY_derive(ctx.get(), nullptr, &length) <= 0) {
    return absl::InternalError("ECDH failed");
  }
  std::string out(length, '\0');
  if (EVP_PKEY_derive(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &length) <= 0)
    return absl::InternalError("ECDH failed");
  out.resize(length);
  return out;
}

}  // namespace babillard::publish::push
