#include "services/common/ical/duplicate_keys.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "services/common/ical/calendar_parser.h"

namespace babillard::ical {

std::string DuplicateBucket(const v1::Event& e) {
  return absl::StrCat(
      e.start().all_day() ? e.start().local() : std::to_string(e.start().utc_seconds()),
      e.start().all_day() ? "d" : "t");
}

std::vector<std::string> DuplicateKeys(const v1::Event& e) {
  std::vector<std::string> keys;
  const std::string bucket = DuplicateBucket(e);
  for (const std::string* title : {&e.title().fr(), &e.title().en()}) {
    const std::string slug = Slugify(*title);
    if (slug.empty()) continue;
    std::string key = absl::StrCat(bucket, "|", slug);
    if (std::find(keys.begin(), keys.end(), key) == keys.end()) keys.push_back(std::move(key));
  }
  return keys;
}

}  // namespace babillard::ical
