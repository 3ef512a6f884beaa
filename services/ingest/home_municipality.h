#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "services/common/client/authenticator.h"
#include "services/common/client/store_client.h"

namespace babillard::ingest {

// The municipality an organization's events are in when neither they nor
// the call name one: the organization's own (Organization.municipality, set
// when it was created). Known from the caller's token when it acts for
// itself, else read from the store; "" when the organization has none.
absl::StatusOr<std::string> HomeMunicipality(StoreClient& store, const Caller& caller,
                                             const std::string& organization);

}  // namespace babillard::ingest
