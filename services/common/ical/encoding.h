#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace babillard::ical {

// Offset of the first byte that is not part of well-formed UTF-8 (overlongs,
// surrogates and code points above U+10FFFF are ill-formed), or nullopt.
std::optional<size_t> FirstInvalidUtf8(std::string_view text);

// Decodes Windows-1252 (a superset of ISO-8859-1's printable range, as legacy
// municipal systems export) into UTF-8. INVALID_ARGUMENT naming the offset of
// the first byte Windows-1252 leaves undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D).
absl::StatusOr<std::string> Windows1252ToUtf8(std::string_view text);

// Length of the longest prefix of `text` no longer than `max_bytes` that does
// not end inside a UTF-8 sequence.
size_t Utf8PrefixLength(std::string_view text, size_t max_bytes);

}  // namespace babillard::ical
