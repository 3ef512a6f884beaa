#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

struct redisReply;

namespace babillard::redis {

// A Redis reply copied out of hiredis: no redisReply* escapes connection.cc.
struct Reply {
  enum class Type { kNil, kString, kStatus, kInteger, kArray, kError };
  Type type = Type::kNil;
  std::string str;  // kString, kStatus, kError
  int64_t integer = 0;
  std::vector<Reply> elements;  // kArray

  static Reply CopyFrom(const redisReply& reply);

  bool is_nil() const { return type == Type::kNil; }
  bool is_array() const { return type == Type::kArray; }
  // The string of a bulk or status reply; INTERNAL otherwise.
  absl::StatusOr<std::string> AsString() const;
  // The integer of an integer reply, or a bulk string holding one.
  absl::StatusOr<int64_t> AsInteger() const;
};

// What an error reply means for the caller, the one mapping of Redis errors
// to codes: OK for a reply that is no error; UNAVAILABLE for a server that
// cannot answer now (LOADING, READONLY after a failover, MASTERDOWN, BUSY:
// retry); RESOURCE_EXHAUSTED for OOM (maxmemory reached); FAILED_PRECONDITION
// for WRONGTYPE (a key holds something else: a human must look); INTERNAL
// for anything else (our bug).
absl::Status ErrorStatus(const Reply& reply);

}  // namespace babillard::redis
