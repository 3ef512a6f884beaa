#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "services/common/redis/handles.h"
#include "services/common/redis/reply.h"

namespace babillard::redis {

// Where Redis listens: "unix:/path/redis.sock" or "host:port".
struct Address {
  std::string host;  // empty for a unix socket
  int port = 0;
  std::string unix_path;

  static absl::StatusOr<Address> Parse(std::string_view text);
  std::string ToString() const;
};

// Who we are to Redis: an ACL user (Redis 6+) and its password, sent with
// AUTH on every new connection. No password: no AUTH (the "default" user).
struct Credentials {
  std::string user;  // empty: "default"
  std::string password;

  bool empty() const { return password.empty(); }
};

// One hiredis context. Serves one caller at a time (not thread-safe); the
// pool hands each caller its own. After an I/O error the context is dead
// (hiredis' rule) and every call reconnects first.
class Connection {
 public:
  // Connects now (and authenticates); UNAVAILABLE when Redis cannot be
  // reached, PERMISSION_DENIED when it refuses the credentials. `timeout`
  // bounds connect and every read/write.
  static absl::StatusOr<std::unique_ptr<Connection>> Open(const Address& address,
                                                          absl::Duration timeout,
                                                          const Credentials& credentials = {});

  // Runs one command, binary-safe. A Redis error reply is returned as a
  // Reply of type kError, not as a Status; UNAVAILABLE on I/O failure.
  absl::StatusOr<Reply> Run(absl::Span<const std::string> args);
  // Sends all commands, then reads all replies (one round trip).
  absl::StatusOr<std::vector<Reply>> Pipeline(
      const std::vector<std::vector<std::string>>& commands);

  // Sets the socket timeout (a blocking XREAD needs more than BLOCK).
  absl::Status SetTimeout(absl::Duration timeout);
  bool broken() const { return broken_; }
  const Address& address() const { return address_; }

 private:
  Connection(Address address, absl::Duration timeout, Credentials credentials, ContextPtr context)
      : address_(std::move(address)),
        timeout_(timeout),
        credentials_(std::move(credentials)),
        context_(std::move(context)) {}
  absl::Status EnsureConnected();
  // Before a command: shortens the socket timeout to what the call being
  // served (CallScope) has left, or puts `timeout_` back.
  absl::Status FitToCall();
  // After a command that got no reply: DEADLINE_EXCEEDED if the call's own
  // deadline cut it short, else UNAVAILABLE with `what`.
  absl::Status Failed(std::string_view what);

  Address address_;
  absl::Duration timeout_;
  Credentials credentials_;
  ContextPtr context_;
  bool broken_ = false;
  bool fitted_ = false;  // the socket timeout is a call's, not timeout_
};

}  // namespace babillard::redis
