#pragma once

#include <optional>
#include <string_view>

namespace babillard::ical {

// IANA zone for a Windows zone name as Outlook and Exchange write it
// ("Eastern Standard Time") or for its display name ("(UTC-05:00) Eastern
// Time (US & Canada)"), after CLDR's windowsZones.xml (territory 001).
std::optional<std::string_view> WindowsZoneToIana(std::string_view name);

}  // namespace babillard::ical
