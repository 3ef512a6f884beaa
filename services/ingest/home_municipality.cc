#include "services/ingest/home_municipality.h"

namespace babillard::ingest {

absl::StatusOr<std::string> HomeMunicipality(StoreClient& store, const Caller& caller,
                                             const std::string& organization) {
  if (!caller.is_admin() && caller.organization == organization) return caller.municipality;
  absl::StatusOr<v1::Organization> org = store.GetOrganization(organization);
  if (absl::IsNotFound(org.status())) return std::string();  // no record, so no default
  if (!org.ok()) return org.status();
  return org->municipality();
}

}  // namespace babillard::ingest
