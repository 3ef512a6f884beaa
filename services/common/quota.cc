#include "services/common/quota.h"

#include "absl/strings/str_cat.h"
#include "services/common/string_view.h"

namespace babillard {

absl::Status CheckQuota(size_t have, size_t max, std::string_view what,
                        std::string_view organization) {
  if (have < max) return absl::OkStatus();
  return absl::ResourceExhaustedError(absl::StrCat("organization ", Av(organization), " has ", have,
                                                   " ", Av(what), ", the most one may keep (", max,
                                                   "); delete one first"));
}

}  // namespace babillard
