#include "services/store/redis_supervisor.h"

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace babillard::store {

absl::StatusOr<redis::Address> DiscoverPrimary(const std::vector<redis::Address>& sentinels,
                                               const std::string& master_name) {
  for (const redis::Address& sentinel : sentinels) {
    absl::StatusOr<std::unique_ptr<redis::Connection>> c =
        redis::Connection::Open(sentinel, absl::Milliseconds(500));
    if (!c.ok()) continue;
    absl::StatusOr<redis::Reply> reply =
        (*c)->Run({"SENTINEL", "get-master-addr-by-name", master_name});
    if (!reply.ok() || !reply->is_array() || reply->elements.size() != 2) continue;
    redis::Address address;
    address.host = reply->elements[0].str;
    if (!absl::SimpleAtoi(reply->elements[1].str, &address.port)) continue;
    return address;
  }
  return absl::UnavailableError(absl::StrCat("no Sentinel knows a primary for ", master_name));
}

RedisSupervisor::RedisSupervisor(redis::ConnectionPool& pool, std::vector<redis::Address> sentinels,
                                 std::string master_name, std::function<void(bool)> on_health,
                                 std::function<void()> on_down, absl::Duration period)
    : pool_(pool),
      sentinels_(std::move(sentinels)),
      master_name_(std::move(master_name)),
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
      absl::StatusOr<redis::Address> primary = DiscoverPrimary(sentinels_, master_name_);
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
