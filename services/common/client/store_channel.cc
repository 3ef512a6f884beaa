#include "services/common/client/store_channel.h"

#include <grpcpp/create_channel.h>

#include "absl/flags/flag.h"
#include "services/common/tls.h"

ABSL_FLAG(std::string, store_ca, "",
          "PEM CA bundle that babillard-store's certificate is checked against; when set, the "
          "channel to the store is TLS (the store runs with --tls-cert)");

namespace babillard {

absl::StatusOr<std::shared_ptr<grpc::Channel>> ConnectStore(const std::string& address,
                                                            const grpc::ChannelArguments& args) {
  const std::string ca = absl::GetFlag(FLAGS_store_ca);
  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> credentials =
      ChannelCredentialsFrom(!ca.empty(), ca, "--store-ca");
  if (!credentials.ok()) return credentials.status();
  return grpc::CreateCustomChannel(address, *credentials, args);
}

}  // namespace babillard
