#include "clients/cli/transport.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include "absl/strings/str_cat.h"
#include "services/common/files.h"
#include "services/common/process.h"
#include "services/common/tls.h"

namespace babillard::cli {

absl::StatusOr<Transport> TransportFor(const std::string& address, const TransportChoice& choice) {
  using Mode = TransportChoice::Mode;
  Transport transport;
  if (!choice.ca_file.empty()) {
    if (choice.mode == Mode::kPlaintext) {
      return absl::InvalidArgumentError(absl::StrCat("--plaintext and ", choice.ca_source,
                                                     " contradict each other: a CA is for TLS"));
    }
    absl::StatusOr<std::string> pem = ReadFile(choice.ca_file, 1 << 20);
    if (!pem.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(choice.ca_source, ": ", pem.status().message()));
    }
    if (absl::Status s = CheckCaBundle(*pem); !s.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(choice.ca_source, "=", choice.ca_file, ": ", s.message()));
    }
    transport.tls = true;
    transport.root_certificates = *std::move(pem);
    return transport;
  }
  switch (choice.mode) {
    case Mode::kTls:
      transport.tls = true;
      break;
    case Mode::kPlaintext:
      transport.tls = false;
      break;
    case Mode::kAuto:
      transport.tls = !IsLoopbackAddress(address);
      break;
  }
  return transport;
}

std::shared_ptr<grpc::Channel> Connect(const std::string& address, const Transport& transport) {
  if (!transport.tls) return grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
  grpc::SslCredentialsOptions options;
  options.pem_root_certs = transport.root_certificates;
  return grpc::CreateChannel(address, grpc::SslCredentials(options));
}

}  // namespace babillard::cli
