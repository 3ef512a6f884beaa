#pragma once

#include <grpcpp/security/credentials.h>
#include <grpcpp/security/server_credentials.h>

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace babillard {

// The PEM certificate (chain, leaf first) and the private key of a TLS server
// parse and belong together. gRPC itself takes any bytes and fails only at the
// first handshake, with a message that names neither file.
absl::Status CheckCertificateAndKey(absl::string_view cert_pem, absl::string_view key_pem);

// A PEM bundle of CA certificates holds at least one certificate and nothing
// that fails to parse.
absl::Status CheckCaBundle(absl::string_view pem);

// A server's credentials: plaintext when neither file is named, TLS from the
// two files otherwise, checked by CheckCertificateAndKey. Errors name the
// flag (`cert_flag`, `key_flag`) or the file and say what is wrong.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> ServerCredentialsFrom(
    const std::string& cert_file, const std::string& key_file,
    absl::string_view cert_flag = "--tls-cert", absl::string_view key_flag = "--tls-key");

// A channel's credentials: plaintext when `tls` is false; TLS otherwise,
// checking the server against the CA bundle in `ca_file`, or against the
// system's roots when `ca_file` is empty. Errors name `ca_flag`.
absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> ChannelCredentialsFrom(
    bool tls, const std::string& ca_file, absl::string_view ca_flag = "--ca");

}  // namespace babillard
