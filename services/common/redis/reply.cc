#include "services/common/redis/reply.h"

#include <hiredis/hiredis.h>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace babillard::redis {

Reply Reply::CopyFrom(const redisReply& r) {
  Reply out;
  switch (r.type) {
    case REDIS_REPLY_STRING:
      out.type = Type::kString;
      out.str.assign(r.str, r.len);
      break;
    case REDIS_REPLY_STATUS:
      out.type = Type::kStatus;
      out.str.assign(r.str, r.len);
      break;
    case REDIS_REPLY_ERROR:
      out.type = Type::kError;
      out.str.assign(r.str, r.len);
      break;
    case REDIS_REPLY_INTEGER:
      out.type = Type::kInteger;
      out.integer = r.integer;
      break;
    case REDIS_REPLY_ARRAY:
      out.type = Type::kArray;
      out.elements.reserve(r.elements);
      for (size_t i = 0; i < r.elements; ++i) out.elements.push_back(CopyFrom(*r.element[i]));
      break;
    default:
      out.type = Type::kNil;
  }
  return out;
}

absl::Status ErrorStatus(const Reply& reply) {
  if (reply.type != Reply::Type::kError) return absl::OkStatus();
  const std::string& e = reply.str;
  if (absl::StartsWith(e, "WRONGTYPE")) {
    return absl::FailedPreconditionError(absl::StrCat("redis: a key has the wrong type: ", e));
  }
  if (absl::StartsWith(e, "OOM")) {
    return absl::ResourceExhaustedError(
        "the store is full (its memory limit is reached): writes are refused until an operator "
        "gives it more; reads go on");
  }
  if (absl::StartsWith(e, "LOADING") || absl::StartsWith(e, "READONLY") ||
      absl::StartsWith(e, "MASTERDOWN") || absl::StartsWith(e, "BUSY")) {
    return absl::UnavailableError(absl::StrCat("redis: ", e));
  }
  return absl::InternalError(absl::StrCat("redis: ", e));
}

absl::StatusOr<std::string> Reply::AsString() const {
  if (type == Type::kString || type == Type::kStatus) return str;
  return absl::InternalError("redis: expected a string reply");
}

absl::StatusOr<int64_t> Reply::AsInteger() const {
  if (type == Type::kInteger) return integer;
  int64_t value = 0;
  if (type == Type::kString && absl::SimpleAtoi(str, &value)) return value;
  return absl::InternalError("redis: expected an integer reply");
}

}  // namespace babillard::redis
