#include "services/common/ical/event_filter.h"

#include <algorithm>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/time/time.h"
#include "services/common/ical/recurrence.h"

namespace babillard::ical {
namespace {

template <typename List, typename Value>
bool AnyOf(const List& wanted, const Value& value) {
  return wanted.empty() || std::find(wanted.begin(), wanted.end(), value) != wanted.end();
}

template <typename List, typename Values>
bool Intersects(const List& wanted, const Values& values) {
  if (wanted.empty()) return true;
  return std::any_of(values.begin(), values.end(),
                     [&](const std::string& v) { return AnyOf(wanted, v); });
}

}  // namespace

bool Matches(const v1::Event& e, const v1::Filter& filter, const Limits& limits) {
  if (!AnyOf(filter.organizations(), e.organization())) return false;
  if (!AnyOf(filter.municipalities(), e.location().municipality())) return false;
  if (!Intersects(filter.categories(), e.categories())) return false;
  if (!Intersects(filter.tags(), e.tags())) return false;
  if (!AnyOf(filter.statuses(), static_cast<int>(e.status()))) return false;
  if (!filter.text().empty()) {
    const std::string needle = absl::AsciiStrToLower(filter.text());
    if (!absl::StrContains(absl::AsciiStrToLower(e.title().fr()), needle) &&
        !absl::StrContains(absl::AsciiStrToLower(e.title().en()), needle)) {
      return false;
    }
  }
  if (filter.from_seconds() <= 0 && filter.to_seconds() <= 0) return true;
  const absl::Time from = absl::FromUnixSeconds(filter.from_seconds());
  const absl::Time to =
      filter.to_seconds() > 0 ? absl::FromUnixSeconds(filter.to_seconds()) : absl::InfiniteFuture();
  if (filter.by_start()) {
    const absl::Time start = absl::FromUnixSeconds(e.start().utc_seconds());
    return from <= start && start < to;
  }
  absl::StatusOr<Expansion> x = ExpandOccurrences(e, from, to, limits);
  return x.ok() && !x->occurrences.empty();
}

}  // namespace babillard::ical
