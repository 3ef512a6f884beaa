#include "services/publish/named_feed_admin.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "services/common/quota.h"
#include "services/common/status_macros.h"

namespace babillard::publish {

absl::StatusOr<v1::NamedFeed> NamedFeedAdmin::Create(const Caller& caller, v1::NamedFeed feed) {
  BABILLARD_ASSIGN_OR_RETURN(std::string org,
                             ActingFor(caller, feed.organization(), "feed.organization"));
  feed.set_organization(org);
  feed.set_created(absl::ToUnixSeconds(clock_.Now()));
  BABILLARD_RETURN_IF_ERROR(ValidateNamedFeed(feed));
  absl::MutexLock quota(&create_mu_);
  BABILLARD_ASSIGN_OR_RETURN(v1::ListNamedFeedsResponse existing, List(caller));
  size_t owned = 0;
  for (const v1::NamedFeed& f : existing.feeds()) owned += f.organization() == org ? 1 : 0;
  BABILLARD_RETURN_IF_ERROR(CheckQuota(owned, kMaxNamedFeedsPerOrganization, "named feeds", org));
  internal::PutNamedFeedRequest put;
  *put.mutable_feed() = feed;
  put.set_create_only(true);
  BABILLARD_ASSIGN_OR_RETURN(v1::NamedFeed stored,
                             store_.Call(&internal::Store::StubInterface::PutNamedFeed, put));
  directory_.Put(stored);
  return stored;
}

absl::StatusOr<v1::ListNamedFeedsResponse> NamedFeedAdmin::List(const Caller& caller) {
  BABILLARD_ASSIGN_OR_RETURN(internal::ListNamedFeedsResponse all,
                             store_.Call(&internal::Store::StubInterface::ListNamedFeeds,
                                         internal::ListNamedFeedsRequest()));
  v1::ListNamedFeedsResponse visible;
  for (v1::NamedFeed& f : *all.mutable_feeds()) {
    if (caller.is_admin() || f.organization() == caller.organization) {
      *visible.add_feeds() = std::move(f);
    }
  }
  return visible;
}

absl::Status NamedFeedAdmin::Delete(const Caller& caller, const std::string& name) {
  internal::GetNamedFeedRequest get;
  get.set_name(name);
  absl::StatusOr<v1::NamedFeed> feed =
      store_.Call(&internal::Store::StubInterface::GetNamedFeed, get);
  if (absl::IsNotFound(feed.status())) {
    return absl::NotFoundError(absl::StrCat("no named feed \"", name, "\""));
  }
  BABILLARD_RETURN_IF_ERROR(feed.status());
  BABILLARD_RETURN_IF_ERROR(CheckCanWrite(caller, feed->organization()));
  internal::DeleteNamedFeedRequest request;
  request.set_name(name);
  BABILLARD_RETURN_IF_ERROR(
      store_.Call(&internal::Store::StubInterface::DeleteNamedFeed, request).status());
  directory_.Remove(name);
  return absl::OkStatus();
}

}  // namespace babillard::publish
