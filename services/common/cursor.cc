#include "services/common/cursor.h"

#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"

namespace babillard {

std::pair<int64_t, int64_t> SplitCursor(const std::string& cursor) {
  std::pair<int64_t, int64_t> out{0, 0};
  std::vector<std::string> parts = absl::StrSplit(cursor, '-');
  if (!parts.empty()) (void)absl::SimpleAtoi(parts[0], &out.first);
  if (parts.size() > 1) (void)absl::SimpleAtoi(parts[1], &out.second);
  return out;
}

int CompareCursors(const std::string& a, const std::string& b) {
  const auto x = SplitCursor(a), y = SplitCursor(b);
  return x < y ? -1 : (x > y ? 1 : 0);
}

}  // namespace babillard
