#pragma once

#include <string>

#include "absl/flags/declare.h"
#include "absl/status/statusor.h"
#include "services/common/region/region.h"

// --region: the region file every service reads (one definition, so that
// the services cannot disagree on its name or default).
ABSL_DECLARE_FLAG(std::string, region);

namespace babillard {

// The region --region names, loaded and checked.
absl::StatusOr<Region> RegionFromFlag();

}  // namespace babillard
