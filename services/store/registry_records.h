#pragma once

#include <string>

#include "absl/status/statusor.h"

namespace babillard::store {

// A record the registry stored (a serialized proto), read back; INTERNAL
// when it no longer parses.
template <typename Proto>
absl::StatusOr<Proto> ParseRecord(const std::string& bytes) {
  Proto proto;
  if (!proto.ParseFromString(bytes))
    return absl::InternalError("the store holds an unreadable record");
  return proto;
}

}  // namespace babillard::store
