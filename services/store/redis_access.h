#pragma once

#include "absl/status/status.h"
#include "services/common/redis/connection_pool.h"

namespace babillard::store {

// Run once at start, before anything else asks Redis: makes a wrong or
// missing password, or an ACL user without the store's commands and keys,
// a startup error that names the flag to fix, instead of every later call
// failing with a Redis error deep in a script.
absl::Status CheckRedisAccess(redis::ConnectionPool& pool, const std::string& key_prefix);

}  // namespace babillard::store
