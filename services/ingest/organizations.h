#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "babillard/v1/ingest.pb.h"
#include "services/common/client/authenticator.h"
#include "services/common/client/store_client.h"
#include "services/common/clock.h"
#include "services/common/ical/event_rules.h"

namespace babillard::ingest {

// The organizations that publish, and their bearer tokens: a token is shown
// once, when it is made, and only its SHA-256 is stored. Blocking (store
// calls); thread-safe.
class Organizations {
 public:
  // `region`: the municipalities an organization can be in.
  Organizations(StoreClient& store, const ical::NormalizeOptions& region, const Clock& clock)
      : store_(store), region_(region), clock_(clock) {}

  // Admin only. INVALID_ARGUMENT naming the field for a bad slug, name or
  // municipality (not the region's); ALREADY_EXISTS for a slug that is taken.
  absl::StatusOr<v1::CreateOrganizationResponse> Create(const Caller& caller,
                                                        const v1::Organization& organization);
  // The organization's new token; the previous one stops working at once.
  absl::StatusOr<v1::RotateTokenResponse> RotateToken(const Caller& caller,
                                                      const std::string& slug);
  // An admin sees every organization; a publisher its own.
  absl::StatusOr<std::vector<v1::Organization>> List(const Caller& caller);

 private:
  StoreClient& store_;
  const ical::NormalizeOptions& region_;
  const Clock& clock_;
};

}  // namespace babillard::ingest
