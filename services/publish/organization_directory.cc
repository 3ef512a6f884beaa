#include "services/publish/organization_directory.h"

namespace babillard::publish {

std::optional<v1::Organization> OrganizationDirectory::Find(const std::string& slug) const {
  absl::MutexLock lock(&mu_);
  auto it = by_slug_.find(slug);
  if (it == by_slug_.end()) return std::nullopt;
  return it->second;
}

void OrganizationDirectory::ReplaceAll(const std::vector<v1::Organization>& organizations) {
  absl::flat_hash_map<std::string, v1::Organization> fresh;
  for (const v1::Organization& o : organizations) {
    v1::Organization& kept = fresh[o.slug()];
    kept.set_slug(o.slug());
    kept.set_name(o.name());
    kept.set_municipality(o.municipality());
  }
  absl::MutexLock lock(&mu_);
  by_slug_.swap(fresh);
  loaded_ = true;
}

bool OrganizationDirectory::loaded() const {
  absl::MutexLock lock(&mu_);
  return loaded_;
}

void OrganizationDirectory::Follow(StoreClient& store, absl::Duration refresh) {
  follower_.Start(refresh, [this, &store] {
    absl::StatusOr<internal::ListOrganizationsResponse> list = store.Call(
        &internal::Store::StubInterface::ListOrganizations, internal::ListOrganizationsRequest());
    if (list.ok()) ReplaceAll({list->organizations().begin(), list->organizations().end()});
  });
}

}  // namespace babillard::publish
