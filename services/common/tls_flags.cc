#include "services/common/tls_flags.h"

#include "absl/flags/flag.h"
#include "services/common/tls.h"

ABSL_FLAG(std::string, tls_cert, "",
          "PEM certificate chain (leaf first) the gRPC listener serves TLS with; with --tls-key. "
          "Neither: plaintext, for loopback or behind a TLS proxy");
ABSL_FLAG(std::string, tls_key, "", "PEM private key of --tls-cert (unencrypted, 0600)");

namespace babillard {

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> ListenerCredentials() {
  return ServerCredentialsFrom(absl::GetFlag(FLAGS_tls_cert), absl::GetFlag(FLAGS_tls_key));
}

}  // namespace babillard
