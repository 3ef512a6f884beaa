#include "services/common/serve.h"

#include <grpcpp/health_check_service_interface.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "services/common/log.h"
#include "services/common/process.h"

namespace babillard {

void LimitServer(grpc::ServerBuilder& builder, const std::string& name) {
  grpc::ResourceQuota quota(name);
  quota.Resize(size_t{1} << 30);
  quota.SetMaxThreads(512);
  builder.SetResourceQuota(quota);
  builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS, 100);
}

int ServeUntilSignal(grpc::Server& server, const ServeOptions& options) {
  if (absl::Status s = WriteReadyFile(options.ready_file, options.addresses); !s.ok()) {
    log::Error("cannot write the ready file",
               {{"path", options.ready_file}, {"error", std::string(s.message())}});
    return 1;
  }
  std::vector<std::string> addresses;
  for (const auto& [name, address] : options.addresses) addresses.push_back(name + "=" + address);
  log::Info("serving", {{"addresses", absl::StrJoin(addresses, " ")}});
  const int signal_number = WaitForTermination();
  log::Info("stopping", {{"signal", std::to_string(signal_number)}});
  const absl::Time begin = absl::Now();
  if (grpc::HealthCheckServiceInterface* health = server.GetHealthCheckService())
    health->SetServingStatus(false);
  if (options.before_shutdown) options.before_shutdown();
  server.Shutdown(absl::ToChronoTime(absl::Now() + options.grace));
  log::Info("stopped", {{"took", absl::FormatDuration(absl::Now() - begin)}});
  return 0;
}

}  // namespace babillard
