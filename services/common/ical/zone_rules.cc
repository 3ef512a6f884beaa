#include "services/common/ical/zone_rules.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <tuple>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "services/common/ical/field_status.h"
#include "services/common/ical/rule_lists.h"
#include "services/common/status_macros.h"

namespace babillard::ical {
namespace {

constexpr absl::string_view kField = "vtimezone";

absl::Status Refuse(const std::string& tzid, absl::string_view why) {
  return CalendarFieldError(absl::StatusCode::kInvalidArgument, kField,
                            absl::StrCat("TZID \"", tzid.substr(0, 64), "\": ", why));
}

absl::Status CheckRule(const std::string& tzid, const icalrecurrencetype& r, const Limits& limits) {
  if (r.freq != ICAL_YEARLY_RECURRENCE && r.freq != ICAL_MONTHLY_RECURRENCE) {
    return Refuse(
        tzid,
        absl::StrCat("RRULE FREQ=",
                     r.freq == ICAL_NO_RECURRENCE ? "(invalid)" : icalrecur_freq_to_string(r.freq),
                     "; a time zone's offsets change YEARLY or MONTHLY"));
  }
  if (r.interval < 1) return Refuse(tzid, "RRULE INTERVAL must be a positive integer");
  for (auto [name, list, capacity] : {std::tuple{"BYSECOND", r.by_second, ICAL_BY_SECOND_SIZE},
                                      std::tuple{"BYMINUTE", r.by_minute, ICAL_BY_MINUTE_SIZE},
                                      std::tuple{"BYHOUR", r.by_hour, ICAL_BY_HOUR_SIZE},
                                      std::tuple{"BYWEEKNO", r.by_week_no, ICAL_BY_WEEKNO_SIZE}}) {
    if (RuleListLength(list, capacity) > 0) {
      return Refuse(tzid, absl::StrCat("RRULE ", name, " is not allowed in a time zone's rule"));
    }
  }
  int64_t product = 1;
  for (auto [list, capacity] :
       {std::pair{r.by_month, ICAL_BY_MONTH_SIZE}, std::pair{r.by_month_day, ICAL_BY_MONTHDAY_SIZE},
        std::pair{r.by_day, ICAL_BY_DAY_SIZE}, std::pair{r.by_year_day, ICAL_BY_YEARDAY_SIZE},
        std::pair{r.by_set_pos, ICAL_BY_SETPOS_SIZE}}) {
    product *= std::max(1, RuleListLength(list, capacity));
  }
  if (product > limits.max_zone_rule_by_product) {
    return Refuse(tzid, absl::StrCat("RRULE BYxxx lists combine to ", product,
                                     " transitions per period; the limit is ",
                                     limits.max_zone_rule_by_product));
  }
  return absl::OkStatus();
}

absl::Status CheckObservance(const std::string& tzid, icalcomponent* observance,
                             const Limits& limits, int& rdates) {
  if (icalproperty* p = icalcomponent_get_first_property(observance, ICAL_DTSTART_PROPERTY)) {
    const icaltimetype start = icalproperty_get_dtstart(p);
    if (icaltime_is_null_time(start) || start.year < 1 || start.year > 9999) {
      return Refuse(tzid, "DTSTART of STANDARD/DAYLIGHT is not a valid date-time");
    }
  }
  for (icalproperty* p = icalcomponent_get_first_property(observance, ICAL_RRULE_PROPERTY);
       p != nullptr; p = icalcomponent_get_next_property(observance, ICAL_RRULE_PROPERTY)) {
    BABILLARD_RETURN_IF_ERROR(CheckRule(tzid, icalproperty_get_rrule(p), limits));
  }
  for (icalproperty* p = icalcomponent_get_first_property(observance, ICAL_RDATE_PROPERTY);
       p != nullptr; p = icalcomponent_get_next_property(observance, ICAL_RDATE_PROPERTY)) {
    // libical keeps "RDATE:a,b,c" as one property.
    const char* value = icalproperty_get_value_as_string(p);
    rdates +=
        1 + (value != nullptr ? static_cast<int>(std::count(value, value + std::strlen(value), ','))
                              : 0);
  }
  if (rdates > limits.max_zone_rdates) {
    return Refuse(tzid,
                  absl::StrCat("more than ", limits.max_zone_rdates, " RDATEs in one time zone"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status CheckTimeZoneRules(icalcomponent* calendar, const Limits& limits) {
  int zones = 0;
  for (icalcomponent* vtz = icalcomponent_get_first_component(calendar, ICAL_VTIMEZONE_COMPONENT);
       vtz != nullptr; vtz = icalcomponent_get_next_component(calendar, ICAL_VTIMEZONE_COMPONENT)) {
    if (++zones > limits.max_time_zones) {
      return CalendarFieldError(
          absl::StatusCode::kInvalidArgument, kField,
          absl::StrCat("more than ", limits.max_time_zones, " VTIMEZONEs in one calendar"));
    }
    icalproperty* id = icalcomponent_get_first_property(vtz, ICAL_TZID_PROPERTY);
    const char* tzid_text = id != nullptr ? icalproperty_get_tzid(id) : nullptr;
    const std::string tzid = tzid_text != nullptr ? tzid_text : "";
    int observances = 0, rdates = 0;
    for (icalcomponent* o = icalcomponent_get_first_component(vtz, ICAL_ANY_COMPONENT);
         o != nullptr; o = icalcomponent_get_next_component(vtz, ICAL_ANY_COMPONENT)) {
      const icalcomponent_kind kind = icalcomponent_isa(o);
      if (kind != ICAL_XSTANDARD_COMPONENT && kind != ICAL_XDAYLIGHT_COMPONENT) continue;
      if (++observances > limits.max_zone_observances) {
        return Refuse(tzid, absl::StrCat("more than ", limits.max_zone_observances,
                                         " STANDARD/DAYLIGHT parts"));
      }
      BABILLARD_RETURN_IF_ERROR(CheckObservance(tzid, o, limits, rdates));
    }
  }
  return absl::OkStatus();
}

}  // namespace babillard::ical
