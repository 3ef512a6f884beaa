#pragma once

#include <string>

#include "absl/strings/string_view.h"

namespace babillard {

// Encodes every byte but RFC 3986's unreserved characters (A-Z a-z 0-9 - . _ ~).
std::string PercentEncode(absl::string_view s);
// Decodes %XX (a malformed escape stays as it is) and, as forms send it, + as a space.
std::string PercentDecode(absl::string_view s);

}  // namespace babillard
