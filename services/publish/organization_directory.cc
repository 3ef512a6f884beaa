#include "services/publish/organization_directory.h"

namespace babillard::publish {

bool OrganizationDirectory::Contains(const std::string& slug) const {
  absl::MutexLock lock(&mu_);
  return slugs_.contains(slug);
}

void OrganizationDirectory::ReplaceAll(const std::vector<v1::Organization>& organizations) {
  absl::flat_hash_set<std::string> fresh;
  for (const v1::Organization& o : organizations) fresh.insert(o.slug());
  absl::MutexLock lock(&mu_);
  slugs_.swap(fresh);
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
