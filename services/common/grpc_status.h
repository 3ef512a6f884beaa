#pragma once

#include <string>

#include <grpcpp/grpcpp.h>

#include "absl/status/status.h"

namespace babillard {

// absl and gRPC share their numeric codes (a unit test checks every one), so
// the edge maps a Status by value.
inline grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), std::string(status.message()));
}

inline absl::Status FromGrpcStatus(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
}

}  // namespace babillard
