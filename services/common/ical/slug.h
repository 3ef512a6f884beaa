#pragma once

#include <string>
#include <string_view>

namespace babillard::ical {

// "Fête au village" -> "fete-au-village": lowercase ASCII, accents folded, at
// most 64 bytes. Category slugs, municipalities and duplicate keys compare so.
std::string Slugify(std::string_view text);

}  // namespace babillard::ical
