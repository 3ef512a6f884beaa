#pragma once

#include <string_view>

#include "absl/strings/string_view.h"

namespace babillard {

// Debian 12's abseil has its own string_view type, which std::string_view
// does not convert to (TOOLCHAIN.md); this bridges the two at absl calls.
inline absl::string_view Av(std::string_view s) { return absl::string_view(s.data(), s.size()); }
inline std::string_view Sv(absl::string_view s) { return std::string_view(s.data(), s.size()); }

}  // namespace babillard
