#pragma once

#include <cstddef>
#include <string_view>

#include "absl/status/status.h"

namespace babillard {

// What one organization may keep of each thing it creates: each webhook is a
// delivery stream, each source a poll, each named feed a cached build.
inline constexpr size_t kMaxWebhooksPerOrganization = 20;
inline constexpr size_t kMaxSourcesPerOrganization = 20;
inline constexpr size_t kMaxNamedFeedsPerOrganization = 50;

// RESOURCE_EXHAUSTED when `organization` already has `have` of `what`
// ("webhooks") and may keep at most `max`.
absl::Status CheckQuota(size_t have, size_t max, std::string_view what,
                        std::string_view organization);

}  // namespace babillard
