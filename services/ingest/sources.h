#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "babillard/v1/event.pb.h"
#include "services/common/client/authenticator.h"
#include "services/common/client/store_client.h"
#include "services/common/ical/event_rules.h"

namespace babillard::ingest {

// The calendar URLs organizations register for babillard to follow (the
// poller, source_poller.h, does the following). A URL must be http, https or
// webcal, carry no credentials, and not reach a loopback, private or
// link-local address. Blocking (store calls, DNS); thread-safe.
class Sources {
 public:
  // `region`: the municipalities and categories a source's defaults can
  // name. `allow_loopback`: tests only, sources on 127.0.0.1 / ::1 may be
  // registered.
  Sources(StoreClient& store, const ical::NormalizeOptions& region, bool allow_loopback)
      : store_(store), region_(region), allow_loopback_(allow_loopback) {}

  // INVALID_ARGUMENT naming source.url, source.organization or a default the
  // region does not have; PERMISSION_DENIED
  // for a forbidden address or another organization's source.
  absl::StatusOr<v1::Source> Add(const Caller& caller, const v1::Source& source);
  // An admin sees every source; a publisher its own.
  absl::StatusOr<std::vector<v1::Source>> List(const Caller& caller);
  // Stops following a source; its events stay.
  absl::Status Remove(const Caller& caller, const std::string& id);

 private:
  // A count and the write it allows are one step: two creates at once in
  // this process cannot both take the last place under the quota.
  absl::Mutex create_mu_;
  StoreClient& store_;
  const ical::NormalizeOptions& region_;
  const bool allow_loopback_;
};

}  // namespace babillard::ingest
