#include "services/publish/http_server.h"

#include <algorithm>
#include <boost/asio.hpp>
#include <boost/beast.hpp>
#include <chrono>
#include <optional>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace babillard::publish {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, FeedHandler& handler, WorkQueue& builds,
          const HttpServerOptions& options, std::unique_ptr<ConnectionLimits::Slot> slot,
          std::string peer, RateLimiter& rate)
      : stream_(std::move(socket)),
        handler_(handler),
        builds_(builds),
        options_(options),
        slot_(std::move(slot)),
        peer_(std::move(peer)),
        rate_(rate) {}

  void Start() {
    asio::dispatch(stream_.get_executor(),
                   beast::bind_front_handler(&Session::Read, shared_from_this()));
  }

 private:
  // A new connection's first request must arrive whole within the header
  // deadline (a slowloris sending a byte now and then is cut there); a
  // kept-alive connection waits for its next request up to the idle time.
  // One read per request either way: the 304 path pays nothing more.
  void Read() {
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(options_.max_header_bytes));
    parser_->body_limit(options_.max_body_bytes);
    stream_.expires_after(
        std::chrono::seconds(served_ ? options_.idle_seconds : options_.header_seconds));
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&Session::OnRead, shared_from_this()));
  }

  void OnRead(beast::error_code ec, std::size_t) {
    if (ec == http::error::end_of_stream) return Close();
    if (ec == http::error::header_limit)
      return Refuse(http::status::request_header_fields_too_large, "request too large\n");
    if (ec == http::error::body_limit)
      return Refuse(http::status::payload_too_large, "request too large\n");
    if (ec) return Close();
    const auto& message = parser_->get();
    HttpRequest request;
    request.method = std::string(message.method_string());
    request.target = std::string(message.target());
    request.if_none_match = std::string(message[http::field::if_none_match]);
    request.accept_encoding = std::string(message[http::field::accept_encoding]);
    request.if_modified_since = std::string(message[http::field::if_modified_since]);
    request.accept_language = std::string(message[http::field::accept_language]);
    request.cookie = std::string(message[http::field::cookie]);
    keep_alive_ = message.keep_alive();
    served_ = true;
    if (const absl::Duration wait = rate_.Take(peer_); wait > absl::ZeroDuration()) {
      return Refuse(http::status::too_many_requests,
                    absl::StrCat("too many requests from ", peer_, "; retry in ",
                                 absl::ToInt64Seconds(absl::Ceil(wait, absl::Seconds(1))), " s\n"),
                    absl::ToInt64Seconds(absl::Ceil(wait, absl::Seconds(1))));
    }
    if (!ServesPath(options_.paths, request.target)) {
      return Refuse(http::status::not_found, "not found\n");
    }
    HttpResponse r = handler_.Handle(request, FeedHandler::Mode::kCachedOnly);
    if (r.status == FeedHandler::kBuildNeeded) {
      // Built (or waited for) on a build thread; this one goes on with its
      // other connections, and the answer comes back to it.
      builds_.Submit([self = shared_from_this(), request]() {
        HttpResponse built = self->handler_.Handle(request);
        asio::post(self->stream_.get_executor(),
                   [self, request, built]() mutable { self->Answer(request, std::move(built)); });
      });
      return;
    }
    Answer(request, std::move(r));
  }

  void Answer(const HttpRequest& request, HttpResponse r) {
    const bool head = request.method == "HEAD";
    if (r.shared_body != nullptr) {
      // The cached bytes go out as they are: a span over them, kept alive by the write.
      auto response = std::make_shared<http::response<http::span_body<const char>>>(
          static_cast<http::status>(r.status), 11);
      Fill(*response, r);
      response->body() =
          http::span_body<const char>::value_type(r.shared_body->data(), r.shared_body->size());
      response->prepare_payload();
      Write(std::move(response), false, r.shared_body);
      return;
    }
    auto response = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(r.status), 11);
    Fill(*response, r);
    if (head && r.status == 200) {
      // HEAD: GET's headers, Content-Length of GET's body, no body.
      if (r.head_length.has_value()) {
        response->content_length(*r.head_length);
      } else {
        HttpRequest get = request;  // a small answer (/healthz, /metrics): asked again
        get.method = "GET";
        response->content_length(handler_.Handle(get, FeedHandler::Mode::kCachedOnly).size());
      }
    } else if (r.status != 304) {
      response->body() = std::move(r.body);
      response->prepare_payload();
    }
    Write(std::move(response), head, nullptr);
  }

  template <typename Response>
  void Fill(Response& response, const HttpResponse& r) {
    response.set(http::field::server, "babillard");
    for (const auto& [name, value] : r.headers) response.set(name, value);
    response.keep_alive(keep_alive_);
  }

  template <typename Body>
  void Write(std::shared_ptr<http::response<Body>> response, bool head,
             std::shared_ptr<const std::string> keep) {
    if (head) {
      auto serializer = std::make_shared<http::response_serializer<Body>>(*response);
      http::async_write_header(stream_, *serializer,
                               [self = shared_from_this(), response, serializer](
                                   beast::error_code ec, std::size_t) { self->OnWrite(ec); });
      return;
    }
    http::async_write(stream_, *response,
                      [self = shared_from_this(), response, keep](
                          beast::error_code ec, std::size_t) { self->OnWrite(ec); });
  }

  void OnWrite(beast::error_code ec) {
    if (ec || !keep_alive_) return Close();
    Read();
  }

  void Refuse(http::status status, std::string body, int64_t retry_after = 0) {
    auto response = std::make_shared<http::response<http::string_body>>(status, 11);
    response->set(http::field::content_type, "text/plain");
    if (retry_after > 0) response->set(http::field::retry_after, std::to_string(retry_after));
    response->body() = std::move(body);
    response->prepare_payload();
    response->keep_alive(false);
    keep_alive_ = false;
    Write(std::move(response), false, nullptr);
  }

  void Close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::empty_body>> parser_;
  FeedHandler& handler_;
  WorkQueue& builds_;
  const HttpServerOptions& options_;
  const std::unique_ptr<ConnectionLimits::Slot> slot_;
  const std::string peer_;
  RateLimiter& rate_;
  bool keep_alive_ = false;
  bool served_ = false;
};

}  // namespace

// One io_context per thread, connections dealt to them in turn (as nginx
// deals them to workers): a connection's handlers never hop threads, so no
// request pays a cross-thread wake-up (with one shared io_context, those
// wake-ups were most of a 304's cost). Feeds that must be built go to the
// build threads, so that a build after a change never holds up the other
// connections of the thread that received its request.
struct HttpServer::Impl {
  Impl(int n, const HttpServerOptions& o)
      : options(o),
        limits(o.max_connections, o.max_connections_per_address),
        rate(o.requests_per_second_per_address, o.requests_per_second_per_address * 4),
        builds(o.build_threads) {
    for (int i = 0; i < n; ++i) ios.push_back(std::make_unique<asio::io_context>(1));
    acceptor = std::make_unique<tcp::acceptor>(*ios[0]);
    retry = std::make_unique<asio::steady_timer>(*ios[0]);
  }
  std::vector<std::unique_ptr<asio::io_context>> ios;
  std::unique_ptr<tcp::acceptor> acceptor;
  std::unique_ptr<asio::steady_timer> retry;
  std::chrono::milliseconds backoff{0};
  size_t next = 0;
  FeedHandler* handler = nullptr;
  const HttpServerOptions options;
  ConnectionLimits limits;
  RateLimiter rate;
  std::vector<std::thread> threads;
  // Last: stopped first, its builds answering through the io_contexts above.
  WorkQueue builds;

  void Accept() {
    asio::io_context& io = *ios[next++ % ios.size()];
    acceptor->async_accept(io, [this](beast::error_code ec, tcp::socket socket) {
      if (!acceptor->is_open()) return;
      if (ec) {
        // Out of descriptors (EMFILE) or buffers: the connection stays in the
        // backlog, and accepting again at once would spin. Wait, longer each time.
        backoff = std::min(std::chrono::milliseconds(1000),
                           std::max(std::chrono::milliseconds(10), backoff * 2));
        retry->expires_after(backoff);
        retry->async_wait([this](beast::error_code wait) {
          if (!wait && acceptor->is_open()) Accept();
        });
        return;
      }
      backoff = std::chrono::milliseconds(0);
      beast::error_code peer_error;
      const tcp::endpoint peer = socket.remote_endpoint(peer_error);
      const std::string address = peer_error ? "" : peer.address().to_string();
      std::unique_ptr<ConnectionLimits::Slot> slot = peer_error ? nullptr : limits.Acquire(address);
      if (slot != nullptr) {
        std::make_shared<Session>(std::move(socket), *handler, builds, options, std::move(slot),
                                  address, rate)
            ->Start();
      } else {
        beast::error_code ignored;
        socket.close(ignored);  // over a cap: closed before anything is read
      }
      Accept();
    });
  }
};

bool ServesPath(HttpServerOptions::Paths paths, std::string_view target) {
  const std::string_view path = target.substr(0, target.find('?'));
  switch (paths) {
    case HttpServerOptions::Paths::kAll:
      return true;
    case HttpServerOptions::Paths::kAllButMetrics:
      return path != "/metrics";
    case HttpServerOptions::Paths::kOperations:
      return path == "/metrics" || path == "/healthz";
  }
  return false;
}

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(FeedHandler& handler,
                                                              HttpServerOptions options) {
  std::unique_ptr<HttpServer> server(new HttpServer());
  server->impl_ = std::make_unique<Impl>(std::max(1, options.threads), options);
  Impl& impl = *server->impl_;
  impl.handler = &handler;
  beast::error_code ec;
  const auto address = asio::ip::make_address(options.address, ec);
  if (ec) return absl::InvalidArgumentError(absl::StrCat("http: bad address ", options.address));
  tcp::endpoint endpoint(address, static_cast<unsigned short>(options.port));
  impl.acceptor->open(endpoint.protocol(), ec);
  impl.acceptor->set_option(asio::socket_base::reuse_address(true), ec);
  impl.acceptor->bind(endpoint, ec);
  if (ec)
    return absl::UnavailableError(absl::StrCat("http: cannot listen on ", options.address, ":",
                                               options.port, ": ", ec.message()));
  impl.acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return absl::UnavailableError(absl::StrCat("http: listen: ", ec.message()));
  server->port_ = impl.acceptor->local_endpoint().port();
  impl.Accept();
  for (auto& io : impl.ios) {
    impl.threads.emplace_back([io = io.get()] {
      auto work = asio::make_work_guard(*io);  // an idle thread waits for its next connection
      io->run();
    });
  }
  return server;
}

void HttpServer::Stop() {
  if (impl_ == nullptr) return;
  asio::post(*impl_->ios[0], [this] {
    beast::error_code ignored;
    impl_->acceptor->close(ignored);
    impl_->retry->cancel();
  });
  for (auto& io : impl_->ios) io->stop();
  for (auto& t : impl_->threads) t.join();
  impl_.reset();
}

HttpServer::~HttpServer() { Stop(); }

}  // namespace babillard::publish
