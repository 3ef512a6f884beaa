#pragma once

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "services/publish/feed_handler.h"

namespace babillard::publish {

struct HttpServerOptions {
  std::string address = "127.0.0.1";
  int port = 8080;  // 0: any free port
  int threads = 2;
  // Requests with a larger header block or any body are refused (431/413).
  size_t max_header_bytes = 16 << 10;
  size_t max_body_bytes = 0;
  // An idle keep-alive connection is closed after this long (slowloris).
  int idle_seconds = 30;
};

// HTTP/1.1 on Boost.Beast (asynchronous, a few threads, keep-alive) in
// front of a FeedHandler.
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
