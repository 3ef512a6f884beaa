#include "services/common/tls.h"

#include <openssl/err.h>
#include <openssl/pem.h>

#include <vector>

#include "absl/strings/str_cat.h"
#include "services/common/files.h"
#include "services/common/openssl_owners.h"
#include "services/common/status_macros.h"

namespace babillard {
namespace {

Bio MemoryBio(absl::string_view pem) {
  return Bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
}

// Every certificate of a PEM text, in order; none when one fails to parse.
std::vector<X509Cert> ReadCertificates(absl::string_view pem) {
  std::vector<X509Cert> certificates;
  Bio bio = MemoryBio(pem);
  while (X509Cert cert{PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)}) {
    certificates.push_back(std::move(cert));
  }
  // The loop ends on the end of the text (PEM_R_NO_START_LINE) or on an error.
  const unsigned long error = ERR_peek_last_error();
  ERR_clear_error();
  if (error != 0 && ERR_GET_REASON(error) != PEM_R_NO_START_LINE) return {};
  return certificates;
}

absl::StatusOr<std::string> ReadPem(const std::string& path, absl::string_view flag) {
  absl::StatusOr<std::string> text = ReadFile(path, 1 << 20);
  if (!text.ok()) {
    return absl::Status(text.status().code(), absl::StrCat(flag, ": ", text.status().message()));
  }
  return text;
}

}  // namespace

absl::Status CheckCertificateAndKey(absl::string_view cert_pem, absl::string_view key_pem) {
  std::vector<X509Cert> chain = ReadCertificates(cert_pem);
  if (chain.empty()) {
    return absl::InvalidArgumentError(
        "the certificate file holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
  }
  Bio bio = MemoryBio(key_pem);
  Pkey key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  ERR_clear_error();
  if (key == nullptr) {
    return absl::InvalidArgumentError(
        "the key file holds no unencrypted PEM private key (-----BEGIN PRIVATE KEY-----)");
  }
  if (X509_check_private_key(chain.front().get(), key.get()) != 1) {
    ERR_clear_error();
    return absl::InvalidArgumentError(
        "the private key does not belong to the certificate (the first one of the file)");
  }
  return absl::OkStatus();
}

absl::Status CheckCaBundle(absl::string_view pem) {
  if (ReadCertificates(pem).empty()) {
    return absl::InvalidArgumentError(
        "the CA file holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> ServerCredentialsFrom(
    const std::string& cert_file, const std::string& key_file, absl::string_view cert_flag,
    absl::string_view key_flag) {
  if (cert_file.empty() && key_file.empty()) return grpc::InsecureServerCredentials();
  if (cert_file.empty() || key_file.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(cert_file.empty() ? cert_flag : key_flag, " is missing: TLS needs both ",
                     cert_flag, " (the certificate chain) and ", key_flag, " (its private key)"));
  }
  BABILLARD_ASSIGN_OR_RETURN(std::string cert, ReadPem(cert_file, cert_flag));
  BABILLARD_ASSIGN_OR_RETURN(std::string key, ReadPem(key_file, key_flag));
  if (absl::Status s = CheckCertificateAndKey(cert, key); !s.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(cert_flag, "=", cert_file, ", ", key_flag, "=", key_file, ": ", s.message()));
  }
  grpc::SslServerCredentialsOptions options;
  options.pem_key_cert_pairs.push_back({std::move(key), std::move(cert)});
  return grpc::SslServerCredentials(options);
}

absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> ChannelCredentialsFrom(
    bool tls, const std::string& ca_file, absl::string_view ca_flag) {
  if (!tls) return grpc::InsecureChannelCredentials();
  grpc::SslCredentialsOptions options;
  if (!ca_file.empty()) {
    BABILLARD_ASSIGN_OR_RETURN(std::string pem, ReadPem(ca_file, ca_flag));
    if (absl::Status s = CheckCaBundle(pem); !s.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(ca_flag, "=", ca_file, ": ", s.message()));
    }
    options.pem_root_certs = std::move(pem);
  }
  return grpc::SslCredentials(options);
}

}  // namespace babillard
