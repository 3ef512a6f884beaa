#pragma once

#include <gmock/gmock.h>

#include <ostream>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace babillard::testing {

inline const absl::Status& StatusOf(const absl::Status& status) { return status; }
template <typename T>
const absl::Status& StatusOf(const absl::StatusOr<T>& value) {
  return value.status();
}

// EXPECT_THAT(store.Put(...), IsOk());
MATCHER(IsOk, "is OK") {
  const absl::Status& status = StatusOf(arg);
  if (!status.ok()) *result_listener << "which is " << status;
  return status.ok();
}

// EXPECT_THAT(ingestor.Submit(...), StatusIs(absl::StatusCode::kInvalidArgument));
MATCHER_P(StatusIs, code,
          std::string(negation ? "has a code other than " : "has code ") +
              absl::StatusCodeToString(code)) {
  const absl::Status& status = StatusOf(arg);
  if (status.code() != code) *result_listener << "which is " << status;
  return status.code() == code;
}

// The same, and the message contains `text`.
MATCHER_P2(StatusIs, code, text,
           std::string(negation ? "is not " : "is ") + absl::StatusCodeToString(code) +
               " containing \"" + std::string(text) + "\"") {
  const absl::Status& status = StatusOf(arg);
  *result_listener << "which is " << status;
  return status.code() == code && status.message().find(text) != absl::string_view::npos;
}

}  // namespace babillard::testing
