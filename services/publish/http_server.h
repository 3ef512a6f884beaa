#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "services/common/rate_limiter.h"
#include "services/common/work_queue.h"
#include "services/publish/connection_limits.h"
#include "services/publish/feed_handler.h"

namespace babillard::publish {

struct HttpServerOptions {
  std::string address = "127.0.0.1";
  int port = 8080;  // 0: any free port
  int threads = 2;
  // Threads that build feeds (and wait on builds), so that the I/O threads
  // go on answering their other connections meanwhile.
  int build_threads = 2;
  // Requests with a larger header block or any body are refused (431/413).
  size_t max_header_bytes = 16 << 10;
  size_t max_body_bytes = 0;
  // An idle keep-alive connection is closed after this long.
  int idle_seconds = 30;
  // A new connection's first request must arrive whole within this (slowloris).
  int header_seconds = 10;
  // Connections kept open, in all and from one IP address; past either, a
  // new connection is closed at once.
  size_t max_connections = 10000;
  size_t max_connections_per_address = 64;
  // Requests one IP address may make a second on average (four times that
  // at once); past it, 429 with Retry-After. 0: no limit, the right choice
  // behind a proxy, where every request comes from the proxy's address.
  double requests_per_second_per_address = 0;
  // Which paths this listener answers (the others get 404): the public one
  // can leave /metrics to a listener of its own (publish --metrics-http),
  // which answers only /metrics and /healthz.
  enum class Paths { kAll, kAllButMetrics, kOperations };
  Paths paths = Paths::kAll;
};

// Whether a listener serving `paths` answers `target` (a request target).
bool ServesPath(HttpServerOptions::Paths paths, std::string_view target);

// HTTP/1.1 on Boost.Beast (asynchronous, a few threads, keep-alive) in
// front of a FeedHandler, with connection caps (ConnectionLimits), a header
// deadline apart from the keep-alive idle time, and a backoff when accept
// fails.
class HttpServer {
 public:
  static absl::StatusOr<std::unique_ptr<HttpServer>> Start(FeedHandler& handler,
                                                           HttpServerOptions options);
  ~HttpServer();
  int port() const { return port_; }
  void Stop();

 private:
  HttpServer() = default;
  struct Impl;
  std::unique_ptr<Impl> impl_;
  int port_ = 0;
};

}  // namespace babillard::publish
