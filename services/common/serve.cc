#include "services/common/serve.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "services/common/log.h"
#include "services/common/process.h"

ABSL_FLAG(bool, grpc_reflection, false,
          "Serve gRPC server reflection (for grpcurl, grpcui); off by default, as it lists every "
          "RPC and message, admin calls included, to anyone who asks");

namespace babillard {

namespace {

// Linking gRPC's reflection plugin registers it for every ServerBuilder (a
// static initializer); this option takes it out again.
class WithoutPlugin final : public grpc::ServerBuilderOption {
 public:
  explicit WithoutPlugin(std::string name) : name_(std::move(name)) {}
  void UpdateArguments(grpc::ChannelArguments*) override {}
  void UpdatePlugins(std::vector<std::unique_ptr<grpc::ServerBuilderPlugin>>* plugins) override {
    std::erase_if(*plugins, [this](const auto& p) { return p->name() == name_; });
  }

 private:
  std::string name_;
};

}  // namespace

void PrepareGrpc() {
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
}

void LimitServer(grpc::ServerBuilder& builder, const std::string& name) {
  if (!absl::GetFlag(FLAGS_grpc_reflection)) {
    builder.SetOption(std::make_unique<WithoutPlugin>("proto_server_reflection"));
  }
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
