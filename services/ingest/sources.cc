#include "services/ingest/sources.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/common/client/url_guard.h"
#include "services/common/grpc_status.h"
#include "services/common/quota.h"
#include "services/common/status_macros.h"
#include "services/common/text_checks.h"
#include "services/ingest/region_fields.h"

namespace babillard::ingest {
namespace {

constexpr int kDefaultPollSeconds = 3600;
constexpr int kMinPollSeconds = 60;

}  // namespace

absl::StatusOr<v1::Source> Sources::Add(const Caller& caller, const v1::Source& input) {
  v1::Source source = input;
  // A publisher naming another organization is refused, not ignored.
  BABILLARD_ASSIGN_OR_RETURN(std::string org,
                             ActingFor(caller, input.organization(), "source.organization"));
  source.set_organization(org);
  BABILLARD_RETURN_IF_ERROR(CheckCanWrite(caller, source.organization()));
  std::string url = source.url();
  if (absl::StartsWithIgnoreCase(url, "webcal://")) url = "https://" + url.substr(9);
  std::vector<FieldViolation> violations;
  const bool http =
      absl::StartsWithIgnoreCase(url, "https://") || absl::StartsWithIgnoreCase(url, "http://");
  if (url.empty()) {
    violations.push_back({"source.url", "required"});
  } else if (!http) {
    violations.push_back({"source.url", "must be an http, https or webcal URL"});
  } else {
    const size_t authority = url.find("://") + 3;
    const std::string host_part = url.substr(authority, url.find('/', authority) - authority);
    if (host_part.find('@') != std::string::npos)
      violations.push_back({"source.url", "must not carry credentials"});
  }
  if (HasControl(url, false) || url.find(' ') != std::string::npos || url.size() > 2048) {
    violations.push_back({"source.url", "malformed"});
  }
  ResolveMunicipalityField(*source.mutable_default_municipality(), "source.default_municipality",
                           region_, violations);
  ResolveCategoryFields(*source.mutable_default_categories(), "source.default_categories", region_,
                        violations);
  if (!violations.empty()) return FieldViolationsError(violations);
  // Refused now rather than at the first poll; a host that does not resolve
  // yet is accepted (its health will say so), and every fetch checks again.
  if (absl::Status s =
          CheckFetchableUrl(url, "source.url", allow_loopback_,
                            /*must_resolve=*/false, "babillard-ingest --allow-loopback-sources");
      !s.ok()) {
    return s;
  }
  absl::MutexLock quota(&create_mu_);
  BABILLARD_ASSIGN_OR_RETURN(std::vector<v1::Source> existing,
                             store_.ListSources(source.organization()));
  BABILLARD_RETURN_IF_ERROR(
      CheckQuota(existing.size(), kMaxSourcesPerOrganization, "sources", source.organization()));
  source.set_url(url);
  source.clear_id();
  if (source.poll_interval_seconds() == 0) source.set_poll_interval_seconds(kDefaultPollSeconds);
  source.set_poll_interval_seconds(std::max(source.poll_interval_seconds(), kMinPollSeconds));
  if (source.mode() == v1::Source::MODE_UNSPECIFIED)
    source.set_mode(v1::Source::MODE_FULL_SNAPSHOT);
  source.set_health(v1::Source::HEALTH_UNSPECIFIED);
  return store_.PutSource(source);
}

absl::StatusOr<std::vector<v1::Source>> Sources::List(const Caller& caller) {
  return store_.ListSources(caller.is_admin() ? "" : caller.organization);
}

absl::Status Sources::Remove(const Caller& caller, const std::string& id) {
  BABILLARD_ASSIGN_OR_RETURN(v1::Source source, store_.GetSource(id));
  BABILLARD_RETURN_IF_ERROR(CheckCanWrite(caller, source.organization()));
  return store_.DeleteSource(id);
}

}  // namespace babillard::ingest
