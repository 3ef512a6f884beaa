#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "services/publish/push/p256.h"
#include "services/publish/push/vapid.h"
#include "services/publish/push/web_push_encryption.h"

namespace babillard::publish::push {
namespace {

std::string D(absl::string_view b64u) {
  std::string out;
  EXPECT_TRUE(absl::WebSafeBase64Unescape(b64u, &out)) << b64u;
  return out;
}

// RFC 8291, Appendix A.
constexpr char kUaPublic[] =
    "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4";
constexpr char kUaPrivate[] = "q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94";
constexpr char kAsPrivate[] = "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw";
constexpr char kAuth[] = "BTBZMqHH6r4Tts7J_aSIgg";
constexpr char kSalt[] = "DGv6ra1nlYgDCS1FRnbzlw";
constexpr char kBody[] =
    "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_"
    "c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6Tl"
    "zAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_"
    "Qulcy4a-"
    "fN";
constexpr char kPlaintext[] = "When I grow up, I want to be a watermelon";

TEST(WebPushEncryption, ReproducesRfc8291AppendixA) {
  const FixedEncryptionInputs fixed{D(kAsPrivate), D(kSalt)};
  absl::StatusOr<std::string> body = EncryptWebPush(kPlaintext, {D(kUaPublic), D(kAuth)}, &fixed);
  ASSERT_TRUE(body.ok()) << body.status();
  EXPECT_EQ(absl::WebSafeBase64Escape(*body), kBody);
  // And the receiver's public key is the one its private key gives.
  absl::StatusOr<Pkey> ua = P256FromPrivate(D(kUaPrivate));
  ASSERT_TRUE(ua.ok());
  EXPECT_EQ(*PublicPoint(ua->get()), D(kUaPublic));
}

TEST(WebPushEncryption, EveryMessageHasItsOwnKeyAndSalt) {
  const SubscriptionKeys keys{D(kUaPublic), D(kAuth)};
  absl::StatusOr<std::string> a = EncryptWebPush("bonjour", keys);
  absl::StatusOr<std::string> b = EncryptWebPush("bonjour", keys);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(*a, *b);
  EXPECT_EQ(a->size(), 16 + 4 + 1 + 65 + 7 + 1 + 16u);
  EXPECT_EQ(a->substr(16, 5), std::string("\0\0\x10\0\x41", 5)) << "rs 4096, a 65-byte key id";
}

TEST(WebPushEncryption, RefusesWhatIsNotASubscription) {
  const std::string point = D(kUaPublic);
  std::string off_curve = point;
  off_curve[40] ^= 1;
  for (const auto& [keys, field] :
       {std::pair{SubscriptionKeys{point.substr(1), D(kAuth)}, "keys.p256dh"},
        std::pair{SubscriptionKeys{off_curve, D(kAuth)}, "keys.p256dh"},
        std::pair{SubscriptionKeys{point, "short"}, "keys.auth"}}) {
    absl::StatusOr<std::string> body = EncryptWebPush("x", keys);
    EXPECT_TRUE(absl::IsInvalidArgument(body.status())) << field;
    EXPECT_TRUE(absl::StartsWith(body.status().message(), field)) << body.status();
  }
  EXPECT_TRUE(absl::IsInvalidArgument(
      EncryptWebPush(std::string(kMaxWebPushPlaintext + 1, 'a'), {point, D(kAuth)}).status()));
  EXPECT_TRUE(EncryptWebPush(std::string(kMaxWebPushPlaintext, 'a'), {point, D(kAuth)}).ok());
}

// The token's signature checked back with OpenSSL (an independent reader,
// Node's crypto, checks it in web_push_interop).
TEST(Vapid, TokenIsAnEs256JwtForTheEndpointsOrigin) {
  absl::StatusOr<VapidKey> key = VapidKey::FromPrivate(D(kAsPrivate));
  ASSERT_TRUE(key.ok());
  const absl::Time now = absl::FromUnixSeconds(1800000000);
  absl::StatusOr<std::string> header = key->Authorization(
      "https://push.example.net:8443/wpush/v2/abc?x=1", "mailto:admin@example.org", now);
  ASSERT_TRUE(header.ok()) << header.status();
  ASSERT_TRUE(absl::StartsWith(*header, "vapid t="));
  const std::vector<std::string> parts =
      absl::StrSplit(*header, absl::ByAnyChar(" ,"), absl::SkipEmpty());
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[2], "k=" + absl::WebSafeBase64Escape(key->public_key()));
  const std::vector<std::string> jwt = absl::StrSplit(parts[1].substr(2), '.');
  ASSERT_EQ(jwt.size(), 3u);
  EXPECT_EQ(D(jwt[0]), R"({"typ":"JWT","alg":"ES256"})");
  EXPECT_EQ(
      D(jwt[1]),
      R"({"aud":"https://push.example.net:8443","exp":1800043200,"sub":"mailto:admin@example.org"})");
  const std::string raw = D(jwt[2]);
  ASSERT_EQ(raw.size(), 64u) << "R||S, not DER";
  EcdsaSig sig(ECDSA_SIG_new());
  ECDSA_SIG_set0(sig.get(),
                 BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()), 32, nullptr),
                 BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()) + 32, 32, nullptr));
  unsigned char* der = nullptr;
  const int der_length = i2d_ECDSA_SIG(sig.get(), &der);
  absl::StatusOr<Pkey> pub = P256FromPublic(key->public_key());
  ASSERT_TRUE(pub.ok());
  MdCtx md(EVP_MD_CTX_new());
  const std::string input = jwt[0] + "." + jwt[1];
  ASSERT_EQ(EVP_DigestVerifyInit(md.get(), nullptr, EVP_sha256(), nullptr, pub->get()), 1);
  EXPECT_EQ(EVP_DigestVerify(md.get(), der, der_length,
                             reinterpret_cast<const unsigned char*>(input.data()), input.size()),
            1);
  OPENSSL_free(der);
  EXPECT_FALSE(key->Authorization("ftp://x", "mailto:a@b", now).ok());
}

TEST(Vapid, KeyIsMadeOnceAndKeptPrivate) {
  char dir[] = "/tmp/vapid-test-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  const std::string path = std::string(dir) + "/vapid.pem";
  absl::StatusOr<VapidKey> first = VapidKey::LoadOrCreate(path);
  ASSERT_TRUE(first.ok()) << first.status();
  struct stat st;
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  absl::StatusOr<VapidKey> again = VapidKey::LoadOrCreate(path);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->public_key(), first->public_key()) << "the same key after a restart";
  std::ofstream(path) << "not a key";
  absl::StatusOr<VapidKey> broken = VapidKey::LoadOrCreate(path);
  EXPECT_TRUE(absl::IsFailedPrecondition(broken.status()));
  EXPECT_TRUE(absl::StrContains(broken.status().message(), path)) << broken.status();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace babillard::publish::push
