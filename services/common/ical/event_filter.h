#pragma once

#include "babillard/v1/event.pb.h"
#include "services/common/ical/limits.h"

namespace babillard::ical {

// Whether `event` is selected by `filter`, the one rule the store's queries,
// publish's feeds, change streams and webhooks all apply. Every set criterion
// must hold; values within one criterion are alternatives: organization,
// municipality, a category, a tag, a status, a case-insensitive substring of
// the title in either language. A window (from/to, epoch seconds, 0: open)
// selects the events with an occurrence overlapping it, expanded under
// `limits` (a rule too dense to expand is not selected), or with `by_start`
// the events whose first start is in it. Visibility is the caller's business:
// public feeds and streams also require a public event.
bool Matches(const v1::Event& event, const v1::Filter& filter, const Limits& limits);

}  // namespace babillard::ical
