#include "services/publish/organization_directory.h"

#include <algorithm>
#include <tuple>

namespace babillard::publish {

bool OrganizationDirectory::Contains(const std::string& slug) const {
  absl::MutexLock lock(&mu_);
  return names_.contains(slug);
}

std::string OrganizationDirectory::Name(const std::string& slug) const {
  absl::MutexLock lock(&mu_);
  auto it = names_.find(slug);
  return it == names_.end() || it->second.empty() ? slug : it->second;
}

std::vector<std::pair<std::string, std::string>> OrganizationDirectory::All() const {
  std::vector<std::pair<std::string, std::string>> all;
  {
    absl::MutexLock lock(&mu_);
    for (const auto& [slug, name] : names_) all.push_back({slug, name.empty() ? slug : name});
  }
  std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) {
    return std::tie(a.second, a.first) < std::tie(b.second, b.first);
  });
  return all;
}

int64_t OrganizationDirectory::generation() const {
  absl::MutexLock lock(&mu_);
  return generation_;
}

void OrganizationDirectory::ReplaceAll(const std::vector<v1::Organization>& organizations) {
  absl::flat_hash_map<std::string, std::string> fresh;
  for (const v1::Organization& o : organizations) fresh[o.slug()] = o.name();
  absl::MutexLock lock(&mu_);
  if (fresh != names_ || !loaded_) ++generation_;
  names_.swap(fresh);
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
