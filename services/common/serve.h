#pragma once

#include <grpcpp/grpcpp.h>

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"

namespace babillard {

struct ServeOptions {
  // What the process bound ({"grpc", "127.0.0.1:43117"}, {"http", url}): the
  // ready file's lines and the "serving" log line's fields.
  std::vector<std::pair<std::string, std::string>> addresses = {};
  std::string ready_file = "";  // --ready-file; none when empty
  // How long calls in flight get to finish once the signal came.
  absl::Duration grace = absl::Seconds(5);
  // After health says NOT_SERVING, before the server stops: publish ends its
  // streams here (their clients resume elsewhere from their cursors).
  std::function<void()> before_shutdown = nullptr;
};

// Before any ServerBuilder is made: the standard health service and gRPC's
// server reflection, which LimitServer keeps only with --grpc-reflection.
void PrepareGrpc();

// What every gRPC server is held to: server reflection only with
// --grpc-reflection (off by default: it hands anyone the full list of RPCs
// and messages, admin calls included); 100 streams per connection (HTTP/2
// SETTINGS_MAX_CONCURRENT_STREAMS), and a resource quota of 1 GiB of buffers
// and 512 threads for the sync API. Past them a call gets RESOURCE_EXHAUSTED
// instead of the process running out.
void LimitServer(grpc::ServerBuilder& builder, const std::string& name);

// How every service runs once its server is built: writes the ready file,
// logs "serving", waits for SIGTERM, SIGINT or SIGHUP (blocked since
// InitService), then sets health to NOT_SERVING, runs `before_shutdown`,
// shuts the server down within the grace and logs "stopped". Returns the
// exit code: 0, or 1 when the ready file cannot be written.
int ServeUntilSignal(grpc::Server& server, const ServeOptions& options);

}  // namespace babillard
