#include "services/ingest/organizations.h"

#include "absl/strings/str_cat.h"
#include "services/common/auth/token.h"
#include "services/common/grpc_status.h"
#include "services/common/status_macros.h"
#include "services/common/text_checks.h"
#include "services/ingest/region_fields.h"

namespace babillard::ingest {

absl::StatusOr<v1::CreateOrganizationResponse> Organizations::Create(
    const Caller& caller, const v1::Organization& input) {
  if (!caller.is_admin()) return absl::PermissionDeniedError("only an admin creates organizations");
  std::vector<FieldViolation> violations;
  if (!IsSlug(input.slug()))
    violations.push_back({"organization.slug", "must match [a-z0-9-]{1,64}"});
  if (input.name().empty()) violations.push_back({"organization.name", "required"});
  if (HasControl(input.name(), false))
    violations.push_back({"organization.name", "control characters are not allowed"});
  v1::Organization org = input;
  ResolveMunicipalityField(*org.mutable_municipality(), "organization.municipality", region_,
                           violations);
  if (!violations.empty()) return FieldViolationsError(violations);
  if (org.role() == v1::Organization::ROLE_UNSPECIFIED)
    org.set_role(v1::Organization::ROLE_PUBLISHER);
  org.set_created(absl::ToUnixSeconds(clock_.Now()));
  org.set_token_rotated(org.created());
  BABILLARD_ASSIGN_OR_RETURN(std::string token, auth::NewToken());
  BABILLARD_ASSIGN_OR_RETURN(
      v1::Organization stored,
      store_.PutOrganization(org, auth::Sha256Hex(token), /*create_only=*/true));
  v1::CreateOrganizationResponse response;
  *response.mutable_organization() = stored;
  response.set_token(token);
  return response;
}

absl::StatusOr<v1::RotateTokenResponse> Organizations::RotateToken(const Caller& caller,
                                                                   const std::string& requested) {
  BABILLARD_ASSIGN_OR_RETURN(std::string slug, ActingFor(caller, requested, "slug"));
  BABILLARD_RETURN_IF_ERROR(CheckCanWrite(caller, slug));
  BABILLARD_ASSIGN_OR_RETURN(v1::Organization org, store_.GetOrganization(slug));
  org.set_token_rotated(absl::ToUnixSeconds(clock_.Now()));
  BABILLARD_ASSIGN_OR_RETURN(std::string token, auth::NewToken());
  BABILLARD_ASSIGN_OR_RETURN(v1::Organization stored,
                             store_.PutOrganization(org, auth::Sha256Hex(token), false));
  v1::RotateTokenResponse response;
  *response.mutable_organization() = stored;
  response.set_token(token);
  return response;
}

absl::StatusOr<std::vector<v1::Organization>> Organizations::List(const Caller& caller) {
  if (!caller.is_admin()) {
    BABILLARD_ASSIGN_OR_RETURN(v1::Organization own, store_.GetOrganization(caller.organization));
    return std::vector<v1::Organization>{own};
  }
  return store_.ListOrganizations();
}

}  // namespace babillard::ingest
