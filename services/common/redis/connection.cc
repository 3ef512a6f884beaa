#include "services/common/redis/connection.h"

#include <sys/time.h>

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "services/common/call_scope.h"
#include "services/common/status_macros.h"
#include "services/common/string_view.h"

namespace babillard::redis {
namespace {

// The password never appears in a message; the user and the server's reason do.
absl::Status Authenticate(redisContext* context, const Address& address,
                          const Credentials& credentials) {
  const std::string user = credentials.user.empty() ? "default" : credentials.user;
  const char* argv[] = {"AUTH", user.c_str(), credentials.password.c_str()};
  const size_t lengths[] = {4, user.size(), credentials.password.size()};
  ReplyPtr reply(static_cast<redisReply*>(redisCommandArgv(context, 3, argv, lengths)));
  if (reply == nullptr) {
    return absl::UnavailableError(
        absl::StrCat("redis: AUTH at ", address.ToString(), ": ", context->errstr));
  }
  if (reply->type == REDIS_REPLY_ERROR) {
    return absl::PermissionDeniedError(
        absl::StrCat("redis: ", address.ToString(), " refused AUTH as user '", user,
                     "': ", absl::string_view(reply->str, reply->len)));
  }
  return absl::OkStatus();
}

absl::StatusOr<ContextPtr> Connect(const Address& address, absl::Duration timeout,
                                   const Credentials& credentials) {
  const timeval tv = absl::ToTimeval(timeout);
  ContextPtr context(address.unix_path.empty()
                         ? redisConnectWithTimeout(address.host.c_str(), address.port, tv)
                         : redisConnectUnixWithTimeout(address.unix_path.c_str(), tv));
  if (context == nullptr) return absl::UnavailableError("redis: cannot allocate a context");
  if (context->err != 0) {
    return absl::UnavailableError(
        absl::StrCat("redis: connect to ", address.ToString(), ": ", context->errstr));
  }
  if (redisSetTimeout(context.get(), tv) != REDIS_OK) {
    return absl::UnavailableError("redis: cannot set the socket timeout");
  }
  if (!credentials.empty()) {
    BABILLARD_RETURN_IF_ERROR(Authenticate(context.get(), address, credentials));
  }
  return context;
}

}  // namespace

absl::StatusOr<Address> Address::Parse(std::string_view text) {
  Address address;
  if (text.starts_with("unix:")) {
    address.unix_path = std::string(text.substr(5));
    if (address.unix_path.empty())
      return absl::InvalidArgumentError("redis: empty unix socket path");
    return address;
  }
  size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("redis: \"", Av(text), "\" is not host:port or unix:PATH"));
  }
  address.host = std::string(text.substr(0, colon));
  if (address.host.size() > 2 && address.host.front() == '[' && address.host.back() == ']') {
    address.host = address.host.substr(1, address.host.size() - 2);
  }
  if (!absl::SimpleAtoi(Av(text.substr(colon + 1)), &address.port) || address.port <= 0 ||
      address.port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat("redis: bad port in \"", Av(text), "\""));
  }
  return address;
}

std::string Address::ToString() const {
  return unix_path.empty() ? absl::StrCat(host, ":", port) : absl::StrCat("unix:", unix_path);
}

absl::StatusOr<std::unique_ptr<Connection>> Connection::Open(const Address& address,
                                                             absl::Duration timeout,
                                                             const Credentials& credentials) {
  BABILLARD_ASSIGN_OR_RETURN(ContextPtr context, Connect(address, timeout, credentials));
  return std::unique_ptr<Connection>(
      new Connection(address, timeout, credentials, std::move(context)));
}

absl::Status Connection::EnsureConnected() {
  if (!broken_ && context_ != nullptr) return absl::OkStatus();
  BABILLARD_ASSIGN_OR_RETURN(ContextPtr context, Connect(address_, timeout_, credentials_));
  context_ = std::move(context);
  broken_ = false;
  fitted_ = false;
  return absl::OkStatus();
}

absl::Status Connection::FitToCall() {
  const absl::Time deadline = CallScope::Deadline();
  const absl::Duration left = deadline - absl::Now();
  if (left <= absl::ZeroDuration()) {
    return absl::DeadlineExceededError(
        "redis: the caller's deadline passed before the command was sent");
  }
  if (left < timeout_) {
    if (redisSetTimeout(context_.get(), absl::ToTimeval(left)) != REDIS_OK) {
      broken_ = true;
      return absl::UnavailableError("redis: cannot set the socket timeout");
    }
    fitted_ = true;
  } else if (fitted_) {
    fitted_ = false;
    return SetTimeout(timeout_);
  }
  return absl::OkStatus();
}

absl::Status Connection::Failed(std::string_view what) {
  broken_ = true;  // hiredis: a context that failed once must not be reused
  if (fitted_ && absl::Now() + absl::Milliseconds(10) >= CallScope::Deadline()) {
    return absl::DeadlineExceededError(
        absl::StrCat("redis: ", Av(what), ": no reply within the caller's deadline"));
  }
  return absl::UnavailableError(absl::StrCat("redis: ", Av(what), ": ", context_->errstr));
}

absl::Status Connection::SetTimeout(absl::Duration timeout) {
  timeout_ = timeout;
  fitted_ = false;
  if (context_ == nullptr || broken_) return absl::OkStatus();
  if (redisSetTimeout(context_.get(), absl::ToTimeval(timeout)) != REDIS_OK) {
    broken_ = true;
    return absl::UnavailableError("redis: cannot set the socket timeout");
  }
  return absl::OkStatus();
}

absl::StatusOr<Reply> Connection::Run(absl::Span<const std::string> args) {
  BABILLARD_RETURN_IF_ERROR(EnsureConnected());
  BABILLARD_RETURN_IF_ERROR(FitToCall());
  std::vector<const char*> argv;
  std::vector<size_t> lengths;  // binary-safe: user data never goes into a format string
  argv.reserve(args.size());
  lengths.reserve(args.size());
  for (const std::string& a : args) {
    argv.push_back(a.data());
    lengths.push_back(a.size());
  }
  ReplyPtr reply(static_cast<redisReply*>(redisCommandArgv(
      context_.get(), static_cast<int>(argv.size()), argv.data(), lengths.data())));
  if (reply == nullptr) return Failed(args.empty() ? "" : args.front());
  return Reply::CopyFrom(*reply);
}

absl::StatusOr<std::vector<Reply>> Connection::Pipeline(
    const std::vector<std::vector<std::string>>& commands) {
  BABILLARD_RETURN_IF_ERROR(EnsureConnected());
  BABILLARD_RETURN_IF_ERROR(FitToCall());
  for (const std::vector<std::string>& args : commands) {
    std::vector<const char*> argv;
    std::vector<size_t> lengths;
    for (const std::string& a : args) {
      argv.push_back(a.data());
      lengths.push_back(a.size());
    }
    if (redisAppendCommandArgv(context_.get(), static_cast<int>(argv.size()), argv.data(),
                               lengths.data()) != REDIS_OK) {
      broken_ = true;
      return absl::UnavailableError(absl::StrCat("redis: pipeline: ", context_->errstr));
    }
  }
  std::vector<Reply> replies;
  replies.reserve(commands.size());
  for (size_t i = 0; i < commands.size(); ++i) {
    void* raw = nullptr;
    if (redisGetReply(context_.get(), &raw) != REDIS_OK || raw == nullptr)
      return Failed("pipeline");
    ReplyPtr reply(static_cast<redisReply*>(raw));
    replies.push_back(Reply::CopyFrom(*reply));
  }
  return replies;
}

}  // namespace babillard::redis
