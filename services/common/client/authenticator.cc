#include "services/common/client/authenticator.h"

#include <openssl/crypto.h>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "services/common/auth/token.h"
#include "services/common/grpc_status.h"

namespace babillard {

absl::Status CheckCanWrite(const Caller& caller, const std::string& organization) {
  if (caller.is_admin() || caller.organization == organization) return absl::OkStatus();
  return absl::PermissionDeniedError(absl::StrCat("organization ", caller.organization,
                                                  " may not change ", organization, "'s data"));
}

absl::StatusOr<std::string> ActingFor(const Caller& caller, const std::string& requested,
                                      const std::string& field) {
  if (!caller.is_admin()) {
    if (!requested.empty() && requested != caller.organization) {
      return absl::PermissionDeniedError(
          absl::StrCat("organization ", caller.organization, " may not act for ", requested));
    }
    return caller.organization;
  }
  if (requested.empty()) {
    return BadRequestError(absl::StrCat(field, ": required"),
                           {{field, "an admin must name the organization"}});
  }
  return requested;
}

absl::StatusOr<Caller> Authenticator::Authenticate(const grpc::ServerContextBase& context) {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find("authorization");
  if (it == metadata.end())
    return absl::UnauthenticatedError("authorization: a bearer token is required");
  return Authenticate(std::string_view(it->second.data(), it->second.size()));
}

absl::StatusOr<Caller> Authenticator::Authenticate(std::string_view authorization) {
  absl::string_view header(authorization.data(), authorization.size());
  if (!absl::ConsumePrefix(&header, "Bearer ") || header.empty()) {
    return absl::UnauthenticatedError("authorization: expected \"Bearer <token>\"");
  }
  const std::string sha = auth::Sha256Hex(std::string_view(header.data(), header.size()));
  if (sha.size() == admin_sha256_.size() &&
      CRYPTO_memcmp(sha.data(), admin_sha256_.data(), sha.size()) == 0) {
    return Caller{"admin", v1::Organization::ROLE_ADMIN};
  }
  {
    absl::MutexLock lock(&mu_);
    auto it = cache_.find(sha);
    if (it != cache_.end() && it->second.second > clock_.Now()) return it->second.first;
  }
  absl::StatusOr<v1::Organization> org = store_.LookupToken(sha);
  if (!org.ok()) {
    if (absl::IsNotFound(org.status()))
      return absl::UnauthenticatedError("authorization: unknown token");
    return org.status();
  }
  Caller caller{org->slug(),
                org->role() == v1::Organization::ROLE_UNSPECIFIED ? v1::Organization::ROLE_PUBLISHER
                                                                  : org->role(),
                org->municipality()};
  absl::MutexLock lock(&mu_);
  if (cache_.size() > 10000) cache_.clear();
  cache_[sha] = {caller, clock_.Now() + cache_ttl_};
  return caller;
}

}  // namespace babillard
