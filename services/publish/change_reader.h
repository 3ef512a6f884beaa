#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "services/common/client/store_client.h"
#include "services/publish/change_log.h"

namespace babillard::publish {

// Changes after a cursor from wherever they still are: publish's own log
// for recent ones, the store's retained history for older ones (a resuming
// subscriber, a webhook that was failing, an integrator paging). Blocking;
// thread-safe.
class ChangeReader {
 public:
  ChangeReader(ChangeLog& log, StoreClient& store) : log_(log), store_(store) {}

  // Up to `max` changes after `after` ("" for the oldest retained), in
  // commit order; empty when caught up. FAILED_PRECONDITION when the store
  // has trimmed them too (the reader must start over from a snapshot).
  absl::StatusOr<std::vector<ChangePtr>> Read(const std::string& after, size_t max);

  ChangeLog& log() { return log_; }

 private:
  ChangeLog& log_;
  StoreClient& store_;
};

}  // namespace babillard::publish
