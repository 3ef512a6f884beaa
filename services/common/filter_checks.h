#pragma once

#include <string>

#include "absl/status/status.h"
#include "babillard/v1/event.pb.h"

namespace babillard {

// INVALID_ARGUMENT naming the field (under `prefix`, e.g. "filter.") for a
// filter no reader takes: every list of slugs at most 50 values, tags and
// text bounded, statuses known, a window that ends after it starts. The
// same for ingest's ListEvents and publish's streams, webhooks and feeds.
absl::Status ValidateFilter(const v1::Filter& filter, const std::string& prefix);

}  // namespace babillard
