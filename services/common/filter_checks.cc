#include "services/common/filter_checks.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "services/common/grpc_status.h"
#include "services/common/string_view.h"
#include "services/common/text_checks.h"

namespace babillard {

absl::Status ValidateFilter(const v1::Filter& filter, const std::string& prefix) {
  std::vector<FieldViolation> violations;
  const auto slugs = [&](const auto& list, const char* name) {
    if (list.size() > 50) {
      violations.push_back({prefix + name, absl::StrCat("at most 50 values, not ", list.size())});
      return;  // not one complaint per value
    }
    for (const std::string& s : list) {
      if (!IsSlug(s))
        violations.push_back(
            {prefix + name, absl::StrCat("\"", Av(s).substr(0, 64), s.size() > 64 ? "…" : "",
                                         "\" is not a slug ([a-z0-9-]{1,64})")});
    }
  };
  slugs(filter.municipalities(), "municipalities");
  slugs(filter.categories(), "categories");
  slugs(filter.organizations(), "organizations");
  if (filter.tags_size() > 50) {
    violations.push_back(
        {prefix + "tags", absl::StrCat("at most 50 values, not ", filter.tags_size())});
  } else {
    for (const std::string& t : filter.tags()) {
      if (t.empty() || t.size() > 64 || HasControl(t, false))
        violations.push_back({prefix + "tags", "1 to 64 printable characters"});
    }
  }
  if (filter.text().size() > 200 || HasControl(filter.text(), false)) {
    violations.push_back({prefix + "text", "at most 200 printable characters"});
  }
  for (int s : filter.statuses()) {
    if (!v1::Event::Status_IsValid(s) || s == 0)
      violations.push_back({prefix + "statuses", absl::StrCat("unknown status ", s)});
  }
  if (filter.from_seconds() < 0 || filter.to_seconds() < 0 ||
      (filter.to_seconds() > 0 && filter.to_seconds() <= filter.from_seconds())) {
    violations.push_back(
        {prefix + "to_seconds", "the window must be non-negative and end after it starts"});
  }
  if (violations.empty()) return absl::OkStatus();
  return FieldViolationsError(violations);
}

}  // namespace babillard
