#include "services/common/tls.h"

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <fstream>
#include <memory>
#include <string>
#include <utility>

#include "babillard/internal/store.grpc.pb.h"
#include "services/common/openssl_owners.h"

namespace babillard {
namespace {

struct KeyPair {
  std::string cert_pem, key_pem;
};

std::string ToPem(int (*write)(BIO*, void*), void* object) {
  Bio bio(BIO_new(BIO_s_mem()));
  write(bio.get(), object);
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(size));
}

// A self-signed P-256 certificate for 127.0.0.1 and localhost, made here
// with OpenSSL so that no key is kept in the repository.
KeyPair SelfSigned(const std::string& name) {
  Pkey key(EVP_EC_gen("P-256"));
  X509Cert cert(X509_new());
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -60);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 3600);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* subject = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(name.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert.get(), subject);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert.get(), cert.get(), nullptr, nullptr, 0);
  for (const auto& [nid, value] : {std::pair{NID_subject_alt_name, "IP:127.0.0.1,DNS:localhost"},
                                   std::pair{NID_basic_constraints, "critical,CA:TRUE"}}) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    X509_add_ext(cert.get(), ext, -1);
    X509_EXTENSION_free(ext);
  }
  X509_sign(cert.get(), key.get(), EVP_sha256());
  return {ToPem([](BIO* b, void* c) { return PEM_write_bio_X509(b, static_cast<X509*>(c)); },
                cert.get()),
          ToPem(
              [](BIO* b, void* k) {
                return PEM_write_bio_PrivateKey(b, static_cast<EVP_PKEY*>(k), nullptr, nullptr, 0,
                                                nullptr, nullptr);
              },
              key.get())};
}

std::string Write(const std::string& name, const std::string& text) {
  const std::string path = std::string(::testing::TempDir()) + "/tls-" + name;
  std::ofstream(path) << text;
  return path;
}

TEST(CheckCertificateAndKey, APairPassesAndAKeyOfAnotherCertificateIsSaidSo) {
  const KeyPair a = SelfSigned("a"), b = SelfSigned("b");
  EXPECT_TRUE(CheckCertificateAndKey(a.cert_pem, a.key_pem).ok());
  absl::Status mismatch = CheckCertificateAndKey(a.cert_pem, b.key_pem);
  EXPECT_EQ(mismatch.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(mismatch.message().find("does not belong"), std::string::npos) << mismatch;
  // The key where the certificate should be, and the other way round.
  EXPECT_NE(CheckCertificateAndKey(a.key_pem, a.key_pem).message().find("no PEM certificate"),
            std::string::npos);
  EXPECT_NE(CheckCertificateAndKey(a.cert_pem, a.cert_pem).message().find("no unencrypted PEM"),
            std::string::npos);
}

TEST(CheckCaBundle, EveryCertificateMustParse) {
  const KeyPair a = SelfSigned("a"), b = SelfSigned("b");
  EXPECT_TRUE(CheckCaBundle(a.cert_pem + b.cert_pem).ok());
  EXPECT_FALSE(CheckCaBundle("").ok());
  EXPECT_FALSE(CheckCaBundle("not a certificate\n").ok());
  std::string damaged = a.cert_pem;
  damaged[damaged.size() / 2] = '!';  // not base64
  EXPECT_FALSE(CheckCaBundle(b.cert_pem + damaged).ok());
}

TEST(ServerCredentialsFrom, NeitherFileIsPlaintextAndEveryMistakeNamesTheFlag) {
  const KeyPair a = SelfSigned("a"), b = SelfSigned("b");
  EXPECT_TRUE(ServerCredentialsFrom("", "").ok());
  const std::string cert = Write("cert.pem", a.cert_pem), key = Write("key.pem", a.key_pem);
  EXPECT_TRUE(ServerCredentialsFrom(cert, key).ok());

  absl::Status only_cert = ServerCredentialsFrom(cert, "").status();
  EXPECT_NE(only_cert.message().find("--tls-key is missing"), std::string::npos) << only_cert;
  absl::Status only_key = ServerCredentialsFrom("", key).status();
  EXPECT_NE(only_key.message().find("--tls-cert is missing"), std::string::npos) << only_key;
  absl::Status missing = ServerCredentialsFrom(cert, Write("", "") + "-nowhere").status();
  EXPECT_EQ(missing.code(), absl::StatusCode::kNotFound) << missing;
  EXPECT_NE(missing.message().find("--tls-key"), std::string::npos) << missing;
  absl::Status other = ServerCredentialsFrom(cert, Write("other.pem", b.key_pem)).status();
  EXPECT_NE(other.message().find("other.pem"), std::string::npos) << other;
  EXPECT_NE(other.message().find("does not belong"), std::string::npos) << other;
}

class Handshake : public ::testing::Test {
 protected:
  void SetUp() override {
    server_pair_ = SelfSigned("server");
    auto credentials = ServerCredentialsFrom(Write("server.pem", server_pair_.cert_pem),
                                             Write("server.key", server_pair_.key_pem));
    ASSERT_TRUE(credentials.ok()) << credentials.status();
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", *credentials, &port_);
    builder.RegisterService(&service_);  // a sync server needs one to start
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
  }
  void TearDown() override {
    if (server_) server_->Shutdown();
  }

  // Whether a channel over `credentials` gets READY: only after a handshake.
  bool Connects(const std::shared_ptr<grpc::ChannelCredentials>& credentials) {
    auto channel = grpc::CreateChannel("127.0.0.1:" + std::to_string(port_), credentials);
    return channel->WaitForConnected(std::chrono::system_clock::now() + std::chrono::seconds(3));
  }

  KeyPair server_pair_;
  internal::Store::Service service_;  // every call UNIMPLEMENTED: only the handshake counts
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
};

TEST_F(Handshake, OnlyAClientTrustingTheServersCaGetsThrough) {
  auto trusting = ChannelCredentialsFrom(true, Write("ca.pem", server_pair_.cert_pem));
  ASSERT_TRUE(trusting.ok()) << trusting.status();
  EXPECT_TRUE(Connects(*trusting));

  auto other_ca = ChannelCredentialsFrom(true, Write("other-ca.pem", SelfSigned("x").cert_pem));
  ASSERT_TRUE(other_ca.ok());
  EXPECT_FALSE(Connects(*other_ca));

  auto plaintext = ChannelCredentialsFrom(false, "");
  ASSERT_TRUE(plaintext.ok());
  EXPECT_FALSE(Connects(*plaintext));
}

TEST(ChannelCredentialsFrom, ABadCaFileNamesTheFlag) {
  absl::Status s =
      ChannelCredentialsFrom(true, Write("not-ca.pem", "hello"), "--store-ca").status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("--store-ca"), std::string::npos) << s;
  EXPECT_NE(s.message().find("no PEM certificate"), std::string::npos) << s;
}

}  // namespace
}  // namespace babillard
