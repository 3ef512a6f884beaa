#include "services/common/region/region_flag.h"

#include "absl/flags/flag.h"

ABSL_FLAG(std::string, region, babillard::DefaultRegionPath(),
          "The region served (protobuf text format, babillard.v1.Region): name, zone, "
          "languages, municipalities, categories, public URL");

namespace babillard {

absl::StatusOr<Region> RegionFromFlag() { return Region::Load(absl::GetFlag(FLAGS_region)); }

}  // namespace babillard
