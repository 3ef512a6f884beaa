#pragma once

#include <grpcpp/grpcpp.h>

#include "services/common/call_scope.h"

namespace babillard {

// The CallScope of a gRPC server call: the client's deadline, and whether it
// has gone (cancelled, disconnected or past its deadline).
class GrpcCallScope : public CallScope {
 public:
  explicit GrpcCallScope(const grpc::ServerContextBase& context)
      : CallScope(DeadlineOf(context), [&context] { return context.IsCancelled(); }) {}

 private:
  static absl::Time DeadlineOf(const grpc::ServerContextBase& context) {
    const gpr_timespec raw = context.raw_deadline();
    if (gpr_time_cmp(raw, gpr_inf_future(raw.clock_type)) == 0) return absl::InfiniteFuture();
    return absl::FromChrono(context.deadline());
  }
};

}  // namespace babillard
