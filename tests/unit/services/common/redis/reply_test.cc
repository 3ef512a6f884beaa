#include "services/common/redis/reply.h"

#include <gtest/gtest.h>

namespace babillard::redis {
namespace {

Reply Error(const std::string& text) {
  Reply r;
  r.type = Reply::Type::kError;
  r.str = text;
  return r;
}

TEST(ErrorStatus, MapsEachKindOfRedisErrorToTheCodeACallerActsOn) {
  EXPECT_TRUE(ErrorStatus(Reply()).ok()) << "a nil reply is no error";
  Reply value;
  value.type = Reply::Type::kString;
  value.str = "OOM is just text here";
  EXPECT_TRUE(ErrorStatus(value).ok());
  EXPECT_TRUE(absl::IsResourceExhausted(
      ErrorStatus(Error("OOM command not allowed when used memory > 'maxmemory'."))));
  for (const char* busy :
       {"LOADING Redis is loading the dataset in memory",
        "READONLY You can't write against a read only replica.",
        "MASTERDOWN Link with MASTER is down", "BUSY Redis is busy running a script"}) {
    EXPECT_TRUE(absl::IsUnavailable(ErrorStatus(Error(busy)))) << busy;
  }
  absl::Status wrong =
      ErrorStatus(Error("WRONGTYPE Operation against a key holding the wrong kind"));
  EXPECT_TRUE(absl::IsFailedPrecondition(wrong));
  EXPECT_NE(wrong.message().find("wrong type"), absl::string_view::npos);
  EXPECT_TRUE(absl::IsInternal(ErrorStatus(Error("ERR unknown command 'FOO'"))));
}

}  // namespace
}  // namespace babillard::redis
