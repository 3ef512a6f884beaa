#pragma once

#include <grpcpp/channel.h>
#include <grpcpp/support/channel_arguments.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace babillard {

// A channel to babillard-store at `address`: TLS checked against --store-ca
// when it is set (the store then serves --tls-cert), plaintext otherwise. The
// error names --store-ca and says what is wrong with the file.
absl::StatusOr<std::shared_ptr<grpc::Channel>> ConnectStore(const std::string& address,
                                                            const grpc::ChannelArguments& args);

}  // namespace babillard
