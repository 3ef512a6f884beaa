#include "services/store/redis_supervisor.h"

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace babillard::store {

absl::StatusOr<redis::Address> DiscoverPrimary(const Sentinels& sentinels) {
  std::vector<std::string> reasons;
  bool all_refused = !sentinels.addresses.empty();
  for (const redis::Address& sentinel : sentinels.addresses) {
    absl::StatusOr<std::unique_ptr<redis::Connection>> c =
        redis::Connection::Open(sentinel, absl::Milliseconds(500), sentinels.credentials);
    if (!c.ok()) {
      all_refused = all_refused && absl::IsPermissionDenied(c.status());
      reasons.push_back(std::string(c.status().message()));
      continue;
    }
    absl::StatusOr<redis::Reply> reply =
        (*c)->Run({"SENTINEL", "get-master-addr-by-name", sentinels.master_name});
    if (reply.ok() && reply->type == redis::Reply::Type::kError) {
      // NOAUTH: this Sentinel wants a password we were not given.
      all_refused = all_refused && absl::StartsWith(reply->str, "NOAUTH");
      reasons.push_back(absl::StrCat(sentinel.ToString(), ": ", reply->str));
      continue;
    }
    all_refused = false;
    if (!reply.ok()) {
      reasons.push_back(std::string(reply.status().message()));
      continue;
    }
    redis::Address address;
    if (!reply->is_array() || reply->elements.size() != 2 ||
        !absl::SimpleAtoi(reply->elements[1].str, &address.port)) {
      reasons.push_back(
          absl::StrCat(sentinel.ToString(), ": knows no primary named ", sentinels.master_name));
      continue;
    }
    address.host = reply->elements[0].str;
    return address;
  }
  const std::string message =
      absl::StrCat("no Sentinel gave the primary of ", sentinels.master_name, " (",
                   absl::StrJoin(reasons, "; "), ")");
  return all_refused ? absl::PermissionDeniedError(message) : absl::UnavailableError(message);
}

RedisSupervisor::RedisSupervisor(redis::ConnectionPool& pool, Sentinels sentinels,
                                 std::function<void(bool)> on_health, std::function<void()> on_down,
                                 absl::Duration period)
    : pool_(pool),
      sentinels_(std::move(sentinels)),
      on_health_(std::move(on_health)),
      on_down_(std::move(on_down)),
      period_(period),
      thread_([this] { Run(); }) {}

RedisSupervisor::~RedisSupervisor() {
  stop_.Notify();
  thread_.join();
}

void RedisSupervisor::Run() {
  bool last = true;
  do {
    if (!sentinels_.empty()) {
      absl::StatusOr<redis::Address> primary = DiscoverPrimary(sentinels_);
      if (primary.ok() && primary->ToString() != pool_.address().ToString())
        pool_.Retarget(*primary);
    }
    absl::StatusOr<redis::Reply> pong = pool_.Run({"PING"});
    const bool serving = pong.ok() && pong->str == "PONG";
    if (serving != last) on_health_(serving);
    if (!serving && on_down_) on_down_();
    last = serving;
  } while (!stop_.WaitForNotificationWithTimeout(period_));
}

}  // namespace babillard::store
