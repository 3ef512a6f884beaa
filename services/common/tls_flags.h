#pragma once

#include <grpcpp/security/server_credentials.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace babillard {

// The gRPC listener's credentials from --tls-cert and --tls-key: TLS when
// both are given, plaintext when neither is; anything else (one of the two,
// a file that cannot be read, a key of another certificate) is the error a
// service stops on at start, naming the flag and the file.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> ListenerCredentials();

}  // namespace babillard
