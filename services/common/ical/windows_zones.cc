#include "services/common/ical/windows_zones.h"

#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/string_view.h"

namespace babillard::ical {
namespace {

// Lower-cased keys; "&" spelled "and" (exporters write both).
const absl::flat_hash_map<std::string, std::string_view>& Table() {
  static const auto* table = new absl::flat_hash_map<std::string, std::string_view>{
      // CLDR windowsZones, territory 001.
      {"dateline standard time", "Etc/GMT+12"},
      {"utc-11", "Etc/GMT+11"},
      {"hawaiian standard time", "Pacific/Honolulu"},
      {"alaskan standard time", "America/Anchorage"},
      {"pacific standard time (mexico)", "America/Tijuana"},
      {"pacific standard time", "America/Los_Angeles"},
      {"us mountain standard time", "America/Phoenix"},
      {"mountain standard time (mexico)", "America/Mazatlan"},
      {"mountain standard time", "America/Denver"},
      {"central america standard time", "America/Guatemala"},
      {"central standard time", "America/Chicago"},
      {"central standard time (mexico)", "America/Mexico_City"},
      {"canada central standard time", "America/Regina"},
      {"sa pacific standard time", "America/Bogota"},
      {"eastern standard time", "America/New_York"},
      {"eastern standard time (mexico)", "America/Cancun"},
      {"us eastern standard time", "America/Indiana/Indianapolis"},
      {"venezuela standard time", "America/Caracas"},
      {"atlantic standard time", "America/Halifax"},
      {"sa western standard time", "America/La_Paz"},
      {"pacific sa standard time", "America/Santiago"},
      {"newfoundland standard time", "America/St_Johns"},
      {"e. south america standard time", "America/Sao_Paulo"},
      {"argentina standard time", "America/Buenos_Aires"},
      {"sa eastern standard time", "America/Cayenne"},
      {"greenland standard time", "America/Godthab"},
      {"montevideo standard time", "America/Montevideo"},
      {"utc-02", "Etc/GMT+2"},
      {"azores standard time", "Atlantic/Azores"},
      {"cape verde standard time", "Atlantic/Cape_Verde"},
      {"utc", "UTC"},
      {"coordinated universal time", "UTC"},
      {"gmt standard time", "Europe/London"},
      {"greenwich standard time", "Atlantic/Reykjavik"},
      {"morocco standard time", "Africa/Casablanca"},
      {"w. europe standard time", "Europe/Berlin"},
      {"central europe standard time", "Europe/Budapest"},
      {"romance standard time", "Europe/Paris"},
      {"central european standard time", "Europe/Warsaw"},
      {"w. central africa standard time", "Africa/Lagos"},
      {"jordan standard time", "Asia/Amman"},
      {"gtb standard time", "Europe/Bucharest"},
      {"middle east standard time", "Asia/Beirut"},
      {"egypt standard time", "Africa/Cairo"},
      {"south africa standard time", "Africa/Johannesburg"},
      {"fle standard time", "Europe/Kiev"},
      {"israel standard time", "Asia/Jerusalem"},
      {"e. europe standard time", "Europe/Chisinau"},
      {"turkey standard time", "Europe/Istanbul"},
      {"arabic standard time", "Asia/Baghdad"},
      {"arab standard time", "Asia/Riyadh"},
      {"russian standard time", "Europe/Moscow"},
      {"e. africa standard time", "Africa/Nairobi"},
      {"iran standard time", "Asia/Tehran"},
      {"arabian standard time", "Asia/Dubai"},
      {"azerbaijan standard time", "Asia/Baku"},
      {"afghanistan standard time", "Asia/Kabul"},
      {"pakistan standard time", "Asia/Karachi"},
      {"west asia standard time", "Asia/Tashkent"},
      {"india standard time", "Asia/Kolkata"},
      {"sri lanka standard time", "Asia/Colombo"},
      {"nepal standard time", "Asia/Katmandu"},
      {"central asia standard time", "Asia/Almaty"},
      {"bangladesh standard time", "Asia/Dhaka"},
      {"myanmar standard time", "Asia/Rangoon"},
      {"se asia standard time", "Asia/Bangkok"},
      {"china standard time", "Asia/Shanghai"},
      {"singapore standard time", "Asia/Singapore"},
      {"taipei standard time", "Asia/Taipei"},
      {"w. australia standard time", "Australia/Perth"},
      {"tokyo standard time", "Asia/Tokyo"},
      {"korea standard time", "Asia/Seoul"},
      {"cen. australia standard time", "Australia/Adelaide"},
      {"aus central standard time", "Australia/Darwin"},
      {"e. australia standard time", "Australia/Brisbane"},
      {"aus eastern standard time", "Australia/Sydney"},
      {"tasmania standard time", "Australia/Hobart"},
      {"west pacific standard time", "Pacific/Port_Moresby"},
      {"new zealand standard time", "Pacific/Auckland"},
      {"fiji standard time", "Pacific/Fiji"},
      {"tonga standard time", "Pacific/Tongatapu"},
      {"samoa standard time", "Pacific/Apia"},
      // Display names, without their "(UTC±hh:mm) " prefix.
      {"eastern time (us and canada)", "America/New_York"},
      {"central time (us and canada)", "America/Chicago"},
      {"mountain time (us and canada)", "America/Denver"},
      {"pacific time (us and canada)", "America/Los_Angeles"},
      {"atlantic time (canada)", "America/Halifax"},
      {"newfoundland", "America/St_Johns"},
      {"saskatchewan", "America/Regina"},
      {"arizona", "America/Phoenix"},
      {"alaska", "America/Anchorage"},
      {"hawaii", "Pacific/Honolulu"},
      {"amsterdam, berlin, bern, rome, stockholm, vienna", "Europe/Berlin"},
      {"brussels, copenhagen, madrid, paris", "Europe/Paris"},
      {"dublin, edinburgh, lisbon, london", "Europe/London"},
      {"belgrade, bratislava, budapest, ljubljana, prague", "Europe/Budapest"},
      {"sarajevo, skopje, warsaw, zagreb", "Europe/Warsaw"},
      {"athens, bucharest", "Europe/Bucharest"},
      {"helsinki, kyiv, riga, sofia, tallinn, vilnius", "Europe/Kiev"},
      {"moscow, st. petersburg", "Europe/Moscow"},
      {"osaka, sapporo, tokyo", "Asia/Tokyo"},
      {"beijing, chongqing, hong kong, urumqi", "Asia/Shanghai"},
      {"canberra, melbourne, sydney", "Australia/Sydney"},
      {"auckland, wellington", "Pacific/Auckland"},
  };
  return *table;
}

}  // namespace

std::optional<std::string_view> WindowsZoneToIana(std::string_view name) {
  std::string key = absl::AsciiStrToLower(
      absl::StripAsciiWhitespace(absl::string_view(name.data(), name.size())));
  // "(UTC-05:00) Eastern Time (US & Canada)" -> "eastern time (us and canada)"
  if (key.starts_with("(utc") || key.starts_with("(gmt")) {
    size_t close = key.find(") ");
    if (close != std::string::npos) key = key.substr(close + 2);
  }
  key = absl::StrReplaceAll(key, {{"&", "and"}});
  const auto& table = Table();
  if (auto it = table.find(key); it != table.end()) return it->second;
  return std::nullopt;
}

}  // namespace babillard::ical
