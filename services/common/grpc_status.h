#pragma once

#include <grpcpp/grpcpp.h>

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace babillard {

struct FieldViolation {
  std::string field;
  std::string description;
};

// INVALID_ARGUMENT naming each bad field; the violations travel as a
// google.rpc.BadRequest in the status details (grpc-status-details-bin).
absl::Status BadRequestError(std::string_view message,
                             const std::vector<FieldViolation>& violations);

// BadRequestError whose message is the first violation ("field: why"), the
// form every service answers a bad request in. `violations` is not empty.
absl::Status FieldViolationsError(const std::vector<FieldViolation>& violations);

// The violations a status carries (empty when it has none).
std::vector<FieldViolation> ViolationsOf(const absl::Status& status);

// absl and gRPC share their numeric codes (a unit test checks every one), so
// the edge maps a Status by value, with its BadRequest details if any.
grpc::Status ToGrpcStatus(const absl::Status& status);

// Answers a unary call: the value into `*out`, or its error.
template <typename T, typename Out>
grpc::Status ToGrpcResponse(absl::StatusOr<T> value, Out* out) {
  if (!value.ok()) return ToGrpcStatus(value.status());
  *out = *std::move(value);
  return grpc::Status::OK;
}

// The reverse, for clients; the BadRequest details come back as a payload.
absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace babillard
