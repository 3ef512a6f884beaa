#include "services/common/text_checks.h"

#include <algorithm>

namespace babillard {

bool IsSlug(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

bool HasControl(std::string_view text, bool multiline) {
  for (unsigned char c : text) {
    if (c == 0x7F) return true;
    if (c < 0x20 && !(multiline && (c == '\n' || c == '\r' || c == '\t'))) return true;
  }
  return false;
}

}  // namespace babillard
