#include "services/publish/change_filter.h"

#include <algorithm>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "services/common/grpc_status.h"
#include "services/common/ical/event_filter.h"
#include "services/common/text_checks.h"

namespace babillard::publish {
namespace {

template <typename List, typename Value>
bool AnyOf(const List& wanted, const Value& value) {
  return wanted.empty() || std::find(wanted.begin(), wanted.end(), value) != wanted.end();
}

}  // namespace

absl::Status ValidateFilter(const v1::Filter& filter, const std::string& prefix) {
  std::vector<FieldViolation> violations;
  const auto slugs = [&](const auto& list, const char* name) {
    if (list.size() > 50) violations.push_back({prefix + name, "at most 50 values"});
    for (const std::string& s : list) {
      if (!IsSlug(s))
        violations.push_back(
            {prefix + name, absl::StrCat("\"", s, "\" is not a slug ([a-z0-9-]{1,64})")});
    }
  };
  slugs(filter.municipalities(), "municipalities");
  slugs(filter.categories(), "categories");
  slugs(filter.organizations(), "organizations");
  if (filter.tags_size() > 50) violations.push_back({prefix + "tags", "at most 50 values"});
  for (const std::string& t : filter.tags()) {
    if (t.empty() || t.size() > 64 || HasControl(t, false))
      violations.push_back({prefix + "tags", "1 to 64 printable characters"});
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

bool EventMatches(const v1::Event& e, const v1::Filter& filter) {
  return e.visibility() != v1::Event::VISIBILITY_PRIVATE &&
         ical::Matches(e, filter, ical::Limits());
}

bool ChangeMatches(const v1::Change& change, const v1::Filter& filter, const Viewer& viewer) {
  if (change.kind() == v1::Change::KIND_SOURCE_FLAGGED) {
    const std::string& owner = change.source().organization();
    const bool allowed =
        viewer.admin || (!viewer.organization.empty() && viewer.organization == owner);
    return allowed && AnyOf(filter.organizations(), owner);
  }
  return change.has_event() && EventMatches(change.event(), filter);
}

}  // namespace babillard::publish
