#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "google/protobuf/repeated_ptr_field.h"
#include "services/common/grpc_status.h"
#include "services/common/ical/event_rules.h"
#include "services/common/region/region.h"

namespace babillard::ingest {

// The region's zone and lists as the event rules take them.
void UseRegion(const Region& region, ical::NormalizeOptions& options);

// The region's lists applied to a field a caller set directly (an import's
// default municipality, a source's default categories, an organization's
// municipality): rewritten to the region's slug, or a violation naming
// `field` and listing the valid ones. Free tags are never checked here.
void ResolveMunicipalityField(std::string& municipality, const std::string& field,
                              const ical::NormalizeOptions& region,
                              std::vector<FieldViolation>& violations);
void ResolveCategoryFields(google::protobuf::RepeatedPtrField<std::string>& categories,
                           const std::string& field, const ical::NormalizeOptions& region,
                           std::vector<FieldViolation>& violations);

// A call's `default_municipality` and `default_categories` (import, submit
// of VEVENT text) resolved the same way; INVALID_ARGUMENT naming each bad one.
absl::Status ResolveCallDefaults(std::string& municipality,
                                 google::protobuf::RepeatedPtrField<std::string>& categories,
                                 const ical::NormalizeOptions& region);

}  // namespace babillard::ingest
