// RedisRegistry's webhooks: records, secrets, cursors and recent deliveries.
#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "services/common/status_macros.h"
#include "services/store/redis_registry.h"
#include "services/store/registry_records.h"

namespace babillard::store {
namespace {

// Recent deliveries kept per webhook (ListDeliveries' most).
constexpr int kKeptDeliveries = 100;

}  // namespace

absl::StatusOr<v1::Webhook> RedisRegistry::PutWebhook(const v1::Webhook& webhook,
                                                      const std::string& secret,
                                                      const std::string& previous,
                                                      int64_t previous_until) {
  v1::Webhook w = webhook;
  w.clear_secret();  // kept under its own key, never inside the record that lists return
  if (w.id().empty()) {
    BABILLARD_ASSIGN_OR_RETURN(std::string id, NextId("wh"));
    w.set_id(id);
  }
  std::vector<std::vector<std::string>> commands = {
      {"SET", prefix_ + "wh:" + w.id(), w.SerializeAsString()}, {"SADD", prefix_ + "whs", w.id()}};
  if (!secret.empty()) {
    commands.push_back({"SET", prefix_ + "wh-secret:" + w.id(), secret});
    // The old secret of a rotation goes by itself when its overlap ends.
    if (previous.empty()) {
      commands.push_back({"DEL", prefix_ + "wh-secret-prev:" + w.id()});
    } else {
      commands.push_back({"SET", prefix_ + "wh-secret-prev:" + w.id(), previous, "EXAT",
                          std::to_string(previous_until)});
    }
  }
  BABILLARD_RETURN_IF_ERROR(Transaction(commands).status());
  return w;
}

absl::StatusOr<v1::Webhook> RedisRegistry::GetWebhook(const std::string& id) {
  BABILLARD_ASSIGN_OR_RETURN(std::string bytes, Get(prefix_ + "wh:" + id));
  return ParseRecord<v1::Webhook>(bytes);
}

absl::StatusOr<std::vector<v1::Webhook>> RedisRegistry::ListWebhooks(
    const std::string& organization, bool include_secrets) {
  BABILLARD_ASSIGN_OR_RETURN(std::vector<std::string> ids, Members(prefix_ + "whs"));
  std::vector<v1::Webhook> out;
  if (ids.empty()) return out;
  // One round trip for every record (and its secrets), however many: the
  // dispatcher reads them all every couple of seconds.
  const size_t per = include_secrets ? 3 : 1;
  std::vector<std::vector<std::string>> reads;
  reads.reserve(ids.size() * per);
  for (const std::string& id : ids) {
    reads.push_back({"GET", prefix_ + "wh:" + id});
    if (include_secrets) {
      reads.push_back({"GET", prefix_ + "wh-secret:" + id});
      reads.push_back({"GET", prefix_ + "wh-secret-prev:" + id});
    }
  }
  BABILLARD_ASSIGN_OR_RETURN(redis::ConnectionPool::Lease lease, pool_.Acquire());
  absl::StatusOr<std::vector<redis::Reply>> replies = (lease)->Pipeline(reads);
  if (!replies.ok()) {
    pool_.ReportFailure();
    return replies.status();
  }
  for (size_t i = 0; i < ids.size(); ++i) {
    const redis::Reply* got = &(*replies)[i * per];
    const auto text = [](const redis::Reply& r) { return r.type == redis::Reply::Type::kString; };
    if (!text(got[0])) continue;  // deleted meanwhile (nil), or not a record
    absl::StatusOr<v1::Webhook> w = ParseRecord<v1::Webhook>(got[0].str);
    if (!w.ok() || (!organization.empty() && w->organization() != organization)) continue;
    if (include_secrets) {
      if (text(got[1])) w->set_secret(got[1].str);
      if (text(got[2])) w->set_previous_secret(got[2].str);
    }
    out.push_back(*std::move(w));
  }
  return out;
}

absl::Status RedisRegistry::DeleteWebhook(const std::string& id) {
  return Transaction({{"DEL", prefix_ + "wh:" + id},
                      {"DEL", prefix_ + "wh-secret:" + id},
                      {"DEL", prefix_ + "wh-secret-prev:" + id},
                      {"DEL", prefix_ + "dlv:" + id},
                      {"SREM", prefix_ + "whs", id}})
      .status();
}

absl::StatusOr<v1::Webhook> RedisRegistry::AdvanceWebhookCursor(const std::string& id,
                                                                const std::string& expected_cursor,
                                                                const std::string& cursor) {
  v1::Webhook result;
  absl::Status status = Update(prefix_ + "wh:" + id, [&](std::string& value, auto&) {
    BABILLARD_ASSIGN_OR_RETURN(v1::Webhook w, ParseRecord<v1::Webhook>(value));
    if (w.cursor() != expected_cursor) {
      return absl::AbortedError(
          absl::StrCat("webhook ", id, " cursor is ", w.cursor(), ", not ", expected_cursor));
    }
    w.set_cursor(cursor);
    w.set_consecutive_failures(0);
    value = w.SerializeAsString();
    result = w;
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return result;
}

absl::StatusOr<int> RedisRegistry::RecordDelivery(const std::string& webhook_id,
                                                  const v1::Delivery& delivery, bool disable,
                                                  const std::string& reason) {
  int failures = 0;
  absl::Status status = Update(prefix_ + "wh:" + webhook_id, [&](std::string& value, auto& extra) {
    BABILLARD_ASSIGN_OR_RETURN(v1::Webhook w, ParseRecord<v1::Webhook>(value));
    const bool ok = delivery.http_status() >= 200 && delivery.http_status() < 300;
    w.set_consecutive_failures(ok ? 0 : w.consecutive_failures() + 1);
    if (disable) {
      w.set_enabled(false);
      w.set_disabled_reason(reason);
    }
    failures = w.consecutive_failures();
    value = w.SerializeAsString();
    extra.push_back({"LPUSH", prefix_ + "dlv:" + webhook_id, delivery.SerializeAsString()});
    extra.push_back(
        {"LTRIM", prefix_ + "dlv:" + webhook_id, "0", std::to_string(kKeptDeliveries - 1)});
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return failures;
}

absl::StatusOr<std::vector<v1::Delivery>> RedisRegistry::ListDeliveries(
    const std::string& webhook_id, int limit) {
  limit = limit <= 0 ? 50 : std::min(limit, kKeptDeliveries);
  BABILLARD_ASSIGN_OR_RETURN(redis::Reply reply, pool_.Run({"LRANGE", prefix_ + "dlv:" + webhook_id,
                                                            "0", std::to_string(limit - 1)}));
  BABILLARD_RETURN_IF_ERROR(redis::ErrorStatus(reply));
  std::vector<v1::Delivery> out;
  for (const redis::Reply& r : reply.elements) {
    absl::StatusOr<v1::Delivery> d = ParseRecord<v1::Delivery>(r.str);
    if (d.ok()) out.push_back(*std::move(d));
  }
  return out;
}

}  // namespace babillard::store
