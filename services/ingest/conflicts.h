#pragma once

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"

namespace babillard::ingest {

// A change of several events (an import, a merge, an unmerge, a split) reads
// them, works out what to write, and writes it all with the versions it read
// (StoreClient::PutBatch). When another write landed in between, the store
// refuses the whole batch (ABORTED) and nothing is lost: the change is worked
// out again from a fresh read, so the write in between is kept and SEQUENCE
// moves past it. After kConflictAttempts the caller gets ABORTED.
inline constexpr int kConflictAttempts = 5;

inline const absl::Status& StatusOf(const absl::Status& s) { return s; }
template <typename T>
const absl::Status& StatusOf(const absl::StatusOr<T>& s) {
  return s.status();
}

// Runs `attempt` (which must read everything it writes) until it does not
// fail with ABORTED, at most kConflictAttempts times.
template <typename Attempt>
auto RetryOnConflict(Attempt attempt) -> decltype(attempt()) {
  decltype(attempt()) result = attempt();
  for (int i = 1; i < kConflictAttempts && absl::IsAborted(StatusOf(result)); ++i) {
    result = attempt();
  }
  if (absl::IsAborted(StatusOf(result))) {
    return absl::AbortedError(
        absl::StrCat("the events this change touches kept changing while it "
                     "was written (",
                     kConflictAttempts, " attempts); try again"));
  }
  return result;
}

}  // namespace babillard::ingest
