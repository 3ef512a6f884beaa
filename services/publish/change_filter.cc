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
