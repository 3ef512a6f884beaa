#include "services/store/redis_access.h"

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace babillard::store {

absl::Status CheckRedisAccess(redis::ConnectionPool& pool, const std::string& key_prefix) {
  const std::string where = pool.address().ToString();
  const std::string user = pool.user().empty() ? "default" : pool.user();
  absl::StatusOr<redis::Reply> pong = pool.Run({"PING"});
  if (absl::IsPermissionDenied(pong.status())) {
    return absl::PermissionDeniedError(
        absl::StrCat("--redis-user / --redis-password-file: ", pong.status().message()));
  }
  if (!pong.ok()) return pong.status();
  if (pong->type == redis::Reply::Type::kError) {
    if (absl::StartsWith(pong->str, "NOAUTH")) {
      return absl::FailedPreconditionError(absl::StrCat("--redis-password-file: Redis at ", where,
                                                        " requires a password and none was given"));
    }
    return absl::PermissionDeniedError(absl::StrCat(
        "--redis-user: Redis at ", where, " refused PING from user '", user, "': ", pong->str));
  }
  // The store reads and writes only keys under its prefix, from scripts and
  // transactions: one harmless command of each kind shows the ACL allows them.
  const std::string probe = key_prefix + "meta:access-check";
  const std::vector<std::vector<std::string>> probes = {
      {"SET", probe, "1", "PX", "60000"},
      {"EVAL", "return redis.call('GET', ARGV[1])", "0", probe},
      {"XLEN", probe},
      {"DEL", probe}};
  for (const std::vector<std::string>& command : probes) {
    absl::StatusOr<redis::Reply> reply = pool.Run(command);
    if (!reply.ok()) return reply.status();
    if (reply->type == redis::Reply::Type::kError && absl::StartsWith(reply->str, "NOPERM")) {
      return absl::PermissionDeniedError(absl::StrCat(
          "--redis-user: Redis at ", where, " does not let user '", user, "' run ", command[0],
          " on ", key_prefix, "*: ", reply->str, " (the store needs ~", key_prefix,
          "* and +@read +@write +@stream +@scripting "
          "+@transaction; see deploy/redis/acl-rules)"));
    }
  }
  return absl::OkStatus();
}

}  // namespace babillard::store
